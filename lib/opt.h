/*
 * Command-line options from one table: a command's option rows (struct
 * opt_spec) fill its options struct through opt_parse and print its
 * synopsis and --help, so the two never disagree. Long options take their
 * value as "--name value" or "--name=value", never abbreviated; "--" ends
 * the options and the rest is kept verbatim (for wrapped commands). Under
 * opt_parse is a getopt-style tokenizer (struct opt_def, opt_next) with
 * no global state.
 */
#ifndef MLATTEST_LIB_OPT_H
#define MLATTEST_LIB_OPT_H

#include <stddef.h>
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

/*
 * Option rows: what opt_parse fills and what --help prints. A command
 * describes its options struct with one const table of rows, each naming
 * its field by offsetof (as libgit2's cli_opt_spec names a variable); the
 * table ends with a row of type OPT_END.
 */
enum opt_type {
	OPT_END = 0,
	OPT_FLAG,   /* int field set to 1 */
	OPT_STRING, /* const char * field; the last one given wins */
	OPT_LIST,   /* repeatable: const char ** at off, size_t count at noff */
	OPT_LONG,   /* long field, decimal in [min, max] */
	OPT_UINT,   /* unsigned field, decimal in [min, max] */
	OPT_CHOICE, /* const char * field, one of choices */
	OPT_CALL,   /* fn decides; for the odd case */
	OPT_OPERAND,  /* one operand: const char * field */
	OPT_OPERANDS, /* every operand: const char ** at off, size_t at noff */
	OPT_REST,     /* the words after "--": char ** at off, int at noff */
	OPT_PASS,     /* for a wrapper: every word no other row takes, "--"
			 and what follows included, in order, as OPT_LIST */
};

#define OPT_REQUIRED 0x1 /* missing: "usage: SYNOPSIS" */
#define OPT_ONCE 0x2	 /* given twice: "one X at a time" */
#define OPT_HIDDEN 0x4	 /* parsed, never shown */
#define OPT_PEEK                                                               \
	0x10	     /* an OPT_CALL flag row sees the next word; 1 takes it    \
		      */
#define OPT_MANY 0x8 /* an OPT_CALL row that may repeat: "[--x X]..." */

struct opt_spec;

/* An OPT_CALL row's handler: 0, or a negative code with e filled. */
typedef int (*opt_call_fn)(void *opts, const struct opt_spec *row,
			   const char *val, struct err *e);

struct opt_spec {
	enum opt_type type;
	const char *name;    /* long name without "--"; NULL for operands */
	char shortname;	     /* 0 for none */
	size_t off;	     /* offsetof the field in the options struct */
	const char *argname; /* value (NULL for a flag) or operand name */
	const char *help;    /* for an operand: its name in messages */
	unsigned flags;	     /* OPT_REQUIRED, OPT_ONCE, OPT_HIDDEN */
	size_t noff;	     /* OPT_LIST, OPT_OPERANDS, OPT_REST: count */
	long min, max;	     /* OPT_LONG, OPT_UINT */
	const char *const *choices; /* OPT_CHOICE, NULL-terminated */
	opt_call_fn fn;	     /* OPT_CALL; or an operand row's own handler */
	const char *usage;   /* the synopsis words, when not "--name ARG" */
	const char *missing; /* OPT_REQUIRED: "MISSING (usage: SYNOPSIS)" */
};

/* A command: its name ("attest sign"), what --help says, its rows. */
struct opt_cmd {
	const char *name;
	const char *about;
	const struct opt_spec *rows;
};

#define OPT_MAX_ROWS 64

/*
 * Fills the options struct at opts from argv (argv[0] is the command
 * name) under cmd's rows. Returns 0, 1 when -h/--help was given (the caller
 * prints opt_cmd_help and exits 0), or -EXIT_USAGE with e naming the
 * option: unknown, a missing value, a bad number or choice, given twice
 * under OPT_ONCE, a missing OPT_REQUIRED row ("usage: SYNOPSIS"; a
 * synopsis too long for struct err gives only its required rows and
 * "[OPTIONS]"), an
 * operand the rows have no place for; -EXIT_UNDECIDED when out of memory.
 * Lists are arrays of argc pointers the caller frees with free() (a list
 * the caller set before keeps its entries and must have room for argc
 * more); they and every string point into argv. Fields the rows do not name,
 * and those of options not given, are left as the caller set them.
 */
int opt_parse(void *opts, const struct opt_cmd *cmd, int argc, char **argv,
	      struct err *e);

/*
 * Formats the synopsis from the rows ("attest sign --key KEYREF
 * [--bundle FILE] STATEMENT.json", wrapped at 80 columns under "usage: ")
 * into buf like snprintf, returning the length of the whole text.
 */
size_t opt_synopsis(char *buf, size_t cap, const struct opt_cmd *cmd);

/* Formats the whole --help text of cmd, like opt_synopsis. */
size_t opt_cmd_usage(char *buf, size_t cap, const struct opt_cmd *cmd);

/* Records "usage: SYNOPSIS" in e; returns -EXIT_USAGE. */
int opt_usage_error(const struct opt_cmd *cmd, struct err *e);

/* Prints opt_cmd_usage to f (defined by each program). */
void opt_cmd_help(FILE *f, const struct opt_cmd *cmd);

/*
 * Parses a decimal integer in [min, max]; -EXIT_USAGE naming what on any
 * other input.
 */
int opt_long(long *out, const char *s, long min, long max, const char *what,
	     struct err *e);

#endif
