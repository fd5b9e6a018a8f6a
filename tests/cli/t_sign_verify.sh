# attest key/sign and verify: every accept case has a forged twin that
# must be rejected (exit 1); usage errors exit 2; missing files exit 3.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

printf 'weights v1\n' >model.bin
printf 'weights v2\n' >other.bin
statement st.json model.bin

for type in ecdsa-p256 ecdsa-p384 ecdsa-p521 ed25519; do
	expect "key generate $type" 0 "$ATTEST" key generate --type "$type" --out "$type"
	expect "sign dsse $type" 0 "$ATTEST" sign --key "$type.key" --bundle "$type.dsse.json" st.json
	expect "sign sigstore $type" 0 "$ATTEST" sign --key "$type.key" --format sigstore --bundle "$type.sigstore.json" st.json
	expect "verify dsse $type" 0 "$VERIFY" --key "$type.pub" --artifact model.bin "$type.dsse.json"
	expect "verify sigstore $type" 0 "$VERIFY" --key "$type.pub" --artifact model.bin "$type.sigstore.json"
	expect_out "wrong artifact $type" 1 "artifact other.bin sha256:[0-9a-f]{64} is not a subject" "$VERIFY" --key "$type.pub" --artifact other.bin "$type.dsse.json"
done
k=ecdsa-p256
mode=$(stat -c %a $k.key)
[ "$mode" = 600 ] && pass "private key mode 0600" || fail "private key mode $mode"
expect_err "key generate refuses to overwrite" 3 "File exists" "$ATTEST" key generate --out $k
expect "key public from private" 0 "$ATTEST" key public $k.key
cmp -s "$T/out" $k.pub && pass "key public equals .pub" || fail "key public differs from .pub"
expect "key public from public" 0 "$ATTEST" key public $k.pub

# Wrong key, and a key that only co-signs: both rejected.
expect_out "wrong key" 1 "$k.dsse.json:1: no signature verifies under a trusted key" "$VERIFY" --key ed25519.pub $k.dsse.json
expect "right key among others" 0 "$VERIFY" --key ed25519.pub --key $k.pub $k.dsse.json
# A report that cannot be written is never a pass.
"$VERIFY" --key ed25519.pub --key $k.pub $k.dsse.json >/dev/full 2>"$T/err"
rc=$?
[ $rc -eq 3 ] && grep -qx 'verify: cannot write standard output' "$T/err" &&
	pass "stdout that cannot be written: exit 3" || fail "stdout to /dev/full: exit $rc ($(head -1 "$T/err"))"
"$VERIFY" --json - --key ed25519.pub --key $k.pub $k.dsse.json >/dev/full 2>"$T/err"
rc=$?
[ $rc -eq 3 ] && grep -qx 'verify: standard output: No space left on device' "$T/err" &&
	pass "JSON report that cannot be written: exit 3" || fail "--json to /dev/full: exit $rc ($(head -1 "$T/err"))"

# Forgeries of one envelope.
env=$k.dsse.json
body=$(jq -r .payload "$env" | base64 -d)
forged_payload=$(printf '%s' "$body" | jq -c '.subject[0].digest.sha256 = "'"$(sha256sum other.bin | cut -d' ' -f1)"'"' | base64 -w0)
jq --arg p "$forged_payload" '.payload = $p' "$env" >forged-payload.json
# Without --artifact, so only the signature check can reject it.
expect_out "payload swapped" 1 "^FAIL +forged-payload.json: no signature verifies under a trusted key" "$VERIFY" --key $k.pub forged-payload.json
jq '.payloadType = "application/vnd.in-toto+jsonx"' "$env" >forged-type.json
expect_out "payloadType changed" 1 "^FAIL +forged-type.json: no signature verifies under a trusted key" "$VERIFY" --key $k.pub forged-type.json
sig=$(jq -r '.signatures[0].sig' "$env")
flipped=$(printf '%s' "$sig" | base64 -d |
	perl -0777 -pe 'substr($_, 20, 1) ^= "\x01"' | base64 -w0)
[ "$flipped" != "$sig" ] && pass "flipped signature differs" || fail "flip did nothing"
jq --arg s "$flipped" '.signatures[0].sig = $s' "$env" >forged-sig.json
expect_out "signature byte flipped" 1 "^FAIL +forged-sig.json: no signature verifies under a trusted key" "$VERIFY" --key $k.pub forged-sig.json
jq '.signatures[0].keyid = "0000"' "$env" >forged-keyid.json
expect "keyid is only a hint" 0 "$VERIFY" --key $k.pub forged-keyid.json
jq '.signatures = []' "$env" >forged-nosig.json
expect_out "no signatures" 1 "^FAIL +forged-nosig.json: envelope has no signatures" "$VERIFY" --key $k.pub forged-nosig.json
jq 'del(.payloadType)' "$env" >forged-notype.json
expect_out "payloadType missing" 1 "^FAIL +forged-notype.json: neither a DSSE envelope nor a Sigstore bundle" "$VERIFY" --key $k.pub forged-notype.json

# A signature over the JSON payload instead of the PAE.
jq -r .payload "$env" | base64 -d >payload.bin
openssl dgst -sha256 -sign $k.key -out raw.sig payload.bin
jq --arg s "$(base64 -w0 raw.sig)" '.signatures[0].sig = $s' "$env" >forged-nopae.json
expect_out "signature over payload, not PAE" 1 "^FAIL +forged-nopae.json: no signature verifies under a trusted key" "$VERIFY" --key $k.pub forged-nopae.json

