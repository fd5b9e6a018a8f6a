/*
 * Fetching attestations from a registry (see oci.h, spec/oci.md): the
 * referrers API, then the cosign attestation tag. Nothing a registry
 * sends is used before it is checked against the digest and size that
 * named it.
 */
#include "lib/oci_int.h"

/* ---- reading: manifests and blobs ---- */

/* A document by tag (want NULL) or by descriptor; *out NULL when 404. */
int
oci_get_doc(struct reg *c, struct oci_doc **out, enum oci_kind kind,
	    const char *tag, const struct oci_desc *want, struct err *e)
{
	char path[OCI_REPO_MAX + 128], what[128], got[OCI_DIGEST_MAX];
	const char *name = want ? want->digest : tag;
	struct http_resp r;
	int found, rc;

	*out = NULL;
	if (want != NULL && want->size > OCI_MAX_MANIFEST_BYTES)
		return err_set(e, EXIT_REJECTED,
			       "manifest %s: larger than %zu bytes", name,
			       OCI_MAX_MANIFEST_BYTES);
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", c->ref.repo, name);
	snprintf(what, sizeof(what), "manifest %s", name);
	rc = oci_reg_get(
	    c, &r, path,
	    kind == OCI_KIND_INDEX ? OCI_INDEX_MEDIA : MANIFEST_ACCEPT,
	    want ? want->size : OCI_MAX_MANIFEST_BYTES, 0, &found, what, e);
	if (rc == -EXIT_REJECTED)
		return err_prefix(e, "registry %s lies about %s", c->ref.host,
				  what);
	if (rc != 0 || !found)
		return rc;
	if (want != NULL)
		rc = oci_blob_check(want, r.body, r.len, what, e);
	else if (r.digest[0] != '\0' &&
		 (rc = oci_digest_of(got, r.body, r.len, e)) == 0 &&
		 strcmp(got, r.digest) != 0)
		rc = err_set(e, EXIT_REJECTED,
			     "%s: Docker-Content-Digest does not match the "
			     "content",
			     what);
	if (rc == 0)
		rc = oci_doc_parse(out, kind, r.body, r.len, r.ctype, what, e);
	http_resp_clear(&r);
	return rc;
}

static int
oci_get_blob(struct reg *c, const struct oci_desc *d, struct http_resp *r,
	     struct err *e)
{
	char path[OCI_REPO_MAX + 128], what[128];
	int found, rc;

	snprintf(what, sizeof(what), "blob %s", d->digest);
	if (d->size > OCI_MAX_BLOB_BYTES)
		return err_set(e, EXIT_REJECTED, "%s: larger than %zu bytes",
			       what, OCI_MAX_BLOB_BYTES);
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", c->ref.repo, d->digest);
	rc = oci_reg_get(c, r, path, NULL, d->size, 1, &found, what, e);
	if (rc == -EXIT_REJECTED)
		return err_prefix(e, "registry %s lies about %s", c->ref.host,
				  what);
	if (rc == 0 && !found) {
		rc = oci_status_err(c, r, what, e);
		http_resp_clear(r);
		return rc;
	}
	if (rc == 0 && (rc = oci_blob_check(d, r->body, r->len, what, e)) != 0)
		err_prefix(e, "registry %s lies", c->ref.host);
	if (rc != 0)
		http_resp_clear(r);
	return rc;
}

/* ---- fetch (SPEC-OCI-9) ---- */

struct fetch {
	struct reg c;
	struct bundle *b;
	unsigned char (*seen)[SHA256_LEN]; /* identities of envelopes added */
	size_t nseen, capseen;
	size_t total;
};

static int
attestation_media(const char *m)
{
	return strcmp(m, OCI_DSSE_MEDIA) == 0 ||
	       strncmp(m, "application/vnd.dev.sigstore.bundle", 35) == 0;
}

