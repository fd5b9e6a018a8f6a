/*
 * The attest program: one cmd_<name>.c per subcommand and the helpers they
 * share (signing and writing a statement).
 */
#ifndef MLATTEST_ATTEST_ATTEST_H
#define MLATTEST_ATTEST_ATTEST_H

#include <jansson.h>
#include <stdio.h>

#include "keys/key.h"
#include "lib/err.h"
#include "lib/opt.h"
#include "lib/s3.h"

enum emit_format { EMIT_DSSE, EMIT_SIGSTORE };

/* Parses "dsse" or "sigstore" (-EXIT_USAGE otherwise). */
int emit_format_parse(enum emit_format *out, const char *s, struct err *e);

/* The --format row's handler: emit_format_parse into the row's field. */
int emit_format_opt(void *opts, const struct opt_spec *row, const char *val,
		    struct err *e);

/* The rows naming where a signed statement goes and how: --bundle, --force,
 * --tsa and --format, for an options struct T with those fields. */
#define EMIT_OPT_ROWS(T)                                                       \
	{.type = OPT_STRING,                                                   \
	 .name = "bundle",                                                     \
	 .shortname = 'b',                                                     \
	 .off = offsetof(T, bundle),                                           \
	 .argname = "FILE",                                                    \
	 .help = "write here; *.jsonl gets one line appended (default: "       \
		 "stdout)"},                                                   \
	    {.type = OPT_FLAG,                                                 \
	     .name = "force",                                                  \
	     .off = offsetof(T, force),                                        \
	     .help = "replace an existing --bundle whose name does not end "   \
		     "in .jsonl"},                                             \
	    {.type = OPT_STRING,                                               \
	     .name = "tsa",                                                    \
	     .off = offsetof(T, tsa),                                          \
	     .argname = "URL",                                                 \
	     .help = "RFC 3161 timestamp from this TSA (sigstore)"},           \
	{                                                                      \
		.type = OPT_CALL, .name = "format", .shortname = 'f',          \
		.off = offsetof(T, format), .argname = "FMT",                  \
		.help = "dsse (default) or sigstore", .fn = emit_format_opt    \
	}

/*
 * Checks, before any work, that --bundle path (NULL: stdout) can be
 * written: its directory must exist (EXIT_USAGE naming it), and an
 * existing file whose name does not end in .jsonl is replaced only with
 * force (EXIT_USAGE otherwise, with a hint to use a .jsonl bundle).
 */
int emit_bundle_check(const char *path, int force, struct err *e);

/*
 * The directory that path goes into (path itself is created later) must
 * exist; otherwise EXIT_USAGE naming it, with opt ("--capture-logs").
 */
int emit_parent_check(const char *opt, const char *path, struct err *e);

/*
 * Checks statement (src names it in errors) as an in-toto Statement, serialises
 * it with the fixed JSON flags, signs the PAE with k and writes the envelope
 * (or Sigstore bundle) to bundle_path (NULL: stdout; *.jsonl: one line
 * appended; any other name written whole, replacing an existing file only
 * with force, so a file that appeared since emit_bundle_check is kept),
 * and when tsa_url is not NULL an RFC 3161 timestamp over
 * the signature from that TSA goes into the Sigstore bundle
 * (SPEC-TSA-1..3). With fmt EMIT_DSSE that is EXIT_USAGE; a TSA that does
 * not answer well is EXIT_UNDECIDED. Nothing is written on failure.
 */
int emit_statement_tsa(const json_t *statement, const char *src,
		       const struct key *k, enum emit_format fmt,
		       const char *tsa_url, const char *bundle_path, int force,
		       struct err *e);

/*
 * The subject for ARTIFACT: a path (file sha256 or tree digests, following
 * symlinks into links_within when not NULL, SPEC-LINK-7) or "sha256:HEX"
 * naming a model without reading it.
 */
int attest_subject(json_t **out, const char *artifact, const char *links_within,
		   struct err *e);

/* Prints "attest: message" for e on stderr and returns its exit class. */
/*
 * SPEC-VER-6: the one place attest prints a line: formats it, escapes it
 * with text_escape_line and writes it to f. Every message carrying
 * untrusted text goes through here.
 */
void attest_print(FILE *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int attest_fail(const struct err *e);

/*
 * The environment exactly as the caller gave attest, before main set
 * anything for its libraries: what a wrapped command gets. Borrowed.
 */
char *const *attest_caller_env(void);

/*
 * Key-loading defaults main read from the environment ($MLATTEST_TCTI,
 * $MLATTEST_PKCS11_PIN, $MLATTEST_PASSPHRASE_FILE); commands copy them and
 * let their options override. Borrowed.
 */
const struct key_load_opts *attest_key_env(void);

/* Object store credentials' sources main read from the environment
 * (AWS_ACCESS_KEY_ID, ..., HOME; lib/s3). Borrowed. */
const struct s3_env *attest_s3_env(void);

int cmd_key(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_dataset(int argc, char **argv);
int cmd_manifest(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_approve(int argc, char **argv);
int cmd_intake(int argc, char **argv);
int cmd_push(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_revoke(int argc, char **argv);

#endif
