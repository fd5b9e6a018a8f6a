/*
 * Classic in-toto 0.9 links (the format in-toto 1.3 signs and verifies;
 * spec/intoto-link.md): the metablock {"signatures":[{keyid,sig}],
 * "signed":{"_type":"link",...}} with a securesystemslib signature over
 * the canonical JSON of "signed". Ed25519 and ECDSA P-256 keys only.
 */
#ifndef MLATTEST_ATTEST_INTOTO_LINK_H
#define MLATTEST_ATTEST_INTOTO_LINK_H

#include <jansson.h>
#include <stddef.h>

#include "keys/key.h"
#include "lib/digest.h"
#include "lib/err.h"

#define INTOTO_LINK_DEFAULT_STEP "train"
#define INTOTO_LINK_MAX_STEP 128 /* bytes in a step name */
#define INTOTO_LINK_KEYID_LEN 64

/*
 * Checks a step name (SPEC-LINK-6: 1..INTOTO_LINK_MAX_STEP bytes of
 * [A-Za-z0-9._-], not starting with '.'); else EXIT_USAGE.
 */
int intoto_link_check_step(const char *step, struct err *e);

/*
 * Checks before the command runs that a link can be made: the step name
 * (intoto_link_check_step) and the key type (intoto_link_pubkey).
 */
int intoto_link_check(const char *step, const struct key *k, struct err *e);

/*
 * The securesystemslib public key of k (SPEC-LINK-3): {"keytype",
 * "scheme", "keyid_hash_algorithms", "keyval":{"public"}} into *out (new
 * reference) and its keyid, lowercase hex, into keyid. Keys other than
 * Ed25519 and ECDSA P-256 are EXIT_USAGE.
 */
int intoto_link_pubkey(json_t **out, char keyid[INTOTO_LINK_KEYID_LEN + 1],
		       const struct key *k, struct err *e);

/*
 * Adds the files of a tree hashed with tree_hash (a file or a directory)
 * to arts, an object {path: {"sha256": hex}} with one member per regular
 * file (SPEC-LINK-4 names them): the caller hashes a path once, for its
 * statement and its link alike.
 */
struct tree;
int intoto_link_add_tree(json_t *arts, const struct tree *t, struct err *e);

/*
 * The "signed" part of a link (SPEC-LINK-2) into *out (new reference).
 * materials and products are copied. NULL when out of memory.
 */
json_t *intoto_link_signed_new(const char *step, char *const *argv, size_t argc,
			       const json_t *materials, const json_t *products,
			       long long return_value);

/*
 * Signs sig over the canonical JSON of signed_ with k into the metablock
 * *out (new reference); keyid receives k's keyid.
 */
int intoto_link_sign(json_t **out, char keyid[INTOTO_LINK_KEYID_LEN + 1],
		     const json_t *signed_, const struct key *k, struct err *e);

/*
 * Builds and signs the link and writes it atomically to
 * dir/<step>.<keyid[:8]>.link (SPEC-LINK-5); dir is created when missing.
 * materials (before the command ran) and products (after; outputs that
 * do not exist left out) come from intoto_link_add_tree.
 */
int intoto_link_emit(const char *dir, const char *step, char *const *argv,
		     size_t argc, const json_t *materials,
		     const json_t *products, long long return_value,
		     const struct key *k, struct err *e);

#endif
