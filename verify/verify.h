/* The verify program: one cmd_<name>.c per subcommand. */
#ifndef MLATTEST_VERIFY_VERIFY_H
#define MLATTEST_VERIFY_VERIFY_H

#include <stdio.h>

#include "keys/key.h"
#include "lib/err.h"
#include "lib/s3.h"

/*
 * SPEC-VER-6: the one place verify prints a line: formats it, escapes it
 * with text_escape_line and writes it to f. Every message carrying
 * untrusted text goes through here.
 */
void verify_print(FILE *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints "verify: message" for e on stderr and returns its exit class. */
int verify_fail(const struct err *e);

/* Folds an outcome into a running exit status: 1 beats 3 beats 0. */
int verify_worst(int status, int code);

/* Key-loading defaults main read from the environment (as attest's). */
const struct key_load_opts *verify_key_env(void);

/* Object store credentials' sources main read (as attest's). */
const struct s3_env *verify_s3_env(void);

int cmd_verify(int argc, char **argv);
int cmd_dataset(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_vsa(int argc, char **argv);
int cmd_lineage(int argc, char **argv);

#endif
