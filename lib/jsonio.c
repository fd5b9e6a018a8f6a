/* JSON in and out through jansson with fixed, strict flags (jsonio.h). */
#include "lib/jsonio.h"

#include "lib/text.h"

#include <stdint.h>
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

const char *
jsonio_str_or(const json_t *obj, const char *key, const char *dflt)
{
	const char *s = jsonio_str(obj, key);

	return s != NULL ? s : dflt;
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

int
jsonio_set(json_t *obj, const char *key, json_t *value, struct err *e)
{
	if (value != NULL && json_object_set_new(obj, key, value) == 0)
		return 0;
	if (value == NULL)
		return err_set(e, EXIT_UNDECIDED,
			       "cannot record \"%s\": out of memory or text "
			       "that is not UTF-8",
			       key);
	return err_set(e, EXIT_UNDECIDED, "cannot record \"%s\"", key);
}

int
jsonio_append(json_t *arr, json_t *value, struct err *e)
{
	if (value != NULL && json_array_append_new(arr, value) == 0)
		return 0;
	if (value == NULL)
		return err_set(e, EXIT_UNDECIDED,
			       "cannot record a list entry: out of memory or "
			       "text that is not UTF-8");
	return err_set(e, EXIT_UNDECIDED, "cannot record a list entry");
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if none. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned long cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* SPEC-STM-6 */
json_t *
jsonio_uri(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, k;
	json_t *v;
	char *buf;

	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	buf = malloc(3 * n + 1);
	if (buf == NULL)
		return NULL;
	while (i < n) {
		k = utf8_len(p + i, n - i);
		if (k == 0) {
			buf[o++] = '%';
			buf[o++] = hex[p[i] >> 4];
			buf[o++] = hex[p[i] & 0xf];
			i++;
			continue;
		}
		memcpy(buf + o, p + i, k);
		o += k;
		i += k;
	}
	buf[o] = '\0';
	v = json_stringn(buf, o);
	free(buf);
	return v;
}

int
jsonio_is_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;

	while (i < n) {
		k = utf8_len(p + i, n - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}
