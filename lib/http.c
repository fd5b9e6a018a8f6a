/* The libcurl wrapper behind registry traffic (see http.h). */
#include "lib/http.h"

#include "lib/dynbuf.h"

#include "lib/curlapi.h"
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
	struct http *h;

	*out = NULL;
	api = curlapi_get(e);
	if (api == NULL)
		return -EXIT_UNDECIDED;
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

static void
setup(struct http *h, const struct http_req *req, struct curl_slist *hdrs,
      struct sink *s)
{
	const char *proto = h->plain ? "http" : "https";
	const struct curl_api *api = h->api;
	CURL *c = h->curl;

	api->easy_reset(c);
	api->easy_setopt(c, CURLOPT_URL, req->url);
	api->easy_setopt(c, CURLOPT_PROTOCOLS_STR, proto);
	api->easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, proto);
	api->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	api->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	api->easy_setopt(c, CURLOPT_CONNECTTIMEOUT, HTTP_CONNECT_TIMEOUT);
	api->easy_setopt(c, CURLOPT_TIMEOUT, HTTP_TOTAL_TIMEOUT);
	api->easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, HTTP_LOW_SPEED_BYTES);
	api->easy_setopt(c, CURLOPT_LOW_SPEED_TIME, HTTP_LOW_SPEED_TIME);
	api->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	api->easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	api->easy_setopt(c, CURLOPT_USERAGENT, "mlattest/" MLATTEST_VERSION);
	api->easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	api->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	api->easy_setopt(c, CURLOPT_WRITEDATA, s);
	api->easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	api->easy_setopt(c, CURLOPT_HEADERDATA, s);
	api->easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max);
	if (h->plain)
		api->easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (req->follow) {
		api->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		api->easy_setopt(c, CURLOPT_MAXREDIRS, HTTP_MAX_REDIRS);
	}
	if (strcmp(req->method, "HEAD") == 0) {
		api->easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (strcmp(req->method, "GET") != 0) {
		api->easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
		api->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)req->len);
		api->easy_setopt(c, CURLOPT_POSTFIELDS,
				 req->body ? req->body : "");
	}
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

static int
once(struct http_resp *out, struct http *h, const struct http_req *req,
     CURLcode *crc, struct err *e)
{
	struct sink s = {out, 0, req->max, 0, 0};
	struct curl_slist *hdrs;
	char url[320];
	int failed;

	http_resp_clear(out);
	hdrs = headers(h->api, req, &failed);
	if (failed) {
		h->api->slist_free_all(hdrs);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	h->errbuf[0] = '\0';
	setup(h, req, hdrs, &s);
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
	h->api->easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &out->status);
	return 0;
}

int
http_do(struct http_resp *out, struct http *h, const struct http_req *req,
	struct err *e)
{
	CURLcode crc = CURLE_OK;
	int attempt, rc = 0;

	memset(out, 0, sizeof(*out));
	for (attempt = 0; attempt < HTTP_TRIES; attempt++) {
		if (attempt > 0)
			backoff(attempt - 1);
		err_clear(e);
		rc = once(out, h, req, &crc, e);
		if (rc != 0 && !transient(crc))
			break;
		if (rc == 0 && out->status != 429 && out->status < 500)
			break;
	}
	if (rc != 0)
		http_resp_clear(out);
	if (rc != 0 && transient(crc)) {
		char msg[ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", e->msg);
		err_set(e, rc < 0 ? -rc : EXIT_UNDECIDED,
			"%.400s (gave up after %d tries)", msg, HTTP_TRIES);
	}
	return rc;
}