/* The envelope's identity: sha256 of its canonical JSON. 1 when new. */
static int
first_time(struct fetch *f, const struct dsse_envelope *env, struct err *e)
{
	unsigned char id[SHA256_LEN];
	json_t *j = dsse_to_json(env);
	char *text = NULL;
	size_t len, i;
	int rc;

	if (j == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	rc = jsonio_dump(&text, &len, j, JSONIO_FLAGS, e);
	json_decref(j);
	if (rc == 0)
		rc = hash_sha256(id, text, len, e);
	free(text);
	if (rc != 0)
		return rc;
	for (i = 0; i < f->nseen; i++)
		if (memcmp(f->seen[i], id, SHA256_LEN) == 0)
			return 0;
	if (dynarr_reserve((void **)&f->seen, &f->capseen, f->nseen + 1,
			   sizeof(*f->seen), MAX_BUNDLE_ENTRIES) != 0)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	memcpy(f->seen[f->nseen++], id, SHA256_LEN);
	return 1;
}

static int
add_blob(struct fetch *f, const struct oci_desc *d, const char *where,
	 struct err *e)
{
	struct bundle_entry tmp;
	struct http_resp r;
	char src[256];
	json_t *obj = NULL;
	int rc, fresh = 1;

	if (d->size > OCI_MAX_FETCH_BYTES - f->total)
		return err_set(e, EXIT_REJECTED,
			       "attestations for %s/%s@sha256:%s exceed %zu "
			       "bytes",
			       f->c.ref.host, f->c.ref.repo, f->c.ref.hex,
			       OCI_MAX_FETCH_BYTES);
	rc = oci_get_blob(&f->c, d, &r, e);
	if (rc != 0)
		return rc;
	f->total += r.len;
	snprintf(src, sizeof(src), "%.120s/%.80s@sha256:%.12s (%s)",
		 f->c.ref.host, f->c.ref.repo, f->c.ref.hex, where);
	memset(&tmp, 0, sizeof(tmp));
	if (jsonio_load_object(&obj, r.body, r.len, src, &tmp.error) == 0 &&
	    bundle_parse_object(&tmp, obj, src, &tmp.error) == 0)
		fresh = first_time(f, tmp.env, e);
	json_decref(obj);
	bundle_entry_clear(&tmp);
	if (fresh == 1)
		rc = bundle_add_object(f->b, src, r.body, r.len, e);
	else if (fresh < 0)
		rc = fresh;
	http_resp_clear(&r);
	return rc;
}

/* The referrers listing: the API, else the tag-schema index. */
int
oci_list_referrers(struct reg *c, struct oci_doc **out, int *api, struct err *e)
{
	char path[OCI_REPO_MAX + 128], tag[80];
	struct http_resp r;
	int found, rc;

	*out = NULL;
	*api = 0;
	snprintf(path, sizeof(path), "/v2/%s/referrers/sha256:%s", c->ref.repo,
		 c->ref.hex);
	rc = oci_reg_get(c, &r, path, OCI_INDEX_MEDIA, OCI_MAX_MANIFEST_BYTES,
			 0, &found, "referrers", e);
	if (rc != 0)
		return rc;
	if (found) {
		*api = 1;
		rc = oci_doc_parse(out, OCI_KIND_INDEX, r.body, r.len, r.ctype,
				   "referrers response", e);
		http_resp_clear(&r);
		return rc;
	}
	http_resp_clear(&r);
	snprintf(tag, sizeof(tag), "sha256-%s", c->ref.hex);
	return oci_get_doc(c, out, OCI_KIND_INDEX, tag, NULL, e);
}

/* One referrer manifest, checked; *out NULL when not an attestation. */
int
oci_get_referrer(struct reg *c, const struct oci_desc *d, struct oci_doc **out,
		 struct err *e)
{
	const struct oci_desc *subj;
	const char *at;
	char want[OCI_DIGEST_MAX];
	int rc;

	*out = NULL;
	if (d->artifact_type[0] != '\0' && !attestation_media(d->artifact_type))
		return 0;
	if (strcmp(d->media_type, OCI_MANIFEST_MEDIA) != 0)
		return 0;
	rc = oci_get_doc(c, out, OCI_KIND_MANIFEST, NULL, d, e);
	if (rc != 0 || *out == NULL)
		return rc;
	subj = oci_doc_subject(*out);
	snprintf(want, sizeof(want), "sha256:%s", c->ref.hex);
	if (subj == NULL || strcmp(subj->digest, want) != 0) {
		oci_doc_free(*out);
		*out = NULL;
		return err_set(e, EXIT_REJECTED,
			       "registry %s lies: referrer %s does not name "
			       "the image as its subject",
			       c->ref.host, d->digest);
	}
	at = oci_doc_artifact_type(*out);
	if (at[0] == '\0')
		at = oci_doc_config(*out)->media_type;
	if (!attestation_media(at)) {
		oci_doc_free(*out);
		*out = NULL;
	}
	return 0;
}

static int
fetch_referrers(struct fetch *f, struct err *e)
{
	struct oci_doc *list = NULL, *m = NULL;
	char where[96];
	size_t i, j;
	int api, rc;

	rc = oci_list_referrers(&f->c, &list, &api, e);
	for (i = 0; rc == 0 && list != NULL && i < oci_doc_count(list); i++) {
		rc = oci_get_referrer(&f->c, oci_doc_get(list, i), &m, e);
		for (j = 0; rc == 0 && m != NULL && j < oci_doc_count(m); j++) {
			if (!attestation_media(oci_doc_get(m, j)->media_type))
				continue;
			snprintf(where, sizeof(where), "referrer %.19s",
				 oci_doc_get(list, i)->digest);
			rc = add_blob(f, oci_doc_get(m, j), where, e);
		}
		oci_doc_free(m);
		m = NULL;
	}
	oci_doc_free(list);
	return rc;
}

static int
fetch_att(struct fetch *f, struct err *e)
{
	struct oci_doc *m = NULL;
	char tag[80], where[64];
	size_t i;
	int rc;

	snprintf(tag, sizeof(tag), "sha256-%s.att", f->c.ref.hex);
	rc = oci_get_doc(&f->c, &m, OCI_KIND_MANIFEST, tag, NULL, e);
	for (i = 0; rc == 0 && m != NULL && i < oci_doc_count(m); i++) {
		if (strcmp(oci_doc_get(m, i)->media_type, OCI_DSSE_MEDIA) != 0)
			continue;
		snprintf(where, sizeof(where), ".att layer %zu", i + 1);
		rc = add_blob(f, oci_doc_get(m, i), where, e);
	}
	oci_doc_free(m);
	return rc;
}

int
oci_fetch(struct bundle **out, const char *ref, const struct oci_opts *o,
	  struct err *e)
{
	struct fetch f;
	int rc;

	*out = NULL;
	memset(&f, 0, sizeof(f));
	rc = oci_reg_open(&f.c, ref, o, e);
	if (rc == 0)
		rc = bundle_new(&f.b, e);
	if (rc == 0)
		rc = fetch_referrers(&f, e);
	if (rc == 0)
		rc = fetch_att(&f, e);
	if (rc == 0 && bundle_count(f.b) == 0)
		rc = err_set(e, EXIT_REJECTED,
			     "no attestations for %s/%s@sha256:%s (looked at "
			     "the referrers, tag sha256-%.12s... and tag "
			     "sha256-%.12s....att)",
			     f.c.ref.host, f.c.ref.repo, f.c.ref.hex,
			     f.c.ref.hex, f.c.ref.hex);
	if (rc == 0) {
		*out = f.b;
		f.b = NULL;
	}
	bundle_free(f.b);
	free(f.seen);
	oci_reg_clear(&f.c);
	return rc;
}
