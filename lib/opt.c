/* One option table for parsing and for --help (see opt.h). */
#include "lib/opt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
opt_init(struct opt_iter *it, int argc, char **argv)
{
	memset(it, 0, sizeof(*it));
	it->argc = argc;
	it->argv = argv;
	it->i = 1;
}

static const struct opt_def *
find_long(const struct opt_def *defs, const char *name, size_t len)
{
	for (; defs->id != 0; defs++)
		if (strlen(defs->name) == len &&
		    strncmp(defs->name, name, len) == 0)
			return defs;
	return NULL;
}

static const struct opt_def *
find_short(const struct opt_def *defs, char c)
{
	for (; defs->id != 0; defs++)
		if (defs->shortname == c)
			return defs;
	return NULL;
}

static int
take_value(struct opt_iter *it, const struct opt_def *d, const char *inline_v,
	   const char **val, struct err *e)
{
	if (d->argname == NULL) {
		if (inline_v != NULL)
			return err_set(e, EXIT_USAGE,
				       "option --%s takes no value", d->name);
		*val = NULL;
		return 0;
	}
	if (inline_v != NULL) {
		*val = inline_v;
		return 0;
	}
	if (it->i >= it->argc)
		return err_set(e, EXIT_USAGE, "option --%s needs a value %s",
			       d->name, d->argname);
	*val = it->argv[it->i++];
	return 0;
}

int
opt_next(struct opt_iter *it, const struct opt_def *defs, int *id,
	 const char **val, struct err *e)
{
	const struct opt_def *d;
	const char *a, *eq;
	int rc;

	*val = NULL;
	if (it->dashdash && !it->keep_rest && it->i < it->argc) {
		*id = OPT_POSITIONAL;
		*val = it->argv[it->i++];
		return 1;
	}
	if (it->done || it->i >= it->argc)
		return 0;
	a = it->argv[it->i++];
	if (strcmp(a, "--") == 0 && !it->keep_rest) {
		it->dashdash = 1;
		return opt_next(it, defs, id, val, e);
	}
	if (strcmp(a, "--") == 0) {
		it->done = 1;
		it->dashdash = 1;
		it->rest = it->argv + it->i;
		it->nrest = it->argc - it->i;
		return 0;
	}
	if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
		*id = OPT_HELP;
		return 1;
	}
	if (a[0] != '-' || a[1] == '\0') {
		*id = OPT_POSITIONAL;
		*val = a;
		return 1;
	}
	if (a[1] == '-') {
		eq = strchr(a + 2, '=');
		d = find_long(defs, a + 2,
			      eq ? (size_t)(eq - a - 2) : strlen(a + 2));
		if (d == NULL)
			return err_set(e, EXIT_USAGE, "unknown option %.*s",
				       eq ? (int)(eq - a) : (int)strlen(a), a);
		rc = take_value(it, d, eq ? eq + 1 : NULL, val, e);
	} else {
		d = a[2] == '\0' ? find_short(defs, a[1]) : NULL;
		if (d == NULL)
			return err_set(e, EXIT_USAGE, "unknown option %s", a);
		rc = take_value(it, d, NULL, val, e);
	}
	if (rc != 0)
		return rc;
	*id = d->id;
	return 1;
}

/* Appends to buf like snprintf; *used counts what would be written. */
static void put(char *buf, size_t cap, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
put(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*used < cap ? buf + *used : NULL,
		      *used < cap ? cap - *used : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n;
}

size_t
opt_usage(char *buf, size_t cap, const char *synopsis, const char *about,
	  const struct opt_def *defs)
{
	char left[64];
	size_t used = 0;

	if (cap > 0)
		buf[0] = '\0';
	put(buf, cap, &used, "usage: %s\n", synopsis);
	if (about != NULL)
		put(buf, cap, &used, "\n%s\n", about);
	put(buf, cap, &used, "\noptions:\n");
	for (; defs->id != 0; defs++) {
		if (defs->shortname)
			snprintf(left, sizeof(left), "-%c, --%s%s%s",
				 defs->shortname, defs->name,
				 defs->argname ? " " : "",
				 defs->argname ? defs->argname : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", defs->name,
				 defs->argname ? " " : "",
				 defs->argname ? defs->argname : "");
		put(buf, cap, &used, "  %-28s %s\n", left, defs->help);
	}
	put(buf, cap, &used, "  %-28s %s\n", "-h, --help", "show this help");
	return used;
}

int
opt_long(long *out, const char *s, long min, long max, const char *what,
	 struct err *e)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return err_set(e, EXIT_USAGE,
			       "%s: expected an integer from "
			       "%ld to %ld, got \"%s\"",
			       what, min, max, s);
	*out = v;
	return 0;
}
