/* Object store trees over the S3 API (see s3.h). */
#include "lib/s3.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/curlapi.h"
#include "lib/dynbuf.h"
#include "lib/fileio.h"
#include "lib/http.h"
#include "lib/s3xml.h"
#include "lib/text.h"
#include "lib/url.h"
#include "lib/walk.h"

/* SHA-256 of the empty body every request of ours has. */
#define EMPTY_SHA256                                                           \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ERRBODY_MAX 4096
#define SHOWN_MAX 320
#define POLL_MS 1000
#define BUCKET_MAX 63
#define XFER_AGAIN 1 /* xfer_done: try the unit again */

struct target {
	char bucket[BUCKET_MAX + 1];
	char prefix[S3_KEY_MAX + 1]; /* "" or ending in '/' */
	size_t prefix_len;
	char base[URL_MAX]; /* the bucket's URL, no trailing '/' */
	int plain, vhost;
	char shown[SHOWN_MAX]; /* the s3:// URL, escaped */
};

/* A listed object: its path below the prefix and what the GET must see. */
struct object {
	size_t path_off, etag_off; /* into run.paths while listing */
	const char *path, *etag;   /* after listing */
	unsigned long long size;
};

struct run {
	const struct curl_api *api;
	const struct s3_config *c;
	struct target t;
	struct object *obj;
	size_t nobj, capobj;
	struct dynbuf paths;
	const struct digest_manifest *m;
	char token[S3XML_MAX_TEXT]; /* NextContinuationToken */
};

struct xfer {
	struct run *r;
	CURL *h;
	struct curl_slist *hdrs;
	struct digest_feed *f;
	unsigned slot, tries;
	int active, overflow, nomem;
	size_t unit;
	size_t file;
	unsigned long long off, len;
	const struct object *ob;
	long status;
	char etag[S3XML_ETAG_MAX];
	char crange[128];
	struct dynbuf body; /* the listing, or an error response */
	char errbuf[CURL_ERROR_SIZE];
	char url[URL_MAX];
};

int
s3_is_url(const char *s)
{
	return s != NULL &&
	       strncmp(s, S3_URL_PREFIX, strlen(S3_URL_PREFIX)) == 0;
}

void
s3_config_clear(struct s3_config *c)
{
	OPENSSL_cleanse(c, sizeof(*c));
}

/* --- credentials ---------------------------------------------------------- */

