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

/* ---- option rows (opt_parse, opt_synopsis) ---- */

static size_t synopsis(char *buf, size_t cap, const struct opt_cmd *cmd,
		       int compact);

static void *
field(void *opts, size_t off)
{
	return (char *)opts + off;
}

static int
is_option(const struct opt_spec *r)
{
	return r->type != OPT_OPERAND && r->type != OPT_OPERANDS &&
	       r->type != OPT_REST && r->type != OPT_PASS;
}

static int
takes_value(const struct opt_spec *r)
{
	return r->type != OPT_FLAG && !(r->type == OPT_CALL && !r->argname);
}

/* The tokenizer's table: id i + 1 for row i, options only. */
static int
defs_from_rows(struct opt_def *defs, const struct opt_spec *rows, struct err *e)
{
	size_t i, n = 0;

	for (i = 0; rows[i].type != OPT_END; i++) {
		if (i >= OPT_MAX_ROWS)
			return err_set(e, EXIT_UNDECIDED, "more than %d rows",
				       OPT_MAX_ROWS);
		if (!is_option(&rows[i]))
			continue;
		defs[n].id = (int)i + 1;
		defs[n].name = rows[i].name;
		defs[n].shortname = rows[i].shortname;
		defs[n].argname =
		    takes_value(&rows[i])
			? (rows[i].argname ? rows[i].argname : "VALUE")
			: NULL;
		defs[n].help = rows[i].help;
		n++;
	}
	memset(&defs[n], 0, sizeof(defs[n]));
	return 0;
}

static int
list_push(void *opts, const struct opt_spec *r, const char *val, int argc,
	  struct err *e)
{
	const char ***v = field(opts, r->off);
	size_t *n = field(opts, r->noff);

	if (*v == NULL) {
		*v = calloc((size_t)argc, sizeof(**v));
		if (*v == NULL)
			return err_set(e, EXIT_UNDECIDED, "out of memory");
		*n = 0;
	}
	(*v)[(*n)++] = val;
	return 0;
}

/* "a, b or c" */
static void
choices_text(char *buf, size_t cap, const char *const *c)
{
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; c[i] != NULL; i++)
		put(buf, cap, &used, "%s%s",
		    i == 0	       ? ""
		    : c[i + 1] == NULL ? " or "
				       : ", ",
		    c[i]);
}

static int
set_choice(void *opts, const struct opt_spec *r, const char *val, struct err *e)
{
	char list[256];
	size_t i;

	for (i = 0; r->choices[i] != NULL; i++)
		if (strcmp(r->choices[i], val) == 0) {
			*(const char **)field(opts, r->off) = r->choices[i];
			return 0;
		}
	choices_text(list, sizeof(list), r->choices);
	return err_set(e, EXIT_USAGE, "--%s: expected %s, got \"%s\"", r->name,
		       list, val);
}

static int
set_number(void *opts, const struct opt_spec *r, const char *val, struct err *e)
{
	char what[80];
	long v = 0;
	int rc;

	snprintf(what, sizeof(what), "--%s", r->name);
	rc = opt_long(&v, val, r->min, r->max, what, e);
	if (rc != 0)
		return rc;
	if (r->type == OPT_UINT)
		*(unsigned *)field(opts, r->off) = (unsigned)v;
	else
		*(long *)field(opts, r->off) = v;
	return 0;
}

static int
set_option(void *opts, const struct opt_spec *r, const char *val, int argc,
	   unsigned char *seen, struct err *e)
{
	if ((r->flags & OPT_ONCE) && *seen)
		return err_set(e, EXIT_USAGE, "one --%s at a time", r->name);
	*seen = 1;
	switch (r->type) {
	case OPT_FLAG:
		*(int *)field(opts, r->off) = 1;
		return 0;
	case OPT_STRING:
		*(const char **)field(opts, r->off) = val;
		return 0;
	case OPT_LIST:
		return list_push(opts, r, val, argc, e);
	case OPT_LONG:
	case OPT_UINT:
		return set_number(opts, r, val, e);
	case OPT_CHOICE:
		return set_choice(opts, r, val, e);
	case OPT_CALL:
		return r->fn(opts, r, val, e);
	default:
		return err_set(e, EXIT_UNDECIDED, "bad row --%s", r->name);
	}
}

/* An OPT_PEEK row: its handler may take the next word (returns 1). */
static int
peek_option(void *opts, const struct opt_spec *r, struct opt_iter *it,
	    struct err *e)
{
	const char *next = it->i < it->argc ? it->argv[it->i] : NULL;
	int rc = r->fn(opts, r, next, e);

	if (rc == 1)
		it->i++;
	return rc > 0 ? 0 : rc;
}

static const struct opt_spec *
find_type(const struct opt_spec *rows, enum opt_type t)
{
	for (; rows->type != OPT_END; rows++)
		if (rows->type == t)
			return rows;
	return NULL;
}

static const struct opt_spec *find_type(const struct opt_spec *rows,
					enum opt_type t);

