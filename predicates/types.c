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
