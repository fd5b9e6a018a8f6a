/* in-toto Statement parsing and checks (see statement.h). */
#include "lib/statement.h"

#include <stdlib.h>
#include <string.h>

#include "lib/digestset.h"
#include "lib/jsonio.h"

struct statement {
	json_t *root;
};

static int
check_subject(const json_t *sub, size_t i, int v01, const char *src,
	      struct err *e)
{
	const json_t *dig = json_object_get(sub, "digest");
	const json_t *name = json_object_get(sub, "name");
	const char *alg;
	json_t *v;

	if (!json_is_object(sub))
		return err_set(e, EXIT_REJECTED,
			       "%s: subject[%zu] is not an "
			       "object",
			       src, i);
	if (name != NULL && !json_is_string(name))
		return err_set(e, EXIT_REJECTED,
			       "%s: subject[%zu].name is not a string", src, i);
	if (v01 && (name == NULL || json_string_length(name) == 0))
		return err_set(e, EXIT_REJECTED,
			       "%s: subject[%zu] has no name (v0.1)", src, i);
	if (!json_is_object(dig) || json_object_size(dig) == 0)
		return err_set(e, EXIT_REJECTED,
			       "%s: subject[%zu] has no digest", src, i);
	json_object_foreach((json_t *)dig, alg, v)
	{
		if (!json_is_string(v))
			return err_set(e, EXIT_REJECTED,
				       "%s: subject[%zu].digest values must be "
				       "strings",
				       src, i);
	}
	/* SPEC-STM-3: a subject named only by md5/sha1 binds nothing. */
	if (!digestset_has_acceptable(dig))
		return err_set(e, EXIT_REJECTED,
			       "%s: subject[%zu] has no acceptable digest (md5 "
			       "and sha1 do not count)",
			       src, i);
	return 0;
}

int
statement_check(const json_t *obj, const char *src, struct err *e)
{
	const char *type = jsonio_str(obj, "_type");
	const json_t *subs = json_object_get(obj, "subject");
	const json_t *pt = json_object_get(obj, "predicateType");
	const json_t *pred = json_object_get(obj, "predicate");
	size_t i;
	int v01, rc;

	if (type == NULL)
		return err_set(e, EXIT_REJECTED, "%s: statement has no _type",
			       src);
	v01 = strcmp(type, STATEMENT_V01) == 0;
	if (!v01 && strcmp(type, STATEMENT_V1) != 0)
		return err_set(e, EXIT_REJECTED,
			       "%s: not an in-toto Statement v1 or v0.1", src);
	if (!json_is_array(subs) || json_array_size(subs) == 0)
		return err_set(e, EXIT_REJECTED, "%s: statement has no subject",
			       src);
	if (json_array_size(subs) > MAX_SUBJECTS)
		return err_set(e, EXIT_REJECTED, "%s: more than %d subjects",
			       src, MAX_SUBJECTS);
	for (i = 0; i < json_array_size(subs); i++) {
		rc = check_subject(json_array_get(subs, i), i, v01, src, e);
		if (rc != 0)
			return rc;
	}
	if (!json_is_string(pt) || json_string_length(pt) == 0)
		return err_set(e, EXIT_REJECTED,
			       "%s: statement has no predicateType", src);
	if (pred != NULL && !json_is_object(pred) && !json_is_null(pred))
		return err_set(e, EXIT_REJECTED,
			       "%s: predicate is not an object", src);
	return 0;
}

int
statement_parse(struct statement **out, const void *payload, size_t len,
		const char *src, struct err *e)
{
	struct statement *st = NULL;
	json_t *root = NULL;
	int rc;

	*out = NULL;
	rc = jsonio_load_object(&root, payload, len, src, e);
	if (rc != 0)
		return rc;
	rc = statement_check(root, src, e);
	if (rc != 0)
		goto out;
	st = malloc(sizeof(*st));
	if (st == NULL) {
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	st->root = root;
	root = NULL;
	*out = st;
out:
	json_decref(root);
	return rc;
}

void
statement_free(struct statement *st)
{
	if (st == NULL)
		return;
	json_decref(st->root);
	free(st);
}

const json_t *
statement_json(const struct statement *st)
{
	return st->root;
}

const char *
statement_type(const struct statement *st)
{
	return jsonio_str(st->root, "_type");
}

const char *
statement_predicate_type(const struct statement *st)
{
	return jsonio_str(st->root, "predicateType");
}

const json_t *
statement_subjects(const struct statement *st)
{
	return json_object_get(st->root, "subject");
}

const json_t *
statement_predicate(const struct statement *st)
{
	const json_t *p = json_object_get(st->root, "predicate");

	return json_is_object(p) ? p : NULL;
}

int
statement_has_subject(const struct statement *st, const json_t *digests)
{
	const json_t *subs = statement_subjects(st);
	size_t i;

	for (i = 0; i < json_array_size(subs); i++) {
		const json_t *d =
		    json_object_get(json_array_get(subs, i), "digest");
		if (digestset_match(d, digests))
			return 1;
	}
	return 0;
}
