/*
 * The registry client (see oci.h, spec/oci.md): a session per reference,
 * its requests, and the auth flow (WWW-Authenticate challenges, basic
 * credentials, bearer tokens).
 */
#include "lib/oci_int.h"

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
	return oci_is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
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

static void
oci_wipe_free(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void
oci_reg_clear(struct reg *c)
{
	http_free(c->h);
	oci_wipe_free(c->userpass);
	oci_wipe_free(c->authz);
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

int
oci_reg_open(struct reg *c, const char *refstr, const struct oci_opts *o,
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
	oci_wipe_free(c->authz);
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
	oci_wipe_free(b);
	return rc;
}

/* Appends key=percent-encoded(value) to url. */
void
oci_query_param(char *url, size_t cap, const char *key, const char *v)
{
	size_t n = strlen(url);
	const char *sep = strchr(url, '?') ? "&" : "?";

	n +=
	    (size_t)snprintf(url + n, n < cap ? cap - n : 0, "%s%s=", sep, key);
	for (; *v != '\0' && n + 4 < cap; v++) {
		if (oci_is_alnum(*v) || strchr("-._~", *v))
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
		oci_query_param(url, sizeof(url), "service", ch->service);
	if (ch->scope[0] != '\0')
		oci_query_param(url, sizeof(url), "scope", ch->scope);
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
	oci_wipe_free(basic);
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

int
oci_status_err(const struct reg *c, const struct http_resp *r, const char *what,
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
int
oci_reg_do(struct reg *c, struct http_resp *r, struct http_req *req,
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
int
oci_reg_get(struct reg *c, struct http_resp *r, const char *path,
	    const char *accept, size_t max, int follow, int *found,
	    const char *what, struct err *e)
{
	struct http_req req = {"GET", NULL, accept, NULL,  NULL,
			       0,     max,  NULL,   follow};
	int rc = oci_reg_do(c, r, &req, path, e);

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
	rc = oci_status_err(c, r, what, e);
	http_resp_clear(r);
	return rc;
}
