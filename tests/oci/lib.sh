# Registry harness for the OCI tests (sourced, not run). Starts CNCF
# distribution (`docker-registry serve`) on 127.0.0.1 with a free port, a
# temp config and storage, waits for GET /v2/, and stops it by pid on
# exit. Never the packaged service, never port 5000.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
for dep in docker-registry curl python3 perl; do
	command -v "$dep" >/dev/null || { echo "missing dependency: $dep" >&2; exit 1; }
done
OCI_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RPID=
CURL_AUTH=()
stop_registry() {
	if [ -n "$RPID" ]; then
		kill "$RPID" 2>/dev/null
		wait "$RPID" 2>/dev/null
		RPID=
	fi
}
trap 'stop_registry; rm -rf "$T"' EXIT

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_registry [EXTRA_YAML]: sets REG (127.0.0.1:PORT), R (http://REG)
# and DATA (the storage root). Set CURL_AUTH=(-u USER:PASS) first when
# EXTRA_YAML turns auth on.
start_registry() {
	local extra=${1:-} try i port code
	mkdir -p "$T/reg"
	for try in 1 2 3 4 5; do
		port=$(free_port)
		DATA="$T/reg/data"
		cat >"$T/reg/config.yml" <<EOC
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $DATA}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port}
health: {storagedriver: {enabled: false}}
$extra
EOC
		docker-registry serve "$T/reg/config.yml" >"$T/reg/log" 2>&1 &
		RPID=$!
		for i in $(seq 1 100); do
			kill -0 "$RPID" 2>/dev/null || break
			code=$(curl -s -o /dev/null -w '%{http_code}' "${CURL_AUTH[@]}" "http://127.0.0.1:$port/v2/")
			if [ "$code" = 200 ]; then
				REG="127.0.0.1:$port"
				R="http://$REG"
				return 0
			fi
			sleep 0.1
		done
		stop_registry
	done
	echo "registry did not start:" >&2
	cat "$T/reg/log" >&2
	return 1
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# blob_push REPO FILE: uploads FILE as a blob (monolithic: POST then PUT).
blob_push() {
	local loc hex
	hex=$(sha "$2")
	loc=$(curl -sS -i -X POST "${CURL_AUTH[@]}" "$R/v2/$1/blobs/uploads/" |
		tr -d '\r' | awk 'tolower($1)=="location:"{print $2}')
	case $loc in /*) loc="$R$loc" ;; esac
	curl -sSf -o /dev/null -X PUT "${CURL_AUTH[@]}" -H 'Content-Type: application/octet-stream' \
		--data-binary @"$2" "$loc&digest=sha256:$hex"
}

# image_push REPO: pushes a tiny image (config, one layer, manifest) and
# prints the manifest's sha256 hex: the image digest.
image_push() {
	local d="$T/img-${1//\//_}" mhex
	mkdir -p "$d"
	printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"repo":"%s"}' "$1" >"$d/config.json"
	printf 'model weights for %s\n' "$1" >"$d/layer.bin"
	blob_push "$1" "$d/config.json" || return 1
	blob_push "$1" "$d/layer.bin" || return 1
	jq -cn --arg c "sha256:$(sha "$d/config.json")" --argjson cs "$(stat -c %s "$d/config.json")" \
		--arg l "sha256:$(sha "$d/layer.bin")" --argjson ls "$(stat -c %s "$d/layer.bin")" \
		'{schemaVersion:2, mediaType:"application/vnd.oci.image.manifest.v1+json",
		  config:{mediaType:"application/vnd.oci.image.config.v1+json", digest:$c, size:$cs},
		  layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar", digest:$l, size:$ls}]}' |
		tr -d '\n' >"$d/manifest.json"
	mhex=$(sha "$d/manifest.json")
	curl -sSf -o /dev/null -X PUT "${CURL_AUTH[@]}" \
		-H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
		--data-binary @"$d/manifest.json" "$R/v2/$1/manifests/sha256:$mhex" || return 1
	echo "$mhex"
}

# image_statement FILE HEX [PREDICATE_TYPE]: a Statement about the image.
image_statement() {
	jq -n --arg h "$2" --arg t "${3:-https://example.com/test/v1}" \
		'{_type:"https://in-toto.io/Statement/v1",
		  subject:[{name:"image", digest:{sha256:$h}}],
		  predicateType:$t, predicate:{note:"oci test"}}' >"$1"
}

# get PATH [ACCEPT]: GET from the registry onto stdout.
get() {
	curl -sSfL "${CURL_AUTH[@]}" -H "Accept: ${2:-application/vnd.oci.image.manifest.v1+json}" "$R$1"
}

# blob_file HEX: where the registry stores a blob (or a manifest).
blob_file() {
	echo "$DATA/docker/registry/v2/blobs/sha256/${1:0:2}/$1/data"
}
