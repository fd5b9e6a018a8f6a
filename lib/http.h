/*
 * A small HTTP client on libcurl for registry traffic. TLS with peer and
 * host verification by default; plain http only when the caller asks for
 * it (loopback registries). Fixed timeouts, bounded retries with backoff on
 * connection errors, 429 and 5xx, response bodies under a ceiling, and the
 * few response headers a registry client needs. It knows nothing about
 * registries or auth schemes: callers pass the Authorization value.
 */
#ifndef MLATTEST_LIB_HTTP_H
#define MLATTEST_LIB_HTTP_H

#include <stddef.h>

#include <curl/curl.h>

#include "lib/err.h"
#include "lib/url.h"

#define HTTP_TRIES 3
#define HTTP_BACKOFF_MS 500 /* doubles after each failed try */
#define HTTP_CONNECT_TIMEOUT 10L
#define HTTP_TOTAL_TIMEOUT 60L
#define HTTP_LOW_SPEED_BYTES 1024L /* per second, over ... */
#define HTTP_LOW_SPEED_TIME 20L	   /* ... this many seconds */
#define HTTP_MAX_REDIRS 5L
#define HTTP_HEADER_MAX 2048

struct http;

struct http_req {
	const char *method; /* "GET", "HEAD", "PUT" or "POST" */
	const char *url;
	const char *accept; /* Accept header, NULL for none */
	const char *ctype;  /* Content-Type of body, NULL for none */
	const void *body;   /* PUT and POST; NULL with len 0 for none */
	size_t len;
	size_t max;	  /* ceiling on the response body */
	const char *auth; /* Authorization value, NULL for none */
	int follow;	  /* follow redirects: each target checked like
			     url, Authorization only to url's origin */
};

/* Response headers longer than HTTP_HEADER_MAX - 1 are left empty. */
struct http_resp {
	long status;
	unsigned char *body; /* NUL-terminated (not counted in len) */
	size_t len;
	char ctype[256];		/* Content-Type */
	char digest[128];		/* Docker-Content-Digest */
	char location[HTTP_HEADER_MAX]; /* Location */
	char www_auth[HTTP_HEADER_MAX]; /* WWW-Authenticate */
	int oci_subject;		/* OCI-Subject header present */
	char url[URL_MAX];		/* the URL that answered (after
					   redirects), libcurl's form */
};

/*
 * A new client. plain = 1 allows only http:// to loopback hosts, plain = 0
 * only https:// with verification; every URL, redirect targets included,
 * is checked with url_check (lib/url). Proxies from the environment are
 * used except in plain mode.
 */
int http_new(struct http **out, int plain, struct err *e);

struct curl_api;

/*
 * http_new on the given libcurl entry points (borrowed; they must outlive
 * the client). For tests that stand in for another libcurl.
 */
int http_new_with(struct http **out, const struct curl_api *api, int plain,
		  struct err *e);

/*
 * Performs req, trying up to HTTP_TRIES times on connection errors, 429
 * and 5xx, following at most HTTP_MAX_REDIRS redirects when req->follow.
 * A URL refused by url_check, or a libcurl option that cannot be set, is
 * EXIT_UNDECIDED before anything is sent. Fills *out (cleared first; release
 * with http_resp_clear) with the last response, whatever its status. Fails with
 * EXIT_UNDECIDED when no response arrived (the message names method and URL,
 * never credentials) and EXIT_REJECTED when the body is over req->max.
 */
int http_do(struct http_resp *out, struct http *h, const struct http_req *req,
	    struct err *e);

void http_resp_clear(struct http_resp *r);

/*
 * The transport options every request of this project carries, set on c
 * (SPEC-OCI-12): https only with peer and host verification, or http to
 * loopback only (plain, with no proxy); no user name in URLs, no
 * redirects followed by libcurl, no credentials to another host, the
 * connect and total timeouts, the low-speed limit, no signals, the user
 * agent, and errbuf (CURL_ERROR_SIZE bytes) as the error buffer. The
 * first option libcurl refuses is returned with *bad naming it; the
 * caller must not send the request then.
 */
CURLcode http_easy_base(const struct curl_api *api, CURL *c, int plain,
			char *errbuf, CURLoption *bad);
void http_free(struct http *h);

#endif
