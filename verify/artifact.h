/*
 * What --artifact names, and how it is matched against subjects
 * (SPEC-VER-7): a regular file (its sha256), a directory (hashed as a
 * tree the way attest run --output hashes it) or sha256:HEX. When nothing
 * matches, the nearest subject (same name) and, where its statement
 * carries a file list, the files added, removed and changed.
 */
#ifndef MLATTEST_VERIFY_ARTIFACT_H
#define MLATTEST_VERIFY_ARTIFACT_H

#include <jansson.h>
#include <stdio.h>

#include "lib/err.h"
#include "lib/statement.h"
#include "predicates/tree.h"

#define ARTIFACT_MAX_LISTED 10000 /* paths per kind kept in "nearest" */
#define ARTIFACT_SHOWN 50	  /* paths per kind printed */

enum artifact_kind { ARTIFACT_FILE, ARTIFACT_TREE, ARTIFACT_DIGEST };

struct artifact {
	enum artifact_kind kind;
	const char *arg;	  /* as given (borrowed) */
	struct tree t;		  /* ARTIFACT_TREE */
	json_t *set;		  /* DigestSet matched against subjects */
	char name[1024];	  /* arg without "./" and trailing '/'; "" for
				     a digest */
	char shown[320];	  /* "sha256:X" or "tree sha256:X dirHash:Y" */
	const char *links_within; /* --follow-links-within DIR (borrowed) */
};

/* A verified statement to match or to search for the nearest subject. */
struct artifact_source {
	const struct statement *st;
	const char *src;    /* "file:line" */
	const char *bundle; /* where its manifestRef files lie, may be NULL */
};

/*
 * Hashes arg into a (cleared first; release with artifact_clear, also on
 * failure). jobs: hashing threads for a tree (0: all CPUs). links_within
 * (NULL: none): a directory's symlinks may resolve to files anywhere
 * under it, as --follow-links-within (SPEC-LINK-7). A FIFO or device is
 * EXIT_UNDECIDED "not a regular file", a bad sha256:HEX EXIT_USAGE.
 */
int artifact_open(struct artifact *a, const char *arg, unsigned jobs,
		  const char *links_within, struct err *e);
void artifact_clear(struct artifact *a);

/*
 * 1 when the resource descriptor subject is a: a file only a non-tree
 * subject with its sha256; a tree only a subject carrying dirHash, with
 * every digest both carry equal; sha256:HEX any subject whose sha256 is
 * HEX.
 */
int artifact_matches(const struct artifact *a, const json_t *subject);

/* 1 when some subject of st matches a. */
int artifact_in_statement(const struct artifact *a, const struct statement *st);

/*
 * The nearest subject among sources: the last one with a's name (one with
 * a file list preferred). *out is NULL when none has the name, else a new
 * object {"name","source","digest"} and, with a file list, "added",
 * "removed", "changed" (arrays of paths, at most ARTIFACT_MAX_LISTED each,
 * and "more" counts), or "fileListError" when it could not be read.
 */
int artifact_nearest(json_t **out, const struct artifact *a,
		     const struct artifact_source *sources, size_t n,
		     struct err *e);

/* Prints near as "NEAR  ..." lines (escaped), at most ARTIFACT_SHOWN
 * paths per kind; with near NULL, that no subject is named like a. */
void artifact_nearest_print(FILE *f, const struct artifact *a,
			    const json_t *near);

/* One line for a rule reason: "nearest: NAME in SRC (...), 1 changed: x". */
void artifact_nearest_summary(char *buf, size_t cap, const struct artifact *a,
			      const json_t *near);

#endif
