/*
 * lib/http on a stand-in libcurl: every security option is checked and a
 * refused one fails the request before anything is sent; the bitmask
 * protocol options are used where the string ones are unknown (libcurl
 * before 7.85) and nothing else is accepted; redirects are checked like
 * the first URL and Authorization goes only to the first origin.
 */
#include <check.h>
#include <stdarg.h>
#include <string.h>

#include "lib/curlapi.h"
#include "lib/http.h"
#include "tests/unit/testutil.h"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#define MAX_REFUSED 4
#define MAX_HOPS 8

/* What the stand-in refuses, records and answers; reset by each test. */
static struct {
	const struct curl_api *real;
	CURLoption refused[MAX_REFUSED];
	int fake_net;		    /* perform answers from the script */
	long status[MAX_HOPS];	    /* per perform */
	const char *next[MAX_HOPS]; /* CURLINFO_REDIRECT_URL per perform */
	int performs;
	long protocols, redir_protocols;
	int auth_sent[MAX_HOPS];
	const struct curl_slist *hdrs;
} st;

static struct curl_api api;

static int
refused(CURLoption opt)
{
	int i;

	for (i = 0; i < MAX_REFUSED; i++)
		if (st.refused[i] == opt)
			return 1;
	return 0;
}

static CURLcode
fake_setopt(CURL *c, CURLoption opt, ...)
{
	va_list ap;
	long l = 0;
	void *p = NULL;
	curl_off_t o = 0;

	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		l = va_arg(ap, long);
	else if (opt < CURLOPTTYPE_OFF_T)
		p = va_arg(ap, void *);
	else
		o = va_arg(ap, curl_off_t);
	va_end(ap);
	if (refused(opt))
		return CURLE_UNKNOWN_OPTION;
	if (opt == CURLOPT_PROTOCOLS)
		st.protocols = l;
	if (opt == CURLOPT_REDIR_PROTOCOLS)
		st.redir_protocols = l;
	if (opt == CURLOPT_HTTPHEADER)
		st.hdrs = p;
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		return st.real->easy_setopt(c, opt, l);
	if (opt < CURLOPTTYPE_OFF_T)
		return st.real->easy_setopt(c, opt, p);
	return st.real->easy_setopt(c, opt, o);
}

static CURLcode
fake_perform(CURL *c)
{
	const struct curl_slist *h;
	int n = st.performs++;

	for (h = st.hdrs; h != NULL && n < MAX_HOPS; h = h->next)
		if (strncmp(h->data, "Authorization:", 14) == 0)
			st.auth_sent[n] = 1;
	return st.fake_net ? CURLE_OK : st.real->easy_perform(c);
}

static CURLcode
fake_getinfo(CURL *c, CURLINFO info, ...)
{
	int n = st.performs - 1;
	va_list ap;
	void *out;

	va_start(ap, info);
	out = va_arg(ap, void *);
	va_end(ap);
	if (!st.fake_net)
		return st.real->easy_getinfo(c, info, out);
	if (info == CURLINFO_RESPONSE_CODE)
		*(long *)out = n >= 0 && n < MAX_HOPS ? st.status[n] : 0;
	else if (info == CURLINFO_REDIRECT_URL)
		*(const char **)out =
		    n >= 0 && n < MAX_HOPS ? st.next[n] : NULL;
	else
		return CURLE_UNKNOWN_OPTION;
	return CURLE_OK;
}

static void
stand_in(void)
{
	struct err e = ERR_INIT;

	memset(&st, 0, sizeof(st));
	st.real = curlapi_get(&e);
	ck_assert_msg(st.real != NULL, "%s", e.msg);
	api = *st.real;
	api.easy_setopt = fake_setopt;
	api.easy_perform = fake_perform;
	api.easy_getinfo = fake_getinfo;
}

static int
get(int plain, const char *url, const char *auth, int follow, struct err *e)
{
	struct http_req req = {"GET", url,  NULL, NULL,	 NULL,
			       0,     4096, auth, follow};
	struct http_resp r;
	struct http *h = NULL;
	int rc;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(http_new_with(&h, &api, plain, e), 0);
	rc = http_do(&r, h, &req, e);
	http_resp_clear(&r);
	http_free(h);
	return rc;
}

