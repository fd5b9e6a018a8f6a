# Helpers for tests that need a loopback RFC 3161 TSA (sourced after
# tests/cli/lib.sh, in $T): mkca NAME makes a root CA and a TSA leaf in
# $T/NAME (chain.pem, tsa.cnf); responder NAME starts tests/tsa/responder.py
# for it on a free port, sets PORT and adds its pid to PIDS (the caller
# kills them on exit). Used by tests/cli/t_tsa.sh and t_revoke.sh.
PIDS=${PIDS:-}
# mkca NAME: a root CA and a TSA leaf (EKU critical timeStamping) in NAME/,
# NAME/chain.pem (leaf then root) and NAME/tsa.cnf for openssl ts -reply.
mkca() {
	local d=$T/$1
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.pem" -days 30 -subj "/CN=$1 root" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null || return 1
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/tsa.key" -out "$d/tsa.csr" -subj "/CN=$1 tsa" 2>/dev/null || return 1
	printf '%s\n' basicConstraints=CA:FALSE \
		keyUsage=critical,digitalSignature \
		extendedKeyUsage=critical,timeStamping \
		subjectKeyIdentifier=hash authorityKeyIdentifier=keyid >"$d/ext"
	openssl x509 -req -in "$d/tsa.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -days 30 -extfile "$d/ext" -out "$d/tsa.pem" 2>/dev/null || return 1
	cat "$d/tsa.pem" "$d/ca.pem" >"$d/chain.pem"
	echo 01 >"$d/serial"
	cat >"$d/tsa.cnf" <<CNF
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = $d
serial = \$dir/serial
crypto_device = builtin
signer_cert = \$dir/tsa.pem
certs = \$dir/ca.pem
signer_key = \$dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
CNF
}
# responder NAME: starts a TSA for NAME on a free loopback port; sets PORT.
responder() {
	rm -f "$T/$1/port"
	python3 "$SRC/tests/tsa/responder.py" "$T/$1/tsa.cnf" "$T/$1/port" &
	PIDS="$PIDS $!"
	for _ in $(seq 50); do
		[ -s "$T/$1/port" ] && break
		sleep 0.1
	done
	PORT=$(cat "$T/$1/port" 2>/dev/null)
}
