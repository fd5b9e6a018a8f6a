/*
 * SHA-256 of byte strings and of single files, streamed through OpenSSL
 * EVP with a fixed buffer (never reading the file whole).
 */
#ifndef MLATTEST_LIB_HASH_H
#define MLATTEST_LIB_HASH_H

#include <stddef.h>

#include "lib/err.h"

#define SHA256_LEN 32
#define SHA256_HEX_LEN 64

/* out = SHA-256(buf). Returns 0, or a negative exit class on failure. */
int hash_sha256(unsigned char out[SHA256_LEN], const void *buf, size_t len,
		struct err *e);

/*
 * out = SHA-256 of the regular file at path, and *size its length when
 * size is not NULL. A missing or unreadable file is EXIT_UNDECIDED; a
 * path that is not a regular file is EXIT_UNDECIDED too.
 */
int hash_file_sha256(unsigned char out[SHA256_LEN], unsigned long long *size,
		     const char *path, struct err *e);

#endif