static int
usage_error(const struct opt_cmd *cmd, const char *operand, struct err *e)
{
	char syn[ERR_MSG_MAX];

	/* A synopsis too long for the message: the required part. */
	if (opt_synopsis(syn, sizeof(syn), cmd) + 80 > sizeof(syn))
		synopsis(syn, sizeof(syn), cmd, 1);
	if (operand == NULL)
		return err_set(e, EXIT_USAGE, "usage: %s", syn);
	if (find_type(cmd->rows, OPT_REST) != NULL)
		return err_set(e, EXIT_USAGE,
			       "unexpected \"%s\": put the command after -- "
			       "(usage: %s)",
			       operand, syn);
	return err_set(e, EXIT_USAGE, "unexpected argument \"%s\" (usage: %s)",
		       operand, syn);
}

static int
set_operand(void *opts, const struct opt_cmd *cmd, const char *val, int argc,
	    unsigned char *seen, struct err *e)
{
	const struct opt_spec *r, *last = NULL;

	for (r = cmd->rows; r->type != OPT_END; r++) {
		if ((r->type == OPT_OPERAND || r->type == OPT_OPERANDS) &&
		    r->fn != NULL)
			return r->fn(opts, r, val, e);
		if (r->type == OPT_OPERANDS || r->type == OPT_PASS) {
			seen[r - cmd->rows] = 1;
			return list_push(opts, r, val, argc, e);
		}
		if (r->type != OPT_OPERAND)
			continue;
		last = r;
		if (!seen[r - cmd->rows]) {
			seen[r - cmd->rows] = 1;
			*(const char **)field(opts, r->off) = val;
			return 0;
		}
	}
	if (last != NULL)
		return err_set(e, EXIT_USAGE, "one %s at a time", last->help);
	return usage_error(cmd, val, e);
}

int
opt_usage_error(const struct opt_cmd *cmd, struct err *e)
{
	return usage_error(cmd, NULL, e);
}

static int
check_required(const struct opt_cmd *cmd, const unsigned char *seen,
	       struct err *e)
{
	const struct opt_spec *r;

	char syn[ERR_MSG_MAX];

	for (r = cmd->rows; r->type != OPT_END; r++) {
		if (!(r->flags & OPT_REQUIRED) || seen[r - cmd->rows])
			continue;
		if (r->missing == NULL)
			return usage_error(cmd, NULL, e);
		opt_synopsis(syn, sizeof(syn), cmd);
		return err_set(e, EXIT_USAGE, "%s (usage: %s)", r->missing,
			       syn);
	}
	return 0;
}

/* The word opt_next just refused names no option of defs (else: a value
 * was missing or given to a flag). */
static int
unknown_word(const struct opt_iter *it, const struct opt_def *defs)
{
	const char *w = it->argv[it->i - 1], *eq;
	size_t len;

	if (w[0] != '-' || w[1] == '\0')
		return 0;
	if (w[1] != '-')
		return find_short(defs, w[1]) == NULL || w[2] != '\0';
	eq = strchr(w + 2, '=');
	len = eq ? (size_t)(eq - w - 2) : strlen(w + 2);
	return strcmp(w, "--help") != 0 && strncmp(w, "--help=", 7) != 0 &&
	       find_long(defs, w + 2, len) == NULL;
}

int
opt_parse(void *opts, const struct opt_cmd *cmd, int argc, char **argv,
	  struct err *e)
{
	struct opt_def defs[OPT_MAX_ROWS + 1];
	unsigned char seen[OPT_MAX_ROWS];
	const struct opt_spec *rest = find_type(cmd->rows, OPT_REST);
	const struct opt_spec *pass = find_type(cmd->rows, OPT_PASS);
	struct opt_iter it;
	const char *val;
	int id, rc, i;