static int
copy_value(char *dst, size_t cap, const char *v, size_t n, const char *what,
	   struct err *e)
{
	if (n == 0 || n >= cap || memchr(v, '\0', n) != NULL)
		return err_set(e, EXIT_USAGE,
			       "%s: empty or longer than %zu bytes", what,
			       cap - 1);
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

static int
region_ok(const char *r)
{
	size_t i, n = strlen(r);

	if (n == 0 || n >= S3_REGION_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') ||
		      (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
			return 0;
	return 1;
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' ||
			  (*s)[*n - 1] == '\r'))
		(*n)--;
}

/* One "key = value" line of the profile's section. */
static int
creds_line(struct s3_config *c, const char *k, size_t kn, const char *v,
	   size_t vn, const char *file, int *found, struct err *e)
{
	static const char *const names[3] = {
	    "aws_access_key_id", "aws_secret_access_key", "aws_session_token"};
	char *dst[3] = {c->access_key_id, c->secret_access_key,
			c->session_token};
	size_t cap[3] = {sizeof(c->access_key_id), sizeof(c->secret_access_key),
			 sizeof(c->session_token)};
	char what[128];
	int i;

	for (i = 0; i < 3; i++) {
		if (strlen(names[i]) != kn || memcmp(k, names[i], kn) != 0)
			continue;
		snprintf(what, sizeof(what), "%.80s: %s", file, names[i]);
		*found |= 1 << i;
		return copy_value(dst[i], cap[i], v, vn, what, e);
	}
	return 0;
}

static int
creds_parse(struct s3_config *c, const char *buf, size_t len,
	    const char *profile, const char *file, struct err *e)
{
	const char *p = buf, *end = buf + len, *nl, *eq, *v;
	size_t n, pn = strlen(profile), vn;
	int in = 0, seen = 0, found = 0, rc = 0;

	for (; p < end && rc == 0; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		n = (size_t)(nl - p);
		trim(&p, &n);
		if (n == 0 || p[0] == '#' || p[0] == ';')
			continue;
		if (p[0] == '[') {
			v = p + 1;
			vn = n >= 2 && p[n - 1] == ']' ? n - 2 : 0;
			trim(&v, &vn);
			in = vn == pn && memcmp(v, profile, pn) == 0;
			seen |= in;
			continue;
		}
		eq = memchr(p, '=', n);
		if (!in || eq == NULL)
			continue;
		vn = (size_t)(eq - p);
		v = p;
		trim(&v, &vn);
		{
			const char *val = eq + 1;
			size_t valn = n - (size_t)(eq + 1 - p);
			trim(&val, &valn);
			rc = creds_line(c, v, vn, val, valn, file, &found, e);
		}
	}
	if (rc != 0)
		return rc;
	if (!seen || (found & 3) != 3)
		return err_set(e, EXIT_USAGE,
			       "%.200s: no profile [%.64s] with "
			       "aws_access_key_id and aws_secret_access_key",
			       file, profile);
	return 0;
}

static int
creds_file(struct s3_config *c, const struct s3_env *env, struct err *e)
{
	const char *profile =
	    env->profile && *env->profile ? env->profile : "default";
	char path[4096], shown[256];
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	if (env->shared_file != NULL && *env->shared_file)
		snprintf(path, sizeof(path), "%s", env->shared_file);
	else if (env->home != NULL && *env->home)
		snprintf(path, sizeof(path), "%s/.aws/credentials", env->home);
	else
		return err_set(
		    e, EXIT_USAGE,
		    "no S3 credentials: set AWS_ACCESS_KEY_ID and "
		    "AWS_SECRET_ACCESS_KEY, or a shared "
		    "credentials file (AWS_SHARED_CREDENTIALS_FILE)");
	text_escape(shown, sizeof(shown), path);
	rc = file_read(&buf, &len, path, S3_CREDS_FILE_MAX, e);
	if (rc != 0) {
		e->code = EXIT_USAGE;
		return err_prefix(e,
				  "no S3 credentials: AWS_ACCESS_KEY_ID and "
				  "AWS_SECRET_ACCESS_KEY are not set, and the "
				  "shared credentials file");
	}
	rc = creds_parse(c, (const char *)buf, len, profile, shown, e);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return rc;
}

/* SPEC-STORE-5: the environment, else the shared file; never argv. */
int
s3_creds_resolve(struct s3_config *c, const struct s3_env *env, struct err *e)
{
	const char *region =
	    env->region && *env->region ? env->region : S3_DEFAULT_REGION;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	if (!region_ok(region))
		return err_set(e, EXIT_USAGE,
			       "AWS_REGION: expected a region name like "
			       "eu-west-1 (lowercase letters, digits, '-')");
	snprintf(c->region, sizeof(c->region), "%s", region);
	if ((env->access_key_id && *env->access_key_id) !=
	    (env->secret_access_key && *env->secret_access_key))
		return err_set(e, EXIT_USAGE,
			       "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
			       "must be set together");
	if (env->access_key_id && *env->access_key_id) {
		rc = copy_value(c->access_key_id, sizeof(c->access_key_id),
				env->access_key_id, strlen(env->access_key_id),
				"AWS_ACCESS_KEY_ID", e);
		if (rc == 0)
			rc = copy_value(c->secret_access_key,
					sizeof(c->secret_access_key),
					env->secret_access_key,
					strlen(env->secret_access_key),
					"AWS_SECRET_ACCESS_KEY", e);
		if (rc == 0 && env->session_token && *env->session_token)
			rc = copy_value(
			    c->session_token, sizeof(c->session_token),
			    env->session_token, strlen(env->session_token),
			    "AWS_SESSION_TOKEN", e);
	} else {
		rc = creds_file(c, env, e);
	}
	if (rc == 0 && strchr(c->access_key_id, ':') != NULL)
		rc = err_set(e, EXIT_USAGE, "the access key id holds a ':'");
	if (rc != 0) {
		char region_keep[S3_REGION_MAX];
		memcpy(region_keep, c->region, sizeof(region_keep));
		s3_config_clear(c);
		memcpy(c->region, region_keep, sizeof(region_keep));
	}
	return rc;
}

int
s3_attach(struct digest_opts *d, struct s3_config *c, const struct s3_env *env,
	  const char *endpoint, const char *const *paths, size_t n,
	  struct err *e)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if (s3_is_url(paths[i]))
			break;
	if (i == n)
		return 0;
	rc = s3_creds_resolve(c, env, e);
	if (rc != 0)
		return rc;
	c->endpoint = endpoint;
	d->s3 = c;
	return 0;
}

/* --- URLs ----------------------------------------------------------------- */