/* A security option libcurl refuses: the request fails, nothing sent. */
static const CURLoption security_rows[] = {
    CURLOPT_URL,
    CURLOPT_SSL_VERIFYPEER,
    CURLOPT_SSL_VERIFYHOST,
    CURLOPT_DISALLOW_USERNAME_IN_URL,
    CURLOPT_UNRESTRICTED_AUTH,
    CURLOPT_FOLLOWLOCATION,
    CURLOPT_NOPROXY,
    CURLOPT_MAXFILESIZE_LARGE,
    CURLOPT_TIMEOUT,
    CURLOPT_CONNECTTIMEOUT,
    CURLOPT_HTTPHEADER,
    CURLOPT_WRITEFUNCTION,
};

START_TEST(test_option_refused)
{
	struct err e = ERR_INIT;

	stand_in();
	st.fake_net = 1;
	st.status[0] = 200;
	st.refused[0] = security_rows[_i];
	ck_assert_int_eq(get(1, "http://127.0.0.1:9/x", NULL, 0, &e),
			 -EXIT_UNDECIDED);
	ck_assert_msg(strstr(e.msg, "libcurl refused option") != NULL, "%s",
		      e.msg);
	ck_assert_int_eq(st.performs, 0);
}
END_TEST

/* Its twin: nothing refused, the request is made. */
START_TEST(test_nothing_refused)
{
	struct err e = ERR_INIT;

	stand_in();
	st.fake_net = 1;
	st.status[0] = 200;
	ck_assert_int_eq(get(1, "http://127.0.0.1:9/x", NULL, 0, &e), 0);
	ck_assert_int_eq(st.performs, 1);
	ck_assert_int_eq(st.protocols, 0); /* string options used */
}
END_TEST

/* libcurl before 7.85: the bitmask options, with the same one scheme. */
START_TEST(test_old_libcurl)
{
	struct err e = ERR_INIT;

	stand_in();
	st.fake_net = 1;
	st.status[0] = 200;
	st.refused[0] = CURLOPT_PROTOCOLS_STR;
	st.refused[1] = CURLOPT_REDIR_PROTOCOLS_STR;
	ck_assert_int_eq(get(1, "http://127.0.0.1:9/x", NULL, 0, &e), 0);
	ck_assert_int_eq(st.protocols, CURLPROTO_HTTP);
	ck_assert_int_eq(st.redir_protocols, CURLPROTO_HTTP);
	stand_in();
	st.fake_net = 1;
	st.status[0] = 200;
	st.refused[0] = CURLOPT_PROTOCOLS_STR;
	st.refused[1] = CURLOPT_REDIR_PROTOCOLS_STR;
	ck_assert_int_eq(get(0, "https://127.0.0.1:9/x", NULL, 0, &e), 0);
	ck_assert_int_eq(st.protocols, CURLPROTO_HTTPS);
	ck_assert_int_eq(st.redir_protocols, CURLPROTO_HTTPS);
}
END_TEST

/* Neither the string nor the bitmask option: fail closed. */
START_TEST(test_no_protocol_option)
{
	static const CURLoption pairs[][2] = {
	    {CURLOPT_PROTOCOLS_STR, CURLOPT_PROTOCOLS},
	    {CURLOPT_REDIR_PROTOCOLS_STR, CURLOPT_REDIR_PROTOCOLS}};
	struct err e = ERR_INIT;
	size_t i;

	for (i = 0; i < 2; i++) {
		stand_in();
		st.fake_net = 1;
		st.status[0] = 200;
		st.refused[0] = pairs[i][0];
		st.refused[1] = pairs[i][1];
		ck_assert_int_eq(get(0, "https://127.0.0.1:9/x", NULL, 0, &e),
				 -EXIT_UNDECIDED);
		ck_assert_ptr_nonnull(strstr(e.msg, "libcurl refused option"));
		ck_assert_int_eq(st.performs, 0);
	}
}
END_TEST

/* The real libcurl takes the bitmask options it falls back to: the
 * request is made (and finds nothing listening). */
START_TEST(test_old_libcurl_real)
{
	struct err e = ERR_INIT;

	stand_in();
	st.refused[0] = CURLOPT_PROTOCOLS_STR;
	st.refused[1] = CURLOPT_REDIR_PROTOCOLS_STR;
	ck_assert_int_eq(get(0, "https://127.0.0.1:1/x", NULL, 0, &e),
			 -EXIT_UNDECIDED);
	ck_assert_int_eq(st.protocols, CURLPROTO_HTTPS);
	ck_assert_int_ge(st.performs, 1);
}
END_TEST

struct url_row {
	int plain;
	const char *url;
	const char *why;
};

