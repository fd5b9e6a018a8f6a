# s3:// trees against a real S3 API server on 127.0.0.1: s3rver (npm,
# tests/interop/package.json), behind tests/s3/s3proxy.py, which records
# every request and checks its Signature Version 4 (s3rver checks only
# that the key id exists). A bucket prefix and a local copy of the same
# files hash to the same manifest and tree digests both ways; every accept
# row has a tampered twin; wrong credentials, a missing bucket, a paged
# listing, a key with ../, an object replaced mid-run and a transfer cut
# off are each refused with the exact reason, and nothing is written. The
# secret appears in no argv, output, log, manifest or statement.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/../cli/lib.sh"
for dep in node curl python3 cmp; do
	command -v "$dep" >/dev/null || { echo "missing dependency: $dep" >&2; exit 1; }
done
S3RVER=$SRC/tests/interop/node_modules/s3rver/bin/s3rver.js
[ -f "$S3RVER" ] || { echo "missing dependency: s3rver (scripts/setup.sh --test installs it)" >&2; exit 1; }
cd "$T" || exit 1
SPID=
PPID_=
stop() {
	local p
	for p in "$PPID_" "$SPID"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	PPID_=
	SPID=
}
trap 'stop; rm -rf "$T"' EXIT
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {
	local i
	for i in $(seq 1 100); do
		curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
		sleep 0.1
	done
	return 1
}

AKID=S3RVER
SECRET="tEst+sEcret/$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$SECRET" >secret
SPORT=$(free_port)
# s3rver's continuation tokens are DES (OpenSSL 3's legacy provider).
node --openssl-legacy-provider "$S3RVER" -d "$T/s3data" -a 127.0.0.1 -p "$SPORT" --configure-bucket bkt \
	-s >s3rver.log 2>&1 &
SPID=$!
wait_port "$SPORT" && pass "s3rver up on 127.0.0.1:$SPORT" || { fail "s3rver up"; cat s3rver.log; summary; exit 1; }

# start_proxy MODE [TOKEN]: a fresh proxy with its own log (plog); sets EP.
start_proxy() {
	[ -n "$PPID_" ] && kill "$PPID_" 2>/dev/null && wait "$PPID_" 2>/dev/null
	PPORT=$(free_port)
	: >plog
	python3 "$SRC/tests/s3/s3proxy.py" --port "$PPORT" --backend "$SPORT" --log plog \
		--akid "$AKID" --secret-file secret --mode "$1" --token "${2:-}" >proxy.log 2>&1 &
	PPID_=$!
	EP=http://127.0.0.1:$PPORT
	wait_port "$PPORT"
}

# put BUCKET KEY FILE: one object, straight to s3rver.
put() { python3 "$SRC/tests/s3/s3put.py" "$SPORT" "$1" "$2" "$3"; }
# upload DIR BUCKET PREFIX: every file of DIR under PREFIX.
upload() { python3 "$SRC/tests/s3/s3put.py" "$SPORT" "$2" "$3" "$1/"; }

# The tree: small files, one of 3 MB, hostile-looking but valid names, an
# empty file, a .git directory (never part of a tree) and a folder marker.
mkdir -p tree/sub/deep tree/.git
for i in $(seq 1 40); do printf 'row %s\n' "$i" >"tree/sub/f$i.csv"; done
head -c 3000000 /dev/urandom >tree/sub/big.bin
printf 'x' >"tree/sp ace+&=?.txt"
printf 'y' >"tree/deep-é.txt"
: >tree/sub/deep/empty
printf 'ref\n' >tree/.git/HEAD
upload tree bkt data/
: >marker
put bkt data/sub/emptydir/ marker
cp -r tree copy
rm -rf copy/.git
# A twin prefix with one object changed.
cp -r tree tampered
printf 'row 7 changed\n' >tampered/sub/f7.csv
upload tampered bkt tampered/

export AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=$SECRET AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_SHARED_CREDENTIALS_FILE
"$ATTEST" key generate --out steward 2>/dev/null
start_proxy none

# Same manifest, whole files and OMS shards, bucket and local copy.
expect "manifest of the bucket" 0 "$ATTEST" manifest --s3-endpoint "$EP" --out mb.json s3://bkt/data/
"$ATTEST" manifest --out ml.json copy
cmp -s mb.json ml.json && pass "bucket manifest = local manifest" || fail "bucket manifest differs from local"
[ "$(jq '.files | length' mb.json)" = 44 ] && pass "44 files: marker and .git left out" || fail "file count $(jq '.files | length' mb.json)"
"$ATTEST" manifest --s3-endpoint "$EP" --out mt.json s3://bkt/tampered/
cmp -s mt.json ml.json && fail "tampered prefix has the local manifest" || pass "tampered prefix: manifest differs"
[ "$(jq -r '.files[] | select(.path == "sub/f7.csv") | .sha256' mt.json)" != \
	"$(jq -r '.files[] | select(.path == "sub/f7.csv") | .sha256' ml.json)" ] &&
	pass "tampered twin: the changed object's digest differs" || fail "tampered twin digest"
