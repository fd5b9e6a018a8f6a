/* The libcurl wrapper behind registry traffic (see http.h). */
#include "lib/http.h"

#include "lib/dynbuf.h"

#include "lib/curlapi.h"
#include "lib/url.h"
#include <openssl/crypto.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct http {
	const struct curl_api *api;
	CURL *curl;
	int plain;
	char errbuf[CURL_ERROR_SIZE];
};

/* Per-request state the curl callbacks write into. */
struct sink {
	struct http_resp *resp;
	size_t cap, max;
	int toobig, nomem;
};

static int curl_users;

int
http_new(struct http **out, int plain, struct err *e)
{
	const struct curl_api *api;

	*out = NULL;
	api = curlapi_get(e);
	if (api == NULL)
		return -EXIT_UNDECIDED;
	return http_new_with(out, api, plain, e);
}

int
http_new_with(struct http **out, const struct curl_api *api, int plain,
	      struct err *e)
{
	struct http *h;

	*out = NULL;
	if (curl_users == 0 && api->global_init(CURL_GLOBAL_DEFAULT) != 0)
		return err_set(e, EXIT_UNDECIDED, "cannot initialise libcurl");
	curl_users++;
	h = calloc(1, sizeof(*h));
	if (h != NULL) {
		h->api = api;
		h->curl = api->easy_init();
	}
	if (h == NULL || h->curl == NULL) {
		http_free(h);
		if (h == NULL && --curl_users == 0)
			api->global_cleanup();
		return err_set(e, EXIT_UNDECIDED, "cannot initialise libcurl");
	}
	h->plain = plain;
	*out = h;
	return 0;
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		h->api->easy_cleanup(h->curl);
	if (--curl_users == 0)
		h->api->global_cleanup();
	free(h);
}

