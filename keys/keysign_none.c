/*
 * MLATTEST_VERIFY_ONLY builds: verify signs nothing, so no private key is
 * ever loaded and nothing is signed; the entry points say so.
 */
#include "keys/key.h"

static int
verify_only(struct err *e, const char *ref)
{
	return err_set(e, EXIT_USAGE,
		       "%s: this build verifies only and loads no signing key "
		       "(MLATTEST_VERIFY_ONLY=ON)",
		       ref);
}

int
key_load_private(struct key **out, const char *ref, struct err *e)
{
	*out = NULL;
	return verify_only(e, ref);
}

int
key_load_private_tcti(struct key **out, const char *ref, const char *tcti,
		      struct err *e)
{
	(void)tcti;
	*out = NULL;
	return verify_only(e, ref);
}

int
key_load_private_opts(struct key **out, const char *ref,
		      const struct key_load_opts *o, struct err *e)
{
	(void)o;
	*out = NULL;
	return verify_only(e, ref);
}

int
key_sign(unsigned char **sig, size_t *siglen, const struct key *k,
	 const unsigned char *msg, size_t len, struct err *e)
{
	(void)msg;
	(void)len;
	*sig = NULL;
	*siglen = 0;
	return verify_only(e, key_source(k));
}
