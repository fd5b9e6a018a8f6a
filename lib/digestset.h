/*
 * in-toto DigestSet matching (attestation spec/v1/digest_set.md): two sets
 * match when they share at least one algorithm that we accept and every
 * accepted algorithm they share has equal values (a conflict is never a
 * match). md5, sha1, ripemd160 and 40-digit git ids never count; unknown
 * algorithms are ignored (SPEC-DIG-1..3).
 */
#ifndef MLATTEST_LIB_DIGESTSET_H
#define MLATTEST_LIB_DIGESTSET_H

#include <jansson.h>

/* 1 when alg with this value is one we accept as evidence. */
int digestset_acceptable(const char *alg, const char *value);

/* 1 when the DigestSets a and b match (see above), else 0. */
int digestset_match(const json_t *a, const json_t *b);

/* 1 when set carries an acceptable algorithm that binds file names and
 * sizes (dirHash, dirHash1, shardDirHash, gitTree): SPEC-DIG-4. */
int digestset_binds_names(const json_t *set);

/*
 * SPEC-DIG-4: the match rule for trees. 1 when a and b match and share an
 * equal name-binding algorithm. With is_tree 0 (both sides a single file)
 * and neither set carrying a name-binding algorithm, as digestset_match.
 * An OMS root (sha256 of a tree, omsRoot) alone never matches a tree.
 */
int digestset_match_tree(const json_t *a, const json_t *b, int is_tree);

/*
 * SPEC-POL-10: the first acceptable algorithm (in a's order) whose value
 * a and b share, or NULL. Unlike digestset_match, a conflict elsewhere
 * does not matter: for an overlap (deny) test one equal digest is enough.
 */
const char *digestset_shared(const json_t *a, const json_t *b);

/* 1 when set carries at least one acceptable algorithm. */
int digestset_has_acceptable(const json_t *set);

#endif
