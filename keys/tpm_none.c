/* Builds without MLATTEST_WITH_TPM: the TPM entry points say so. */
#include "keys/tpm.h"

static int
unsupported(struct err *e)
{
	return err_set(e, EXIT_USAGE,
		       "TPM support is not built in (MLATTEST_WITH_TPM=OFF)");
}

int
tpm_create(char **keyref, char **pem, size_t *len,
	   const struct tpm_create_opts *o, struct err *e)
{
	(void)o;
	*keyref = *pem = NULL;
	*len = 0;
	return unsupported(e);
}

int
tpm_seal(char **pem, size_t *len, const char *tcti, const char *pcrs,
	 const char *key_path, const char *out, struct err *e)
{
	(void)tcti;
	(void)pcrs;
	(void)key_path;
	(void)out;
	*pem = NULL;
	*len = 0;
	return unsupported(e);
}

int
tpm_key_load(struct key **out, const char *ref, const char *tcti, struct err *e)
{
	(void)ref;
	(void)tcti;
	*out = NULL;
	return unsupported(e);
}

int
tpm_quote(json_t **out, const struct key *ak, const char *pcrs,
	  const json_t *statement, struct err *e)
{
	(void)ak;
	(void)pcrs;
	(void)statement;
	*out = NULL;
	return unsupported(e);
}

int
tpm_key_signs_statements(const struct key *key)
{
	(void)key;
	return 1;
}
