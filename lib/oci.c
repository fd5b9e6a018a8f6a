/*
 * Attestations in OCI registries (see oci.h and spec/oci.md): reference
 * and document parsing, the registry client with its auth flow, push and
 * fetch. Nothing a registry sends is used before it is checked against the
 * digest and size that named it.
 */
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

/* ---- references (SPEC-OCI-1) ---- */

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_lower_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z');
}

static int
is_alnum(int c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* A decimal in [0, max] without leading zeros, exactly len characters. */
static int
decimal(const char *s, size_t len, long max, long *out)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > 5 || (len > 1 && s[0] == '0'))
		return 0;
	for (i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return v <= max;
}

/* 1 when s[0..len) is a dotted quad with each octet in 0..255. */
static int
ipv4(const char *s, size_t len, long *first)
{
	size_t i, start = 0, parts = 0;
	long v;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (!decimal(s + start, i - start, 255, &v))
			return 0;
		if (parts++ == 0)
			*first = v;
		start = i + 1;
	}
	return parts == 4;
}

static int
dns_name(const char *s, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!is_alnum(s[i]) && s[i] != '-')
			return 0;
		if (s[i] == '-' && label == 0)
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[len - 1] != '-';
}

/* Parses host[:port] in s[0..len); sets *loopback. */
static int
parse_host(const char *s, size_t len, int *loopback)
{
	const char *colon;
	size_t namelen = len, i;
	long port, first = 0;

	*loopback = 0;
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (close == NULL)
			return 0;
		namelen = (size_t)(close - s) + 1;
		for (i = 1; i + 1 < namelen; i++)
			if (!is_alnum(s[i]) && s[i] != ':' && s[i] != '.')
				return 0;
		if (namelen < 4 || namelen > 47)
			return 0;
		*loopback = namelen == 5 && memcmp(s, "[::1]", 5) == 0;
	} else {
		colon = memchr(s, ':', len);
		if (colon != NULL)
			namelen = (size_t)(colon - s);
		if (ipv4(s, namelen, &first))
			*loopback = first == 127;
		else if (!dns_name(s, namelen))
			return 0;
		else
			*loopback =
			    namelen == 9 && strncasecmp(s, "localhost", 9) == 0;
	}
	if (namelen == len)
		return 1;
	if (s[namelen] != ':')
		return 0;
	return decimal(s + namelen + 1, len - namelen - 1, 65535, &port) &&
	       port > 0;
}

/* One repository path component; returns its length or 0. */
static size_t
repo_component(const char *s)
{
	size_t i = 0, run;

	for (;;) {
		for (run = 0; is_lower_alnum(s[i]); i++)
			run++;
		if (run == 0)
			return 0;
		if (s[i] == '.' || (s[i] == '_' && s[i + 1] != '_'))
			i++;
		else if (s[i] == '_')
			i += 2;
		else if (s[i] == '-')
			while (s[i] == '-')
				i++;
		else
			return i;
	}
}

static int
parse_repo(const char *s, size_t len)
{
	size_t i = 0, n;

	if (len == 0 || len >= OCI_REPO_MAX)
		return 0;
	for (;;) {
		n = repo_component(s + i);
		if (n == 0)
			return 0;
		i += n;
		if (i == len)
			return 1;
		if (s[i] != '/')
			return 0;
		i++;
	}
}

