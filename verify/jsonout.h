/*
 * Where a command's JSON report goes (SPEC-OUT-2). "--json -" (and the
 * names /dev/stdout, /dev/fd/1) put the JSON on standard output; the human
 * text that the command prints on stdout then goes to standard error, so
 * the two never mix. Any other name is a file written whole (temp file,
 * fsync, rename), never through a symlink.
 */
#ifndef MLATTEST_VERIFY_JSONOUT_H
#define MLATTEST_VERIFY_JSONOUT_H

#include <jansson.h>

#include "lib/err.h"

struct jsonout {
	const char *path; /* NULL: no JSON report */
	int fd;		  /* the real stdout while it points at stderr */
};

#define JSONOUT_INIT                                                           \
	{                                                                      \
		NULL, -1                                                       \
	}

/* 1 when path names standard output ("-", /dev/stdout, /dev/fd/1). */
int jsonout_is_stdout(const char *path);

/*
 * Starts a report to path (borrowed; NULL: none). For standard output,
 * stdout is flushed and pointed at stderr until jsonout_close. A file
 * whose directory does not exist is EXIT_USAGE naming the directory.
 */
int jsonout_open(struct jsonout *j, const char *path, struct err *e);

/*
 * Writes doc (pretty, sorted keys, one trailing newline) where
 * jsonout_open said; nothing when no path was given.
 */
int jsonout_write(struct jsonout *j, const json_t *doc, struct err *e);

/*
 * Ends a command with one verdict (verify dataset, verify model): prints
 * e when rc (0, or a negative exit class) failed, writes {result, exitCode,
 * path, error (when failed), findings} when a report was asked for, and
 * closes j. findings ([{change, path}], borrowed) may be NULL for [].
 * Returns the command's exit status.
 */
int jsonout_finish(struct jsonout *j, const char *path, int rc,
		   const struct err *e, const json_t *findings);

/* Puts stdout back; safe to call twice and on JSONOUT_INIT. */
void jsonout_close(struct jsonout *j);

#endif
