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

#endif
