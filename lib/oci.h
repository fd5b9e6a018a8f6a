/*
 * OCI registries as attestation storage (spec/oci.md): strict image
 * references, manifest and index parsing with every descriptor checked,
 * the registry auth challenge, and the two operations the programs use:
 * push the attestations of a bundle about one image (the cosign
 * `sha256-<hex>.att` tag and OCI 1.1 referrers with the tag-schema
 * fallback), and fetch them back into a struct bundle with every byte
 * checked against the digest and size that named it.
 */
#ifndef MLATTEST_LIB_OCI_H
#define MLATTEST_LIB_OCI_H

#include <jansson.h>
#include <stddef.h>

#include "lib/bundle.h"
#include "lib/err.h"
#include "lib/hash.h"

/* Ceilings (SPEC-OCI-5). */
#define OCI_MAX_MANIFEST_BYTES ((size_t)4 * 1024 * 1024)
#define OCI_MAX_BLOB_BYTES ((size_t)64 * 1024 * 1024)
#define OCI_MAX_FETCH_BYTES ((size_t)512 * 1024 * 1024)
#define OCI_MAX_TOKEN_BYTES ((size_t)64 * 1024)
#define OCI_MAX_LAYERS 1000
#define OCI_MAX_REFERRERS 1000
#define OCI_MAX_REF_LEN 1024
#define OCI_HOST_MAX 262 /* 253 name + ":65535" + NUL */
#define OCI_REPO_MAX 256
#define OCI_MEDIA_MAX 256
#define OCI_DIGEST_MAX (7 + SHA256_HEX_LEN + 1)

#define OCI_MANIFEST_MEDIA "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX_MEDIA "application/vnd.oci.image.index.v1+json"
#define OCI_CONFIG_MEDIA "application/vnd.oci.image.config.v1+json"
#define OCI_EMPTY_MEDIA "application/vnd.oci.empty.v1+json"
#define OCI_DSSE_MEDIA "application/vnd.dsse.envelope.v1+json"
#define OCI_DOCKER_MANIFEST_MEDIA                                              \
	"application/vnd.docker.distribution.manifest.v2+json"
#define OCI_DOCKER_LIST_MEDIA                                                  \
	"application/vnd.docker.distribution.manifest.list.v2+json"
#define OCI_AUTH_ENV "MLATTEST_REGISTRY_AUTH"

/* HOST[:PORT]/REPO@sha256:HEX, parsed (SPEC-OCI-1). */
struct oci_ref {
	char host[OCI_HOST_MAX];
	char repo[OCI_REPO_MAX];
	char hex[SHA256_HEX_LEN + 1];
	int loopback; /* 127.0.0.0/8, localhost or [::1] */
};

/*
 * Parses s strictly: a host name, IPv4 address or bracketed IPv6 address
 * with an optional port; a repository of lowercase path components as the
 * distribution spec defines them (at most 255 characters); "@sha256:" and
 * 64 lowercase hex digits. No scheme, user info, tag, query or spaces.
 * Anything else is EXIT_USAGE naming the problem.
 */
int oci_ref_parse(struct oci_ref *out, const char *s, struct err *e);

/* A WWW-Authenticate challenge (the first one in the header). */
struct oci_challenge {
	int bearer; /* 0: Basic */
	char realm[1024];
	char service[256];
	char scope[512];
};

/*
 * Parses a Basic or Bearer challenge (RFC 7235 auth-params, quoted or
 * bare values). Bearer needs a realm. Other schemes, control characters,
 * over-long or repeated parameters are EXIT_UNDECIDED.
 */
int oci_challenge_parse(struct oci_challenge *out, const char *hdr,
			struct err *e);

/* A checked descriptor: media type, sha256 digest and size (SPEC-OCI-3). */
struct oci_desc {
	char media_type[OCI_MEDIA_MAX];
	char artifact_type[OCI_MEDIA_MAX]; /* "" when absent */
	char digest[OCI_DIGEST_MAX];	   /* "sha256:<64 lowercase hex>" */
	size_t size;
	const json_t *json; /* borrowed from the document it came from */
};