# Correctly signed, but not an in-toto payload or not a Statement.
printf 'DSSEv1 %d %s %d ' 16 application/json "$(wc -c <payload.bin)" >pae.bin
cat payload.bin >>pae.bin
openssl dgst -sha256 -sign $k.key -out t.sig pae.bin
jq --arg s "$(base64 -w0 t.sig)" '.payloadType = "application/json" | .signatures[0].sig = $s' "$env" >signed-wrongtype.json
expect_out "signed but wrong payloadType" 1 "payloadType" "$VERIFY" --key $k.pub signed-wrongtype.json
jq '.subject = []' st.json >nosubject.json
expect_err "attest refuses statement without subject" 1 "no subject" "$ATTEST" sign --key $k.key nosubject.json
jq -c '.subject = [{"name":"x","digest":{"md5":"d41d8cd98f00b204e9800998ecf8427e"}}]' st.json >md5.json
expect_err "attest refuses md5-only subject" 1 "acceptable digest" "$ATTEST" sign --key $k.key md5.json
printf '{"_type":"https://in-toto.io/Statement/v1","_type":"x"}' >dup.json
expect_err "duplicate keys refused" 1 "dup.json" "$ATTEST" sign --key $k.key dup.json
printf '{"_type":' >trunc.json
expect_err "truncated statement refused" 1 "trunc.json" "$ATTEST" sign --key $k.key trunc.json

# .jsonl: appends; one bad line rejects the whole verification.
"$ATTEST" sign --key $k.key --bundle all.intoto.jsonl st.json
"$ATTEST" sign --key ed25519.key --format sigstore --bundle all.intoto.jsonl st.json
lines=$(wc -l <all.intoto.jsonl)
[ "$lines" -eq 2 ] && pass "jsonl has two lines" || fail "jsonl has $lines lines"
expect "jsonl verifies" 0 "$VERIFY" --key $k.pub --key ed25519.pub --artifact model.bin all.intoto.jsonl
cp all.intoto.jsonl bad.intoto.jsonl
jq -c . forged-payload.json >>bad.intoto.jsonl
expect_out "one forged line in jsonl" 1 "bad.intoto.jsonl:3" "$VERIFY" --key $k.pub --key ed25519.pub bad.intoto.jsonl
cp all.intoto.jsonl junk.intoto.jsonl
printf '{not json\n' >>junk.intoto.jsonl
expect_out "one malformed line in jsonl" 1 "junk.intoto.jsonl:3" "$VERIFY" --key $k.pub --key ed25519.pub junk.intoto.jsonl
printf '\n\n' >>all.intoto.jsonl
head -c -1 all.intoto.jsonl >nofinal.intoto.jsonl
expect "blank lines and no final newline" 0 "$VERIFY" --key $k.pub --key ed25519.pub nofinal.intoto.jsonl
"$ATTEST" sign --key $k.key --bundle nofinal.intoto.jsonl st.json
n=$(grep -c . nofinal.intoto.jsonl)
[ "$n" -eq 3 ] && pass "append repairs a missing final newline" || fail "append gave $n lines"
expect "repaired jsonl verifies" 0 "$VERIFY" --key $k.pub --key ed25519.pub nofinal.intoto.jsonl

# JSON report.
"$VERIFY" --json --key $k.pub --artifact model.bin $k.dsse.json >report.json
[ "$(jq -r .result report.json)" = pass ] && pass "json report pass" || fail "json report"
"$VERIFY" --json --key $k.pub forged-sig.json >report2.json
[ "$(jq -r .result report2.json)" = rejected ] && pass "json report rejected" || fail "json report rejected"

# Usage errors exit 2.
expect_err "verify without key" 2 "at least one --key (or --certificate-identity )?is required" "$VERIFY" $k.dsse.json
expect_err "verify without bundle" 2 "at least one BUNDLE or --from is required" "$VERIFY" --key $k.pub
expect_err "verify unknown option" 2 "unknown option --bogus" "$VERIFY" --bogus --key $k.pub $k.dsse.json
expect_err "attest sign without key" 2 "usage: attest sign --key" "$ATTEST" sign st.json
expect_err "attest sign bad format" 2 "--format: expected dsse or sigstore, got \"pgp\"" "$ATTEST" sign --key $k.key --format pgp st.json
expect_err "attest unknown command" 2 "unknown command \"frobnicate\"" "$ATTEST" frobnicate
expect_err "attest key generate bad type" 2 "--type: unknown key type \"dsa\"" "$ATTEST" key generate --type dsa --out x
expect "attest --help" 0 "$ATTEST" --help
expect "attest sign --help" 0 "$ATTEST" sign --help
expect "verify --help" 0 "$VERIFY" --help

# Missing files exit 3; a rejection anywhere outranks it.
expect_out "missing bundle" 3 "nope.jsonl" "$VERIFY" --key $k.pub nope.jsonl
expect_err "missing key file" 3 "nope.pub" "$VERIFY" --key nope.pub $k.dsse.json
expect_out "missing artifact" 3 "nope.bin" "$VERIFY" --key $k.pub --artifact nope.bin $k.dsse.json
expect_out "missing and forged: rejected wins" 1 "^FAIL +forged-sig.json: no signature verifies under a trusted key" "$VERIFY" --key $k.pub nope.jsonl forged-sig.json
expect_err "missing signing key" 3 "nope.key" "$ATTEST" sign --key nope.key st.json
expect_err "missing statement" 3 "nope.json" "$ATTEST" sign --key $k.key nope.json

# Output files are never left half-written.
ls ./*.tmp.* >/dev/null 2>&1 && fail "temp files left behind" || pass "no temp files left"
ln -s /etc/passwd link.json
expect_err "refuses to write through a symlink" 3 "symlink" "$ATTEST" sign --key $k.key --bundle link.json st.json

summary