int
oci_ref_parse(struct oci_ref *out, const char *s, struct err *e)
{
	const char *slash, *at;
	size_t len = strnlen(s, OCI_MAX_REF_LEN + 1), hostlen, repolen, i;

	memset(out, 0, sizeof(*out));
	if (len > OCI_MAX_REF_LEN)
		return err_set(e, EXIT_USAGE, "image reference too long");
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return err_set(e, EXIT_USAGE,
				       "image reference holds a space or "
				       "control character");
	if (strstr(s, "://") != NULL)
		return err_set(e, EXIT_USAGE,
			       "image reference: no scheme, give "
			       "HOST[:PORT]/REPO@sha256:HEX");
	slash = strchr(s, '/');
	at = strrchr(s, '@');
	if (slash == NULL || at == NULL || at < slash)
		return err_set(e, EXIT_USAGE,
			       "image reference must be "
			       "HOST[:PORT]/REPO@sha256:HEX");
	hostlen = (size_t)(slash - s);
	repolen = (size_t)(at - slash - 1);
	if (memchr(s, '@', (size_t)(at - s)) != NULL)
		return err_set(e, EXIT_USAGE,
			       "image reference: user info is not allowed");
	if (hostlen >= OCI_HOST_MAX || !parse_host(s, hostlen, &out->loopback))
		return err_set(e, EXIT_USAGE,
			       "image reference: bad registry host[:port]");
	if (memchr(slash, ':', repolen + 1) != NULL)
		return err_set(e, EXIT_USAGE,
			       "image reference: give the digest only, not "
			       "a tag");
	if (!parse_repo(slash + 1, repolen))
		return err_set(e, EXIT_USAGE,
			       "image reference: bad repository name "
			       "(lowercase a-z 0-9 . _ __ - components, "
			       "at most %d characters)",
			       OCI_REPO_MAX - 1);
	if (strncmp(at + 1, "sha256:", 7) != 0 ||
	    strlen(at + 8) != SHA256_HEX_LEN)
		return err_set(e, EXIT_USAGE,
			       "image reference: the digest must be "
			       "sha256:<64 hex>");
	for (i = 0; i < SHA256_HEX_LEN; i++)
		if (!is_digit(at[8 + i]) &&
		    (at[8 + i] < 'a' || at[8 + i] > 'f'))
			return err_set(e, EXIT_USAGE,
				       "image reference: the digest must be "
				       "64 lowercase hex digits");
	memcpy(out->host, s, hostlen);
	memcpy(out->repo, slash + 1, repolen);
	memcpy(out->hex, at + 8, SHA256_HEX_LEN);
	return 0;
}