	memset(seen, 0, sizeof(seen));
	rc = defs_from_rows(defs, cmd->rows, e);
	if (rc != 0)
		return rc;
	opt_init(&it, argc, argv);
	it.keep_rest = rest != NULL || pass != NULL;
	for (;;) {
		rc = opt_next(&it, defs, &id, &val, e);
		if (rc < 0 && pass != NULL && unknown_word(&it, defs)) {
			err_clear(e);
			seen[pass - cmd->rows] = 1;
			rc = list_push(opts, pass, it.argv[it.i - 1], argc, e);
			if (rc != 0)
				return rc;
			continue;
		}
		if (rc != 1)
			break;
		if (id == OPT_HELP)
			return 1;
		if (id == OPT_POSITIONAL)
			rc = set_operand(opts, cmd, val, argc, seen, e);
		else if (cmd->rows[id - 1].flags & OPT_PEEK)
			rc = peek_option(opts, &cmd->rows[id - 1], &it, e);
		else
			rc = set_option(opts, &cmd->rows[id - 1], val, argc,
					&seen[id - 1], e);
		if (rc != 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	for (i = 0; pass != NULL && it.dashdash && i <= it.nrest; i++) {
		rc = list_push(opts, pass, i == 0 ? "--" : it.rest[i - 1], argc,
			       e);
		if (rc != 0)
			return rc;
	}
	if (rest != NULL) {
		*(char ***)field(opts, rest->off) = it.rest;
		*(int *)field(opts, rest->noff) = it.nrest;
		seen[rest - cmd->rows] = it.nrest > 0;
	}
	return check_required(cmd, seen, e);
}

/* Appends "a|b|c" to buf. */
static void
join_choices(char *buf, size_t cap, const char *const *c)
{
	size_t used = strlen(buf), i;

	for (i = 0; c[i] != NULL; i++)
		put(buf, cap, &used, "%s%s", i ? "|" : "", c[i]);
}

/* The synopsis words of one row ("[--bundle FILE]..."). */
static void
row_words(char *w, size_t cap, const struct opt_spec *r)
{
	int req = (r->flags & OPT_REQUIRED) != 0;
	char one[128];

	if (r->usage != NULL) {
		snprintf(w, cap, "%s", r->usage);
		return;
	}
	switch (r->type) {
	case OPT_OPERAND:
		snprintf(w, cap, req ? "%s" : "[%s]", r->argname);
		return;
	case OPT_OPERANDS:
	case OPT_PASS:
		snprintf(w, cap, req ? "%s..." : "[%s...]", r->argname);
		return;
	case OPT_REST:
		snprintf(w, cap, req ? "-- %s" : "[-- %s]", r->argname);
		return;
	default:
		break;
	}
	if (r->type == OPT_CHOICE) {
		snprintf(one, sizeof(one), "--%s ", r->name);
		join_choices(one, sizeof(one), r->choices);
	} else if (takes_value(r))
		snprintf(one, sizeof(one), "--%s %s", r->name,
			 r->argname ? r->argname : "VALUE");
	else
		snprintf(one, sizeof(one), "--%s", r->name);
	if (r->type == OPT_LIST || (r->flags & OPT_MANY))
		snprintf(w, cap, req ? "%s [%s]..." : "[%s]...", one, one);
	else
		snprintf(w, cap, req ? "%s" : "[%s]", one);
}

/* Appends " w", or a new line indented under "usage: " past column 79. */
static void
put_word(char *buf, size_t cap, size_t *used, size_t *col, const char *w)
{
	size_t len = strlen(w);

	if (*col + 1 + len > 79) {
		put(buf, cap, used, "\n       %s", w);
		*col = 7 + len;
	} else {
		put(buf, cap, used, " %s", w);
		*col += 1 + len;
	}
}

/* compact: the required rows only, the rest as one "[OPTIONS]". */
static void
synopsis_pass(char *buf, size_t cap, size_t *used, size_t *col,
	      const struct opt_cmd *cmd, int options, int compact)
{
	const struct opt_spec *r;
	int skipped = 0;
	char w[256];

	for (r = cmd->rows; r->type != OPT_END; r++) {
		if ((r->flags & OPT_HIDDEN) || is_option(r) != options)
			continue;
		if (compact && options && !(r->flags & OPT_REQUIRED)) {
			skipped = 1;
			continue;
		}
		row_words(w, sizeof(w), r);
		put_word(buf, cap, used, col, w);
	}
	if (skipped)
		put_word(buf, cap, used, col, "[OPTIONS]");
}

static size_t
synopsis(char *buf, size_t cap, const struct opt_cmd *cmd, int compact)
{
	size_t used = 0, col;

	if (cap > 0)
		buf[0] = '\0';
	put(buf, cap, &used, "%s", cmd->name);
	col = 7 + strlen(cmd->name);
	synopsis_pass(buf, cap, &used, &col, cmd, 1, compact);
	synopsis_pass(buf, cap, &used, &col, cmd, 0, compact);
	return used;
}

size_t
opt_synopsis(char *buf, size_t cap, const struct opt_cmd *cmd)
{
	return synopsis(buf, cap, cmd, 0);
}

size_t
opt_cmd_usage(char *buf, size_t cap, const struct opt_cmd *cmd)
{
	const struct opt_spec *r;
	char left[64], sh[8];
	size_t used = 0, n;

	if (cap > 0)
		buf[0] = '\0';
	put(buf, cap, &used, "usage: ");
	n = opt_synopsis(used < cap ? buf + used : NULL,
			 used < cap ? cap - used : 0, cmd);
	used += n;
	put(buf, cap, &used, "\n");
	if (cmd->about != NULL)
		put(buf, cap, &used, "\n%s\n", cmd->about);
	put(buf, cap, &used, "\noptions:\n");
	for (r = cmd->rows; r->type != OPT_END; r++) {
		if ((r->flags & OPT_HIDDEN) || !is_option(r))
			continue;
		snprintf(sh, sizeof(sh), r->shortname ? "-%c, " : "    ",
			 r->shortname);
		snprintf(left, sizeof(left), "%s--%s%s%s", sh, r->name,
			 takes_value(r) ? " " : "",
			 takes_value(r) ? (r->argname ? r->argname : "VALUE")
					: "");
		put(buf, cap, &used, "  %-28s %s\n", left, r->help);
	}
	put(buf, cap, &used, "  %-28s %s\n", "-h, --help", "show this help");
	return used;
}
