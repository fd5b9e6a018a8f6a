/*
 * Bounded file reading and atomic output. Every input file is read through
 * file_read with a named ceiling; every output file is written to a temp
 * file in the same directory, fsynced and renamed into place, so a reader
 * (or a crash) never sees a half-written file.
 */
#ifndef MLATTEST_LIB_FILEIO_H
#define MLATTEST_LIB_FILEIO_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "lib/err.h"

/* Ceilings for the inputs we read whole. */
#define MAX_BUNDLE_BYTES ((size_t)512 * 1024 * 1024)
#define MAX_STATEMENT_BYTES ((size_t)64 * 1024 * 1024)
#define MAX_KEY_BYTES ((size_t)64 * 1024)

/* Ceilings for secrets read whole (SPEC-OUT-3). */
#define MAX_SECRET_KEY_BYTES ((size_t)64 * 1024)
#define MAX_CREDENTIAL_BYTES ((size_t)4096)
#define MAX_PRIVATE_PARAMS_BYTES ((size_t)1024 * 1024)

/* secret_read flags: refuse a file that group or others may read. */
#define SECRET_OWNER_ONLY 1u

/*
 * SPEC-OUT-3: reads a secret file (regular, never stdin) into one
 * allocation sized from fstat, NUL-terminated (not counted in *len): no
 * growth, so no copy of the secret is left in freed memory. Fails with
 * EXIT_REJECTED when the file is larger than max or changes size while it
 * is read, with EXIT_USAGE when SECRET_OWNER_ONLY is given and the mode
 * grants any group or other permission, else with EXIT_UNDECIDED. *out is
 * the caller's, released with secret_free, which wipes it.
 */
int secret_read(unsigned char **out, size_t *len, const char *path, size_t max,
		unsigned flags, struct err *e);

/* Wipes and frees a buffer from secret_read; NULL is allowed. */
void secret_free(unsigned char *buf, size_t len);

/*
 * Reads the whole of path ("-" is stdin) into a new buffer, NUL-terminated
 * (the NUL is not counted in *len). Fails with EXIT_UNDECIDED when the file
 * cannot be opened or read, and EXIT_REJECTED when it is larger than max.
 * *out is the caller's, freed with free().
 */
int file_read(unsigned char **out, size_t *len, const char *path, size_t max,
	      struct err *e);

/*
 * Opens path for reading (close-on-exec, never as a controlling terminal)
 * and fills *st. Anything but a regular file is refused (EXIT_UNDECIDED,
 * "not a regular file" or "is a directory") without blocking: a FIFO is
 * opened non-blocking and never read. *fd is the caller's to close; it is
 * -1 on failure.
 */
int file_open_regular(int *fd, struct stat *st, const char *path,
		      struct err *e);

/*
 * Writes buf to path atomically: temp file in the same directory, fsync,
 * rename, fsync of the directory. mode applies to the new file. With
 * exclusive set, an existing path is an error (EXIT_UNDECIDED) and is left
 * alone. path must not be a symlink.
 */
int file_write_atomic(const char *path, const void *buf, size_t len,
		      mode_t mode, int exclusive, struct err *e);

/*
 * Appends one line (a '\n' is added) to a .jsonl file atomically: the
 * existing content is copied with the line to a temp file that replaces
 * the original, under an exclusive lock on the directory so concurrent
 * appenders serialise. A missing last newline in the old file is repaired.
 * If the process dies at any point the file holds either the old lines or
 * the old lines plus the new one.
 */
int file_append_line(const char *path, const char *line, size_t len,
		     struct err *e);

/* Writes all of buf to fd, retrying short writes and EINTR. */
int file_write_all(int fd, const void *buf, size_t len);

/* 1 when path ends with suffix. */
int str_has_suffix(const char *path, const char *suffix);

#endif