/* ---- WWW-Authenticate ---- */

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int
is_tchar(int c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/* Reads a token or quoted-string value into out; returns the end or NULL. */
static const char *
auth_value(const char *p, char *out, size_t cap)
{
	size_t n = 0;

	if (*p != '"') {
		while (is_tchar(*p) || *p == '/') {
			if (n + 1 >= cap)
				return NULL;
			out[n++] = *p++;
		}
		out[n] = '\0';
		return n > 0 ? p : NULL;
	}
	for (p++; *p != '"'; p++) {
		if (*p == '\\')
			p++;
		if ((unsigned char)*p < 0x20 || *p == 0x7f || n + 1 >= cap)
			return NULL;
		out[n++] = *p;
	}
	out[n] = '\0';
	return p + 1;
}

static int
challenge_param(struct oci_challenge *c, unsigned *seen, const char *name,
		size_t namelen, const char **p)
{
	static const char *const names[] = {"realm", "service", "scope"};
	char *dst[3] = {c->realm, c->service, c->scope};
	size_t cap[3] = {sizeof(c->realm), sizeof(c->service),
			 sizeof(c->scope)};
	char skip[1024];
	size_t i;

	for (i = 0; i < 3; i++)
		if (strlen(names[i]) == namelen &&
		    strncasecmp(name, names[i], namelen) == 0)
			break;
	if (i < 3 && (*seen & (1u << i)))
		return -1;
	if (i < 3)
		*seen |= 1u << i;
	*p = auth_value(*p, i < 3 ? dst[i] : skip,
			i < 3 ? cap[i] : sizeof(skip));
	return *p == NULL ? -1 : 0;
}

int
oci_challenge_parse(struct oci_challenge *out, const char *hdr, struct err *e)
{
	const char *p = skip_ws(hdr), *name;
	unsigned seen = 0;
	size_t n;

	memset(out, 0, sizeof(*out));
	for (n = 0; is_tchar(p[n]); n++)
		;
	if (n == 6 && strncasecmp(p, "Bearer", 6) == 0)
		out->bearer = 1;
	else if (n != 5 || strncasecmp(p, "Basic", 5) != 0)
		return err_set(e, EXIT_UNDECIDED,
			       "unsupported authentication scheme (only "
			       "Basic and Bearer)");
	p = skip_ws(p + n);
	while (*p != '\0') {
		name = p;
		for (n = 0; is_tchar(p[n]); n++)
			;
		p = skip_ws(p + n);
		if (n == 0 || *p != '=')
			break; /* the next challenge starts: keep the first */
		p = skip_ws(p + 1);
		if (challenge_param(out, &seen, name, n, &p) != 0)
			return err_set(e, EXIT_UNDECIDED,
				       "malformed authentication challenge");
		p = skip_ws(p);
		if (*p == ',')
			p = skip_ws(p + 1);
		else if (*p != '\0')
			return err_set(e, EXIT_UNDECIDED,
				       "malformed authentication challenge");
	}
	if (out->bearer && out->realm[0] == '\0')
		return err_set(e, EXIT_UNDECIDED,
			       "Bearer challenge without a realm");
	return 0;
}

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
static int
media_ok(const char *m)
{
	size_t i, slashes = 0, len = strlen(m);

	if (len == 0 || len >= OCI_MEDIA_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (m[i] == '/')
			slashes++;
		else if (!is_alnum(m[i]) && !strchr("!#$&^_.+-;=", m[i]))
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
		if (!is_digit(d[i]) && (d[i] < 'a' || d[i] > 'f'))
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
	if (media == NULL || !media_ok(media))
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
	    (at == NULL || !media_ok(at)))
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
		if (at == NULL || !media_ok(at))
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

static int
digest_of(char out[OCI_DIGEST_MAX], const void *buf, size_t len, struct err *e)
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
	rc = digest_of(got, buf, len, e);
	if (rc != 0)
		return rc;
	if (strcmp(got, d->digest) != 0)
		return err_set(e, EXIT_REJECTED,
			       "%s: content does not match its digest %s "
			       "(got %s)",
			       what, d->digest, got);
	return 0;
}

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

static void
wipe_free(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

static void
reg_free(struct reg *c)
{
	http_free(c->h);
	wipe_free(c->userpass);
	wipe_free(c->authz);
}

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

static int
creds_ok(const char *s)
{
	const char *colon = strchr(s, ':');
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return colon != NULL && colon != s && i < 1024;
}

static int
reg_open(struct reg *c, const char *refstr, const struct oci_opts *o,
	 struct err *e)
{
	const char *auth = o->auth;
	int rc;

	memset(c, 0, sizeof(*c));
	c->o = o;
	rc = oci_ref_parse(&c->ref, refstr, e);
	if (rc != 0)
		return rc;
	c->plain = o->insecure;
	snprintf(c->base, sizeof(c->base), "%s://%s",
		 c->plain ? "http" : "https", c->ref.host);
	/* SPEC-OCI-13: the host libcurl connects to decides loopback. */
	rc = url_parse(&c->origin, c->base, e);
	if (rc != 0)
		return err_prefix(e, "registry %s", c->ref.host);
	if (o->insecure && !c->origin.loopback)
		return err_set(e, EXIT_USAGE,
			       "--insecure is only allowed for loopback "
			       "registries (127.0.0.0/8, localhost, [::1])");
	if (auth != NULL && auth[0] != '\0') {
		if (!creds_ok(auth))
			return err_set(e, EXIT_USAGE,
				       "registry credentials must be "
				       "USER:PASSWORD (from --user or %s)",
				       OCI_AUTH_ENV);
		c->userpass = strdup(auth);
		if (c->userpass == NULL)
			return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	return http_new(&c->h, c->plain, e);
}

static int
need_creds(const struct reg *c, struct err *e)
{
	if (c->userpass == NULL)
		return err_set(e, EXIT_UNDECIDED,
			       "registry %s requires credentials (HTTP 401 "
			       "Unauthorized): set %s=USER:PASSWORD "
			       "(attest push also takes --user)",
			       c->ref.host, OCI_AUTH_ENV);
	return err_set(e, EXIT_UNDECIDED,
		       "registry %s rejected the credentials (HTTP 401 "
		       "Unauthorized): check --user or %s",
		       c->ref.host, OCI_AUTH_ENV);
}

static int
set_authz(struct reg *c, const char *scheme, const char *value, struct err *e)
{
	size_t n = strlen(scheme) + strlen(value) + 2;
	char *a = malloc(n);

	if (a == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	snprintf(a, n, "%s %s", scheme, value);
	wipe_free(c->authz);
	c->authz = a;
	return 0;
}

static int
basic_authz(struct reg *c, struct err *e)
{
	char *b =
	    b64_encode((const unsigned char *)c->userpass, strlen(c->userpass));
	int rc;

	if (b == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	rc = set_authz(c, "Basic", b, e);
	wipe_free(b);
	return rc;
}

/* Appends key=percent-encoded(value) to url. */
static void
query_param(char *url, size_t cap, const char *key, const char *v)
{
	size_t n = strlen(url);
	const char *sep = strchr(url, '?') ? "&" : "?";

	n +=
	    (size_t)snprintf(url + n, n < cap ? cap - n : 0, "%s%s=", sep, key);
	for (; *v != '\0' && n + 4 < cap; v++) {
		if (is_alnum(*v) || strchr("-._~", *v))
			url[n++] = *v;
		else
			n += (size_t)snprintf(url + n, cap - n, "%%%02X",
					      (unsigned char)*v);
	}
	url[n < cap ? n : cap - 1] = '\0';
}

/* The realm must be https, or http on loopback in --insecure mode. */
static int
realm_ok(const struct reg *c, const char *realm)
{
	struct url u;
	struct err ignore = ERR_INIT;

	return url_check(&u, realm, c->plain, &ignore) == 0;
}

static int
token_from(struct reg *c, const struct http_resp *r, struct err *e)
{
	const char *tok;
	json_t *j = NULL;
	size_t i;
	int rc;

	rc = jsonio_load_object(&j, r->body, r->len, "token response", e);
	if (rc != 0)
		return err_set(e, EXIT_UNDECIDED,
			       "registry %s: malformed token response",
			       c->ref.host);
	tok = jsonio_str(j, "token");
	if (tok == NULL)
		tok = jsonio_str(j, "access_token");
	for (i = 0; tok != NULL && tok[i] != '\0'; i++)
		if (tok[i] <= ' ' || tok[i] >= 0x7f)
			break;
	if (tok == NULL || i == 0 || tok[i] != '\0')
		rc = err_set(e, EXIT_UNDECIDED,
			     "registry %s: token response without a usable "
			     "token",
			     c->ref.host);
	else
		rc = set_authz(c, "Bearer", tok, e);
	json_decref(j);
	return rc;
}

static int
bearer(struct reg *c, const struct oci_challenge *ch, struct err *e)
{
	struct http_req req = {"GET", NULL, "application/json",	 NULL,
			       NULL,  0,    OCI_MAX_TOKEN_BYTES, NULL,
			       0};
	struct http_resp r;
	char url[2048], *basic = NULL;
	int rc;

	if (!realm_ok(c, ch->realm))
		return err_set(e, EXIT_UNDECIDED,
			       "registry %s: refusing the token realm (must "
			       "be https, or loopback http with --insecure)",
			       c->ref.host);
	snprintf(url, sizeof(url), "%s", ch->realm);
	if (ch->service[0] != '\0')
		query_param(url, sizeof(url), "service", ch->service);
	if (ch->scope[0] != '\0')
		query_param(url, sizeof(url), "scope", ch->scope);
	req.url = url;
	if (c->userpass != NULL) {
		rc = basic_authz(c, e);
		if (rc != 0)
			return rc;
		basic = c->authz;
		c->authz = NULL;
		req.auth = basic;
	}
	rc = http_do(&r, c->h, &req, e);
	wipe_free(basic);
	if (rc != 0)
		return err_prefix(e, "registry %s: token", c->ref.host);
	if (r.status == 401 || r.status == 403)
		rc = need_creds(c, e);
	else if (r.status != 200)
		rc = err_set(e, EXIT_UNDECIDED,
			     "registry %s: token service answered HTTP %ld",
			     c->ref.host, r.status);
	else
		rc = token_from(c, &r, e);
	http_resp_clear(&r);
	return rc;
}

/* Answers a 401 challenge; fails when the credentials are spent. */
static int
reauth(struct reg *c, const char *hdr, struct err *e)
{
	struct oci_challenge ch;
	int rc;

	if (hdr[0] == '\0')
		return need_creds(c, e);
	rc = oci_challenge_parse(&ch, hdr, e);
	if (rc != 0)
		return err_prefix(e, "registry %s", c->ref.host);
	if (ch.bearer)
		return bearer(c, &ch, e);
	if (c->userpass == NULL ||
	    (c->authz != NULL && strncmp(c->authz, "Basic ", 6) == 0))
		return need_creds(c, e);
	return basic_authz(c, e);
}

/* The registry's first error code and message, escaped, or "". */
static void
registry_error(char *out, size_t cap, const struct http_resp *r)
{
	const json_t *first;
	json_t *j = NULL;
	struct err ignore = ERR_INIT;
	char code[64], msg[160];

	out[0] = '\0';
	if (r->body == NULL ||
	    jsonio_load_object(&j, r->body, r->len, "error", &ignore) != 0)
		return;
	first = json_array_get(json_object_get(j, "errors"), 0);
	if (jsonio_str(first, "code") != NULL) {
		text_escape(code, sizeof(code), jsonio_str(first, "code"));
		text_escape(msg, sizeof(msg),
			    jsonio_str_or(first, "message", ""));
		snprintf(out, cap, " (%s: %s)", code, msg);
	}
	json_decref(j);
}

static int
status_err(const struct reg *c, const struct http_resp *r, const char *what,
	   struct err *e)
{
	char detail[240];

	if (r->status == 401)
		return need_creds(c, e);
	registry_error(detail, sizeof(detail), r);
	if (r->status == 403)
		return err_set(e, EXIT_UNDECIDED,
			       "registry %s denied access to %s (HTTP 403)%s",
			       c->ref.host, c->ref.repo, detail);
	if (r->status == 404)
		return err_set(e, EXIT_UNDECIDED,
			       "%s not found in %s/%s (HTTP 404)%s", what,
			       c->ref.host, c->ref.repo, detail);
	return err_set(e, EXIT_UNDECIDED, "registry %s: %s: HTTP %ld%s",
		       c->ref.host, what, r->status, detail);
}

/*
 * SPEC-OCI-12: a 401 from a host a redirect led to is not the registry's
 * challenge; answering it would send the registry's credentials to a
 * realm that host chose, and its token back to the registry.
 */
static int
foreign_challenge(const struct reg *c, const struct http_resp *r, struct err *e)
{
	struct err ignore = ERR_INIT;
	char shown[320];
	struct url u;

	if (url_parse(&u, r->url, &ignore) == 0 &&
	    url_same_origin(&u, &c->origin))
		return 0;
	text_escape(shown, sizeof(shown), u.host[0] ? u.host : "?");
	return err_set(e, EXIT_UNDECIDED,
		       "registry %s: redirected to %s, which asks for "
		       "credentials (HTTP 401); registry credentials go only "
		       "to the registry and the realm it names",
		       c->ref.host, shown);
}

/* One request with the auth flow: at most one challenge answered. */
static int
reg_do(struct reg *c, struct http_resp *r, struct http_req *req,
       const char *path, struct err *e)
{
	int attempt, rc;

	if (path[0] == '/')
		snprintf(c->url, sizeof(c->url), "%s%s", c->base, path);
	else
		snprintf(c->url, sizeof(c->url), "%s", path);
	req->url = c->url;
	for (attempt = 0; attempt < 2; attempt++) {
		req->auth = c->authz;
		rc = http_do(r, c->h, req, e);
		if (rc != 0)
			return err_prefix(e, "registry %s", c->ref.host);
		if (r->status != 401 || attempt == 1)
			break;
		rc = foreign_challenge(c, r, e);
		if (rc == 0)
			rc = reauth(c, r->www_auth, e);
		http_resp_clear(r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* GET path; 404 gives *found = 0 and no error. */
static int
reg_get(struct reg *c, struct http_resp *r, const char *path,
	const char *accept, size_t max, int follow, int *found,
	const char *what, struct err *e)
{
	struct http_req req = {"GET", NULL, accept, NULL,  NULL,
			       0,     max,  NULL,   follow};
	int rc = reg_do(c, r, &req, path, e);

	*found = 0;
	if (rc != 0)
		return rc;
	if (r->status == 200) {
		*found = 1;
		return 0;
	}
	if (r->status == 404) {
		http_resp_clear(r);
		r->status = 404;
		return 0;
	}
	rc = status_err(c, r, what, e);
	http_resp_clear(r);
	return rc;
}

/* ---- reading: manifests and blobs ---- */

/* A document by tag (want NULL) or by descriptor; *out NULL when 404. */
static int
get_doc(struct reg *c, struct oci_doc **out, enum oci_kind kind,
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
	rc = reg_get(c, &r, path,
		     kind == OCI_KIND_INDEX ? OCI_INDEX_MEDIA : MANIFEST_ACCEPT,
		     want ? want->size : OCI_MAX_MANIFEST_BYTES, 0, &found,
		     what, e);
	if (rc == -EXIT_REJECTED)
		return err_prefix(e, "registry %s lies about %s", c->ref.host,
				  what);
	if (rc != 0 || !found)
		return rc;
	if (want != NULL)
		rc = oci_blob_check(want, r.body, r.len, what, e);
	else if (r.digest[0] != '\0' &&
		 (rc = digest_of(got, r.body, r.len, e)) == 0 &&
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
get_blob(struct reg *c, const struct oci_desc *d, struct http_resp *r,
	 struct err *e)
{
	char path[OCI_REPO_MAX + 128], what[128];
	int found, rc;

	snprintf(what, sizeof(what), "blob %s", d->digest);
	if (d->size > OCI_MAX_BLOB_BYTES)
		return err_set(e, EXIT_REJECTED, "%s: larger than %zu bytes",
			       what, OCI_MAX_BLOB_BYTES);
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", c->ref.repo, d->digest);
	rc = reg_get(c, r, path, NULL, d->size, 1, &found, what, e);
	if (rc == -EXIT_REJECTED)
		return err_prefix(e, "registry %s lies about %s", c->ref.host,
				  what);
	if (rc == 0 && !found) {
		rc = status_err(c, r, what, e);
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
	rc = get_blob(&f->c, d, &r, e);
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
static int
list_referrers(struct reg *c, struct oci_doc **out, int *api, struct err *e)
{
	char path[OCI_REPO_MAX + 128], tag[80];
	struct http_resp r;
	int found, rc;

	*out = NULL;
	*api = 0;
	snprintf(path, sizeof(path), "/v2/%s/referrers/sha256:%s", c->ref.repo,
		 c->ref.hex);
	rc = reg_get(c, &r, path, OCI_INDEX_MEDIA, OCI_MAX_MANIFEST_BYTES, 0,
		     &found, "referrers", e);
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
	return get_doc(c, out, OCI_KIND_INDEX, tag, NULL, e);
}

/* One referrer manifest, checked; *out NULL when not an attestation. */
static int
get_referrer(struct reg *c, const struct oci_desc *d, struct oci_doc **out,
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
	rc = get_doc(c, out, OCI_KIND_MANIFEST, NULL, d, e);
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

	rc = list_referrers(&f->c, &list, &api, e);
	for (i = 0; rc == 0 && list != NULL && i < oci_doc_count(list); i++) {
		rc = get_referrer(&f->c, oci_doc_get(list, i), &m, e);
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
	rc = get_doc(&f->c, &m, OCI_KIND_MANIFEST, tag, NULL, e);
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
	rc = reg_open(&f.c, ref, o, e);
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
	reg_free(&f.c);
	return rc;
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
	rc = reg_do(c, &r, &req, path, e);
	if (rc != 0)
		return rc;
	*yes = r.status == 200;
	if (r.status != 200 && r.status != 404)
		rc = status_err(c, &r, "blob", e);
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
	query_param(out, cap, "digest", digest);
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

	rc = digest_of(digest, buf, len, e);
	if (rc == 0)
		rc = blob_exists(c, digest, &yes, e);
	if (rc != 0 || yes)
		return rc;
	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", c->ref.repo);
	rc = reg_do(c, &r, &req, path, e);
	if (rc != 0)
		return rc;
	if (r.status != 202 || r.location[0] == '\0')
		rc = status_err(c, &r, "blob upload", e);
	else
		rc = upload_url(c, url, sizeof(url), r.location, digest, e);
	http_resp_clear(&r);
	if (rc != 0)
		return rc;
	req = (struct http_req){"PUT", NULL, NULL,  "application/octet-stream",
				buf,   len,  65536, NULL,
				0};
	rc = reg_do(c, &r, &req, url, e);
	if (rc == 0 && r.status != 201)
		rc = status_err(c, &r, "blob upload", e);
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
		rc = digest_of(digest, text, len, e);
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
	rc = reg_do(c, &r, &req, path, e);
	if (rc == 0 && r.status != 201)
		rc = status_err(c, &r, what, e);
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
	rc = reg_get(c, &r, path, IMAGE_ACCEPT, OCI_MAX_MANIFEST_BYTES, 0,
		     &found, "image manifest", e);
	if (rc != 0)
		return rc;
	if (!found)
		return err_set(e, EXIT_UNDECIDED,
			       "image %s/%s@%s not found in the registry: "
			       "push the image first",
			       c->ref.host, c->ref.repo, want);
	rc = digest_of(got, r.body, r.len, e);
	snprintf(media, sizeof(media), "%.*s", (int)strcspn(r.ctype, "; \t"),
		 r.ctype);
	if (rc == 0 && strcmp(got, want) != 0)
		rc = err_set(e, EXIT_REJECTED,
			     "registry %s lies: the image manifest does not "
			     "match %s",
			     c->ref.host, want);
	else if (rc == 0 && !media_ok(media))
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
		rc = digest_of(digest, text, len, e);
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
	rc = get_doc(c, &old, OCI_KIND_MANIFEST, tag, NULL, e);
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
		rc = get_referrer(c, oci_doc_get(list, i), &m, e);
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

	rc = list_referrers(c, &list, &api, e);
	if (rc == 0 && (have == NULL || fresh == NULL))
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	if (rc == 0)
		rc = referred_layers(c, list, have, e);
	if (rc == 0)
		rc = put_blob(c, "{}", 2, digest, e);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = digest_of(digest, p[i].ent->raw, p[i].ent->rawlen, e);
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
		if (rc == 0 && !media_ok(p->bundle_media))
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

	rc = reg_open(&c, ref, o, e);
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
	reg_free(&c);
	return rc;
}