static int
bucket_ok(const char *b, size_t n)
{
	size_t i;

	if (n < 3 || n > BUCKET_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') ||
		      (b[i] >= '0' && b[i] <= '9') || b[i] == '-' ||
		      (b[i] == '.' && i > 0 && b[i - 1] != '.')))
			return 0;
	return b[0] != '-' && b[0] != '.' && b[n - 1] != '-' && b[n - 1] != '.';
}

/* The path encoding of SigV4 (RFC 3986 unreserved kept), '/' kept when
 * keep_slash. */
static int
enc(struct dynbuf *b, const char *s, size_t n, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	char pct[3] = {'%', 0, 0};
	unsigned char ch;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		ch = (unsigned char)s[i];
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == '~' || (keep_slash && ch == '/')) {
			rc = dynbuf_add(b, &s[i], 1);
		} else {
			pct[1] = hex[ch >> 4];
			pct[2] = hex[ch & 15];
			rc = dynbuf_add(b, pct, 3);
		}
	}
	return rc;
}

static int
parse_target(struct target *t, const char *url, const struct s3_config *c,
	     struct err *e)
{
	const char *b = url + strlen(S3_URL_PREFIX), *slash;
	const char *ep = c->endpoint;
	size_t bn, pn, en;
	struct url u;
	int rc;

	memset(t, 0, sizeof(*t));
	text_escape(t->shown, sizeof(t->shown), url);
	slash = strchr(b, '/');
	bn = slash ? (size_t)(slash - b) : strlen(b);
	if (!bucket_ok(b, bn))
		return err_set(e, EXIT_USAGE,
			       "%s: not s3://BUCKET/PREFIX/ (bucket names are "
			       "3 to 63 of a-z 0-9 . -)",
			       t->shown);
	memcpy(t->bucket, b, bn);
	pn = slash ? strlen(slash + 1) : 0;
	if (pn > 0 && (pn > S3_KEY_MAX || slash[pn] != '/' ||
		       !walk_path_ok(slash + 1, pn - 1)))
		return err_set(e, EXIT_USAGE,
			       "%s: the prefix must be a relative path ending "
			       "in '/' (no empty, \".\" or \"..\" components)",
			       t->shown);
	if (pn > 0)
		memcpy(t->prefix, slash + 1, pn);
	t->prefix_len = pn;
	if (ep == NULL) {
		t->vhost = strchr(t->bucket, '.') == NULL;
		if (t->vhost)
			snprintf(t->base, sizeof(t->base),
				 "https://%s.s3.%s.amazonaws.com", t->bucket,
				 c->region);
		else
			snprintf(t->base, sizeof(t->base),
				 "https://s3.%s.amazonaws.com/%s", c->region,
				 t->bucket);
	} else {
		en = strlen(ep);
		while (en > 0 && ep[en - 1] == '/')
			en--;
		t->plain = strncasecmp(ep, "http://", 7) == 0;
		if (en + bn + 2 >= sizeof(t->base))
			return err_set(e, EXIT_USAGE,
				       "--s3-endpoint: too long");
		snprintf(t->base, sizeof(t->base), "%.*s/%s", (int)en, ep,
			 t->bucket);
	}
	/* SPEC-STORE-3: https, or http to loopback only. */
	rc = url_check(&u, t->base, t->plain, e);
	if (rc != 0)
		return err_prefix(e, "--s3-endpoint");
	return 0;
}

/* --- requests ------------------------------------------------------------- */

static size_t
on_header(char *line, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	const char *v, *colon;
	size_t vn, nn;
	char *dst = NULL;
	size_t cap = 0;

	n *= size;
	if (n >= 9 && strncmp(line, "HTTP/", 5) == 0) {
		const char *sp = memchr(line, ' ', n);
		x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		x->etag[0] = x->crange[0] = '\0';
		return n;
	}
	colon = memchr(line, ':', n);
	if (colon == NULL)
		return n;
	nn = (size_t)(colon - line);
	if (nn == 4 && strncasecmp(line, "etag", 4) == 0)
		dst = x->etag, cap = sizeof(x->etag);
	else if (nn == 13 && strncasecmp(line, "content-range", 13) == 0)
		dst = x->crange, cap = sizeof(x->crange);
	if (dst == NULL)
		return n;
	v = colon + 1;
	vn = n - nn - 1;
	trim(&v, &vn);
	while (vn > 0 && (v[vn - 1] == '\n' || v[vn - 1] == '\r'))
		vn--;
	if (vn < cap && memchr(v, '\0', vn) == NULL) {
		memcpy(dst, v, vn);
		dst[vn] = '\0';
	}
	return n;
}

