/*
 * What a KEYREF needs besides itself: the options every command that
 * reads a private key shares (--passphrase-file, --pkcs11-module), and the
 * bounded reader for the secret files they name.
 */
#ifndef MLATTEST_KEYS_KEYOPT_H
#define MLATTEST_KEYS_KEYOPT_H

#include <stddef.h>

#include "keys/key.h"
#include "lib/err.h"
#include "lib/opt.h"

/* Environment variables the programs (never the library) read. */
#define KEYOPT_PIN_ENV "MLATTEST_PKCS11_PIN"
#define KEYOPT_PASSPHRASE_ENV "MLATTEST_PASSPHRASE_FILE"

#define KEYOPT_MAX_SECRET ((size_t)1024) /* a passphrase or PIN file */

/*
 * The rows to put in a command's option table, filling member M (a struct
 * key_load_opts) of the options struct T.
 */
#define KEYOPT_SPECS(T, M)                                                     \
	{.type = OPT_STRING,                                                   \
	 .name = "passphrase-file",                                            \
	 .off = offsetof(T, M.passphrase_file),                                \
	 .argname = "FILE",                                                    \
	 .help = "passphrase of an encrypted key file (mode 0600; default "    \
		 "$" KEYOPT_PASSPHRASE_ENV ")"},                               \
	{                                                                      \
		.type = OPT_STRING, .name = "pkcs11-module",                   \
		.off = offsetof(T, M.pkcs11_module), .argname = "PATH",        \
		.help = "PKCS#11 module for a pkcs11: KEYREF without "         \
			"module-path"                                          \
	}

/*
 * Reads the secret in file path (what names it in messages: "passphrase
 * file"). The file must be a regular file, not a symlink, with no group or
 * other permission bits (EXIT_USAGE otherwise), at most KEYOPT_MAX_SECRET
 * bytes; one trailing newline (LF or CRLF) is dropped; empty is refused.
 * *out is new, NUL-terminated; free it with keyopt_secret_free.
 */
int keyopt_secret_read(char **out, size_t *len, const char *path,
		       const char *what, struct err *e);

/* Cleanses and frees a secret from keyopt_secret_read (NULL is fine). */
void keyopt_secret_free(char *s, size_t len);

#endif
