/*
 * OCI references (SPEC-OCI-1, see oci.h): registry host, repository,
 * tag or digest.
 */
#include "lib/oci_int.h"

/* ---- references (SPEC-OCI-1) ---- */

int
oci_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
oci_is_lower_alnum(int c)
{
	return oci_is_digit(c) || (c >= 'a' && c <= 'z');
}

int
oci_is_alnum(int c)
{
	return oci_is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
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
		if (!oci_is_digit(s[i]))
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
		if (!oci_is_alnum(s[i]) && s[i] != '-')
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
			if (!oci_is_alnum(s[i]) && s[i] != ':' && s[i] != '.')
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
		for (run = 0; oci_is_lower_alnum(s[i]); i++)
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
		if (!oci_is_digit(at[8 + i]) &&
		    (at[8 + i] < 'a' || at[8 + i] > 'f'))
			return err_set(e, EXIT_USAGE,
				       "image reference: the digest must be "
				       "64 lowercase hex digits");
	memcpy(out->host, s, hostlen);
	memcpy(out->repo, slash + 1, repolen);
	memcpy(out->hex, at + 8, SHA256_HEX_LEN);
	return 0;
}