static int
ok_status(long s)
{
	return s == 200 || s == 206;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;

	n *= size;
	if (x->f != NULL && ok_status(x->status)) {
		if (digest_feed_bytes(x->f, x->slot, data, n) != 0) {
			x->overflow = 1;
			return 0;
		}
		return n;
	}
	/* A listing, or an error document kept up to its ceiling. */
	if (x->f != NULL && x->body.len + n > ERRBODY_MAX)
		return n;
	if (dynbuf_add(&x->body, data, n) != 0) {
		x->nomem = x->body.len + n <= x->body.max;
		x->overflow = !x->nomem;
		return 0;
	}
	return n;
}

static CURLcode
setopt_checked(const struct curl_api *api, CURL *h, CURLoption o, const void *v)
{
	return api->easy_setopt(h, o, v);
}

/* SPEC-STORE-2: every request signed by libcurl, over the base transport. */
static CURLcode
request_setup(struct xfer *x, const char *range)
{
	const struct curl_api *api = x->r->api;
	const struct s3_config *c = x->r->c;
	char sigv4[S3_REGION_MAX + 16];
	CURLoption bad;
	CURLcode rc;

	api->easy_reset(x->h);
	x->errbuf[0] = '\0';
	rc = http_easy_base(api, x->h, x->r->t.plain, x->errbuf, &bad);
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3", c->region);
	if (rc == CURLE_OK)
		rc = setopt_checked(api, x->h, CURLOPT_URL, x->url);
	if (rc == CURLE_OK)
		rc = setopt_checked(api, x->h, CURLOPT_AWS_SIGV4, sigv4);
	if (rc == CURLE_OK)
		rc = setopt_checked(api, x->h, CURLOPT_USERNAME,
				    c->access_key_id);
	if (rc == CURLE_OK)
		rc = setopt_checked(api, x->h, CURLOPT_PASSWORD,
				    c->secret_access_key);
	if (rc == CURLE_OK)
		rc = setopt_checked(api, x->h, CURLOPT_HTTPHEADER, x->hdrs);
	if (rc == CURLE_OK && range != NULL)
		rc = setopt_checked(api, x->h, CURLOPT_RANGE, range);
	/* Objects take as long as they take; the low-speed limit holds. */
	if (rc == CURLE_OK && x->f != NULL)
		rc = api->easy_setopt(x->h, CURLOPT_TIMEOUT, 0L);
	if (rc == CURLE_OK)
		rc = api->easy_setopt(x->h, CURLOPT_HEADERFUNCTION, on_header);
	if (rc == CURLE_OK)
		rc = setopt_checked(api, x->h, CURLOPT_HEADERDATA, x);
	if (rc == CURLE_OK)
		rc = api->easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_body);
	if (rc == CURLE_OK)
		rc = setopt_checked(api, x->h, CURLOPT_WRITEDATA, x);
	x->status = 0;
	x->overflow = x->nomem = 0;
	x->etag[0] = x->crange[0] = '\0';
	dynbuf_clear(&x->body);
	return rc;
}

/* The headers of every request: the payload hash, the session token,
 * and If-Match for a GET. */
static int
request_headers(struct xfer *x, const char *etag)
{
	const struct curl_api *api = x->r->api;
	char line[S3_TOKEN_MAX + 64];
	struct curl_slist *l;

	api->slist_free_all(x->hdrs);
	x->hdrs =
	    api->slist_append(NULL, "x-amz-content-sha256: " EMPTY_SHA256);
	if (x->hdrs == NULL)
		return -1;
	if (x->r->c->session_token[0] != '\0') {
		snprintf(line, sizeof(line), "x-amz-security-token: %s",
			 x->r->c->session_token);
		l = api->slist_append(x->hdrs, line);
		OPENSSL_cleanse(line, sizeof(line));
		if (l == NULL)
			return -1;
	}
	if (etag != NULL && etag[0] != '\0') {
		snprintf(line, sizeof(line), "If-Match: %s", etag);
		if (api->slist_append(x->hdrs, line) == NULL)
			return -1;
	}
	return 0;
}

/* The store's error code from an error document, escaped, or "". */
static void
store_code(char *out, size_t cap, const struct dynbuf *b)
{
	const char *p, *q;
	char code[80];
	size_t n;

	out[0] = '\0';
	if (b->p == NULL || (p = strstr(b->p, "<Code>")) == NULL)
		return;
	p += 6;
	q = strstr(p, "</Code>");
	if (q == NULL)
		return;
	n = (size_t)(q - p) < sizeof(code) - 1 ? (size_t)(q - p)
					       : sizeof(code) - 1;
	memcpy(code, p, n);
	code[n] = '\0';
	out[0] = ' ';
	text_escape(out + 1, cap - 1, code);
}

