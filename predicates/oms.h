/*
 * OpenSSF Model Signing (OMS) v1.0 (spec/predicates/oms.md): the Statement
 * model_signing signs over a model directory, built from a digest manifest
 * and checked strictly when read back.
 */
#ifndef MLATTEST_PREDICATES_OMS_H
#define MLATTEST_PREDICATES_OMS_H

#include <jansson.h>
#include <stddef.h>

#include "lib/digest.h"
#include "lib/err.h"

#define OMS_PREDICATE_TYPE "https://model_signing/signature/v1.0"
#define OMS_MAX_RESOURCES ((size_t)10000000)
#define OMS_MAX_IGNORE DIGEST_MAX_LIST
#define OMS_MAX_SHARD_SIZE (1ULL << 62)
/* The top-level names model_signing leaves out by default: the first
 * entries of digest_meta_paths (SPEC-TREE-5), before the signature. */
#define OMS_N_DEFAULT_IGNORE (DIGEST_N_META_PATHS - 1)

struct oms_serialization {
	unsigned long long shard_size; /* 0: method "files" */
	int allow_symlinks;
	const char *const *ignore; /* recorded as ignore_paths */
	size_t n_ignore;
};

/*
 * Checks a relative model path (a resource or ignore path): non-empty, at
 * most DIGEST_MAX_PATH bytes, UTF-8 without control characters, not
 * absolute, no empty, "." or ".." components (SPEC-OMS-4). what names it
 * in messages. EXIT_REJECTED otherwise.
 */
int oms_path_check(const char *p, const char *what, struct err *e);

/*
 * A new Statement v1 (*out, the caller's) over manifest m: one subject
 * {name, digest {sha256: ROOT}}, resources in model_signing's order
 * (DIGEST_ORDER_PATH) and ROOT over that order (SPEC-OMS-2). single_file:
 * m holds one file given as the model itself, named "." as model_signing
 * does. s->shard_size must equal the manifest's.
 */
int oms_statement_new(json_t **out, const char *name,
		      const struct digest_manifest *m, int single_file,
		      const struct oms_serialization *s, struct err *e);

/*
 * Checks a Sigstore bundle object before its signature: a key bundle
 * (verificationMaterial.publicKey with hint, or the legacy rawBytes, which
 * is never trusted) (SPEC-OMS-6). Certificate bundles are refused, with
 * "no tlogEntries" when they lack them. EXIT_REJECTED naming src.
 */
int oms_bundle_check(const json_t *bundle, const char *src, struct err *e);

struct oms_signed;

/*
 * Parses a verified Statement (the JSON of statement_parse) as an OMS
 * signature: predicateType, one subject with a sha256 ROOT, resources
 * (names checked and unique, shard names parsed by the last two colons,
 * bare lowercase hex sha256), serialization, and ROOT recomputed from the
 * resources in either order (SPEC-OMS-3..5). *out is the caller's.
 */
int oms_signed_parse(struct oms_signed **out, const json_t *statement,
		     const char *src, struct err *e);
void oms_signed_free(struct oms_signed *s);

/* Borrowed from s. Resources are in bytewise name order. */
const struct oms_serialization *
oms_signed_serialization(const struct oms_signed *s);
enum digest_order oms_signed_order(const struct oms_signed *s);
size_t oms_signed_count(const struct oms_signed *s);
const char *oms_signed_name(const struct oms_signed *s, size_t i);
const unsigned char *oms_signed_digest(const struct oms_signed *s, size_t i);
/* Index of the resource called name, or -1. */
long oms_signed_find(const struct oms_signed *s, const char *name);

/* 1 when a resource of s is the file path (len bytes; in shard mode, one
 * of its shards), else 0. */
int oms_signed_lists_path(const struct oms_signed *s, const char *path,
			  size_t len);

/* Length of the file path in a resource name ("p:0:10" gives 1 in shard
 * mode; the whole name in files mode). */
size_t oms_name_path_len(const char *name, int shards);

/*
 * The signature file's path relative to the model directory (into out,
 * cap bytes): 1 when sig lies inside model, 0 when not (or model is a
 * file), -1 when a directory cannot be resolved. sig need not exist.
 */
int oms_sig_relative(char *out, size_t cap, const char *model, const char *sig);

/*
 * The default signature path: model.sig inside a model
 * directory, or beside a single-file model.
 */
void oms_default_signature(char *out, size_t cap, const char *model);

#endif