/* URLs refused before anything is sent (lib/url). */
static const struct url_row url_rows[] = {
    {1, "http://127.0.0.1:1@evil.example/", "user info"},
    {1, "http://[::1]@evil.example/", "user info"},
    {1, "http://evil.example/", "loopback"},
    {0, "http://reg.example/", "expected an https"},
    {0, "https://u:p@reg.example/", "user info"},
    {1, "ftp://127.0.0.1/", "not an http"},
};

START_TEST(test_bad_url)
{
	const struct url_row *r = &url_rows[_i];
	struct err e = ERR_INIT;

	stand_in();
	st.fake_net = 1;
	st.status[0] = 200;
	ck_assert_int_eq(get(r->plain, r->url, NULL, 0, &e), -EXIT_UNDECIDED);
	ck_assert_msg(strstr(e.msg, r->why) != NULL, "%s", e.msg);
	ck_assert_int_eq(st.performs, 0);
}
END_TEST

struct hop_row {
	const char *next; /* where the first answer (307) points */
	int rc;
	int auth_second; /* Authorization sent on the second request */
	const char *why;
};

/* SPEC-OCI-12: a redirect from http://127.0.0.1:5000/v2/x. */
static const struct hop_row hop_rows[] = {
    {"http://127.0.0.1:5000/v2/y", 0, 1, NULL},
    {"http://127.0.0.2:5000/blob", 0, 0, NULL},
    {"http://127.0.0.1:5001/blob", 0, 0, NULL},
    {"http://localhost:5000/blob", 0, 0, NULL},
    {"http://evil.example/blob", -EXIT_UNDECIDED, 0, "loopback"},
    {"http://127.0.0.1:1@evil.example/", -EXIT_UNDECIDED, 0, "user info"},
    {"https://127.0.0.1:5000/blob", -EXIT_UNDECIDED, 0, "expected an http"},
    {NULL, -EXIT_UNDECIDED, 0, "without a usable Location"},
};

START_TEST(test_redirect)
{
	const struct hop_row *r = &hop_rows[_i];
	struct err e = ERR_INIT;
	int rc;

	stand_in();
	st.fake_net = 1;
	st.status[0] = 307;
	st.next[0] = r->next;
	st.status[1] = 200;
	rc = get(1, "http://127.0.0.1:5000/v2/x", "Bearer t0k", 1, &e);
	ck_assert_msg(rc == r->rc, "%s: %d %s", r->next, rc, e.msg);
	ck_assert_int_eq(st.auth_sent[0], 1);
	if (r->rc != 0) {
		ck_assert_msg(strstr(e.msg, r->why) != NULL, "%s", e.msg);
		ck_assert_int_eq(st.performs, 1);
		return;
	}
	ck_assert_int_eq(st.performs, 2);
	ck_assert_int_eq(st.auth_sent[1], r->auth_second);
}
END_TEST

/* Without follow a 307 is the answer; a loop ends at HTTP_MAX_REDIRS. */
START_TEST(test_redirect_limits)
{
	struct err e = ERR_INIT;
	int i;

	stand_in();
	st.fake_net = 1;
	st.status[0] = 307;
	st.next[0] = "http://127.0.0.2/";
	ck_assert_int_eq(get(1, "http://127.0.0.1:5000/", "Basic x", 0, &e), 0);
	ck_assert_int_eq(st.performs, 1);
	stand_in();
	st.fake_net = 1;
	for (i = 0; i < MAX_HOPS; i++) {
		st.status[i] = 302;
		st.next[i] = "http://127.0.0.1:5000/again";
	}
	ck_assert_int_eq(get(1, "http://127.0.0.1:5000/", NULL, 1, &e),
			 -EXIT_UNDECIDED);
	ck_assert_ptr_nonnull(strstr(e.msg, "more than 5 redirects"));
	ck_assert_int_eq(st.performs, HTTP_MAX_REDIRS + 1);
}
END_TEST

static Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_option_refused, 0,
			    sizeof(security_rows) / sizeof(security_rows[0]));
	tcase_add_test(tc, test_nothing_refused);
	tcase_add_test(tc, test_old_libcurl);
	tcase_add_test(tc, test_no_protocol_option);
	tcase_add_test(tc, test_old_libcurl_real);
	tcase_add_loop_test(tc, test_bad_url, 0,
			    sizeof(url_rows) / sizeof(url_rows[0]));
	tcase_add_loop_test(tc, test_redirect, 0,
			    sizeof(hop_rows) / sizeof(hop_rows[0]));
	tcase_add_test(tc, test_redirect_limits);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(http_suite());
}
