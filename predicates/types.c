/* Known predicate types (see types.h). */
#include "predicates/types.h"

#include <string.h>

static const struct {
	const char *uri;
	const char *name;
} known[] = {
    {PRED_DATASET, "dataset"},
    {PRED_EVALUATION, "evaluation"},
    {PRED_APPROVAL, "approval"},
    {PRED_INTAKE, "intake"},
    {PRED_REVOCATION, "revocation"},
    {PRED_SLSA_PROVENANCE, "provenance"},
    {"https://slsa.dev/provenance/v0.2", "provenance-v0.2"},
    {PRED_SLSA_VSA, "vsa"},
    {PRED_TEST_RESULT, "test-result"},
    {PRED_OMS, "model-signature"},
};

const char *
pred_short_name(const char *type)
{
	size_t i;

	if (type == NULL)
		return NULL;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].uri, type) == 0)
			return known[i].name;
	return NULL;
}

int
pred_unpack_fail(const json_error_t *je, const char *src, struct err *e)
{
	static const char left[] = "left unpacked: ";
	const char *k = strstr(je->text, left);
	size_t n;

	if (k == NULL)
		return err_set(e, EXIT_REJECTED, "%s: %s", src, je->text);
	k += sizeof(left) - 1;
	n = strcspn(k, ",");
	return err_set(e, EXIT_REJECTED, "%s: unknown field \"%.*s\"", src,
		       (int)n, k);
}