static int
http_error(struct xfer *x, const char *what, const char *name, struct err *e)
{
	char code[100];

	store_code(code, sizeof(code), &x->body);
	return err_set(e, EXIT_UNDECIDED, "%s%s: %s: HTTP %ld%s", x->r->t.shown,
		       name, what, x->status, code);
}

static int
curl_error(struct xfer *x, CURLcode crc, const char *what, const char *name,
	   struct err *e)
{
	char msg[CURL_ERROR_SIZE];

	text_escape(msg, sizeof(msg),
		    x->errbuf[0] ? x->errbuf : x->r->api->easy_strerror(crc));
	return err_set(e, EXIT_UNDECIDED, "%s%s: %s: %s", x->r->t.shown, name,
		       what, msg);
}

/* Worth another try: a connection that failed or broke, a store that is
 * busy (503 SlowDown) or failing; never a refusal or a change. */
static int
retryable(CURLcode crc, long status)
{
	switch (crc) {
	case CURLE_OK:
		return status == 500 || status == 502 || status == 503 ||
		       status == 504;
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return 1;
	default:
		return 0;
	}
}

static void
backoff(unsigned attempt)
{
	long ms = (long)S3_BACKOFF_MS << attempt;
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Notes the tries in a message about the last one. */
static int
gave_up(struct err *e)
{
	char msg[ERR_MSG_MAX];

	snprintf(msg, sizeof(msg), "%s", e->msg);
	return err_set(e, e->code, "%.400s (gave up after %d tries)", msg,
		       S3_TRIES);
}

/* --- listing -------------------------------------------------------------- */

static int
list_url(struct xfer *x, const char *token)
{
	const struct target *t = &x->r->t;
	struct dynbuf b;
	int rc;

	dynbuf_init(&b, URL_MAX - 1);
	/* Parameters in SigV4's canonical (sorted) order, encoded. */
	rc = dynbuf_add(&b, t->base, strlen(t->base));
	if (rc == 0)
		rc = dynbuf_add(&b, t->vhost ? "/?" : "?", t->vhost ? 2 : 1);
	if (rc == 0 && token[0] != '\0') {
		rc = dynbuf_add(&b, "continuation-token=", 19);
		if (rc == 0)
			rc = enc(&b, token, strlen(token), 0);
		if (rc == 0)
			rc = dynbuf_add(&b, "&", 1);
	}
	if (rc == 0)
		rc = dynbuf_add(&b, "list-type=2&prefix=", 19);
	if (rc == 0)
		rc = enc(&b, t->prefix, t->prefix_len, 0);
	if (rc == 0)
		snprintf(x->url, sizeof(x->url), "%s", b.p);
	dynbuf_clear(&b);
	return rc;
}

static int
keep_object(struct run *r, const struct s3xml_page *pg, size_t i,
	    struct walk *w, const struct digest_opts *o, struct err *e)
{
	const char *key = s3xml_key(pg, i), *rel;
	const struct s3xml_object *so = &pg->v[i];
	char shown[SHOWN_MAX];
	struct object *ob;
	size_t rn;

	if (so->key_len > S3_KEY_MAX ||
	    strncmp(key, r->t.prefix, r->t.prefix_len) != 0) {
		text_escape(shown, sizeof(shown), key);
		return err_set(e, EXIT_REJECTED,
			       "%s: the listing holds key %s, outside the "
			       "prefix",
			       r->t.shown, shown);
	}
	rel = key + r->t.prefix_len;
	rn = so->key_len - r->t.prefix_len;
	/* Folder markers: zero-byte keys ending in '/'. */
	if (so->size == 0 && (rn == 0 || rel[rn - 1] == '/'))
		return 0;
	if (dynarr_reserve((void **)&r->obj, &r->capobj, r->nobj + 1,
			   sizeof(*ob), DIGEST_MAX_ENTRIES) != 0)
		return err_set(e, EXIT_REJECTED, "%s: more than %d objects",
			       r->t.shown, DIGEST_MAX_ENTRIES);
	ob = &r->obj[r->nobj++];
	ob->path_off = r->paths.len;
	ob->etag_off = r->paths.len + rn + 1;
	ob->size = so->size;
	if (dynbuf_add(&r->paths, rel, rn + 1) != 0 ||
	    dynbuf_add(&r->paths, so->etag, strlen(so->etag) + 1) != 0)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	return walk_add_listed(w, rel, rn, so->size, o, e);
}

/* One ListObjectsV2 request, tried up to S3_TRIES times. */
static CURLcode
list_request(struct xfer *x)
{
	CURLcode crc = CURLE_OK;
	unsigned attempt;

	for (attempt = 0; attempt < S3_TRIES; attempt++) {
		if (attempt > 0)
			backoff(attempt - 1);
		/* Frees the page or try before, then sets this ceiling. */
		dynbuf_clear(&x->body);
		dynbuf_init(&x->body, S3XML_MAX_BYTES);
		crc = request_setup(x, NULL);
		if (crc == CURLE_OK)
			crc = x->r->api->easy_perform(x->h);
		if (x->nomem || x->overflow || !retryable(crc, x->status))
			break;
	}
	return crc;
}

static int
list_page(struct xfer *x, struct walk *w, const struct digest_opts *o,
	  char *token, struct err *e)
{
	struct s3xml_page pg;
	CURLcode crc;
	size_t i;
	int rc;

	if (list_url(x, token) != 0)
		return err_set(e, EXIT_USAGE, "%s: listing URL too long",
			       x->r->t.shown);
	crc = list_request(x);
	if (x->nomem)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	if (x->overflow)
		return err_set(e, EXIT_REJECTED,
			       "%s: ListObjectsV2: response larger than %zu "
			       "bytes",
			       x->r->t.shown, S3XML_MAX_BYTES);
	if (crc != CURLE_OK || x->status != 200) {
		if (crc != CURLE_OK)
			curl_error(x, crc, "ListObjectsV2", "", e);
		else
			http_error(x, "ListObjectsV2", "", e);
		return retryable(crc, x->status) ? gave_up(e) : -e->code;
	}
	rc = s3xml_parse(&pg, x->body.p ? x->body.p : "", x->body.len,
			 x->r->t.shown, e);
	for (i = 0; rc == 0 && i < pg.n; i++)
		rc = keep_object(x->r, &pg, i, w, o, e);
	if (rc == 0 && pg.truncated && pg.n == 0)
		rc = err_set(e, EXIT_REJECTED,
			     "%s: ListObjectsV2: a truncated page without "
			     "objects",
			     x->r->t.shown);
	if (rc == 0)
		memcpy(token, pg.truncated ? pg.next : "",
		       pg.truncated ? sizeof(pg.next) : 1);
	s3xml_page_clear(&pg);
	return rc;
}

static int
cmp_object(const void *a, const void *b)
{
	return strcmp(((const struct object *)a)->path,
		      ((const struct object *)b)->path);
}

static int
list_all(struct run *r, struct xfer *x, struct walk *w,
	 const struct digest_opts *o, struct err *e)
{
	size_t i;
	int rc = 0;

	r->token[0] = '\0';
	do {
		rc = list_page(x, w, o, r->token, e);
	} while (rc == 0 && r->token[0] != '\0');
	if (rc != 0)
		return rc;
	/* The arena is complete: paths can be pointed at now. */
	for (i = 0; i < r->nobj; i++) {
		r->obj[i].path = r->paths.p + r->obj[i].path_off;
		r->obj[i].etag = r->paths.p + r->obj[i].etag_off;
	}
	qsort(r->obj, r->nobj, sizeof(*r->obj), cmp_object);
	return walk_finish_listed(w, o, e);
}

/* --- objects -------------------------------------------------------------- */

static const struct object *
find_object(const struct run *r, const char *path)
{
	size_t lo = 0, hi = r->nobj, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(path, r->obj[mid].path);
		if (c == 0)
			return &r->obj[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int
object_url(struct xfer *x, const char *path)
{
	const struct target *t = &x->r->t;
	struct dynbuf b;
	int rc;

	dynbuf_init(&b, URL_MAX - 1);
	rc = dynbuf_add(&b, t->base, strlen(t->base));
	if (rc == 0)
		rc = dynbuf_add(&b, "/", 1);
	if (rc == 0)
		rc = enc(&b, t->prefix, t->prefix_len, 1);
	if (rc == 0)
		rc = enc(&b, path, strlen(path), 1);
	if (rc == 0)
		snprintf(x->url, sizeof(x->url), "%s", b.p);
	dynbuf_clear(&b);
	return rc;
}

static int
xfer_start(struct xfer *x, CURLM *multi, size_t k, unsigned tries,
	   struct err *e)
{
	const struct run *r = x->r;
	char range[64], shown[SHOWN_MAX];
	const char *path;
	CURLcode crc;
	int ranged;

	x->unit = k;
	x->tries = tries;
	digest_feed_unit(x->f, k, &x->file, &x->off, &x->len);
	path = digest_manifest_path(r->m, x->file);
	x->ob = find_object(r, path);
	text_escape(shown, sizeof(shown), path);
	if (x->ob == NULL || object_url(x, path) != 0)
		return err_set(e, EXIT_UNDECIDED,
			       "%s%s: cannot name the object", r->t.shown,
			       shown);
	ranged = !(x->off == 0 && x->len == x->ob->size);
	snprintf(range, sizeof(range), "%llu-%llu", x->off,
		 x->off + x->len - 1);
	dynbuf_clear(&x->body); /* the error document of a try before */
	dynbuf_init(&x->body, ERRBODY_MAX);
	if (request_headers(x, x->ob->etag) != 0)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	crc = request_setup(x, ranged ? range : NULL);
	if (crc != CURLE_OK)
		return curl_error(x, crc, "GET", shown, e);
	if (digest_feed_start(x->f, x->slot, k, e) != 0)
		return -EXIT_UNDECIDED;
	if (r->api->multi_add_handle(multi, x->h) != CURLM_OK)
		return err_set(e, EXIT_UNDECIDED, "cannot start a transfer");
	x->active = 1;
	return 0;
}

/* "bytes A-B/TOTAL": TOTAL must be the listed size. */
static int
range_total_ok(const char *cr, unsigned long long size)
{
	const char *slash = strrchr(cr, '/');
	char *end;
	unsigned long long v;

	if (strncmp(cr, "bytes ", 6) != 0 || slash == NULL)
		return 0;
	errno = 0;
	v = strtoull(slash + 1, &end, 10);
	return errno == 0 && *end == '\0' && end != slash + 1 && v == size;
}

static int
xfer_done(struct xfer *x, CURLcode crc, struct err *e)
{
	const char *path = digest_manifest_path(x->r->m, x->file);
	char shown[SHOWN_MAX];
	int ranged = !(x->off == 0 && x->len == x->ob->size);
	int rc;

	x->active = 0;
	text_escape(shown, sizeof(shown), path);
	/* SPEC-STORE-4. 412: If-Match failed; 416: the object shrank below
	 * the range. */
	if (x->overflow || x->status == 412 || x->status == 416 ||
	    (ok_status(x->status) && crc == CURLE_OK &&
	     (strcmp(x->etag, x->ob->etag) != 0 ||
	      (ranged &&
	       (x->status != 206 || !range_total_ok(x->crange, x->ob->size))))))
		return err_set(e, EXIT_UNDECIDED,
			       "%s%s: changed while being read (ETag or "
			       "length differs from the listing)",
			       x->r->t.shown, shown);
	if (crc != CURLE_OK || !ok_status(x->status)) {
		if (retryable(crc, x->status) && x->tries + 1 < S3_TRIES)
			return XFER_AGAIN;
		if (crc != CURLE_OK)
			curl_error(x, crc, "GET", shown, e);
		else
			http_error(x, "GET", shown, e);
		return retryable(crc, x->status) ? gave_up(e) : -e->code;
	}
	rc = digest_feed_end(x->f, x->slot, e);
	if (rc != 0)
		return err_set(e, EXIT_UNDECIDED,
			       "%s%s: changed while being read (shorter than "
			       "listed)",
			       x->r->t.shown, shown);
	return 0;
}

static int
on_done(struct xfer *xs, unsigned n, CURLM *multi, CURLMsg *msg, int *active,
	struct err *e)
{
	unsigned i;
	int rc;

	for (i = 0; i < n; i++)
		if (xs[i].active && xs[i].h == msg->easy_handle)
			break;
	if (i == n)
		return 0;
	xs[i].r->api->multi_remove_handle(multi, xs[i].h);
	(*active)--;
	rc = xfer_done(&xs[i], msg->data.result, e);
	if (rc == XFER_AGAIN) {
		backoff(xs[i].tries);
		rc = xfer_start(&xs[i], multi, xs[i].unit, xs[i].tries + 1, e);
		*active += rc == 0;
	}
	return rc;
}

static int
fetch_loop(struct xfer *xs, unsigned n, CURLM *multi, struct err *e)
{
	const struct curl_api *api = xs[0].r->api;
	size_t next = 0, units = digest_feed_units(xs[0].f);
	int active = 0, running, left, rc = 0;
	CURLMsg *msg;
	unsigned i;

	while (rc == 0 && (next < units || active > 0)) {
		for (i = 0; rc == 0 && i < n && next < units; i++)
			if (!xs[i].active) {
				rc = xfer_start(&xs[i], multi, next++, 0, e);
				active += rc == 0;
			}
		if (rc != 0)
			break;
		if (api->multi_perform(multi, &running) != CURLM_OK)
			return err_set(e, EXIT_UNDECIDED,
				       "libcurl multi interface failed");
		while (rc == 0 && (msg = api->multi_info_read(multi, &left)))
			if (msg->msg == CURLMSG_DONE)
				rc = on_done(xs, n, multi, msg, &active, e);
		if (rc == 0 && active > 0 &&
		    api->multi_poll(multi, NULL, 0, POLL_MS, NULL) != CURLM_OK)
			return err_set(e, EXIT_UNDECIDED,
				       "libcurl multi interface failed");
	}
	return rc;
}

static void
xfers_free(struct xfer *xs, unsigned n, CURLM *multi)
{
	unsigned i;

	for (i = 0; xs != NULL && i < n; i++) {
		if (xs[i].h == NULL)
			continue;
		if (xs[i].active && multi != NULL)
			xs[i].r->api->multi_remove_handle(multi, xs[i].h);
		xs[i].r->api->easy_cleanup(xs[i].h);
		xs[i].r->api->slist_free_all(xs[i].hdrs);
		dynbuf_clear(&xs[i].body);
	}
	free(xs);
}

static int
xfers_new(struct xfer **out, unsigned n, struct run *r, struct digest_feed *f,
	  struct err *e)
{
	struct xfer *xs = calloc(n, sizeof(*xs));
	unsigned i;

	*out = xs;
	if (xs == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < n; i++) {
		xs[i].r = r;
		xs[i].f = f;
		xs[i].slot = i;
		dynbuf_init(&xs[i].body, ERRBODY_MAX);
		xs[i].h = r->api->easy_init();
		if (xs[i].h == NULL)
			return err_set(e, EXIT_UNDECIDED,
				       "cannot initialise libcurl");
	}
	return 0;
}

static int
fetch_all(struct run *r, struct digest_manifest *m, struct err *e)
{
	unsigned n = r->c->inflight ? r->c->inflight : S3_INFLIGHT_DEFAULT;
	struct digest_feed *f = NULL;
	struct xfer *xs = NULL;
	CURLM *multi = NULL;
	int rc;

	if (n > S3_INFLIGHT_MAX)
		n = S3_INFLIGHT_MAX;
	r->m = m;
	if ((rc = digest_feed_new(&f, m, n, e)) != 0)
		return rc;
	if (digest_feed_units(f) == 0)
		goto out;
	if (digest_feed_units(f) < n)
		n = (unsigned)digest_feed_units(f);
	multi = r->api->multi_init();
	if (multi == NULL) {
		rc = err_set(e, EXIT_UNDECIDED, "cannot initialise libcurl");
		goto out;
	}
	if ((rc = xfers_new(&xs, n, r, f, e)) == 0)
		rc = fetch_loop(xs, n, multi, e);
out:
	xfers_free(xs, n, multi);
	if (multi != NULL)
		r->api->multi_cleanup(multi);
	digest_feed_free(f);
	return rc;
}

int
s3_tree(struct digest_manifest **out, const char *url,
	const struct digest_opts *o, struct err *e)
{
	struct digest_manifest *m = NULL;
	struct walk w = WALK_INIT;
	struct xfer lister;
	struct run r;
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	memset(&lister, 0, sizeof(lister));
	if (o == NULL || o->s3 == NULL)
		return err_set(e, EXIT_USAGE,
			       "%s: object store URLs need credentials", url);
	r.c = o->s3;
	if ((rc = parse_target(&r.t, url, r.c, e)) != 0)
		return rc;
	r.api = curlapi_get(e);
	if (r.api == NULL)
		return -EXIT_UNDECIDED;
	w.root = r.t.shown;
	lister.r = &r;
	lister.h = r.api->easy_init();
	if (lister.h == NULL || request_headers(&lister, NULL) != 0) {
		rc = err_set(e, EXIT_UNDECIDED, "cannot initialise libcurl");
		goto out;
	}
	dynbuf_init(&r.paths,
		    (size_t)DIGEST_MAX_ENTRIES * (DIGEST_MAX_PATH + 1));
	rc = list_all(&r, &lister, &w, o, e);
	if (rc == 0)
		rc = digest_listed(&m, &w, o, e);
	if (rc == 0)
		rc = fetch_all(&r, m, e);
	if (rc == 0) {
		*out = m;
		m = NULL;
	}
out:
	if (lister.h != NULL)
		r.api->easy_cleanup(lister.h);
	r.api->slist_free_all(lister.hdrs);
	dynbuf_clear(&lister.body);
	digest_manifest_free(m);
	walk_clear(&w);
	free(r.obj);
	dynbuf_clear(&r.paths);
	return rc;
}
