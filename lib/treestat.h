/*
 * Change detection without reading file contents: a digest over the
 * (path, type, dev, ino, size, mtime_ns, ctime_ns) of every entry under a
 * root, taken before and after a command runs. Equal digests mean the
 * command created, replaced, wrote, truncated, renamed or deleted nothing
 * there (SPEC-RUN-9).
 */
#ifndef MLATTEST_LIB_TREESTAT_H
#define MLATTEST_LIB_TREESTAT_H

#include "lib/err.h"

#define TREESTAT_LEN 32
#define TREESTAT_MAX_ENTRIES 50000000UL		    /* entries under one root */
#define TREESTAT_MAX_DEPTH 256			    /* directory nesting */
#define TREESTAT_MAX_NAMES_BYTES ((size_t)64 << 20) /* names in one dir */

/*
 * Fills out with the snapshot digest of path (a file or a directory; a
 * root that is a symlink is followed, links below it are recorded, never
 * followed) and sets *exists. A path that does not exist gives *exists 0
 * and an all-zero digest. Entries are visited in bytewise name order, so
 * the digest does not depend on readdir order. EXIT_UNDECIDED on I/O
 * errors and past the ceilings.
 */
int treestat_take(unsigned char out[TREESTAT_LEN], int *exists,
		  const char *path, struct err *e);

#endif
