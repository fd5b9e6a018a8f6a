/*
 * libcurl, loaded when the first registry or timestamp request is made.
 * Most runs of attest and verify never touch the network; not linking
 * libcurl (and its many dependencies) saves several milliseconds at every
 * start, which matters for `attest run` wrapped around every job.
 */
#ifndef MLATTEST_LIB_CURLAPI_H
#define MLATTEST_LIB_CURLAPI_H

#include <curl/curl.h>

#include "lib/err.h"

#define CURLAPI_SONAME "libcurl.so.4"

struct curl_api {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *c);
	void (*easy_reset)(CURL *c);
	const char *(*easy_strerror)(CURLcode rc);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	CURLU *(*url)(void);
	void (*url_cleanup)(CURLU *u);
	CURLUcode (*url_set)(CURLU *u, CURLUPart part, const char *s,
			     unsigned int flags);
	CURLUcode (*url_get)(CURLU *u, CURLUPart part, char **out,
			     unsigned int flags);
	void (*free)(void *p);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_add_handle)(CURLM *m, CURL *c);
	CURLMcode (*multi_remove_handle)(CURLM *m, CURL *c);
	CURLMcode (*multi_perform)(CURLM *m, int *running);
	CURLMcode (*multi_poll)(CURLM *m, struct curl_waitfd *extra,
				unsigned int n, int timeout_ms, int *numfds);
	CURLMsg *(*multi_info_read)(CURLM *m, int *left);
	CURLMcode (*multi_cleanup)(CURLM *m);
};

/*
 * The libcurl entry points, loaded once per process (thread-safe). A
 * missing library or symbol is EXIT_UNDECIDED naming it.
 */
const struct curl_api *curlapi_get(struct err *e);

#endif