void
http_resp_clear(struct http_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	struct http_resp *r = s->resp;

	n *= size;
	if (n > s->max - r->len) {
		s->toobig = 1;
		return 0;
	}
	/* Room for the bytes and a NUL, never past max (checked above). */
	if (dynarr_reserve((void **)&r->body, &s->cap, r->len + n + 1, 1,
			   s->max + 1) != 0) {
		s->nomem = 1;
		return 0;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* Copies the header value (trimmed) into dst, or leaves it empty. */
static void
keep_value(char *dst, size_t cap, const char *v, size_t len)
{
	while (len > 0 && (*v == ' ' || *v == '\t'))
		v++, len--;
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
			   v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	dst[0] = '\0';
	if (len < cap && memchr(v, '\0', len) == NULL) {
		memcpy(dst, v, len);
		dst[len] = '\0';
	}
}

#define KEEP(name, field)                                                      \
	{                                                                      \
		name, offsetof(struct http_resp, field),                       \
		    sizeof(((struct http_resp *)0)->field)                     \
	}
/* The response headers we keep, and where. */
static const struct {
	const char *name;
	size_t off, cap;
} keep[] = {
    KEEP("content-type", ctype),
    KEEP("docker-content-digest", digest),
    KEEP("location", location),
    KEEP("www-authenticate", www_auth),
};
#undef KEEP

static size_t
on_header(char *line, size_t size, size_t n, void *arg)
{
	struct http_resp *r = ((struct sink *)arg)->resp;
	const char *colon;
	size_t i, namelen;

	n *= size;
	/* A new status line (redirect, 100 Continue): forget the old one. */
	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		r->ctype[0] = r->digest[0] = r->location[0] = '\0';
		r->www_auth[0] = '\0';
		r->oci_subject = 0;
		return n;
	}
	colon = memchr(line, ':', n);
	if (colon == NULL)
		return n;
	namelen = (size_t)(colon - line);
	if (namelen == 11 && strncasecmp(line, "oci-subject", 11) == 0)
		r->oci_subject = 1;
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (strlen(keep[i].name) == namelen &&
		    strncasecmp(line, keep[i].name, namelen) == 0)
			keep_value((char *)r + keep[i].off, keep[i].cap,
				   colon + 1, n - namelen - 1);
	return n;
}

/* The URL without its query (upload URLs carry opaque state). */
static void
shown_url(char *out, size_t cap, const char *url)
{
	size_t n = strcspn(url, "?#");

	snprintf(out, cap, "%.*s", (int)(n < 300 ? n : 300), url);
}

static struct curl_slist *
headers(const struct curl_api *api, const struct http_req *req, int *failed)
{
	struct curl_slist *l = NULL, *t;
	char line[HTTP_HEADER_MAX + 64];
	const char *v[3] = {req->accept, req->ctype, req->auth};
	const char *name[3] = {"Accept", "Content-Type", "Authorization"};
	size_t i;

	*failed = 0;
	for (i = 0; i < 3; i++) {
		if (v[i] == NULL)
			continue;
		if ((size_t)snprintf(line, sizeof(line), "%s: %s", name[i],
				     v[i]) >= sizeof(line)) {
			*failed = 1;
			break;
		}
		t = api->slist_append(l, line);
		if (t == NULL) {
			*failed = 1;
			break;
		}
		l = t;
	}
	if (!*failed && req->ctype == NULL && req->body != NULL) {
		t = api->slist_append(l, "Content-Type:");
		*failed = t == NULL;
		l = t ? t : l;
	}
	if (!*failed) {
		t = api->slist_append(l, "Expect:");
		*failed = t == NULL;
		l = t ? t : l;
	}
	OPENSSL_cleanse(line, sizeof(line));
	return l;
}

/* setopt results: the first failure is kept and fails the request. */
struct setter {
	const struct curl_api *api;
	CURL *c;
	CURLcode rc;
	CURLoption bad;
};

static void
note_rc(struct setter *t, CURLoption opt, CURLcode rc)
{
	if (t->rc == CURLE_OK && rc != CURLE_OK) {
		t->rc = rc;
		t->bad = opt;
	}
}

static void
set_long(struct setter *t, CURLoption opt, long v)
{
	if (t->rc == CURLE_OK)
		note_rc(t, opt, t->api->easy_setopt(t->c, opt, v));
}

static void
set_ptr(struct setter *t, CURLoption opt, const void *v)
{
	if (t->rc == CURLE_OK)
		note_rc(t, opt, t->api->easy_setopt(t->c, opt, v));
}

static void
set_off(struct setter *t, CURLoption opt, curl_off_t v)
{
	if (t->rc == CURLE_OK)
		note_rc(t, opt, t->api->easy_setopt(t->c, opt, v));
}

static void
set_fn(struct setter *t, CURLoption opt, curl_write_callback fn)
{
	if (t->rc == CURLE_OK)
		note_rc(t, opt, t->api->easy_setopt(t->c, opt, fn));
}

/*
 * One scheme for requests and redirects: the string options (libcurl
 * 7.85), else the bitmask ones they replace. Anything else fails closed.
 */
static void
set_protocols(struct setter *t, int plain)
{
	CURLoption str[2] = {CURLOPT_PROTOCOLS_STR,
			     CURLOPT_REDIR_PROTOCOLS_STR};
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	CURLoption mask[2] = {CURLOPT_PROTOCOLS, CURLOPT_REDIR_PROTOCOLS};
#pragma GCC diagnostic pop
	long bits = plain ? CURLPROTO_HTTP : CURLPROTO_HTTPS;
	CURLcode rc;
	int i;

	for (i = 0; i < 2 && t->rc == CURLE_OK; i++) {
		rc =
		    t->api->easy_setopt(t->c, str[i], plain ? "http" : "https");
		if (rc == CURLE_UNKNOWN_OPTION)
			rc = t->api->easy_setopt(t->c, mask[i], bits);
		note_rc(t, str[i], rc);
	}
}

CURLcode
http_easy_base(const struct curl_api *api, CURL *c, int plain, char *errbuf,
	       CURLoption *bad)
{
	struct setter t = {api, c, CURLE_OK, CURLOPT_URL};

	set_ptr(&t, CURLOPT_ERRORBUFFER, errbuf);
	set_protocols(&t, plain);
	set_long(&t, CURLOPT_DISALLOW_USERNAME_IN_URL, 1L);
	set_long(&t, CURLOPT_FOLLOWLOCATION, 0L); /* callers follow */
	set_long(&t, CURLOPT_UNRESTRICTED_AUTH, 0L);
	set_long(&t, CURLOPT_SSL_VERIFYPEER, 1L);
	set_long(&t, CURLOPT_SSL_VERIFYHOST, 2L);
	set_long(&t, CURLOPT_CONNECTTIMEOUT, HTTP_CONNECT_TIMEOUT);
	set_long(&t, CURLOPT_TIMEOUT, HTTP_TOTAL_TIMEOUT);
	set_long(&t, CURLOPT_LOW_SPEED_LIMIT, HTTP_LOW_SPEED_BYTES);
	set_long(&t, CURLOPT_LOW_SPEED_TIME, HTTP_LOW_SPEED_TIME);
	set_long(&t, CURLOPT_NOSIGNAL, 1L);
	set_ptr(&t, CURLOPT_USERAGENT, "mlattest/" MLATTEST_VERSION);
	if (plain)
		set_ptr(&t, CURLOPT_NOPROXY, "*");
	*bad = t.bad;
	return t.rc;
}

/* SPEC-OCI-12, SPEC-TSA-3: every option is checked; one refused is an
 * error, never a request made without it. */
static CURLcode
setup(struct http *h, const char *url, const struct http_req *req,
      struct curl_slist *hdrs, struct sink *s)
{
	struct setter t = {h->api, h->curl, CURLE_OK, CURLOPT_URL};

	h->api->easy_reset(h->curl);
	t.rc = http_easy_base(h->api, h->curl, h->plain, h->errbuf, &t.bad);
	set_ptr(&t, CURLOPT_URL, url);
	set_ptr(&t, CURLOPT_HTTPHEADER, hdrs);
	set_fn(&t, CURLOPT_WRITEFUNCTION, on_body);
	set_ptr(&t, CURLOPT_WRITEDATA, s);
	set_fn(&t, CURLOPT_HEADERFUNCTION, on_header);
	set_ptr(&t, CURLOPT_HEADERDATA, s);
	set_off(&t, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max);
	if (strcmp(req->method, "HEAD") == 0) {
		set_long(&t, CURLOPT_NOBODY, 1L);
	} else if (strcmp(req->method, "GET") != 0) {
		set_ptr(&t, CURLOPT_CUSTOMREQUEST, req->method);
		set_off(&t, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->len);
		set_ptr(&t, CURLOPT_POSTFIELDS, req->body ? req->body : "");
	}
	if (t.rc != CURLE_OK)
		snprintf(h->errbuf, sizeof(h->errbuf),
			 "libcurl refused option %d: %s", (int)t.bad,
			 h->api->easy_strerror(t.rc));
	return t.rc;
}

static int
transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
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
backoff(int attempt)
{
	long ms = (long)HTTP_BACKOFF_MS << attempt;
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Copies libcurl's absolute redirect target, or leaves next empty. */
static void
redirect_target(struct http *h, char *next, size_t cap)
{
	char *v = NULL;

	next[0] = '\0';
	if (h->api->easy_getinfo(h->curl, CURLINFO_REDIRECT_URL, &v) ==
		CURLE_OK &&
	    v != NULL && strlen(v) < cap)
		memcpy(next, v, strlen(v) + 1);
}

static int
once(struct http_resp *out, struct http *h, const struct http_req *req,
     CURLcode *crc, char *next, size_t nextcap, struct err *e)
{
	struct sink s = {out, 0, req->max, 0, 0};
	struct curl_slist *hdrs;
	char url[320];
	int failed;

	http_resp_clear(out);
	next[0] = '\0';
	hdrs = headers(h->api, req, &failed);
	if (failed) {
		h->api->slist_free_all(hdrs);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	h->errbuf[0] = '\0';
	*crc = setup(h, req->url, req, hdrs, &s);
	if (*crc == CURLE_OK)
		*crc = h->api->easy_perform(h->curl);
	h->api->easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	h->api->slist_free_all(hdrs);
	shown_url(url, sizeof(url), req->url);
	if (s.nomem)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	if (s.toobig || *crc == CURLE_FILESIZE_EXCEEDED)
		return err_set(e, EXIT_REJECTED,
			       "%s %s: response larger than %zu bytes",
			       req->method, url, req->max);
	if (*crc != CURLE_OK)
		return err_set(e, EXIT_UNDECIDED, "%s %s: %s", req->method, url,
			       h->errbuf[0] ? h->errbuf
					    : h->api->easy_strerror(*crc));
	if (h->api->easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE,
				 &out->status) != CURLE_OK)
		return err_set(e, EXIT_UNDECIDED, "%s %s: no HTTP status",
			       req->method, url);
	redirect_target(h, next, nextcap);
	return 0;
}

/* One URL, retried on connection errors, 429 and 5xx. */
static int
tries(struct http_resp *out, struct http *h, const struct http_req *req,
      char *next, size_t nextcap, struct err *e)
{
	CURLcode crc = CURLE_OK;
	int attempt, rc = 0;

	for (attempt = 0; attempt < HTTP_TRIES; attempt++) {
		if (attempt > 0)
			backoff(attempt - 1);
		err_clear(e);
		rc = once(out, h, req, &crc, next, nextcap, e);
		if (rc != 0 && !transient(crc))
			break;
		if (rc == 0 && out->status != 429 && out->status < 500)
			break;
	}
	if (rc != 0 && transient(crc)) {
		char msg[ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", e->msg);
		err_set(e, rc < 0 ? -rc : EXIT_UNDECIDED,
			"%.400s (gave up after %d tries)", msg, HTTP_TRIES);
	}
	return rc;
}

static int
is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 ||
	       status == 307 || status == 308;
}

/* A URL we are about to request: the client's scheme, loopback in plain
 * mode, no user info (lib/url). */
static int
url_for(struct url *out, const struct http *h, const char *method,
	const char *what, const char *url, struct err *e)
{
	char shown[320];

	if (url_check(out, url, h->plain, e) == 0)
		return 0;
	shown_url(shown, sizeof(shown), url);
	e->code = EXIT_UNDECIDED;
	return err_prefix(e, "%s %s%s", method, what, shown);
}

/*
 * SPEC-OCI-12: redirects are followed here, not by libcurl, so each
 * target is checked like the first URL, and Authorization goes only to
 * the origin the caller named.
 */
int
http_do(struct http_resp *out, struct http *h, const struct http_req *req,
	struct err *e)
{
	struct http_req hop = *req;
	struct url first, cur;
	char next[URL_MAX];
	int n, rc;

	memset(out, 0, sizeof(*out));
	rc = url_for(&first, h, req->method, "", req->url, e);
	cur = first;
	for (n = 0; rc == 0; n++) {
		hop.url = cur.url;
		hop.auth = url_same_origin(&cur, &first) ? req->auth : NULL;
		rc = tries(out, h, &hop, next, sizeof(next), e);
		if (rc != 0 || !req->follow || !is_redirect(out->status))
			break;
		if (n == HTTP_MAX_REDIRS) {
			rc = err_set(e, EXIT_UNDECIDED,
				     "%s: more than %ld redirects", req->method,
				     HTTP_MAX_REDIRS);
			break;
		}
		if (next[0] == '\0') {
			rc = err_set(e, EXIT_UNDECIDED,
				     "%s: redirect without a usable Location",
				     req->method);
			break;
		}
		rc = url_for(&cur, h, req->method, "redirect to ", next, e);
	}
	if (rc != 0) {
		http_resp_clear(out);
		return rc;
	}
	snprintf(out->url, sizeof(out->url), "%s", cur.url);
	return 0;
}
