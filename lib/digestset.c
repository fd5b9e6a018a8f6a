/* DigestSet matching rules (see digestset.h, spec/envelope.md). */
#include "lib/digestset.h"

#include <string.h>
#include <strings.h>

#include "lib/hex.h"

struct alg_rule {
	const char *name;
	size_t hexlen; /* 0: any length of hex */
};

/* SPEC-DIG-2: the algorithms that count, with their hex lengths. */
static const struct alg_rule accepted[] = {
    {"sha256", 64},    {"sha224", 56},	     {"sha384", 96},
    {"sha512", 128},   {"sha512_224", 56},   {"sha512_256", 64},
    {"sha3_224", 56},  {"sha3_256", 64},     {"sha3_384", 96},
    {"sha3_512", 128}, {"shake128", 0},	     {"shake256", 0},
    {"blake2b", 128},  {"blake2s", 64},	     {"sm3", 64},
    {"dirHash", 64},   {"dirHash1", 64},     {"gitCommit", 64},
    {"gitTree", 64},   {"gitBlob", 64},	     {"gitTag", 64},
    {"omsRoot", 64},   {"shardDirHash", 64},
};

/* SPEC-DIG-4: the algorithms whose value binds every file's name and size. */
static const char *const name_binding[] = {"dirHash", "dirHash1",
					   "shardDirHash", "gitTree"};

int
digestset_acceptable(const char *alg, const char *value)
{
	size_t i;

	if (value == NULL || !hex_is_valid(value))
		return 0;
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		if (strcmp(accepted[i].name, alg) != 0)
			continue;
		return accepted[i].hexlen == 0 ||
		       strlen(value) == accepted[i].hexlen;
	}
	return 0;
}

int
digestset_match(const json_t *a, const json_t *b)
{
	const char *alg;
	json_t *va;
	int equal = 0;

	if (!json_is_object(a) || !json_is_object(b))
		return 0;
	json_object_foreach((json_t *)a, alg, va)
	{
		const char *x = json_string_value(va);
		const char *y = json_string_value(json_object_get(b, alg));
		if (x == NULL || y == NULL || !digestset_acceptable(alg, x))
			continue;
		/* SPEC-DIG-1: a conflict on any shared algorithm is no match.
		 */
		if (strlen(x) != strlen(y) || strcasecmp(x, y) != 0)
			return 0;
		equal = 1;
	}
	return equal;
}

int
digestset_has_acceptable(const json_t *set)
{
	const char *alg;
	json_t *v;

	json_object_foreach((json_t *)set, alg, v)
	{
		if (digestset_acceptable(alg, json_string_value(v)))
			return 1;
	}
	return 0;
}

static int
binds_names(const char *alg)
{
	size_t i;

	for (i = 0; i < sizeof(name_binding) / sizeof(name_binding[0]); i++)
		if (strcmp(alg, name_binding[i]) == 0)
			return 1;
	return 0;
}

int
digestset_binds_names(const json_t *set)
{
	const char *alg;
	json_t *v;

	json_object_foreach((json_t *)set, alg, v)
	{
		if (binds_names(alg) &&
		    digestset_acceptable(alg, json_string_value(v)))
			return 1;
	}
	return 0;
}

int
digestset_match_tree(const json_t *a, const json_t *b, int is_tree)
{
	const char *alg;
	json_t *va;

	if (!digestset_match(a, b))
		return 0;
	if (!is_tree && !digestset_binds_names(a) && !digestset_binds_names(b))
		return 1;
	/* digestset_match saw no conflict: one shared binder is enough. */
	json_object_foreach((json_t *)a, alg, va)
	{
		const json_t *vb = json_object_get(b, alg);
		if (binds_names(alg) && json_string_value(vb) != NULL &&
		    digestset_acceptable(alg, json_string_value(va)))
			return 1;
	}
	return 0;
}

const char *
digestset_shared(const json_t *a, const json_t *b)
{
	const char *alg;
	json_t *va;

	if (!json_is_object(a) || !json_is_object(b))
		return NULL;
	json_object_foreach((json_t *)a, alg, va)
	{
		const char *x = json_string_value(va);
		const char *y = json_string_value(json_object_get(b, alg));
		if (x != NULL && y != NULL && digestset_acceptable(alg, x) &&
		    strlen(x) == strlen(y) && strcasecmp(x, y) == 0)
			return alg;
	}
	return NULL;
}
