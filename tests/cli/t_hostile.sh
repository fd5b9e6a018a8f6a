# Hostile inputs, one table row each: name, the function that builds the
# input, the exit status the spec documents, a regex one line of the output
# must match (naming the file and the problem), and the command. Every row
# also fails on a crash (exit >= 124: signal, or timeout), a sanitizer
# report, a leftover temp file, or (when it must fail) any file created or
# changed in the work directory. Valid inputs sit beside their tampered twins.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
for dep in perl truncate timeout mkfifo base64 od; do
	command -v "$dep" >/dev/null || { echo "missing dependency: $dep" >&2; exit 1; }
done
W="$T/w"
mkdir -p "$W" && cd "$W" || exit 1

# ---- shared material -------------------------------------------------------
quiet() { "$@" >/dev/null 2>&1 || { echo "setup failed: $*" >&2; exit 1; }; }
for who in k alice bob evaluator; do quiet "$ATTEST" key generate --out "$who"; done
quiet "$ATTEST" key generate --type ed25519 --out ed
cp alice.pub alice-again.pub
printf 'weights v1\n' >model.bin
statement st.json model.bin
quiet "$ATTEST" sign --key k.key --bundle good.dsse.json st.json
quiet "$ATTEST" sign --key ed.key --format sigstore --bundle good.sigstore.json st.json
H=$(sha256sum model.bin | cut -c1-64)
PAYLOAD=$(jq -r .payload good.dsse.json)
# Keys of types a role must refuse.
quiet openssl genrsa -out rsa1024.key 1024
quiet openssl pkey -in rsa1024.key -pubout -out rsa1024.pub
quiet openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out dsa.param
quiet openssl genpkey -paramfile dsa.param -out dsa.key
quiet openssl genpkey -algorithm X25519 -out x25519.key
quiet openssl pkey -in x25519.key -pubout -out x25519.pub
quiet openssl genpkey -algorithm ED448 -out ed448.key
# A dataset attestation and a tree for verify dataset.
mkdir -p data/sub && printf 'a\n' >data/f1 && printf 'b\n' >data/sub/f2
quiet "$ATTEST" dataset --key k.key --name ds --bundle ds.intoto.jsonl data
jq -r .payload ds.intoto.jsonl | base64 -d >ds-statement.json
# Evidence for the policy rows: one evaluation, approvals of model.bin.
mkdir -p evalset && printf 'x\n' >evalset/x
printf '{"accuracy": 0.9}\n' >metrics.json
quiet "$ATTEST" eval --key evaluator.key --model model.bin --dataset evalset \
	--metrics metrics.json --bundle eval.intoto.jsonl
quiet "$ATTEST" approve --key alice.key --stage production --expires 720h \
	--bundle alice-approval.intoto.jsonl model.bin
quiet "$ATTEST" approve --key bob.key --stage production --expires 720h \
	--bundle bob-approval.intoto.jsonl model.bin
quiet "$ATTEST" approve --key evaluator.key --stage production \
	--bundle evaluator-approval.intoto.jsonl model.bin
