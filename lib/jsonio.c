/* JSON in and out through jansson with fixed, strict flags (jsonio.h). */
#include "lib/jsonio.h"

#include "lib/text.h"

#include <stdlib.h>
#include <string.h>

int
jsonio_load_object(json_t **out, const void *buf, size_t len, const char *src,
		   struct err *e)
{
	json_error_t je;
	json_t *v;

	*out = NULL;
	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (v == NULL)
		return err_set(e, EXIT_REJECTED,
			       "%s: invalid JSON at line %d "
			       "column %d: %s",
			       src, je.line, je.column, je.text);
	if (!json_is_object(v)) {
		json_decref(v);
		return err_set(e, EXIT_REJECTED, "%s: not a JSON object", src);
	}
	*out = v;
	return 0;
}

int
jsonio_dump(char **out, size_t *len, const json_t *v, size_t flags,
	    struct err *e)
{
	size_t need = json_dumpb(v, NULL, 0, flags);
	char *buf;

	*out = NULL;
	*len = 0;
	if (need == 0)
		return err_set(e, EXIT_UNDECIDED, "cannot serialise JSON");
	buf = malloc(need + 1);
	if (buf == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	if (json_dumpb(v, buf, need, flags) != need) {
		free(buf);
		return err_set(e, EXIT_UNDECIDED, "cannot serialise JSON");
	}
	buf[need] = '\0';
	*out = buf;
	*len = need;
	return 0;
}

const char *
jsonio_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

int
jsonio_only_keys(const json_t *obj, const char *const *allowed, const char *src,
		 struct err *e)
{
	const char *key;
	json_t *val;
	size_t i;

	json_object_foreach((json_t *)obj, key, val)
	{
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL)
			return err_set(e, EXIT_REJECTED,
				       "%s: unknown field \"%s\"", src, key);
	}
	return 0;
}
