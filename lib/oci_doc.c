/*
 * OCI manifests and indexes (see oci.h): parsing and checking a document,
 * and checking a blob against the descriptor that named it.
 */
#include "lib/oci_int.h"

/* ---- descriptors and documents (SPEC-OCI-3) ---- */

struct oci_doc {
	enum oci_kind kind;
	json_t *json;
	char artifact_type[OCI_MEDIA_MAX];
	struct oci_desc config, subject;
	int has_config, has_subject;
	struct oci_desc *items;
	size_t n;
};

/* type "/" subtype with RFC 6838 characters, parameters allowed. */
int
oci_media_ok(const char *m)
{
	size_t i, slashes = 0, len = strlen(m);

	if (len == 0 || len >= OCI_MEDIA_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (m[i] == '/')
			slashes++;
		else if (!oci_is_alnum(m[i]) && !strchr("!#$&^_.+-;=", m[i]))
			return 0;
	}
	return slashes == 1 && m[0] != '/' && m[len - 1] != '/';
}

static int
digest_ok(const char *d)
{
	size_t i;

	if (strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + SHA256_HEX_LEN)
		return 0;
	for (i = 7; d[i] != '\0'; i++)
		if (!oci_is_digit(d[i]) && (d[i] < 'a' || d[i] > 'f'))
			return 0;
	return 1;
}

static int
parse_desc(struct oci_desc *out, const json_t *j, const char *what,
	   const char *src, struct err *e)
{
	const char *media = jsonio_str(j, "mediaType");
	const char *digest = jsonio_str(j, "digest");
	const char *at = jsonio_str(j, "artifactType");
	const json_t *size = json_object_get(j, "size");
	const json_t *ann = json_object_get(j, "annotations");

	memset(out, 0, sizeof(*out));
	if (!json_is_object(j))
		return err_set(e, EXIT_REJECTED, "%s: %s is not an object", src,
			       what);
	if (media == NULL || !oci_media_ok(media))
		return err_set(e, EXIT_REJECTED,
			       "%s: %s has a missing or malformed mediaType",
			       src, what);
	if (digest == NULL || !digest_ok(digest))
		return err_set(e, EXIT_REJECTED,
			       "%s: %s digest is not sha256:<64 lowercase hex>",
			       src, what);
	if (!json_is_integer(size) || json_integer_value(size) < 0 ||
	    (uint64_t)json_integer_value(size) > SIZE_MAX)
		return err_set(e, EXIT_REJECTED,
			       "%s: %s size is not a non-negative integer", src,
			       what);
	if (json_object_get(j, "artifactType") != NULL &&
	    (at == NULL || !oci_media_ok(at)))
		return err_set(e, EXIT_REJECTED,
			       "%s: %s has a malformed artifactType", src,
			       what);
	if (ann != NULL && !json_is_object(ann))
		return err_set(e, EXIT_REJECTED,
			       "%s: %s annotations is not an object", src,
			       what);
	snprintf(out->media_type, sizeof(out->media_type), "%s", media);
	snprintf(out->artifact_type, sizeof(out->artifact_type), "%s",
		 at ? at : "");
	snprintf(out->digest, sizeof(out->digest), "%s", digest);
	out->size = (size_t)json_integer_value(size);
	out->json = j;
	return 0;
}

/* The media type of a Content-Type value, without parameters. */
static int
same_media(const char *ctype, const char *media)
{
	size_t n = strcspn(ctype, "; \t");

	return strlen(media) == n && strncasecmp(ctype, media, n) == 0;
}

static int
doc_media(struct oci_doc *d, const char *ctype, const char *src, struct err *e)
{
	const char *m = jsonio_str(d->json, "mediaType");
	int ok;

	if (json_object_get(d->json, "mediaType") != NULL && m == NULL)
		return err_set(e, EXIT_REJECTED,
			       "%s: mediaType is not a string", src);
	if (m == NULL)
		m = d->kind == OCI_KIND_MANIFEST ? OCI_MANIFEST_MEDIA
						 : OCI_INDEX_MEDIA;
	if (d->kind == OCI_KIND_MANIFEST)
		ok = strcmp(m, OCI_MANIFEST_MEDIA) == 0 ||
		     strcmp(m, OCI_DOCKER_MANIFEST_MEDIA) == 0;
	else
		ok = strcmp(m, OCI_INDEX_MEDIA) == 0;
	if (!ok)
		return err_set(e, EXIT_REJECTED,
			       "%s: wrong media type (want an %s)", src,
			       d->kind == OCI_KIND_MANIFEST ? "image manifest"
							    : "image index");
	if (ctype != NULL && ctype[0] != '\0' && !same_media(ctype, m))
		return err_set(e, EXIT_REJECTED,
			       "%s: Content-Type does not match the document's "
			       "mediaType",
			       src);
	return 0;
}

