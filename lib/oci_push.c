/*
 * Pushing attestations to a registry (see oci.h, spec/oci.md): attest
 * push. A verifier never links this unit.
 */
#include "lib/oci_int.h"

static void note(const struct reg *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(const struct reg *c, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	if (c->o->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->o->note(c->o->note_arg, msg);
}

/* ---- push (SPEC-OCI-6..8) ---- */

/* An attestation chosen for the image, with what push needs. */
struct pick {
	const struct bundle_entry *ent;
	char ptype[512];
	char bundle_media[OCI_MEDIA_MAX]; /* Sigstore bundle mediaType */
};

static int
blob_exists(struct reg *c, const char *digest, int *yes, struct err *e)
{
	struct http_req req = {"HEAD", NULL, NULL, NULL, NULL, 0, 0, NULL, 0};
	char path[OCI_REPO_MAX + 128];
	struct http_resp r;
	int rc;

	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", c->ref.repo, digest);
	rc = oci_reg_do(c, &r, &req, path, e);
	if (rc != 0)
		return rc;
	*yes = r.status == 200;
	if (r.status != 200 && r.status != 404)
		rc = oci_status_err(c, &r, "blob", e);
	http_resp_clear(&r);
	return rc;
}

/* Where to PUT an upload: our own registry only. */
static int
upload_url(const struct reg *c, char *out, size_t cap, const char *loc,
	   const char *digest, struct err *e)
{
	struct err ignore = ERR_INIT;
	struct url u;
	int w;

	if (loc[0] == '/' && loc[1] != '/')
		w = snprintf(out, cap, "%s%s", c->base, loc);
	else if (url_parse(&u, loc, &ignore) == 0 &&
		 url_same_origin(&u, &c->origin))
		w = snprintf(out, cap, "%s", u.url);
	else
		return err_set(e, EXIT_UNDECIDED,
			       "registry %s: upload location on another host "
			       "(not supported)",
			       c->ref.host);
	if (w < 0 || (size_t)w + 90 >= cap)
		return err_set(e, EXIT_UNDECIDED,
			       "registry %s: upload location too long",
			       c->ref.host);
	oci_query_param(out, cap, "digest", digest);
	return 0;
}

static int
put_blob(struct reg *c, const void *buf, size_t len,
	 char digest[OCI_DIGEST_MAX], struct err *e)
{
	struct http_req req = {"POST", NULL, NULL, NULL, "", 0, 65536, NULL, 0};
	char path[OCI_REPO_MAX + 128], url[HTTP_HEADER_MAX + 128];
	struct http_resp r;
	int yes = 0, rc;

	rc = oci_digest_of(digest, buf, len, e);
	if (rc == 0)
		rc = blob_exists(c, digest, &yes, e);
	if (rc != 0 || yes)
		return rc;
	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", c->ref.repo);
	rc = oci_reg_do(c, &r, &req, path, e);
	if (rc != 0)
		return rc;
	if (r.status != 202 || r.location[0] == '\0')
		rc = oci_status_err(c, &r, "blob upload", e);
	else
		rc = upload_url(c, url, sizeof(url), r.location, digest, e);
	http_resp_clear(&r);
	if (rc != 0)
		return rc;
	req = (struct http_req){"PUT", NULL, NULL,  "application/octet-stream",
				buf,   len,  65536, NULL,
				0};
	rc = oci_reg_do(c, &r, &req, url, e);
	if (rc == 0 && r.status != 201)
		rc = oci_status_err(c, &r, "blob upload", e);
	http_resp_clear(&r);
	return rc;
}

/* PUTs doc under name (NULL: its digest); fills its digest and size. */
static int
put_doc(struct reg *c, const json_t *doc, const char *media, const char *name,
	char digest[OCI_DIGEST_MAX], size_t *size, struct err *e)
{
	struct http_req req = {"PUT", NULL,  NULL, media, NULL,
			       0,     65536, NULL, 0};
	char path[OCI_REPO_MAX + 128], what[128];
	struct http_resp r;
	char *text = NULL;
	size_t len;
	int rc;

	rc = jsonio_dump(&text, &len, doc, JSONIO_FLAGS, e);
	if (rc == 0)
		rc = oci_digest_of(digest, text, len, e);
	if (rc != 0) {
		free(text);
		return rc;
	}
	req.body = text;
	req.len = len;
	*size = len;
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", c->ref.repo,
		 name ? name : digest);
	snprintf(what, sizeof(what), "manifest %s", name ? name : digest);
	rc = oci_reg_do(c, &r, &req, path, e);
	if (rc == 0 && r.status != 201)
		rc = oci_status_err(c, &r, what, e);
	else if (rc == 0 && r.digest[0] != '\0' &&
		 strcmp(r.digest, digest) != 0)
		rc = err_set(e, EXIT_UNDECIDED,
			     "registry %s stored %s under another digest",
			     c->ref.host, what);
	http_resp_clear(&r);
	free(text);
	return rc;
}

/* The image's descriptor; the manifest must exist and match its digest. */
static int
image_desc(struct reg *c, json_t **out, struct err *e)
{
	char path[OCI_REPO_MAX + 128], want[OCI_DIGEST_MAX],
	    got[OCI_DIGEST_MAX];
	char media[OCI_MEDIA_MAX];
	struct http_resp r;
	int found, rc;

	snprintf(want, sizeof(want), "sha256:%s", c->ref.hex);
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", c->ref.repo, want);
	rc = oci_reg_get(c, &r, path, IMAGE_ACCEPT, OCI_MAX_MANIFEST_BYTES, 0,
			 &found, "image manifest", e);
	if (rc != 0)
		return rc;
	if (!found)
		return err_set(e, EXIT_UNDECIDED,
			       "image %s/%s@%s not found in the registry: "
			       "push the image first",
			       c->ref.host, c->ref.repo, want);
	rc = oci_digest_of(got, r.body, r.len, e);
	snprintf(media, sizeof(media), "%.*s", (int)strcspn(r.ctype, "; \t"),
		 r.ctype);
	if (rc == 0 && strcmp(got, want) != 0)
		rc = err_set(e, EXIT_REJECTED,
			     "registry %s lies: the image manifest does not "
			     "match %s",
			     c->ref.host, want);
	else if (rc == 0 && !oci_media_ok(media))
		rc = err_set(e, EXIT_UNDECIDED,
			     "registry %s: image manifest without a media type",
			     c->ref.host);
	if (rc == 0) {
		*out = json_pack("{s:s, s:s, s:I}", "mediaType", media,
				 "digest", want, "size", (json_int_t)r.len);
		if (*out == NULL)
			rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	http_resp_clear(&r);
	return rc;
}

/* The bytes of a DSSE layer for the .att tag: the envelope itself. */
static int
envelope_bytes(const struct pick *p, char **text, size_t *len, struct err *e)
{
	json_t *j;
	int rc;

	*text = NULL;
	if (p->ent->format == BUNDLE_DSSE) {
		*len = p->ent->rawlen;
		*text = malloc(*len + 1);
		if (*text == NULL)
			return err_set(e, EXIT_UNDECIDED, "out of memory");
		memcpy(*text, p->ent->raw, *len);
		return 0;
	}
	j = dsse_to_json(p->ent->env);
	if (j == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	rc = jsonio_dump(text, len, j, JSONIO_FLAGS, e);
	json_decref(j);
	return rc;
}

static int
has_string(const json_t *arr, const char *s)
{
	const char *v;
	size_t i;

	for (i = 0; i < json_array_size(arr); i++) {
		v = json_string_value(json_array_get(arr, i));
		if (v != NULL && strcmp(v, s) == 0)
			return 1;
	}
	return 0;
}

static int
has_digest(const json_t *descs, const char *digest)
{
	const char *v;
	size_t i;

	for (i = 0; i < json_array_size(descs); i++) {
		v = jsonio_str(json_array_get(descs, i), "digest");
		if (v != NULL && digest != NULL && strcmp(v, digest) == 0)
			return 1;
	}
	return 0;
}

static int
att_layer(struct reg *c, const struct pick *p, json_t *layers, int *added,
	  struct err *e)
{
	char digest[OCI_DIGEST_MAX], *text = NULL;
	size_t len;
	json_t *d;
	int rc;

	*added = 0;
	rc = envelope_bytes(p, &text, &len, e);
	if (rc == 0)
		rc = oci_digest_of(digest, text, len, e);
	if (rc == 0 && !has_digest(layers, digest)) {
		rc = put_blob(c, text, len, digest, e);
		d = json_pack("{s:s, s:s, s:I, s:{s:s, s:s}}", "mediaType",
			      OCI_DSSE_MEDIA, "digest", digest, "size",
			      (json_int_t)len, "annotations",
			      ATT_SIG_ANNOTATION, "", "predicateType",
			      p->ptype);
		if (rc == 0)
			rc = jsonio_append(layers, d, e);
		else
			json_decref(d);
		*added = rc == 0;
	}
	free(text);
	return rc;
}

/* The minimal image config cosign writes: rootfs.diff_ids = layers. */
static int
att_config(struct reg *c, const json_t *layers, json_t **desc, struct err *e)
{
	char digest[OCI_DIGEST_MAX], *text = NULL;
	json_t *ids = json_array(), *cfg;
	size_t i, len;
	int rc;

	for (i = 0; ids != NULL && i < json_array_size(layers); i++)
		if (jsonio_append(ids,
				  json_string(jsonio_str(
				      json_array_get(layers, i), "digest")),
				  NULL) != 0) {
			json_decref(ids);
			ids = NULL;
		}
	cfg = json_pack("{s:s, s:s, s:{}, s:{s:s, s:o}}", "architecture", "",
			"os", "", "config", "rootfs", "type", "layers",
			"diff_ids", ids);
	if (cfg == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	rc = jsonio_dump(&text, &len, cfg, JSONIO_FLAGS, e);
	json_decref(cfg);
	if (rc == 0)
		rc = put_blob(c, text, len, digest, e);
	if (rc == 0) {
		*desc =
		    json_pack("{s:s, s:s, s:I}", "mediaType", OCI_CONFIG_MEDIA,
			      "digest", digest, "size", (json_int_t)len);
		if (*desc == NULL)
			rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	free(text);
	return rc;
}

/* SPEC-OCI-7: the cosign tag, merged with what is there. */
static int
push_att(struct reg *c, const struct pick *p, size_t n, struct err *e)
{
	struct oci_doc *old = NULL;
	json_t *layers = NULL, *cfg = NULL, *m = NULL;
	char tag[80], digest[OCI_DIGEST_MAX];
	size_t i, added = 0, size;
	int rc, one;

	snprintf(tag, sizeof(tag), "sha256-%s.att", c->ref.hex);
	rc = oci_get_doc(c, &old, OCI_KIND_MANIFEST, tag, NULL, e);
	if (rc != 0)
		return rc;
	layers =
	    old ? json_deep_copy(json_object_get(oci_doc_json(old), "layers"))
		: json_array();
	if (layers == NULL)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; rc == 0 && i < n; i++) {
		rc = att_layer(c, &p[i], layers, &one, e);
		added += (size_t)one;
	}
	if (rc == 0 && json_array_size(layers) > OCI_MAX_LAYERS)
		rc = err_set(e, EXIT_REJECTED,
			     "tag %s would hold more than %d layers", tag,
			     OCI_MAX_LAYERS);
	if (rc == 0 && added > 0)
		rc = att_config(c, layers, &cfg, e);
	if (rc == 0 && added > 0) {
		m = json_pack("{s:i, s:s, s:o, s:O}", "schemaVersion", 2,
			      "mediaType", OCI_MANIFEST_MEDIA, "config", cfg,
			      "layers", layers);
		cfg = NULL;
		rc =
		    m ? put_doc(c, m, OCI_MANIFEST_MEDIA, tag, digest, &size, e)
		      : err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	if (rc == 0)
		note(c, "tag %s: %zu layer(s) added, %zu in all", tag, added,
		     json_array_size(layers));
	json_decref(m);
	json_decref(cfg);
	json_decref(layers);
	oci_doc_free(old);
	return rc;
}

/* Layer digests of the attestation referrers already there. */
static int
referred_layers(struct reg *c, const struct oci_doc *list, json_t *out,
		struct err *e)
{
	struct oci_doc *m = NULL;
	size_t i, j;
	int rc = 0;

	for (i = 0; rc == 0 && list != NULL && i < oci_doc_count(list); i++) {
		rc = oci_get_referrer(c, oci_doc_get(list, i), &m, e);
		for (j = 0; rc == 0 && m != NULL && j < oci_doc_count(m); j++)
			rc = jsonio_append(
			    out, json_string(oci_doc_get(m, j)->digest), e);
		oci_doc_free(m);
		m = NULL;
	}
	return rc;
}

static int
referrer_manifest(struct reg *c, const struct pick *p, const json_t *image,
		  json_t **desc, struct err *e)
{
	const char *at = p->ent->format == BUNDLE_SIGSTORE ? p->bundle_media
							   : OCI_DSSE_MEDIA;
	char digest[OCI_DIGEST_MAX], mdigest[OCI_DIGEST_MAX], created[32];
	json_t *ann, *m;
	time_t now = time(NULL);
	struct tm tm;
	size_t size;
	int rc;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return err_set(e, EXIT_UNDECIDED, "cannot format the time");
	rc = put_blob(c, p->ent->raw, p->ent->rawlen, digest, e);
	if (rc != 0)
		return rc;
	ann = json_pack("{s:s, s:s, s:s}", "dev.sigstore.bundle.content",
			"dsse-envelope", "dev.sigstore.bundle.predicateType",
			p->ptype, "org.opencontainers.image.created", created);
	m = json_pack(
	    "{s:i, s:s, s:s, s:{s:s, s:s, s:i}, "
	    "s:[{s:s, s:s, s:I}], s:O, s:O}",
	    "schemaVersion", 2, "mediaType", OCI_MANIFEST_MEDIA, "artifactType",
	    at, "config", "mediaType", OCI_EMPTY_MEDIA, "digest", EMPTY_DIGEST,
	    "size", 2, "layers", "mediaType", at, "digest", digest, "size",
	    (json_int_t)p->ent->rawlen, "subject", image, "annotations", ann);
	rc = m ? put_doc(c, m, OCI_MANIFEST_MEDIA, NULL, mdigest, &size, e)
	       : err_set(e, EXIT_UNDECIDED, "out of memory");
	if (rc == 0) {
		*desc = json_pack("{s:s, s:s, s:I, s:s, s:O}", "mediaType",
				  OCI_MANIFEST_MEDIA, "digest", mdigest, "size",
				  (json_int_t)size, "artifactType", at,
				  "annotations", ann);
		if (*desc == NULL)
			rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	json_decref(ann);
	json_decref(m);
	return rc;
}

/* The fallback index with new descriptors appended (SPEC-OCI-8). */
static int
push_index(struct reg *c, const struct oci_doc *old, json_t *fresh,
	   struct err *e)
{
	json_t *idx, *list;
	char tag[80], digest[OCI_DIGEST_MAX];
	size_t i, size;
	int rc = 0;

	idx = old ? json_deep_copy(oci_doc_json(old))
		  : json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2,
			      "mediaType", OCI_INDEX_MEDIA, "manifests");
	list = json_object_get(idx, "manifests");
	for (i = 0; list != NULL && i < json_array_size(fresh); i++)
		if (!has_digest(
			list, jsonio_str(json_array_get(fresh, i), "digest")) &&
		    jsonio_append(list, json_incref(json_array_get(fresh, i)),
				  NULL))
			list = NULL;
	if (list == NULL)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	else if (json_array_size(list) > OCI_MAX_REFERRERS)
		rc = err_set(e, EXIT_REJECTED,
			     "the referrers index would list more than %d "
			     "manifests",
			     OCI_MAX_REFERRERS);
	snprintf(tag, sizeof(tag), "sha256-%s", c->ref.hex);
	if (rc == 0)
		rc = put_doc(c, idx, OCI_INDEX_MEDIA, tag, digest, &size, e);
	if (rc == 0)
		note(c, "tag %s: referrers index updated (%zu listed)", tag,
		     json_array_size(list));
	json_decref(idx);
	return rc;
}

/* SPEC-OCI-8: one referrer per attestation not already referred. */
static int
push_referrers(struct reg *c, const json_t *image, const struct pick *p,
	       size_t n, struct err *e)
{
	struct oci_doc *list = NULL;
	json_t *have = json_array(), *fresh = json_array(), *d;
	char digest[OCI_DIGEST_MAX];
	size_t i;
	int api = 0, rc;

	rc = oci_list_referrers(c, &list, &api, e);
	if (rc == 0 && (have == NULL || fresh == NULL))
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	if (rc == 0)
		rc = referred_layers(c, list, have, e);
	if (rc == 0)
		rc = put_blob(c, "{}", 2, digest, e);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = oci_digest_of(digest, p[i].ent->raw, p[i].ent->rawlen, e);
		if (rc != 0 || has_string(have, digest))
			continue;
		d = NULL;
		rc = referrer_manifest(c, &p[i], image, &d, e);
		if (rc == 0)
			rc = jsonio_append(fresh, d, e);
		if (rc == 0)
			rc = jsonio_append(have, json_string(digest), e);
	}
	if (rc == 0)
		note(c, "%zu referrer(s) added, %zu already there",
		     json_array_size(fresh), n - json_array_size(fresh));
	if (rc == 0 && !api && json_array_size(fresh) > 0)
		rc = push_index(c, list, fresh, e);
	oci_doc_free(list);
	json_decref(have);
	json_decref(fresh);
	return rc;
}

/* Statement checks on our own bundle: in-toto, and about the image? */
static int
pick_entry(struct pick *p, const struct bundle_entry *ent,
	   const struct oci_ref *ref, int *match, struct err *e)
{
	struct statement *st = NULL;
	const unsigned char *body;
	json_t *want, *obj = NULL;
	size_t len;
	int rc;

	*match = 0;
	memset(p, 0, sizeof(*p));
	p->ent = ent;
	if (ent->error.code != 0)
		return err_set(e, EXIT_REJECTED, "%s", ent->error.msg);
	if (strcmp(dsse_payload_type(ent->env), DSSE_INTOTO_TYPE) != 0)
		return err_set(e, EXIT_REJECTED, "%s: payloadType is not %s",
			       ent->src, DSSE_INTOTO_TYPE);
	body = dsse_payload(ent->env, &len);
	rc = statement_parse(&st, body, len, ent->src, e);
	if (rc != 0)
		return rc;
	snprintf(p->ptype, sizeof(p->ptype), "%s",
		 statement_predicate_type(st));
	want = json_pack("{s:s}", "sha256", ref->hex);
	*match = want != NULL && statement_has_subject(st, want);
	json_decref(want);
	statement_free(st);
	if (ent->format == BUNDLE_SIGSTORE) {
		rc = jsonio_load_object(&obj, ent->raw, ent->rawlen, ent->src,
					e);
		if (rc == 0)
			snprintf(p->bundle_media, sizeof(p->bundle_media), "%s",
				 jsonio_str(obj, "mediaType"));
		json_decref(obj);
		if (rc == 0 && !oci_media_ok(p->bundle_media))
			rc = err_set(e, EXIT_REJECTED,
				     "%s: bundle mediaType is not a media type",
				     ent->src);
	}
	return rc;
}

int
oci_push(const char *ref, const struct bundle *b, const struct oci_opts *o,
	 struct err *e)
{
	struct pick *picks = NULL;
	json_t *image = NULL;
	struct reg c;
	size_t i, n = 0;
	int rc, match;

	rc = oci_reg_open(&c, ref, o, e);
	if (rc == 0) {
		picks = calloc(bundle_count(b) + 1, sizeof(*picks));
		if (picks == NULL)
			rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	for (i = 0; rc == 0 && i < bundle_count(b); i++) {
		rc = pick_entry(&picks[n], bundle_get(b, i), &c.ref, &match, e);
		if (rc == 0 && match)
			n++;
		else if (rc == 0)
			note(&c, "skipped %s: no subject has sha256 %.12s...",
			     bundle_get(b, i)->src, c.ref.hex);
	}
	if (rc == 0 && n == 0)
		rc = err_set(e, EXIT_REJECTED,
			     "no attestation in the bundle has the subject "
			     "sha256:%s",
			     c.ref.hex);
	if (rc == 0)
		rc = image_desc(&c, &image, e);
	if (rc == 0)
		rc = push_att(&c, picks, n, e);
	if (rc == 0)
		rc = push_referrers(&c, image, picks, n, e);
	json_decref(image);
	free(picks);
	oci_reg_clear(&c);
	return rc;
}