: >plog
expect "shard manifest of the bucket" 0 "$ATTEST" manifest --shard-size 1000000 --s3-endpoint "$EP" --out sb.json s3://bkt/data/
"$ATTEST" manifest --shard-size 1000000 --out sl.json copy
cmp -s sb.json sl.json && pass "shard manifest: bucket = local" || fail "shard manifest differs"
[ "$(grep -c '"range": "bytes=' plog)" = 3 ] && grep -q '"range": "bytes=2000000-2999999"' plog &&
	pass "three ranged GETs for the 3 MB object" || fail "ranged GETs: $(grep -c '"range": "bytes=' plog)"
"$ATTEST" manifest --shard-size 1000000 --s3-endpoint "$EP" --out st.json s3://bkt/tampered/
cmp -s st.json sl.json && fail "tampered shard manifest equal" || pass "tampered twin: shard manifest differs"

# Slices of a bucket prefix, as two pods of an Indexed Job would hash
# them, merge into the manifest of the local copy; a slice of the
# tampered prefix is another tree.
for i in 0 1; do
	env JOB_COMPLETION_INDEX=$i "$ATTEST" manifest --shard-of auto --shards 2 --s3-endpoint "$EP" \
		--out "bs$i.json" s3://bkt/data/ 2>/dev/null
done
env JOB_COMPLETION_INDEX=1 "$ATTEST" manifest --shard-of auto --shards 2 --s3-endpoint "$EP" \
	--out bt1.json s3://bkt/tampered/ 2>/dev/null
expect "merge two slices of the bucket" 0 "$ATTEST" manifest --merge --out bsm.json bs1.json bs0.json
cmp -s bsm.json ml.json && pass "bucket slices merged = local manifest" || fail "bucket slices merged differ"
expect_err "tampered twin: a slice of the changed prefix" 1 "bt1\.json.* another tree" \
	"$ATTEST" manifest --merge --out bsm2.json bs0.json bt1.json

# Attested in the bucket, verified on the downloaded copy, and back.
expect "attest dataset s3://" 0 "$ATTEST" dataset --key steward.key --name ds --s3-endpoint "$EP" \
	--bundle b3.json s3://bkt/data/
cp "$T/err" attest.err
jq -r .payload b3.json | base64 -d >b3.stmt
[ "$(jq -r '.subject[0].name' b3.stmt)" = s3://bkt/data/ ] && pass "subject named by its URL" || fail "subject name"
expect_out "verify dataset on the local copy" 0 "^PASS  copy matches" "$VERIFY" dataset --key steward.pub --bundle b3.json copy
cp -r copy copy2
printf 'row 9 changed\n' >copy2/sub/f9.csv
expect_out "tampered twin: local copy changed" 1 "sub/f9\.csv" "$VERIFY" dataset --key steward.pub --bundle b3.json copy2
"$ATTEST" dataset --key steward.key --name ds --bundle bl.json copy 2>/dev/null
expect_out "verify dataset on the bucket" 0 "^PASS  s3://bkt/data/ matches" "$VERIFY" dataset --key steward.pub \
	--s3-endpoint "$EP" --bundle bl.json s3://bkt/data/
cp "$T/err" verify.err
expect_out "tampered twin: bucket object changed" 1 "sub/f7\.csv" "$VERIFY" dataset --key steward.pub \
	--s3-endpoint "$EP" --bundle bl.json s3://bkt/tampered/
expect_out "verify --only on the bucket" 0 "^PASS  1 file" "$VERIFY" dataset --key steward.pub \
	--s3-endpoint "$EP" --bundle bl.json --only sub/f3.csv s3://bkt/data/
expect_out "tampered twin: --only on a changed object" 1 "sub/f7\.csv" "$VERIFY" dataset --key steward.pub \
	--s3-endpoint "$EP" --bundle bl.json --only sub/f7.csv s3://bkt/tampered/

# A merged manifest signed for a bucket prefix reads no object and needs
# no credentials; the twin with the tampered manifest gives another root.
expect "dataset --from-manifest names the prefix" 0 env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME="$T/nohome" \
	"$ATTEST" dataset --key steward.key --name ds --from-manifest mb.json --bundle fm.json s3://bkt/data/
[ "$(jq -r .payload fm.json | base64 -d | jq -c '.subject[0].digest')" = "$(jq -c '.subject[0].digest' b3.stmt)" ] &&
	pass "--from-manifest: the digests of the hashed prefix" || fail "--from-manifest digests"
"$ATTEST" dataset --key steward.key --name ds --from-manifest mt.json --bundle fmt.json s3://bkt/data/ 2>/dev/null
[ "$(jq -r .payload fmt.json | base64 -d | jq -c '.subject[0].digest')" != "$(jq -c '.subject[0].digest' b3.stmt)" ] &&
	pass "tampered twin: --from-manifest of the changed prefix differs" || fail "tampered --from-manifest digests"

# attest run --input s3://: the input is named by the tree digests.
expect "attest run --input s3://" 0 "$ATTEST" run --key steward.key --s3-endpoint "$EP" --input s3://bkt/data/ \
	--env AWS_SECRET_ACCESS_KEY --env AWS_ACCESS_KEY_ID --output out.txt --bundle run.json -- sh -c 'echo done >out.txt'
jq -r .payload run.json | base64 -d >run.stmt
want=$(jq -c '.subject[0].digest' b3.stmt)
got=$(jq -c '[.. | objects | select(.name? == "s3://bkt/data/")][0].digest' run.stmt)
[ "$got" = "$want" ] && pass "run input digest = dataset subject digest" || fail "run input digest $got"
jq -e '[.. | objects | .redactedEnvironment? // empty] | flatten | index("AWS_SECRET_ACCESS_KEY")' run.stmt >/dev/null &&
	pass "--env of the secret: recorded as redacted" || fail "secret variable not redacted"
"$ATTEST" run --key steward.key --s3-endpoint "$EP" --input s3://bkt/tampered/ \
	--output out2.txt --bundle run2.json -- sh -c 'echo done >out2.txt' 2>/dev/null
got=$(jq -r .payload run2.json | base64 -d | jq -c '[.. | objects | select(.name? == "s3://bkt/tampered/")][0].digest')
[ -n "$got" ] && [ "$got" != "$want" ] && pass "tampered twin: run input digest differs" || fail "tampered run digest $got"

# What was sent: every request signed (the proxy checked each signature).
n=$(grep -c . plog)
[ "$n" -gt 0 ] && [ "$(grep -c '"authorization": "AWS4-HMAC-SHA256 Credential=S3RVER/[0-9]\{8\}/us-east-1/s3/aws4_request, SignedHeaders=[a-z0-9;-]*, Signature=[0-9a-f]\{64\}"' plog)" = "$n" ] &&
	pass "all $n requests: AWS4-HMAC-SHA256 with the credential scope" || fail "authorization headers"
[ "$(grep -c '"content_sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"' plog)" = "$n" ] &&
	pass "all requests: x-amz-content-sha256" || fail "x-amz-content-sha256"
grep '"path": "/bkt/data/' plog | grep -vq '"if_match": "\\"' && fail "a GET without If-Match" ||
	pass "every GET sent If-Match"

# Credentials: session token, shared file and profile, and their twins.
TOKEN="tok/en+$RANDOM"
start_proxy none "$TOKEN"
expect "session token sent" 0 env AWS_SESSION_TOKEN="$TOKEN" "$ATTEST" manifest --s3-endpoint "$EP" --out tok.json s3://bkt/data/
grep -q '"security_token": "tok/en+' plog && pass "x-amz-security-token on the wire" || fail "no security token"
expect_err "tampered twin: no session token" 3 "HTTP 403 InvalidToken" "$ATTEST" manifest --s3-endpoint "$EP" --out tok2.json s3://bkt/data/
start_proxy none
printf '[default]\naws_access_key_id = nobody\naws_secret_access_key = x\n\n[ci]\n# the test profile\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
	"$AKID" "$SECRET" >creds
expect "shared credentials file, profile ci" 0 env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	AWS_SHARED_CREDENTIALS_FILE="$T/creds" AWS_PROFILE=ci "$ATTEST" manifest --s3-endpoint "$EP" --out cf.json s3://bkt/data/
cmp -s cf.json ml.json && pass "shared file: same manifest" || fail "shared file manifest"
expect_err "tampered twin: default profile's key id" 3 "HTTP 403 InvalidAccessKeyId" env -u AWS_ACCESS_KEY_ID \
	-u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE="$T/creds" "$ATTEST" manifest --s3-endpoint "$EP" --out cf2.json s3://bkt/data/
expect_err "profile missing from the file" 2 "creds: no profile \[gone\]" env -u AWS_ACCESS_KEY_ID \
	-u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE="$T/creds" AWS_PROFILE=gone "$ATTEST" manifest --s3-endpoint "$EP" --out cf3.json s3://bkt/data/
expect_err "no credentials at all" 2 "no S3 credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set" \
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME="$T/nohome" "$ATTEST" manifest --s3-endpoint "$EP" --out nc.json s3://bkt/data/
expect "local trees need no credentials" 0 env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME="$T/nohome" \
	"$ATTEST" manifest --out nc2.json copy

# Wrong credentials, a missing bucket: could not decide, nothing written.
expect_err "wrong access key id" 3 "^attest: s3://bkt/data/: ListObjectsV2: HTTP 403 InvalidAccessKeyId$" \
	env AWS_ACCESS_KEY_ID=AKIAWRONG "$ATTEST" dataset --key steward.key --name ds --s3-endpoint "$EP" --bundle w1.json s3://bkt/data/
[ ! -e w1.json ] && pass "wrong key id: no bundle" || fail "wrong key id wrote a bundle"
expect_err "wrong secret" 3 "ListObjectsV2: HTTP 403 SignatureDoesNotMatch$" \
	env AWS_SECRET_ACCESS_KEY=wrong "$ATTEST" dataset --key steward.key --name ds --s3-endpoint "$EP" --bundle w2.json s3://bkt/data/
[ ! -e w2.json ] && pass "wrong secret: no bundle" || fail "wrong secret wrote a bundle"
expect_err "missing bucket" 3 "^attest: s3://nobucket/data/: ListObjectsV2: HTTP 404 NoSuchBucket$" \
	"$ATTEST" dataset --key steward.key --name ds --s3-endpoint "$EP" --bundle w3.json s3://nobucket/data/
expect_err "verify: missing bucket" 3 "HTTP 404 NoSuchBucket" "$VERIFY" dataset --key steward.pub \
	--s3-endpoint "$EP" --bundle bl.json s3://nobucket/data/

# A listing that pages (max-keys 7: seven pages).
start_proxy page:7
expect "paged listing" 0 "$ATTEST" manifest --s3-endpoint "$EP" --out pg.json s3://bkt/data/
cmp -s pg.json ml.json && pass "paged listing: same manifest" || fail "paged manifest differs"
[ "$(grep -c '"query": "list-type=2' plog)" = 1 ] && [ "$(grep -c '"query": "continuation-token=' plog)" = 6 ] &&
	pass "seven pages, six continuation tokens" || fail "pages: $(grep -c 'list-type=2' plog)"
expect "tampered twin: paged listing of the changed prefix" 0 "$ATTEST" manifest --s3-endpoint "$EP" --out pgt.json s3://bkt/tampered/
cmp -s pgt.json mt.json && ! cmp -s pgt.json ml.json && pass "paged tampered manifest differs from local" ||
	fail "paged tampered manifest"

# A key with ../ in the listing is refused by the path rules.
start_proxy "inject:data/sub/../../evil"
expect_err "key with ../" 1 "^attest: s3://bkt/data/sub/\.\./\.\./evil: not a relative path inside the tree" \
	"$ATTEST" dataset --key steward.key --name ds --s3-endpoint "$EP" --bundle w4.json s3://bkt/data/
[ ! -e w4.json ] && pass "key with ../: no bundle" || fail "key with ../ wrote a bundle"
start_proxy "inject:data//x"
expect_err "key with an empty component" 1 "s3://bkt/data//x: not a relative path" \
	"$ATTEST" manifest --s3-endpoint "$EP" --out w5.json s3://bkt/data/
start_proxy "inject:elsewhere/x"
expect_err "key outside the prefix" 1 "listing holds key elsewhere/x, outside the prefix" \
	"$ATTEST" manifest --s3-endpoint "$EP" --out w6.json s3://bkt/data/
[ ! -e w5.json ] && [ ! -e w6.json ] && pass "bad keys: no manifest written" || fail "bad keys wrote a manifest"

# An object replaced between the listing and its GET.
start_proxy "replace:data/sub/f5.csv"
expect_err "object replaced mid-run" 3 "^attest: s3://bkt/data/sub/f5\.csv: changed while being read" \
	"$ATTEST" dataset --key steward.key --name ds --s3-endpoint "$EP" --bundle w7.json s3://bkt/data/
[ ! -e w7.json ] && pass "replaced object: no bundle" || fail "replaced object wrote a bundle"
put bkt data/sub/f5.csv tree/sub/f5.csv
start_proxy "replace:data/sub/big.bin"
expect_err "object replaced mid-run (ranged)" 3 "s3://bkt/data/sub/big\.bin: changed while being read" \
	"$ATTEST" manifest --shard-size 1000000 --s3-endpoint "$EP" --out w8.json s3://bkt/data/
[ ! -e w8.json ] && pass "replaced ranged object: no manifest" || fail "replaced ranged object wrote a manifest"
put bkt data/sub/big.bin tree/sub/big.bin
start_proxy none
expect "twin: restored objects hash as before" 0 "$ATTEST" manifest --s3-endpoint "$EP" --out again.json s3://bkt/data/
cmp -s again.json ml.json && pass "restored bucket = local" || fail "restored bucket differs"

# A busy store (503 SlowDown) is tried again; a cut that repeats is not.
start_proxy "flaky:data/sub/f3.csv"
expect "503 on a GET, then served" 0 "$ATTEST" manifest --s3-endpoint "$EP" --out fl.json s3://bkt/data/
cmp -s fl.json ml.json && [ "$(grep -c '"path": "/bkt/data/sub/f3.csv"' plog)" = 2 ] &&
	pass "the object was fetched again, same manifest" || fail "retry of a GET"
start_proxy "flaky:LIST"
expect "503 on the listing, then served" 0 "$ATTEST" manifest --s3-endpoint "$EP" --out fl2.json s3://bkt/data/
cmp -s fl2.json ml.json && [ "$(grep -c '"query": "list-type=2' plog)" = 2 ] &&
	pass "the listing was asked again, same manifest" || fail "retry of a listing"

# A server that stops mid-transfer.
start_proxy "cut:data/sub/big.bin"
expect_err "transfer cut off" 3 "^attest: s3://bkt/data/sub/big\.bin: GET: .*\(gave up after 3 tries\)$" \
	"$ATTEST" dataset --key steward.key --name ds --s3-endpoint "$EP" --bundle w9.json s3://bkt/data/
[ ! -e w9.json ] && pass "cut transfer: no bundle" || fail "cut transfer wrote a bundle"
expect_err "verify: transfer cut off" 3 "s3://bkt/data/sub/big\.bin: GET: " "$VERIFY" dataset --key steward.pub \
	--s3-endpoint "$EP" --bundle bl.json s3://bkt/data/
start_proxy none
stop_port=$PPORT
kill "$PPID_" && wait "$PPID_" 2>/dev/null
PPID_=
expect_err "server gone" 3 "^attest: s3://bkt/data/: ListObjectsV2: .*\(gave up after 3 tries\)$" \
	"$ATTEST" manifest --s3-endpoint "http://127.0.0.1:$stop_port" --out w10.json s3://bkt/data/
[ ! -e w10.json ] && pass "server gone: no manifest" || fail "server gone wrote a manifest"

# URLs and transports.
expect_err "plain http off loopback" 2 "only allowed for loopback" "$ATTEST" manifest --s3-endpoint http://192.0.2.1 --out u.json s3://bkt/data/
expect_err "bad bucket name" 2 "not s3://BUCKET/PREFIX/" "$ATTEST" manifest --out u.json s3://Bad_Bucket/x/
expect_err "prefix without a trailing /" 2 "prefix must be a relative path ending in '/'" "$ATTEST" manifest --out u.json s3://bkt/data
expect_err "prefix with .." 2 "prefix must be a relative path" "$ATTEST" manifest --out u.json s3://bkt/a/../b/
expect_err "AWS_REGION checked" 2 "AWS_REGION: expected a region name" env AWS_REGION='x/../y' "$ATTEST" manifest --out u.json s3://bkt/data/

# The secret is in no argv, output, log, manifest or statement.
start_proxy none
"$ATTEST" manifest --s3-endpoint "$EP" --out slow.json s3://bkt/data/ &
apid=$!
tr '\0' ' ' <"/proc/$apid/cmdline" >argv.txt 2>/dev/null
wait "$apid"
cat attest.err verify.err "$T/err" >>outputs.txt
leaks=$(grep -rlF --exclude=secret --exclude=creds -e "$SECRET" . 2>/dev/null | sort | tr '\n' ' ')
[ -z "$leaks" ] && pass "secret in no file, output, log, manifest or statement" || fail "secret found in: $leaks"
grep -qF "$SECRET" argv.txt && fail "secret in argv" || pass "secret in no argv"
grep -qF "$SECRET" s3rver.log proxy.log && fail "secret in a server log" || pass "secret in no server log"

summary