enum oci_kind { OCI_KIND_MANIFEST, OCI_KIND_INDEX };

/* A parsed image manifest (layers) or image index (manifests). */
struct oci_doc;

/*
 * Parses buf as a manifest or an index (SPEC-OCI-3): schemaVersion 2, a
 * known mediaType (OCI or Docker v2 manifest; OCI index) agreeing with
 * ctype (the Content-Type header, NULL to skip), every descriptor well
 * formed, at most OCI_MAX_LAYERS layers or OCI_MAX_REFERRERS manifests.
 * Violations are EXIT_REJECTED naming src. *out is freed with
 * oci_doc_free.
 */
int oci_doc_parse(struct oci_doc **out, enum oci_kind kind,
		  const unsigned char *buf, size_t len, const char *ctype,
		  const char *src, struct err *e);
void oci_doc_free(struct oci_doc *d);

/* Borrowed views: layers or manifests, config (NULL for an index),
 * subject (NULL when absent), artifactType ("" when absent), the JSON. */
size_t oci_doc_count(const struct oci_doc *d);
const struct oci_desc *oci_doc_get(const struct oci_doc *d, size_t i);
const struct oci_desc *oci_doc_config(const struct oci_doc *d);
const struct oci_desc *oci_doc_subject(const struct oci_doc *d);
const char *oci_doc_artifact_type(const struct oci_doc *d);
const json_t *oci_doc_json(const struct oci_doc *d);

/*
 * Checks that buf is what d describes: exactly d->size bytes whose sha256
 * is d->digest (SPEC-OCI-4). A mismatch is EXIT_REJECTED naming what.
 */
int oci_blob_check(const struct oci_desc *d, const unsigned char *buf,
		   size_t len, const char *what, struct err *e);

/* Options for push and fetch; a transparent struct, see OCI_OPTS_INIT. */
struct oci_opts {
	int insecure;	  /* plain http, loopback registries only */
	const char *auth; /* "USER:PASS"; NULL: anonymous (the programs
			     pass --auth-file or $MLATTEST_REGISTRY_AUTH) */
	/* Progress and skipped entries, one line each; NULL: silent. */
	void (*note)(void *arg, const char *msg);
	void *note_arg;
};

#define OCI_OPTS_INIT                                                          \
	{                                                                      \
		0, NULL, NULL, NULL                                            \
	}

/*
 * Stores every attestation of b whose statement has a subject with the
 * image's sha256 (others are skipped with a note) for the image ref
 * (SPEC-OCI-6..8): as layers of the cosign tag sha256-<hex>.att (merged
 * with the layers already there, none twice) and as one OCI 1.1 referrer
 * each (skipped when an equal one is there), keeping the sha256-<hex>
 * referrers index up to date when the registry has no referrers API.
 * The image manifest must exist. A bad entry in b, or no entry about the
 * image, is EXIT_REJECTED before anything is sent; registry and network
 * failures are EXIT_UNDECIDED.
 */
int oci_push(const char *ref, const struct bundle *b, const struct oci_opts *o,
	     struct err *e);

/*
 * Fetches the attestations stored for the image ref (SPEC-OCI-9): the
 * referrers API, or when the registry has none the sha256-<hex> referrers
 * index, and then the sha256-<hex>.att tag; identical envelopes found in
 * several places count once. Every manifest and blob is checked against
 * its descriptor before use (SPEC-OCI-4); a registry that lies is
 * EXIT_REJECTED, as is finding no attestation at all. Network, auth and
 * registry errors are EXIT_UNDECIDED. Entries are named
 * "HOST/REPO@sha256:HEX12 (where)"; their statements are not checked
 * against the image digest here (that needs a verified signature first,
 * the caller does it). *out is freed with bundle_free.
 */
int oci_fetch(struct bundle **out, const char *ref, const struct oci_opts *o,
	      struct err *e);

#endif
