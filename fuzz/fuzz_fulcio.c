/*
 * Fulcio certificate extensions: a DER certificate's SANs and OIDC issuer
 * (fulcio_names) never crash; accepted names are non-empty, terminated
 * text that matches itself exactly and as a fully anchored regexp of
 * itself only when it has no ERE metacharacters.
 */
#include "fuzz/fuzz.h"

#include <openssl/x509.h>

#include "lib/fulcio.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	struct fulcio_names *n;
	struct err e = ERR_INIT;
	X509 *x = d2i_X509(NULL, &p, (long)size);
	size_t i;
	int rc;

	if (x == NULL)
		return 0;
	n = malloc(sizeof(*n));
	if (n == NULL) {
		X509_free(x);
		return 0;
	}
	rc = fulcio_names(n, x, &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
	} else {
		for (i = 0; i < n->nsans; i++) {
			fuzz_check(n->san[i][0] != '\0', "SAN not empty");
			fuzz_check(fulcio_match(n->san[i], n->san[i], NULL) ==
				       1,
				   "a SAN matches itself");
			if (strpbrk(n->san[i], "\\^$.|?*+()[]{}") == NULL)
				fuzz_check(fulcio_match(n->san[i], NULL,
							n->san[i]) == 1,
					   "a plain SAN matches as a regexp");
		}
		fuzz_check(memchr(n->issuer, '\0', sizeof(n->issuer)) != NULL,
			   "issuer terminated");
	}
	free(n);
	X509_free(x);
	return 0;
}
