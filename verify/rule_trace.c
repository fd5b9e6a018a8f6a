/* The trace rules of verify policy (rule_trace.h). */
#include "verify/rule_trace.h"

#include <stdio.h>
#include <string.h>

#include "lib/jsonio.h"
#include "predicates/training.h"

const json_t *
rule_trace_of(const json_t *pred)
{
	const json_t *t = json_object_get(
	    json_object_get(json_object_get(pred, "buildDefinition"),
			    "internalParameters"),
	    "trace");

	return json_is_object(t) ? t : NULL;
}

/* SPEC-POL-19 */
int
rule_trace_require(const json_t *pred, char *why, size_t cap)
{
	const json_t *t = rule_trace_of(pred);
	const json_t *notes = json_object_get(t, "notes");

	if (t == NULL) {
		snprintf(why, cap,
			 "the training run was not traced (attest run "
			 "--trace)");
		return -1;
	}
	if (!json_is_true(json_object_get(t, "complete"))) {
		snprintf(why, cap, "the trace is incomplete: %s",
			 json_string_value(json_array_get(notes, 0))
			     ? json_string_value(json_array_get(notes, 0))
			     : "it says so");
		return -1;
	}
	return 0;
}

static int
under_any(const char *path, const json_t *prefixes)
{
	const json_t *p;
	size_t i;

	if (prefixes == NULL)
		return 1;
	json_array_foreach(prefixes, i, p)
	{
		if (json_is_string(p) &&
		    training_path_under(path, json_string_value(p)))
			return 1;
	}
	return 0;
}

static int
listed(const json_t *list, size_t from, const char *path)
{
	size_t i;

	for (i = from; i < json_array_size(list); i++)
		if (strcmp(jsonio_str_or(json_array_get(list, i), "path", ""),
			   path) == 0)
			return 1;
	return 0;
}

/* SPEC-POL-20 */
size_t
rule_trace_undeclared(json_t *list, const json_t *pred, const json_t *prefixes,
		      const char *source, unsigned long long *unlisted)
{
	static const char *const hows[] = {"read", "executed"};
	const json_t *t = rule_trace_of(pred), *u;
	size_t from = json_array_size(list), k, i;

	*unlisted = 0;
	for (k = 0; k < 2; k++) {
		const json_t *group =
		    json_object_get(json_object_get(t, hows[k]), "undeclared");
		json_int_t counted = json_integer_value(json_object_get(
		    json_object_get(json_object_get(t, "counts"), hows[k]),
		    "undeclared"));
		if (counted > (json_int_t)json_array_size(group))
			*unlisted += (unsigned long long)counted -
				     json_array_size(group);
		json_array_foreach(group, i, u)
		{
			const char *path = jsonio_str(u, "path");
			const char *sha = jsonio_str(u, "sha256");
			json_t *row;
			if (path == NULL || !under_any(path, prefixes) ||
			    listed(list, from, path))
				continue;
			row = json_pack("{s:s, s:s, s:s}", "source", source,
					"path", path, "how", hows[k]);
			if (row != NULL && sha != NULL &&
			    jsonio_set(row, "sha256", json_string(sha), NULL) !=
				0) {
				json_decref(row);
				row = NULL;
			}
			if (jsonio_append(list, row, NULL) != 0)
				return (size_t)-1;
		}
	}
	return json_array_size(list) - from;
}

void
rule_trace_describe(char *buf, size_t cap, const json_t *list, size_t from,
		    size_t n, unsigned long long unlisted)
{
	size_t i, used;

	used = (size_t)snprintf(buf, cap, "read %zu undeclared file%s%s", n,
				n == 1 ? "" : "s", n > 0 ? ": " : "");
	for (i = 0; i < n && i < RULE_TRACE_NAMED && used < cap; i++) {
		const json_t *row = json_array_get(list, from + i);
		const char *sha = jsonio_str(row, "sha256");
		used += (size_t)snprintf(
		    buf + used, cap - used, "%s%s%s%.12s%s", i ? ", " : "",
		    jsonio_str_or(row, "path", "?"), sha ? " (sha256:" : "",
		    sha ? sha : "", sha ? ")" : "");
	}
	if (n > RULE_TRACE_NAMED && used < cap)
		used += (size_t)snprintf(buf + used, cap - used,
					 " and %zu more", n - RULE_TRACE_NAMED);
	if (unlisted > 0 && used < cap)
		snprintf(buf + used, cap - used,
			 "%s%llu more the trace counted but did not list",
			 n > 0 ? "; " : ", ", unlisted);
}
