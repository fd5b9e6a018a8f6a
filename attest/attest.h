/*
 * The attest program: one cmd_<name>.c per subcommand and the helpers they
 * share (signing and writing a statement).
 */
#ifndef MLATTEST_ATTEST_ATTEST_H
#define MLATTEST_ATTEST_ATTEST_H

#include <jansson.h>

#include "keys/key.h"
#include "lib/err.h"

enum emit_format { EMIT_DSSE, EMIT_SIGSTORE };

/* Parses "dsse" or "sigstore" (-EXIT_USAGE otherwise). */
int emit_format_parse(enum emit_format *out, const char *s, struct err *e);

/*
 * Checks statement (src names it in errors) as an in-toto Statement, serialises
 * it with the fixed JSON flags, signs the PAE with k and writes the envelope
 * (or Sigstore bundle) to bundle_path (NULL: stdout; *.jsonl: one line
 * appended).
 */
int emit_statement(const json_t *statement, const char *src,
		   const struct key *k, enum emit_format fmt,
		   const char *bundle_path, struct err *e);

/* Prints "attest: message" for e on stderr and returns its exit class. */
int attest_fail(const struct err *e);

int cmd_key(int argc, char **argv);
int cmd_sign(int argc, char **argv);

#endif