jq -r .payload alice-approval.intoto.jsonl | base64 -d >approval-statement.json
rm -f ./*.tmp.* dsa.param

# policy FILE APPROVERS THRESHOLD [MAXAGE]: evaluation and approval rules.
policy() {
	jq -n --argjson signers "$2" --argjson t "$3" --arg age "${4:-}" '
	  {policyVersion: 1,
	   keys: {evaluator: {publicKey: "evaluator.pub"},
	          alice: {publicKey: "alice.pub"}, bob: {publicKey: "bob.pub"},
	          alice2: {publicKey: "alice-again.pub"}},
	   evaluation: {signers: ["evaluator"],
	                metrics: [{name: "accuracy", op: ">=", value: 0.5}]},
	   approval: {stage: "production", signers: $signers, threshold: $t}}
	  + (if $age == "" then {} else {maxAge: $age} end)' >"$1"
}
policy p-1of2.json '["alice","bob"]' 1
policy p-2of2.json '["alice","bob"]' 2
policy p-twice.json '["alice","alice2"]' 2
policy p-maxage.json '["alice","bob"]' 1 1h

# sign_payload OUT PAYLOAD_FILE [TYPE] [KEY]: a DSSE envelope over exactly
# these payload bytes, signed over the PAE with openssl (no checks).
sign_payload() {
	local out=$1 pl=$2 type=${3:-application/vnd.in-toto+json} key=${4:-k.key}
	{
		printf 'DSSEv1 %d %s %d ' "${#type}" "$type" "$(wc -c <"$pl")"
		cat "$pl"
	} >"$out.pae"
	openssl dgst -sha256 -sign "$key" -out "$out.sig" "$out.pae" &&
		jq -nc --arg p "$(base64 -w0 "$pl")" --arg t "$type" \
			--arg s "$(base64 -w0 "$out.sig")" \
			'{payload: $p, payloadType: $t, signatures: [{keyid: "", sig: $s}]}' >"$out"
	local rc=$?
	rm -f "$out.pae" "$out.sig"
	return $rc
}
# stmt_text FILE TEXT: a statement file holding TEXT with @H@ = model.bin's sha256.
stmt_text() { printf '%s' "$2" | sed "s/@H@/$H/g" >"$1"; }
V1='"_type":"https://in-toto.io/Statement/v1"'
PT='"predicateType":"https://example.com/t/v1"'
SUBJ='"subject":[{"name":"model.bin","digest":{"sha256":"@H@"}}]'

# ---- wrappers used as commands ------------------------------------------------
# tcmd CMD...: runs CMD (a program under a 300 s timeout, or a wrapper below).
tcmd() {
	if declare -F "$1" >/dev/null; then
		"$@"
	else
		timeout 300 "$@"
	fi
}
# quick CMD...: CMD under a 10 s timeout (exit 124), for inputs that once hung.
quick() { timeout 10 "$@"; }
# no_raw_esc CMD...: CMD's status, or 99 when its output holds a raw ESC.
no_raw_esc() {
	local rc
	tcmd "$@" >"$T/raw" 2>&1
	rc=$?
	cat "$T/raw"
	if od -An -c "$T/raw" | grep -q '033'; then
		echo "raw ESC byte in the output" >&2
		return 99
	fi
	return $rc
}
# no_raw_ctl CMD...: CMD's status, or 97 when stdout or stderr holds a
# control byte other than newline and tab (ESC, CR, NUL, ...) or a bidi
# override (U+202A..U+202E, U+2066..U+2069). SPEC-VER-6.
no_raw_ctl() {
	local rc
	tcmd "$@" >"$T/raw.out" 2>"$T/raw.err"
	rc=$?
	cat "$T/raw.out"
	cat "$T/raw.err" >&2
	if LC_ALL=C grep -qaP '[\x00-\x08\x0b-\x1f\x7f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$T/raw.out" "$T/raw.err"; then
		echo "raw control byte in the output" >&2
		return 97
	fi
	return $rc
}
# json_report CMD...: CMD's status, or 98 when stdout is not one JSON object.
json_report() {
	local rc
	tcmd "$@" >"$T/json"
	rc=$?
	cat "$T/json"
	jq -e 'type == "object"' "$T/json" >/dev/null || { echo "not JSON" >&2; return 98; }
	return $rc
}

# ---- builders ------------------------------------------------------------------
b_nopae() {
	base64 -d <<<"$PAYLOAD" >payload.bin &&
		openssl dgst -sha256 -sign k.key -out raw.sig payload.bin &&
		jq --arg s "$(base64 -w0 raw.sig)" '.signatures[0].sig = $s' good.dsse.json >nopae.json
}
b_nob64() {
	printf '%s' "$PAYLOAD" >b64.txt && openssl dgst -sha256 -sign k.key -out raw.sig b64.txt &&
		jq --arg s "$(base64 -w0 raw.sig)" '.signatures[0].sig = $s' good.dsse.json >nob64.json
}
b_typeswap() { jq '.payloadType = "application/json"' good.dsse.json >typeswap.json; }
b_typesigned() {
	base64 -d <<<"$PAYLOAD" >payload.bin && sign_payload typesigned.json payload.bin application/json
}
b_typecase() {
	base64 -d <<<"$PAYLOAD" >payload.bin &&
		sign_payload typecase.json payload.bin application/vnd.in-toto+JSON
}
urlsafe() { tr '+/' '-_' | tr -d '='; }
b_url() {
	jq --arg p "$(printf '%s' "$PAYLOAD" | urlsafe)" \
		--arg s "$(jq -r '.signatures[0].sig' good.dsse.json | urlsafe)" \
		'.payload = $p | .signatures[0].sig = $s' good.dsse.json >url.json
}
b_url_tampered() {
	b_url && jq '.payload |= (.[0:10] + (if .[10:11] == "A" then "B" else "A" end) + .[11:])' \
		url.json >url-tampered.json
}
b_mixed() { jq '.payload |= ("-_+/" + .[4:])' good.dsse.json >mixed.json; }
b_b64newline() { jq '.payload |= (.[0:40] + "\n" + .[40:])' good.dsse.json >b64nl.json; }
b_b64midpad() { jq '.payload |= (.[0:6] + "==" + .[8:])' good.dsse.json >b64pad.json; }
b_dup_env() { sed 's/^{/{"payload":"AAAA",/' good.dsse.json >dup-env.json; }
b_dup_sig() { sed 's/"sig":/"sig":"AAAA","sig":/' good.dsse.json >dup-sig.json; }
b_dup_stmt() {
	stmt_text dup.json "{$V1,$V1,$SUBJ,$PT}" && sign_payload dup-stmt.json dup.json
}
b_dup_subject() {
	stmt_text dup.json "{$V1,\"subject\":[{\"name\":\"a\",\"name\":\"b\",\"digest\":{\"sha256\":\"@H@\"}}],$PT}" &&
		sign_payload dup-subject.json dup.json
}
b_dup_digest() {
	stmt_text dup.json "{$V1,\"subject\":[{\"name\":\"a\",\"digest\":{\"sha256\":\"@H@\",\"sha256\":\"@H@\"}}],$PT}" &&
		sign_payload dup-digest.json dup.json
}
b_dup_pred() {
	stmt_text dup.json "{$V1,$SUBJ,$PT,\"predicate\":{\"a\":1,\"a\":2}}" &&
		sign_payload dup-pred.json dup.json
}
b_dup_sigstore() {
	sed 's/"verificationMaterial":{/"verificationMaterial":{"publicKey":{},/' \
		good.sigstore.json >dup-sigstore.json
}
b_dup_policy() { sed 's/"policyVersion": 1,/"policyVersion": 1, "policyVersion": 1,/' p-1of2.json >dup-policy.json; }
b_dup_metrics() { printf '{"accuracy": 0.9, "accuracy": 0.1}\n' >dup-metrics.json; }
b_dup_manifest() {
	printf '{"files":[],"files":[],"method":"files","version":1}\n' >dup-manifest.json
}
# ds_ref NAME OUT [MANIFEST_FILE]: the dataset statement with contents[0]
# pointing at manifestRef NAME (digest of MANIFEST_FILE), signed into OUT.
ds_ref() {
	local d
	d=$(sha256sum "${3:-/dev/null}" | cut -c1-64)
	jq --arg n "$1" --arg d "$d" '.predicate.contents[0] |=
	    (del(.manifest) | .manifestRef = {name: $n, digest: {sha256: $d}})' \
		ds-statement.json >ds-ref.json && "$ATTEST" sign --key k.key --bundle "$2" ds-ref.json
}
b_dup_manifestref() {
	b_dup_manifest && ds_ref dup-manifest.json ds-dupref.intoto.jsonl dup-manifest.json
}
b_ref_dotdot() { ds_ref ../ds.json ds-dotdot.intoto.jsonl; }
b_ref_abs() { ds_ref /etc/passwd ds-abs.intoto.jsonl; }
# ds_inline PATH OUT: the dataset statement with the first manifest entry
# renamed to PATH, signed into OUT.
ds_inline() {
	jq --arg p "$1" '.predicate.contents[0].manifest.files[0].path = $p' \
		ds-statement.json >ds-inline.json &&
		"$ATTEST" sign --key k.key --bundle "$2" ds-inline.json
}
b_inline_dotdot() { ds_inline ../etc/passwd ds-in-dotdot.intoto.jsonl; }
b_inline_abs() { ds_inline /etc/passwd ds-in-abs.intoto.jsonl; }
b_frommanifest_dotdot() {
	printf '{"files":[{"path":"../etc/passwd","sha256":"%s","size":2}],"method":"files","version":1}\n' \
		"$H" >m-dotdot.json
}
b_link_tree() { rm -rf lt && mkdir lt && printf 'x' >lt/f && ln -s f lt/l; }
b_fifo_tree() { rm -rf ft && mkdir ft && printf 'x' >ft/f && mkfifo ft/p; }
b_fifo() { rm -f p.fifo && mkfifo p.fifo; }
b_outside_tree() { rm -rf ot && mkdir ot && printf 'x' >ot/f && ln -s /etc/passwd ot/out; }
b_ctl_tree() { rm -rf ct && mkdir ct && printf 'x' >"ct/$(printf 'e\033[31m')"; }
b_badutf8_tree() { rm -rf ut && mkdir ut && printf 'x' >"ut/$(printf 'bad\377')"; }
b_deep() { perl -e 'print "[" x 100000' >deep.json; }
b_deep_stmt() { perl -e 'print "{\"a\":" x 100000' >deep-stmt.json; }
b_deep_policy() { perl -e 'print "{\"policyVersion\":1,\"keys\":" . ("[" x 100000)' >deep-policy.json; }
b_gig() {
	jq -c . good.dsse.json >gig.intoto.jsonl && truncate -s 1G gig.intoto.jsonl
}
b_longline() {
	jq -c . good.dsse.json >long.intoto.jsonl && truncate -s 100M long.intoto.jsonl
}
b_bigstmt() { cp st.json big-stmt.json && truncate -s 65M big-stmt.json; }
b_metrics_overflow() { printf '{"accuracy": 1e400}\n' >m-overflow.json; }
b_metrics_bigint() { printf '{"accuracy": 100000000000000000000}\n' >m-bigint.json; }
b_metrics_nan() { printf '{"accuracy": NaN}\n' >m-nan.json; }
b_metrics_inf() { printf '{"accuracy": Infinity}\n' >m-inf.json; }
b_metrics_max() { printf '{"accuracy": 1.7976931348623157e308}\n' >m-max.json; }
b_stmt_max() { stmt_text st-max.json "{$V1,$SUBJ,$PT,\"predicate\":{\"x\":1.7976931348623157e308}}"; }
b_v01_v1shape() {
	stmt_text v01.json '{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"digest":{"sha256":"@H@"}}],'"$PT}"
}
b_v01_signed() { b_v01_v1shape && sign_payload v01-signed.json v01.json; }
b_v2() { stmt_text v2.json "{\"_type\":\"https://in-toto.io/Statement/v2\",$SUBJ,$PT}"; }
b_notype() { stmt_text notype.json "{$SUBJ,$PT}"; }
b_md5() {
	stmt_text md5.json "{$V1,\"subject\":[{\"name\":\"m\",\"digest\":{\"md5\":\"d41d8cd98f00b204e9800998ecf8427e\"}}],$PT}" &&
		sign_payload md5-signed.json md5.json
}
b_shortsha() { stmt_text short.json "{$V1,\"subject\":[{\"name\":\"m\",\"digest\":{\"sha256\":\"${H:1}\"}}],$PT}"; }
b_nonhex() { stmt_text nonhex.json "{$V1,\"subject\":[{\"name\":\"m\",\"digest\":{\"sha256\":\"zz${H:2}\"}}],$PT}"; }
b_upper() {
	stmt_text upper.json "{$V1,\"subject\":[{\"name\":\"m\",\"digest\":{\"sha256\":\"${H^^}\"}}],$PT}" &&
		sign_payload upper-signed.json upper.json
}
b_upper_twin() {
	local h2
	printf 'weights v2\n' >other.bin && h2=$(sha256sum other.bin | cut -c1-64) &&
		stmt_text upper2.json "{$V1,\"subject\":[{\"name\":\"m\",\"digest\":{\"sha256\":\"${h2^^}\"}}],$PT}" &&
		sign_payload upper-twin.json upper2.json
}
b_empty() { : >empty.jsonl; }
b_garbage() { perl -e 'srand(7); print map { chr(int(rand(256))) } 1..4096' >garbage.bin; }
b_nul_escaped() { jq '.payloadType = "application/vnd.in-toto+json\u0000x"' good.dsse.json >nul-esc.json; }
b_nul_raw() { jq -c . good.dsse.json | perl -pe 's/"payloadType":"/"payloadType":"\0/' >nul-raw.json; }
b_nul_name() {
	stmt_text nul.json "{$V1,\"subject\":[{\"name\":\"a\\u0000b\",\"digest\":{\"sha256\":\"@H@\"}}],$PT}" &&
		sign_payload nul-name.json nul.json
}
b_badutf8_name() {
	stmt_text badutf8.json "{$V1,\"subject\":[{\"name\":\"bad$(printf '\377\376')\",\"digest\":{\"sha256\":\"@H@\"}}],$PT}"
}
b_badutf8_signed() { b_badutf8_name && sign_payload badutf8-signed.json badutf8.json; }
b_trunc() { head -c 100 good.dsse.json >trunc.json; }
b_nosig() { jq -c '.signatures = []' good.dsse.json >nosig.intoto.jsonl; }
b_sigstore2() { jq -c '.dsseEnvelope.signatures += .dsseEnvelope.signatures' good.sigstore.json >two.sigstore.json; }
b_sigstore_v04() {
	jq -c '.mediaType = "application/vnd.dev.sigstore.bundle.v0.4+json"' good.sigstore.json >v04.sigstore.json
}
b_nonobject() { { jq -c . good.dsse.json; printf '[1]\n"str"\n42\nnull\n'; } >nonobj.intoto.jsonl; }
b_crlf() {
	{ jq -c . good.dsse.json; jq -c . good.sigstore.json; } | sed 's/$/\r/' >crlf.intoto.jsonl
}
b_ctlname() {
	stmt_text ctl.json "{$V1,\"subject\":[{\"name\":\"\\u001b[31mevil\\u0007\",\"digest\":{\"sha256\":\"@H@\"}}],$PT}" &&
		"$ATTEST" sign --key k.key --bundle ctl.intoto.jsonl ctl.json
}
b_65sigs() { jq -c '.signatures = [range(65) as $i | .signatures[0]]' good.dsse.json >65sigs.json; }
b_trailing() { { cat st.json; printf ' {}'; } >trailing.json; }
b_bigint_stmt() { stmt_text bigint.json "{$V1,$SUBJ,$PT,\"predicate\":{\"n\":99999999999999999999}}"; }
b_dir() { mkdir -p adir; }
b_dupsig_envelope() {
	jq -c '.signatures += .signatures' alice-approval.intoto.jsonl >dupsig-approval.intoto.jsonl
}
# approval_at OUT APPROVED_OFFSET_S [EXPIRES_OFFSET_S]: alice's approval with
# times relative to now, signed with attest sign.
approval_at() {
	local now exp=null
	now=$(date +%s)
	[ -n "${3:-}" ] && exp="\"$(date -u -d "@$((now + $3))" +%Y-%m-%dT%H:%M:%SZ)\""
	jq --arg a "$(date -u -d "@$((now + $2))" +%Y-%m-%dT%H:%M:%SZ)" --argjson x "$exp" \
		'.predicate.approvedOn = $a | .predicate.expiresOn = $x
		 | if $x == null then del(.predicate.expiresOn) else . end' \
		approval-statement.json >approval-at.json &&
		"$ATTEST" sign --key alice.key --bundle "$1" approval-at.json
}
b_expired() { approval_at expired.intoto.jsonl -7200 -3600; }
b_future() { approval_at future.intoto.jsonl 3600; }
b_stale() { approval_at stale.intoto.jsonl -7200; }
b_fresh() { approval_at fresh.intoto.jsonl -60; }
b_bigpolicy() {
	jq '.description = ("x" * 1100000)' p-1of2.json >big-policy.json
}
b_rsapolicy() {
	jq --arg k "$(cat rsa1024.pub)" '.keys.bob.publicKey = $k' p-1of2.json >rsa-policy.json
}

# ---- the row runner ----------------------------------------------------------
snapshot() { find . -type f -newer "$T/mark" -o -type f -name '*.tmp.*' | LC_ALL=C sort; }
# row NAME BUILD WANT REGEX CMD...: REGEX must match stderr, or stdout
# when it starts with out: (the report lines), never either.
row() {
	local name=$1 build=$2 want=$3 pat=$4 got why=""
	shift 4
	if [ "$build" != - ] && ! "$build" >"$T/build.log" 2>&1; then
		fail "$name (could not build the input)"
		sed 's/^/     | /' "$T/build.log" | head -3
		return
	fi
	touch "$T/mark"
	sleep 0.01
	tcmd "$@" >"$T/out" 2>"$T/err"
	got=$?
	[ "$got" -ge 124 ] && why="$why; exit $got (crash, signal or timeout)"
	grep -Eq 'Sanitizer|runtime error:|^==[0-9]+==' "$T/err" && why="$why; sanitizer report"
	[ "$got" -ne "$want" ] && why="$why; exit $got, wanted $want"
	local stream=err
	case $pat in out:*) stream=out pat=${pat#out:} ;; esac
	grep -Eq -- "$pat" "$T/$stream" || why="$why; std$stream lacks /$pat/"
	if [ "$want" -ne 0 ] && [ -n "$(snapshot)" ]; then
		why="$why; files written on failure: $(snapshot | tr '\n' ' ')"
	fi
	ls ./*.tmp.* >/dev/null 2>&1 && why="$why; temp files left"
	if [ -z "$why" ]; then
		pass "$name"
	else
		fail "$name (${why#; })"
		sed 's/^/     | /' "$T/err" | head -4
	fi
}

K=(--key k.pub)
#   name                                         build                 rc  regex                                                     command
row "signature over the JSON payload, not PAE"   b_nopae               1  'out:nopae.json(:1)?: .*(signature|verif)'                    "$VERIFY" "${K[@]}" nopae.json
row "signature over the base64 text"             b_nob64               1  'out:nob64.json(:1)?: .*(signature|verif)'                    "$VERIFY" "${K[@]}" nob64.json
row "payloadType swapped after signing"          b_typeswap            1  'out:typeswap.json(:1)?: .*(signature|verif)'                 "$VERIFY" "${K[@]}" typeswap.json
row "payloadType swapped and re-signed"          b_typesigned          1  'out:typesigned.json(:1)?: .*payloadType'                     "$VERIFY" "${K[@]}" typesigned.json
row "payloadType in other case, re-signed"       b_typecase            1  'out:typecase.json(:1)?: .*payloadType'                       "$VERIFY" "${K[@]}" typecase.json
row "URL-safe unpadded base64 verifies"          b_url                 0  'out:PASS +url.json'                                          "$VERIFY" "${K[@]}" --artifact model.bin url.json
row "URL-safe base64, tampered twin"             b_url_tampered        1  'out:url-tampered.json(:1)?: '                                "$VERIFY" "${K[@]}" url-tampered.json
row "mixed base64 alphabets"                     b_mixed               1  'out:mixed.json(:1)?: .*malformed base64'                     "$VERIFY" "${K[@]}" mixed.json
row "line break inside base64"                   b_b64newline          1  'out:b64nl.json(:1)?: .*malformed base64'                     "$VERIFY" "${K[@]}" b64nl.json
row "padding inside base64"                      b_b64midpad           1  'out:b64pad.json(:1)?: .*malformed base64'                    "$VERIFY" "${K[@]}" b64pad.json
row "duplicate key: envelope"                    b_dup_env             1  'out:dup-env.json(:1)?: .*duplicate'                          "$VERIFY" "${K[@]}" dup-env.json
row "duplicate key: signature object"            b_dup_sig             1  'out:dup-sig.json(:1)?: .*duplicate'                          "$VERIFY" "${K[@]}" dup-sig.json
row "duplicate key: statement"                   b_dup_stmt            1  'out:dup-stmt.json(:1)?: .*duplicate'                         "$VERIFY" "${K[@]}" dup-stmt.json
row "duplicate key: subject"                     b_dup_subject         1  'out:dup-subject.json(:1)?: .*duplicate'                      "$VERIFY" "${K[@]}" dup-subject.json
row "duplicate key: digest"                      b_dup_digest          1  'out:dup-digest.json(:1)?: .*duplicate'                       "$VERIFY" "${K[@]}" dup-digest.json
row "duplicate key: predicate"                   b_dup_pred            1  'out:dup-pred.json(:1)?: .*duplicate'                         "$VERIFY" "${K[@]}" dup-pred.json
row "duplicate key: Sigstore bundle"             b_dup_sigstore        1  'out:dup-sigstore.json(:1)?: .*duplicate'                     "$VERIFY" --key ed.pub dup-sigstore.json
row "duplicate key: policy"                      b_dup_policy          2  'dup-policy.json: .*duplicate'                            "$VERIFY" policy --policy dup-policy.json --bundle eval.intoto.jsonl model.bin
row "duplicate key: metrics file"                b_dup_metrics         1  'dup-metrics.json: .*duplicate'                           "$ATTEST" eval --key evaluator.key --model model.bin --dataset evalset --metrics dup-metrics.json --bundle out.intoto.jsonl
row "duplicate key: manifest (attest)"           b_dup_manifest        1  'dup-manifest.json: .*duplicate'                          "$ATTEST" dataset --key k.key --name x --from-manifest dup-manifest.json --bundle out.intoto.jsonl data
row "duplicate key: manifestRef file (verify)"   b_dup_manifestref     1  'dup-manifest.json: .*duplicate'                          "$VERIFY" dataset "${K[@]}" --bundle ds-dupref.intoto.jsonl --only f1 data
row "100000 nested [ in a bundle"                b_deep                1  'out:deep.json(:1)?: .*(nest|depth|invalid JSON)'             "$VERIFY" "${K[@]}" deep.json
row "100000 nested objects in a statement"       b_deep_stmt           1  'deep-stmt.json: .*(nest|depth|invalid JSON)'             "$ATTEST" sign --key k.key --bundle out.intoto.jsonl deep-stmt.json
row "100000 nested [ in a policy"                b_deep_policy         2  'deep-policy.json: .*(nest|depth|invalid JSON)'           "$VERIFY" policy --policy deep-policy.json --bundle eval.intoto.jsonl model.bin
row "1 GiB .jsonl (sparse)"                      b_gig                 3  'out:gig.intoto.jsonl: larger than'                           "$VERIFY" "${K[@]}" gig.intoto.jsonl
row "100 MiB line in a .jsonl (sparse)"          b_longline            1  'out:long.intoto.jsonl:2: line longer than'                   "$VERIFY" "${K[@]}" long.intoto.jsonl
row "65 MiB statement"                           b_bigstmt             1  'big-stmt.json: larger than'                              "$ATTEST" sign --key k.key --bundle out.intoto.jsonl big-stmt.json
row "metrics: 1e400"                             b_metrics_overflow    1  'm-overflow.json: .*overflow'                             "$ATTEST" eval --key evaluator.key --model model.bin --dataset evalset --metrics m-overflow.json --bundle out.intoto.jsonl
row "metrics: integer beyond 64 bits"            b_metrics_bigint      1  'm-bigint.json: .*too big'                                "$ATTEST" eval --key evaluator.key --model model.bin --dataset evalset --metrics m-bigint.json --bundle out.intoto.jsonl
row "metrics: NaN"                               b_metrics_nan         1  'm-nan.json: invalid JSON'                                "$ATTEST" eval --key evaluator.key --model model.bin --dataset evalset --metrics m-nan.json --bundle out.intoto.jsonl
row "metrics: Infinity"                          b_metrics_inf         1  'm-inf.json: invalid JSON'                                "$ATTEST" eval --key evaluator.key --model model.bin --dataset evalset --metrics m-inf.json --bundle out.intoto.jsonl
row "metrics: DBL_MAX rounds to overflow"        b_metrics_max         1  'm-max.json: .*overflow'                                  "$ATTEST" eval --key evaluator.key --model model.bin --dataset evalset --metrics m-max.json --bundle out.intoto.jsonl
row "statement: DBL_MAX rounds to overflow"      b_stmt_max            1  'st-max.json: .*overflow'                                 "$ATTEST" sign --key k.key --bundle out.intoto.jsonl st-max.json
row "v0.1 _type with a v1 shape (attest)"        b_v01_v1shape         1  'v01.json: subject\[0\] has no name'                      "$ATTEST" sign --key k.key --bundle out.intoto.jsonl v01.json
row "v0.1 _type with a v1 shape (verify)"        b_v01_signed          1  'out:v01-signed.json(:1)?: subject\[0\] has no name'          "$VERIFY" "${K[@]}" v01-signed.json
row "unknown _type Statement/v2"                 b_v2                  1  'v2.json: not an in-toto Statement'                       "$ATTEST" sign --key k.key --bundle out.intoto.jsonl v2.json
row "no _type"                                   b_notype              1  'notype.json: statement has no _type'                     "$ATTEST" sign --key k.key --bundle out.intoto.jsonl notype.json
row "md5-only subject (verify)"                  b_md5                 1  'out:md5-signed.json(:1)?: .*acceptable digest'               "$VERIFY" "${K[@]}" md5-signed.json
row "sha256 of 63 hex digits"                    b_shortsha            1  'short.json: .*acceptable digest'                         "$ATTEST" sign --key k.key --bundle out.intoto.jsonl short.json
row "sha256 not hex"                             b_nonhex              1  'nonhex.json: .*acceptable digest'                        "$ATTEST" sign --key k.key --bundle out.intoto.jsonl nonhex.json
row "uppercase sha256 matches the artifact"      b_upper               0  'out:PASS +artifact model.bin'                                "$VERIFY" "${K[@]}" --artifact model.bin upper-signed.json
row "uppercase sha256 of another file, twin"     b_upper_twin          1  'out:artifact model.bin .*not a subject'                      "$VERIFY" "${K[@]}" --artifact model.bin upper-twin.json
row "manifestRef name ../ds.json"                b_ref_dotdot          1  'ds-dotdot.intoto.jsonl:1: bad manifestRef name'          "$VERIFY" dataset "${K[@]}" --bundle ds-dotdot.intoto.jsonl --only f1 data
row "manifestRef name /etc/passwd"               b_ref_abs             1  'ds-abs.intoto.jsonl:1: bad manifestRef name'             "$VERIFY" dataset "${K[@]}" --bundle ds-abs.intoto.jsonl --only f1 data
row "manifest entry ../etc/passwd (verify)"      b_inline_dotdot       1  'ds-in-dotdot.intoto.jsonl:1: .*bad path \.\./etc/passwd' "$VERIFY" dataset "${K[@]}" --bundle ds-in-dotdot.intoto.jsonl --only f1 data
row "manifest entry /etc/passwd (verify)"        b_inline_abs          1  'ds-in-abs.intoto.jsonl:1: .*bad path /etc/passwd'        "$VERIFY" dataset "${K[@]}" --bundle ds-in-abs.intoto.jsonl --only f1 data
row "manifest entry ../etc/passwd (attest)"      b_frommanifest_dotdot 1  'm-dotdot.json: files\[0\]: bad path'                     "$ATTEST" dataset --key k.key --name x --from-manifest m-dotdot.json --bundle out.intoto.jsonl data
row "symlink in a dataset"                       b_link_tree           1  'lt/l: symbolic link refused'                             "$ATTEST" dataset --key k.key --name x --bundle out.intoto.jsonl lt
row "FIFO in a dataset"                          b_fifo_tree           1  'ft/p: FIFO refused'                                      "$ATTEST" dataset --key k.key --name x --bundle out.intoto.jsonl ft
row "FIFO as --artifact"                         b_fifo                3  'out:artifact p.fifo: not a regular file'                     quick "$VERIFY" "${K[@]}" --artifact p.fifo good.dsse.json
row "FIFO as a bundle"                           b_fifo                3  'out:p.fifo: not a regular file'                              quick "$VERIFY" "${K[@]}" p.fifo
row "FIFO as --key"                              b_fifo                3  'p.fifo: not a regular file'                              quick "$VERIFY" --key p.fifo good.dsse.json
row "FIFO as verify policy --bundle"             b_fifo                3  'p.fifo: not a regular file'                              quick "$VERIFY" policy --policy p-1of2.json --bundle p.fifo model.bin
row "FIFO as verify policy --policy"             b_fifo                3  'p.fifo: not a regular file'                              quick "$VERIFY" policy --policy p.fifo --bundle eval.intoto.jsonl model.bin
row "FIFO as the model of verify policy"         b_fifo                1  'p.fifo: not a directory or a regular' quick "$VERIFY" policy --policy p-1of2.json --bundle eval.intoto.jsonl p.fifo
row "FIFO as verify dataset --bundle"            b_fifo                3  'p.fifo: not a regular file'                              quick "$VERIFY" dataset "${K[@]}" --bundle p.fifo data
row "FIFO as the statement of attest sign"       b_fifo                3  'p.fifo: not a regular file'                              quick "$ATTEST" sign --key k.key --bundle out.intoto.jsonl p.fifo
row "FIFO as the signing key"                    b_fifo                3  'p.fifo: not a regular file'                              quick "$ATTEST" sign --key p.fifo --bundle out.intoto.jsonl st.json
row "FIFO as --tsa-cert"                         b_fifo                3  'p.fifo: not a regular file'                              quick "$VERIFY" "${K[@]}" --tsa-cert p.fifo good.dsse.json
row "symlink out of the tree, links allowed"     b_outside_tree        1  'ot/out: symbolic link points outside'                    "$ATTEST" dataset --allow-symlinks --key k.key --name x --bundle out.intoto.jsonl ot
row "control characters in a file name"          b_ctl_tree            1  'out:ct/e\\x1b\[31m: name is not UTF-8'                       no_raw_esc "$ATTEST" dataset --key k.key --name x --bundle out.intoto.jsonl ct
row "invalid UTF-8 in a file name"               b_badutf8_tree        1  'ut/bad\\xff: name is not UTF-8'                          "$ATTEST" dataset --key k.key --name x --bundle out.intoto.jsonl ut
row "symlinks and FIFOs in verify dataset"       b_fifo_tree           1  'ft/p: FIFO refused'                                      "$VERIFY" dataset "${K[@]}" --bundle ds.intoto.jsonl ft
row "RSA 1024 signing key"                       -                     1  'rsa1024.key: unsupported key type'                       "$ATTEST" sign --key rsa1024.key --bundle out.intoto.jsonl st.json
row "DSA signing key"                            -                     1  'dsa.key: unsupported key type'                           "$ATTEST" sign --key dsa.key --bundle out.intoto.jsonl st.json
row "X25519 signing key"                         -                     1  'x25519.key: unsupported key type'                        "$ATTEST" sign --key x25519.key --bundle out.intoto.jsonl st.json
row "Ed448 signing key"                          -                     1  'ed448.key: unsupported key type'                         "$ATTEST" sign --key ed448.key --bundle out.intoto.jsonl st.json
row "RSA 1024 trusted key"                       -                     3  'rsa1024.pub: unsupported key type'                       "$VERIFY" --key rsa1024.pub good.dsse.json
row "X25519 trusted key"                         -                     3  'x25519.pub: unsupported key type'                        "$VERIFY" --key x25519.pub good.dsse.json
row "RSA 1024 key inline in a policy"            b_rsapolicy           2  'bob: unsupported key type'                               "$VERIFY" policy --policy rsa-policy.json --bundle eval.intoto.jsonl model.bin
row "policy: evaluation + approval admit"        -                     0  'out:approval.threshold'                                      "$VERIFY" policy --policy p-1of2.json --bundle eval.intoto.jsonl --bundle alice-approval.intoto.jsonl model.bin
row "policy: approval by the evaluation key"     -                     1  'out:approval.threshold'                                      "$VERIFY" policy --policy p-1of2.json --bundle eval.intoto.jsonl --bundle evaluator-approval.intoto.jsonl model.bin
row "policy: evaluation by an approval key"      -                     1  'out:evaluation'                                              "$VERIFY" policy --policy p-1of2.json --bundle alice-approval.intoto.jsonl model.bin
row "2 of 2: alice and bob admit"                -                     0  'out:approval.threshold'                                      "$VERIFY" policy --policy p-2of2.json --bundle eval.intoto.jsonl --bundle alice-approval.intoto.jsonl --bundle bob-approval.intoto.jsonl model.bin
row "2 of 2: one signature twice in an envelope" b_dupsig_envelope     1  'out:approval.threshold.*1 of 2 required approvals'           "$VERIFY" policy --policy p-2of2.json --bundle eval.intoto.jsonl --bundle dupsig-approval.intoto.jsonl model.bin
row "2 of 2: one approval given twice"           -                     1  'out:approval.threshold.*1 of 2 required approvals'           "$VERIFY" policy --policy p-2of2.json --bundle eval.intoto.jsonl --bundle alice-approval.intoto.jsonl --bundle alice-approval.intoto.jsonl model.bin
row "2 of 2: one key under two names"            -                     1  'out:approval.threshold.*1 of 2 required approvals'           "$VERIFY" policy --policy p-twice.json --bundle eval.intoto.jsonl --bundle alice-approval.intoto.jsonl model.bin
row "approval approved a minute ago admits"      b_fresh               0  'out:approval.threshold'                                      "$VERIFY" policy --policy p-maxage.json --bundle eval.intoto.jsonl --bundle fresh.intoto.jsonl model.bin
row "approval that has expired"                  b_expired             1  'out:expired.intoto.jsonl:1 has expired'                      "$VERIFY" policy --policy p-1of2.json --bundle eval.intoto.jsonl --bundle expired.intoto.jsonl model.bin
row "approval dated an hour ahead"               b_future              1  'out:future.intoto.jsonl:1 is dated in the future'            "$VERIFY" policy --policy p-1of2.json --bundle eval.intoto.jsonl --bundle future.intoto.jsonl model.bin
row "approval older than maxAge"                 b_stale               1  'out:stale.intoto.jsonl:1 is older than maxAge'               "$VERIFY" policy --policy p-maxage.json --bundle eval.intoto.jsonl --bundle stale.intoto.jsonl model.bin
row "policy over 1 MiB"                          b_bigpolicy           2  'big-policy.json: larger than'                            "$VERIFY" policy --policy big-policy.json --bundle eval.intoto.jsonl model.bin
row "empty bundle"                               b_empty               1  'out:empty.jsonl: no attestations'                            "$VERIFY" "${K[@]}" empty.jsonl
row "binary garbage"                             b_garbage             1  'out:garbage.bin:[0-9]+: invalid JSON'                        "$VERIFY" "${K[@]}" garbage.bin
row "escaped NUL in payloadType"                 b_nul_escaped         1  'out:nul-esc.json(:1)?: .*(NUL|\\u0000|invalid JSON)'         "$VERIFY" "${K[@]}" nul-esc.json
row "raw NUL byte inside a JSON string"          b_nul_raw             1  'out:nul-raw.json(:1)?: invalid JSON'                         "$VERIFY" "${K[@]}" nul-raw.json
row "escaped NUL in a signed subject name"       b_nul_name            1  'out:nul-name.json(:1)?: .*(NUL|\\u0000|invalid JSON)'        "$VERIFY" "${K[@]}" nul-name.json
row "invalid UTF-8 subject name (attest)"        b_badutf8_name        1  'badutf8.json: invalid JSON.*decode byte'                 "$ATTEST" sign --key k.key --bundle out.intoto.jsonl badutf8.json
row "invalid UTF-8 subject name (verify)"        b_badutf8_signed      1  'out:badutf8-signed.json(:1)?: .*decode byte'                 "$VERIFY" "${K[@]}" badutf8-signed.json
row "truncated envelope"                         b_trunc               1  'out:trunc.json(:1)?: invalid JSON'                           "$VERIFY" "${K[@]}" trunc.json
row "envelope with 0 signatures"                 b_nosig               1  'out:nosig.intoto.jsonl:1: envelope has no signatures'        "$VERIFY" "${K[@]}" nosig.intoto.jsonl
row "envelope with 65 signatures"                b_65sigs              1  'out:65sigs.json(:1)?: more than 64 signatures'               "$VERIFY" "${K[@]}" 65sigs.json
row "Sigstore bundle with 2 signatures"          b_sigstore2           1  'out:two.sigstore.json:1: .*exactly one'                      "$VERIFY" --key ed.pub two.sigstore.json
row "Sigstore bundle v0.4"                       b_sigstore_v04        1  'out:v04.sigstore.json:1: unsupported Sigstore'               "$VERIFY" --key ed.pub v04.sigstore.json
row "JSON array as a .jsonl line"                b_nonobject           1  'out:nonobj.intoto.jsonl:2: not a JSON object'                "$VERIFY" "${K[@]}" nonobj.intoto.jsonl
row "JSON scalars as .jsonl lines"               b_nonobject           1  'out:nonobj.intoto.jsonl:5: invalid JSON'                     "$VERIFY" "${K[@]}" nonobj.intoto.jsonl
row "CRLF line endings verify"                   b_crlf                0  'out:PASS +crlf.intoto.jsonl:2'                               "$VERIFY" "${K[@]}" --key ed.pub --artifact model.bin crlf.intoto.jsonl
row "control characters in a subject name"       b_ctlname             0  'out:subject \\x1b\[31mevil\\x07'                             no_raw_esc "$VERIFY" "${K[@]}" ctl.intoto.jsonl
row "control characters in the JSON report"      b_ctlname             0  'out:"result": *"pass"'                                       no_raw_esc json_report "$VERIFY" --json "${K[@]}" ctl.intoto.jsonl
row "statement with trailing data"               b_trailing            1  'trailing.json: invalid JSON'                             "$ATTEST" sign --key k.key --bundle out.intoto.jsonl trailing.json
row "statement integer beyond 64 bits"           b_bigint_stmt         1  'bigint.json: invalid JSON.*too big'                      "$ATTEST" sign --key k.key --bundle out.intoto.jsonl bigint.json
row "bundle that is a directory"                 b_dir                 3  'out:adir: is a directory'                                    "$VERIFY" "${K[@]}" adir
row "key that is a directory"                    b_dir                 3  'adir: is a directory'                                    "$ATTEST" sign --key adir --bundle out.intoto.jsonl st.json

# Walk/open race: a file is swapped for a symlink (and back) while it is
# hashed again and again. Every run must refuse (1: symlink seen by the
# walk; 3: changed or a link at open) or hash the regular file; never the
# link's target. The race is timing-dependent; each outcome is correct.
race() {
	local rc bad=0 swapper
	rm -rf rt && mkdir rt && printf 'public\n' >rt/f && printf 'public\n' >rt.f &&
		ln -s /etc/hostname rt.l || return 1
	rm -f rt.stop
	(while [ ! -e rt.stop ]; do cp -P rt.l rt/.n && mv -T rt/.n rt/f; cp rt.f rt/.n && mv -T rt/.n rt/f; done) &
	swapper=$!
	for _ in $(seq 1 40); do
		"$ATTEST" manifest --out race.json rt >/dev/null 2>"$T/race.err"
		rc=$?
		case $rc in
		0) jq -e --arg h "$(sha256sum rt.f | cut -c1-64)" \
			'[.files[] | select(.path == "f")] | all(.sha256 == $h)' race.json >/dev/null || bad=1 ;;
		1 | 3) ;;
		*) bad=1 ;;
		esac
		grep -Eq 'Sanitizer|runtime error' "$T/race.err" && bad=1
	done
	# Stop the swapper between two swaps and wait for it, so none of its
	# cp or mv children writes into the next row's snapshot.
	touch rt.stop
	wait "$swapper" 2>/dev/null
	rm -f race.json
	return $bad
}
race && pass "file swapped for a symlink while hashing (40 runs)" ||
	fail "file swapped for a symlink: a run hashed the link target or crashed"

# ---- SPEC-VER-6: every printed line is escaped once ---------------------------
b_ctl_esc() { printf '{"payload":\033[31mX}\n' >ctl-esc.intoto.jsonl; }
b_ctl_cr() { printf '{"payload":\r\033[2KPASS}\n' >ctl-cr.intoto.jsonl; }
b_ctl_nul() { printf '{"payloadType":"\\u0000\\u001b","payload":"QQ==","signatures":[]}\n' >ctl-nul.intoto.jsonl; }
b_ctl_bidi() { printf '{"payload":\xe2\x80\xaeX}\n' >ctl-bidi.intoto.jsonl; }
b_ctl_attest() { printf '{"\xe2\x80\xae\033x":1}' >ctl-stmt.json; }
b_ctl_big() {
	python3 -c 'import sys; sys.stdout.write("{\"" + "\x1b" * 10 + "A" * 1048576 + "\":1}\n")' >ctl-big.intoto.jsonl
}
row "raw ESC in a bundle line"                   b_ctl_esc  1  'out:FAIL .*invalid JSON.*x1b'  no_raw_ctl "$VERIFY" "${K[@]}" ctl-esc.intoto.jsonl
row "CR and ESC in a bundle line"                b_ctl_cr  1  'out:FAIL .*invalid token near .\\x1b' no_raw_ctl "$VERIFY" "${K[@]}" ctl-cr.intoto.jsonl
row "NUL via \\u0000 in a field"                 b_ctl_nul  1  'out:FAIL .*u0000 is not allowed' no_raw_ctl "$VERIFY" "${K[@]}" ctl-nul.intoto.jsonl
row "bidi override in a bundle line"            b_ctl_bidi  1  'out:FAIL .*near .\\xe2\\x80\\xae' no_raw_ctl "$VERIFY" "${K[@]}" ctl-bidi.intoto.jsonl
row "1 MB key name with ESC"                     b_ctl_big  1  'out:FAIL .*intoto.jsonl' no_raw_ctl "$VERIFY" "${K[@]}" ctl-big.intoto.jsonl
row "bidi and ESC in a statement to sign"        b_ctl_attest 1 'attest: ctl-stmt.json: invalid JSON.*xe2' no_raw_ctl "$ATTEST" sign --key k.key --bundle ctl.out.jsonl ctl-stmt.json
row "ESC in an unknown attest command"           -          2  'unknown command .*\\x1b' no_raw_ctl "$ATTEST" "$(printf 'x\033[31m')"

# Hostile names in every command's output: ESC, a bidi override and CR in
# dataset names, metric names, approver names, parameter names and file
# names reach verify dataset, report, compare, model and policy.
HX=$(printf 'x\033[31m\xe2\x80\xae\rY')
HXE='x\\x1b\[31m\\xe2\\x80\\xae\\x0dY' # HX as printed, as an ERE
HJ='x\u001b[31m\u202e\rY'             # HX as a JSON string body
b_h_dsname() { "$ATTEST" dataset --key k.key --name "ds$HX" --bundle h-ds.intoto.jsonl data; }
b_h_subject() {
	stmt_text h-subj.json "{$V1,\"subject\":[{\"name\":\"\\u202eevil\",\"digest\":{\"sha256\":\"@H@\"}}],$PT}" &&
		"$ATTEST" sign --key k.key --bundle h-subj.intoto.jsonl h-subj.json
}
b_h_tree() {
	rm -rf h-tree && mkdir h-tree && printf 'a\n' >h-tree/a &&
		"$ATTEST" dataset --key k.key --name ht --bundle h-tree.intoto.jsonl h-tree &&
		"$ATTEST" model --key k.key --signature h-tree.sig h-tree &&
		printf 'b\n' >"h-tree/f$HX"
}
b_h_runs() {
	local v
	for v in 1 2; do
		rm -rf "h-run$v" && mkdir "h-run$v" &&
			(cd "h-run$v" && "$ATTEST" run --key ../k.key --param "l$HX=$v" --output o \
				--bundle run.intoto.jsonl -- sh -c 'echo >o') || return 1
	done
}
b_h_metric() { printf '{"acc%s": 0.9}\n' "$HJ" >h-metrics.json; }
b_h_polmetric() { jq --arg m "acc$HX" '.evaluation.metrics[0].name = $m' p-1of2.json >h-polm.json; }
b_h_approver() {
	jq --arg a "al$HX" '.keys[$a] = .keys.alice | del(.keys.alice) | .approval.signers = [$a, "bob"]' \
		p-1of2.json >h-pol.json &&
		"$ATTEST" approve --key alice.key --stage production --decision reject --reason "no$HX" \
			--bundle h-rej.intoto.jsonl model.bin &&
		cp alice-approval.intoto.jsonl "h$HX.intoto.jsonl"
}
row "hostile dataset name (verify dataset)"       b_h_dsname    0 "out:^PASS  data matches h-ds.intoto.jsonl:1 \\(ds$HXE, 2 files" no_raw_ctl "$VERIFY" dataset --key k.pub --bundle h-ds.intoto.jsonl data
row "hostile dataset name (verify report)"        b_h_dsname    0 "out:^      claims +name=ds$HXE\$"            no_raw_ctl "$VERIFY" report --key k.pub --bundle h-ds.intoto.jsonl
row "hostile dataset name (verify report --format dot)" b_h_dsname 0 'out:^  att1 \[.*name=dsx\\\\x1b\[31m\\\\xe2\\\\x80\\\\xae\\\\x0dY"\];$' no_raw_ctl "$VERIFY" report --format dot --key k.pub --bundle h-ds.intoto.jsonl
row "bidi override in the JSON report is \\u202e" b_h_dsname    0 'out:"name": "dsx\\u001B\[31m\\u202E\\rY"'   no_raw_ctl "$VERIFY" report --format json --key k.pub --bundle h-ds.intoto.jsonl
row "bidi override in verify --json - is \\u202e" b_h_subject   0 'out:"name": "\\u202Eevil"'                  no_raw_ctl "$VERIFY" --json - "${K[@]}" h-subj.intoto.jsonl
row "hostile file name in a tree (verify dataset)" b_h_tree     1 "^verify: h-tree/f$HXE: name is not UTF-8 or has control characters\$" no_raw_ctl "$VERIFY" dataset --key k.pub --bundle h-tree.intoto.jsonl h-tree
row "hostile file name in a tree (verify model)"  b_h_tree      1 "^verify: h-tree/f$HXE: name is not UTF-8 or has control characters\$" no_raw_ctl "$VERIFY" model --key k.pub --signature h-tree.sig h-tree
row "hostile parameter name (verify compare)"     b_h_runs      1 "out:^DIFFERS  param l$HXE: A 1, B 2\$"      no_raw_ctl "$VERIFY" compare --key k.pub --bundle h-run1/run.intoto.jsonl --bundle h-run2/run.intoto.jsonl
row "hostile metric name (attest eval)"           b_h_metric    1 "^attest: h-metrics.json: bad metric name \"acc$HXE\"" no_raw_ctl "$ATTEST" eval --key evaluator.key --model model.bin --dataset evalset --metrics h-metrics.json --bundle h-eval.intoto.jsonl
row "hostile metric name (verify policy)"         b_h_polmetric 2 '^verify: h-polm.json: evaluation.metrics\[0\] needs name, op' no_raw_ctl "$VERIFY" policy --policy h-polm.json --bundle eval.intoto.jsonl model.bin
row "hostile approver name (verify policy)"       b_h_approver  1 "out:^UNCOUNTED h-rej.intoto.jsonl:1 reject by al$HXE for production\$" no_raw_ctl "$VERIFY" policy --policy h-pol.json --bundle eval.intoto.jsonl --bundle h-rej.intoto.jsonl model.bin
row "hostile bundle file name (verify policy)"    b_h_approver  0 "out:^PASS +approval.threshold +h$HXE.intoto.jsonl:1\$" no_raw_ctl "$VERIFY" policy --policy h-pol.json --bundle eval.intoto.jsonl --bundle "h$HX.intoto.jsonl" model.bin

summary
