/*
 * Command-line options from one table: the same table parses argv and
 * prints --help, so the two never disagree. Long options take their value
 * as "--name value" or "--name=value"; "--" ends the options and the rest
 * is kept verbatim (for wrapped commands).
 */
#ifndef MLATTEST_LIB_OPT_H
#define MLATTEST_LIB_OPT_H

#include <stdio.h>

#include "lib/err.h"

#define OPT_POSITIONAL 0
#define OPT_HELP -1

struct opt_def {
	int id;		     /* > 0; returned by opt_next */
	const char *name;    /* long name without "--" */
	char shortname;	     /* 0 for none */
	const char *argname; /* NULL for a flag */
	const char *help;
};

struct opt_iter {
	int argc;
	char **argv;
	int i;
	int done;    /* "--" seen or argv exhausted */
	char **rest; /* words after "--" */
	int nrest;
	int dashdash;  /* 1 when "--" was given */
	int keep_rest; /* set by the caller: words after "--" go to rest;
			  otherwise they are returned as operands */
};

void opt_init(struct opt_iter *it, int argc, char **argv);

/*
 * Next option: returns 1 with *id and *val set (val NULL for flags; id
 * OPT_POSITIONAL for an operand, OPT_HELP for -h/--help), 0 at the end,
 * or -EXIT_USAGE for an unknown option or a missing value. defs ends with
 * an entry whose id is 0.
 */
int opt_next(struct opt_iter *it, const struct opt_def *defs, int *id,
	     const char **val, struct err *e);

/*
 * Formats "usage: synopsis", about and the option table into buf (cap
 * bytes, NUL-terminated when cap > 0, truncated like snprintf) and returns
 * the length of the whole text: call with cap 0 to size the buffer.
 */
size_t opt_usage(char *buf, size_t cap, const char *synopsis, const char *about,
		 const struct opt_def *defs);

/* Prints opt_usage to f (defined by each program: library code never
 * prints). */
void opt_help(FILE *f, const char *synopsis, const char *about,
	      const struct opt_def *defs);

/*
 * Parses a decimal integer in [min, max]; -EXIT_USAGE naming what on any
 * other input.
 */
int opt_long(long *out, const char *s, long min, long max, const char *what,
	     struct err *e);

#endif
