/*
 * What the OCI units share (oci_ref.c, oci_auth.c, oci_doc.c,
 * oci_fetch.c, oci_push.c): the registry session and the helpers more
 * than one of them calls. Internal to lib/.
 */
#ifndef MLATTEST_LIB_OCI_INT_H
#define MLATTEST_LIB_OCI_INT_H

#include "lib/oci.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/b64.h"
#include "lib/dsse.h"
#include "lib/dynbuf.h"
#include "lib/hex.h"
#include "lib/http.h"
#include "lib/jsonio.h"
#include "lib/statement.h"
#include "lib/text.h"
#include "lib/url.h"

#define ATT_SIG_ANNOTATION "dev.cosignproject.cosign/signature"
#define EMPTY_DIGEST                                                           \
	"sha256:"                                                              \
	"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define MANIFEST_ACCEPT OCI_MANIFEST_MEDIA ", " OCI_DOCKER_MANIFEST_MEDIA
#define IMAGE_ACCEPT                                                           \
	MANIFEST_ACCEPT ", " OCI_INDEX_MEDIA ", " OCI_DOCKER_LIST_MEDIA

/* ---- the registry client: requests and auth (SPEC-OCI-2) ---- */

struct reg {
	struct http *h;
	struct oci_ref ref;
	char base[OCI_HOST_MAX + 16];
	char url[OCI_HOST_MAX + OCI_REPO_MAX + HTTP_HEADER_MAX + 256];
	char *userpass;	   /* cleansed on free */
	char *authz;	   /* current Authorization value, cleansed on free */
	struct url origin; /* c->base as libcurl reads it */
	int plain;
	const struct oci_opts *o;
};

/* ---- references (SPEC-OCI-1) ---- */

int oci_is_digit(int c);

int oci_is_alnum(int c);

/* type "/" subtype with RFC 6838 characters, parameters allowed. */
int oci_media_ok(const char *m);

int oci_digest_of(char out[OCI_DIGEST_MAX], const void *buf, size_t len,
		  struct err *e);

/* Releases what c holds (c itself is the caller's); NULL members are fine. */
void oci_reg_clear(struct reg *c);

int oci_reg_open(struct reg *c, const char *refstr, const struct oci_opts *o,
		 struct err *e);

/* Appends key=percent-encoded(value) to url. */
void oci_query_param(char *url, size_t cap, const char *key, const char *v);

int oci_status_err(const struct reg *c, const struct http_resp *r,
		   const char *what, struct err *e);

/* One request with the auth flow: at most one challenge answered. */
int oci_reg_do(struct reg *c, struct http_resp *r, struct http_req *req,
	       const char *path, struct err *e);

/* GET path; 404 gives *found = 0 and no error. */
int oci_reg_get(struct reg *c, struct http_resp *r, const char *path,
		const char *accept, size_t max, int follow, int *found,
		const char *what, struct err *e);

/* ---- reading: manifests and blobs ---- */

/* A document by tag (want NULL) or by descriptor; *out NULL when 404. */
int oci_get_doc(struct reg *c, struct oci_doc **out, enum oci_kind kind,
		const char *tag, const struct oci_desc *want, struct err *e);

/* The referrers listing: the API, else the tag-schema index. */
int oci_list_referrers(struct reg *c, struct oci_doc **out, int *api,
		       struct err *e);

/* One referrer manifest, checked; *out NULL when not an attestation. */
int oci_get_referrer(struct reg *c, const struct oci_desc *d,
		     struct oci_doc **out, struct err *e);

#endif
