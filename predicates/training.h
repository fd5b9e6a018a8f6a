/*
 * Training provenance: SLSA Provenance v1 with our buildType
 * (spec/predicates/training.md). This module holds the rules that decide
 * what of the environment and the parameters may enter the provenance.
 */
#ifndef MLATTEST_PREDICATES_TRAINING_H
#define MLATTEST_PREDICATES_TRAINING_H

#include <jansson.h>
#include <stddef.h>

#include "lib/err.h"
#include "lib/proc.h"

#define TRAINING_BUILD_TYPE "https://mlattest.dev/buildtypes/training/v1"
#define TRAINING_DEFAULT_BUILDER "https://mlattest.dev/builders/attest-run/v1"
#define TRAINING_SEED_ENV "MLATTEST_SEED"
#define TRAINING_SALT_LEN 32

/* Variables recorded by default (when set). */
extern const char *const training_default_env[];

/*
 * 1 when a variable must never be recorded: its name contains KEY, TOKEN,
 * SECRET, PASSWORD, PASSWD, CREDENTIAL or AUTH (any case), or its value
 * looks like a key or bearer token (PEM block, "Bearer ", well-known token
 * prefixes, a JWT, or a long unbroken base64/hex run). SPEC-RUN-3.
 */
int training_env_is_secret(const char *name, const char *value);

/*
 * Builds {"NAME": "value"} for the allowlisted variables set in envp
 * ("NAME=value" strings, NULL-terminated; defaults plus extra), and the
 * names it redacted into *redacted (a new array). Both are new
 * references.
 */
int training_env(json_t **out, json_t **redacted, char *const *envp,
		 const char *const *extra, size_t nextra, struct err *e);

/*
 * A salted commitment to a private parameter (SPEC-RUN-4):
 * hex SHA-256(salt || name || "=" || value) with a fresh random 32-byte
 * salt, returned in commitment (65 bytes) and salt_hex (65 bytes).
 */
int training_commit(char *commitment, char *salt_hex, const char *name,
		    const char *value, struct err *e);

/* Recomputes a commitment from a salt (hex) for checking; 0 when equal. */
int training_commit_check(const char *commitment, const char *salt_hex,
			  const char *name, const char *value);

/*
 * SPEC-RUN-4: sets ext's "parameters" (pub, "K=V" strings) and
 * "privateParameters" (priv, "K=V": each a salted commitment). K is at
 * most 255 bytes and every string holds an '=' (the caller checked).
 * *commitments is always a new object (name: salt, value, commitment),
 * freed with training_commitments_free, also on failure.
 */
int training_params(json_t *ext, json_t **commitments, const char *const *pub,
		    size_t npub, const char *const *priv, size_t npriv,
		    struct err *e);

/* Wipes the salts and values of a commitments object, then frees it. */
void training_commitments_free(json_t *salts);

/*
 * The --commitments document (version, invocationId, scheme, parameters:
 * salts, referenced not copied): *out is new.
 */
int training_commitments_doc(json_t **out, json_t *salts,
			     const char *invocation, struct err *e);

/*
 * The predicate's internalParameters: outputFiles and unchangedOutputs
 * (when not empty, referenced), host and accelerator facts, the seed (may
 * be NULL) and how the command ended. A new object, NULL when out of
 * memory.
 */
json_t *training_internal_params(const struct proc_result *res,
				 const char *seed, json_t *files,
				 json_t *unchanged);

/* What attest run --trace saw (spec/predicates/training.md §3.3). */
#define TRAINING_TRACE_READ 0x1
#define TRAINING_TRACE_EXEC 0x2
#define TRAINING_TRACE_WRITE 0x4
/* Entries listed per array of internalParameters.trace; counts stay exact. */
#define TRAINING_TRACE_MAX_LISTED 10000
#define TRAINING_TRACE_MAX_NOTES 8

enum training_trace_group {
	TRAINING_TRACE_DECLARED,
	TRAINING_TRACE_SYSTEM,
	TRAINING_TRACE_UNDECLARED,
};

struct training_trace_file {
	const char *path; /* absolute, symlinks resolved */
	unsigned flags;	  /* TRAINING_TRACE_READ | _EXEC | _WRITE */
	enum training_trace_group group;
	int write_outside; /* written outside the outputs and /dev /proc /sys */
	int written_first; /* written by the run before it was first read */
	int hashed;	   /* sha256 and size hold the file when first read */
	unsigned char sha256[32];
	unsigned long long size;
};

struct training_trace {
	const struct training_trace_file *files; /* sorted by path */
	size_t nfiles;
	const char *const *system_prefixes;
	size_t nsystem;
	unsigned long processes, threads;
	const char *notes[TRAINING_TRACE_MAX_NOTES];
	size_t nnotes;
	int complete; /* no path or task was left unrecorded */
};

/*
 * 1 when path is prefix or lies under it (component-wise: /data covers
 * /data/x, not /database); "/" covers every absolute path.
 */
int training_path_under(const char *path, const char *prefix);

/*
 * Sets internalParameters.trace in "in" from t (SPEC-RUN-11): the reads
 * and executions grouped declared/system/undeclared, the undeclared ones
 * with their sha256 when hashed, the writes outside the outputs, exact
 * counts, and at most TRAINING_TRACE_MAX_LISTED entries per array.
 * Returns 0, or -EXIT_UNDECIDED when out of memory.
 */
int training_trace_record(json_t *in, const struct training_trace *t,
			  struct err *e);

#endif
