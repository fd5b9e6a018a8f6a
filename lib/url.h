/*
 * URLs as libcurl reads them: every URL this project sends a request to,
 * or decides about, is parsed here with libcurl's URL API, so a check is
 * made on the scheme, host and port libcurl will really connect to
 * (SPEC-OCI-13). Only http and https; never user info.
 */
#ifndef MLATTEST_LIB_URL_H
#define MLATTEST_LIB_URL_H

#include "lib/err.h"

#define URL_MAX 4096
#define URL_HOST_MAX 256

struct url {
	char url[URL_MAX];	 /* libcurl's normal form of the whole URL */
	char host[URL_HOST_MAX]; /* name, dotted IPv4 or [IPv6], as curl
				    connects to it */
	long port;		 /* explicit or the scheme's default */
	int https;		 /* 0: http */
	int loopback;		 /* 127.0.0.0/8, [::1] or localhost */
};

/*
 * Parses s with curl_url_set (no scheme guessing). Refused, EXIT_USAGE
 * naming the problem: longer than URL_MAX - 1, malformed, a scheme other
 * than http or https, user info (user, password or login options), an
 * IPv6 zone id. libcurl missing is EXIT_UNDECIDED.
 */
int url_parse(struct url *out, const char *s, struct err *e);

/*
 * The transport rule for a parsed URL: plain = 0 wants https; plain = 1
 * wants http to a loopback host (decided on the host libcurl connects to).
 * Violations are EXIT_USAGE.
 */
int url_allowed(const struct url *u, int plain, struct err *e);

/*
 * url_parse, then url_allowed.
 */
int url_check(struct url *out, const char *s, int plain, struct err *e);

/* Same scheme, host (ignoring case) and port. */
int url_same_origin(const struct url *a, const struct url *b);

#endif