static int
doc_items(struct oci_doc *d, const char *src, struct err *e)
{
	const char *key = d->kind == OCI_KIND_MANIFEST ? "layers" : "manifests";
	size_t max =
	    d->kind == OCI_KIND_MANIFEST ? OCI_MAX_LAYERS : OCI_MAX_REFERRERS;
	const json_t *arr = json_object_get(d->json, key);
	char what[32];
	size_t i;
	int rc;

	if (!json_is_array(arr))
		return err_set(e, EXIT_REJECTED, "%s: %s is not an array", src,
			       key);
	if (json_array_size(arr) > max)
		return err_set(e, EXIT_REJECTED, "%s: more than %zu %s", src,
			       max, key);
	d->items = calloc(json_array_size(arr) + 1, sizeof(*d->items));
	if (d->items == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < json_array_size(arr); i++) {
		snprintf(what, sizeof(what), "%s[%zu]", key, i);
		rc = parse_desc(&d->items[i], json_array_get(arr, i), what, src,
				e);
		if (rc != 0)
			return rc;
		d->n++;
	}
	return 0;
}

static int
doc_check(struct oci_doc *d, const char *ctype, const char *src, struct err *e)
{
	const json_t *sv = json_object_get(d->json, "schemaVersion");
	const json_t *cfg = json_object_get(d->json, "config");
	const json_t *subj = json_object_get(d->json, "subject");
	const char *at = jsonio_str(d->json, "artifactType");
	int rc;

	if (!json_is_integer(sv) || json_integer_value(sv) != 2)
		return err_set(e, EXIT_REJECTED, "%s: schemaVersion is not 2",
			       src);
	rc = doc_media(d, ctype, src, e);
	if (rc == 0 && d->kind == OCI_KIND_MANIFEST) {
		rc = parse_desc(&d->config, cfg, "config", src, e);
		d->has_config = rc == 0;
	}
	if (rc == 0 && subj != NULL) {
		rc = parse_desc(&d->subject, subj, "subject", src, e);
		d->has_subject = rc == 0;
	}
	if (rc == 0 && json_object_get(d->json, "artifactType") != NULL) {
		if (at == NULL || !oci_media_ok(at))
			return err_set(e, EXIT_REJECTED,
				       "%s: malformed artifactType", src);
		snprintf(d->artifact_type, sizeof(d->artifact_type), "%s", at);
	}
	return rc != 0 ? rc : doc_items(d, src, e);
}

int
oci_doc_parse(struct oci_doc **out, enum oci_kind kind,
	      const unsigned char *buf, size_t len, const char *ctype,
	      const char *src, struct err *e)
{
	struct oci_doc *d;
	int rc;

	*out = NULL;
	if (len > OCI_MAX_MANIFEST_BYTES)
		return err_set(e, EXIT_REJECTED, "%s: larger than %zu bytes",
			       src, OCI_MAX_MANIFEST_BYTES);
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	d->kind = kind;
	rc = jsonio_load_object(&d->json, buf, len, src, e);
	if (rc == 0)
		rc = doc_check(d, ctype, src, e);
	if (rc != 0) {
		oci_doc_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

void
oci_doc_free(struct oci_doc *d)
{
	if (d == NULL)
		return;
	json_decref(d->json);
	free(d->items);
	free(d);
}

size_t
oci_doc_count(const struct oci_doc *d)
{
	return d->n;
}

const struct oci_desc *
oci_doc_get(const struct oci_doc *d, size_t i)
{
	return &d->items[i];
}

const struct oci_desc *
oci_doc_config(const struct oci_doc *d)
{
	return d->has_config ? &d->config : NULL;
}

const struct oci_desc *
oci_doc_subject(const struct oci_doc *d)
{
	return d->has_subject ? &d->subject : NULL;
}

const char *
oci_doc_artifact_type(const struct oci_doc *d)
{
	return d->artifact_type;
}

const json_t *
oci_doc_json(const struct oci_doc *d)
{
	return d->json;
}

int
oci_digest_of(char out[OCI_DIGEST_MAX], const void *buf, size_t len,
	      struct err *e)
{
	unsigned char md[SHA256_LEN];
	int rc = hash_sha256(md, buf, len, e);

	if (rc != 0)
		return rc;
	memcpy(out, "sha256:", 7);
	hex_encode(out + 7, md, SHA256_LEN);
	return 0;
}

int
oci_blob_check(const struct oci_desc *d, const unsigned char *buf, size_t len,
	       const char *what, struct err *e)
{
	char got[OCI_DIGEST_MAX];
	int rc;

	/* SPEC-OCI-4: size first, then the digest, before any use. */
	if (len != d->size)
		return err_set(e, EXIT_REJECTED,
			       "%s: registry sent %zu bytes, the descriptor "
			       "says %zu",
			       what, len, d->size);
	rc = oci_digest_of(got, buf, len, e);
	if (rc != 0)
		return rc;
	if (strcmp(got, d->digest) != 0)
		return err_set(e, EXIT_REJECTED,
			       "%s: content does not match its digest %s "
			       "(got %s)",
			       what, d->digest, got);
	return 0;
}
