/* URL parsing and checks on libcurl's URL API (see url.h). */
#include "lib/url.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/curlapi.h"

/* Copies part of u into dst; CURLUE_OK, or the CURLUcode. */
static CURLUcode
get_part(const struct curl_api *api, CURLU *u, CURLUPart part, char *dst,
	 size_t cap, unsigned int flags)
{
	char *v = NULL;
	CURLUcode rc = api->url_get(u, part, &v, flags);

	if (rc == CURLUE_OK && strlen(v) >= cap)
		rc = CURLUE_OUT_OF_MEMORY;
	if (rc == CURLUE_OK)
		memcpy(dst, v, strlen(v) + 1);
	api->free(v);
	return rc;
}

/* User, password or login options: any of them is user info. */
static int
has_userinfo(const struct curl_api *api, CURLU *u)
{
	static const struct {
		CURLUPart part;
		CURLUcode none;
	} parts[] = {{CURLUPART_USER, CURLUE_NO_USER},
		     {CURLUPART_PASSWORD, CURLUE_NO_PASSWORD},
		     {CURLUPART_OPTIONS, CURLUE_NO_OPTIONS}};
	char *v;
	size_t i;
	int found = 0;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		v = NULL;
		if (api->url_get(u, parts[i].part, &v, 0) != parts[i].none)
			found = 1;
		api->free(v);
	}
	return found;
}

static int
is_loopback(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;
	char inner[URL_HOST_MAX];
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n < 3 || host[0] != '[' || host[n - 1] != ']')
		return 0;
	memcpy(inner, host + 1, n - 2);
	inner[n - 2] = '\0';
	return inet_pton(AF_INET6, inner, &a6) == 1 &&
	       IN6_IS_ADDR_LOOPBACK(&a6);
}

static int
fill(struct url *out, const struct curl_api *api, CURLU *u, struct err *e)
{
	char scheme[16], port[8], *zone = NULL, *end;
	CURLUcode zrc;

	if (get_part(api, u, CURLUPART_SCHEME, scheme, sizeof(scheme), 0) ||
	    (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0))
		return err_set(e, EXIT_USAGE, "not an http or https URL");
	if (has_userinfo(api, u))
		return err_set(e, EXIT_USAGE,
			       "user info in a URL is not allowed");
	zrc = api->url_get(u, CURLUPART_ZONEID, &zone, 0);
	api->free(zone);
	/* Before 7.65 there is no zone id part (and a "%" in the host then
	 * makes it neither an address nor loopback). */
	if (zrc != CURLUE_NO_ZONEID && zrc != CURLUE_UNKNOWN_PART)
		return err_set(e, EXIT_USAGE,
			       "an IPv6 zone id in a URL is not allowed");
	if (get_part(api, u, CURLUPART_HOST, out->host, sizeof(out->host), 0) ||
	    out->host[0] == '\0' ||
	    get_part(api, u, CURLUPART_PORT, port, sizeof(port),
		     CURLU_DEFAULT_PORT) ||
	    get_part(api, u, CURLUPART_URL, out->url, sizeof(out->url), 0))
		return err_set(e, EXIT_USAGE, "malformed URL");
	out->port = strtol(port, &end, 10);
	if (*end != '\0' || out->port <= 0 || out->port > 65535)
		return err_set(e, EXIT_USAGE, "malformed URL port");
	out->https = scheme[4] == 's';
	out->loopback = is_loopback(out->host);
	return 0;
}

int
url_parse(struct url *out, const char *s, struct err *e)
{
	const struct curl_api *api;
	CURLU *u;
	int rc;

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= URL_MAX)
		return err_set(e, EXIT_USAGE, "URL longer than %d bytes",
			       URL_MAX - 1);
	api = curlapi_get(e);
	if (api == NULL)
		return -EXIT_UNDECIDED;
	u = api->url();
	if (u == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	if (api->url_set(u, CURLUPART_URL, s, 0) != CURLUE_OK)
		rc = err_set(e, EXIT_USAGE, "malformed URL");
	else
		rc = fill(out, api, u, e);
	api->url_cleanup(u);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* SPEC-OCI-13: plain http only to a loopback host libcurl connects to. */
int
url_allowed(const struct url *u, int plain, struct err *e)
{
	if (!plain && !u->https)
		return err_set(e, EXIT_USAGE, "expected an https URL");
	if (plain && u->https)
		return err_set(e, EXIT_USAGE, "expected an http URL");
	if (plain && !u->loopback)
		return err_set(e, EXIT_USAGE,
			       "plain http is only allowed for loopback "
			       "hosts (127.0.0.0/8, localhost, [::1])");
	return 0;
}

int
url_check(struct url *out, const char *s, int plain, struct err *e)
{
	int rc = url_parse(out, s, e);

	return rc != 0 ? rc : url_allowed(out, plain, e);
}

int
url_same_origin(const struct url *a, const struct url *b)
{
	return a->https == b->https && a->port == b->port &&
	       strcasecmp(a->host, b->host) == 0;
}
