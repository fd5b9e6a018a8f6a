/* Predicate revocation/v1: build, validate and look up (see revocation.h). */
#include "predicates/revocation.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/hex.h"
#include "lib/ids.h"
#include "lib/jsonio.h"

#define MAX_DIGEST_ALGS 8
#define MAX_ALG_LEN 32
#define MAX_DIGEST_LEN 128

static int
time_ok(const char *s, time_t *out)
{
	time_t t;

	if (s == NULL || ids_parse_rfc3339(&t, s) != 0)
		return 0;
	if (out != NULL)
		*out = t;
	return 1;
}

static int
hex64(const char *s)
{
	return s != NULL && strlen(s) == 64 && hex_is_valid(s);
}

static int
alg_ok(const char *a)
{
	size_t i, n = strlen(a);

	if (n == 0 || n > MAX_ALG_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)a[i]))
			return 0;
	return 1;
}

/* SPEC-REV-2: a DigestSet of 1 to 8 algorithms, hex values. */
static int
digest_ok(const json_t *d)
{
	const char *alg;
	json_t *v;

	if (!json_is_object(d) || json_object_size(d) == 0 ||
	    json_object_size(d) > MAX_DIGEST_ALGS)
		return 0;
	json_object_foreach((json_t *)d, alg, v)
	{
		const char *s = json_string_value(v);
		if (!alg_ok(alg) || s == NULL || strlen(s) > MAX_DIGEST_LEN ||
		    !hex_is_valid(s))
			return 0;
	}
	return 1;
}

static int
reason_ok(const char *r)
{
	return r != NULL && strlen(r) <= REVOCATION_MAX_REASON;
}

/* "alg:lowercase value" strings of every entry digest and key id. */
static char *
dup_key(const char *alg, const char *v)
{
	size_t a = strlen(alg), n = strlen(v), i;
	char *k = malloc(a + n + 2);

	if (k == NULL)
		return NULL;
	memcpy(k, alg, a);
	k[a] = ':';
	for (i = 0; i < n; i++)
		k[a + 1 + i] = (char)tolower((unsigned char)v[i]);
	k[a + 1 + n] = '\0';
	return k;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* SPEC-REV-2: no digest value or key id appears twice. 1 when unique,
 * 0 on a repeat, -1 out of memory. */
static int
unique(const json_t *entries, const json_t *keys)
{
	size_t n = 0, cap = 0, i;
	char **all;
	const char *alg;
	json_t *ent, *v;
	int rc = 1;

	json_array_foreach(entries, i, ent) cap +=
	    json_object_size(json_object_get(ent, "digest"));
	cap += json_array_size(keys);
	all = calloc(cap + 1, sizeof(*all));
	if (all == NULL)
		return -1;
	json_array_foreach(entries, i, ent)
	{
		json_object_foreach(json_object_get(ent, "digest"), alg, v)
		{
			if ((all[n] = dup_key(alg, json_string_value(v))) ==
			    NULL)
				rc = -1;
			n++;
		}
	}
	json_array_foreach(keys, i, ent)
	{
		if ((all[n] = dup_key("keyid", jsonio_str(ent, "keyid"))) ==
		    NULL)
			rc = -1;
		n++;
	}
	if (rc == 1) {
		qsort(all, n, sizeof(*all), cmp_str);
		for (i = 1; i < n && rc == 1; i++)
			if (strcmp(all[i - 1], all[i]) == 0)
				rc = 0;
	}
	for (i = 0; i < n; i++)
		free(all[i]);
	free(all);
	return rc;
}

static int
check_entry(const json_t *ent, size_t i, const char *src, struct err *e)
{
	json_error_t je;
	const char *reason = NULL, *on = NULL, *name = NULL;
	json_t *digest = NULL;

	if (json_unpack_ex((json_t *)ent, &je, JSON_STRICT,
			   "{s:o, s:s, s:s, s?s}", "digest", &digest, "reason",
			   &reason, "revokedOn", &on, "name", &name) != 0)
		return err_set(e, EXIT_REJECTED,
			       "%s: revocation entries[%zu]: %s", src, i,
			       je.text);
	if (!digest_ok(digest))
		return err_set(
		    e, EXIT_REJECTED,
		    "%s: revocation entries[%zu]: digest must map 1 to "
		    "8 algorithms to hex values",
		    src, i);
	if (!reason_ok(reason) ||
	    (name != NULL && strlen(name) > REVOCATION_MAX_NAME))
		return err_set(
		    e, EXIT_REJECTED,
		    "%s: revocation entries[%zu]: reason or name too "
		    "long",
		    src, i);
	if (!time_ok(on, NULL))
		return err_set(e, EXIT_REJECTED,
			       "%s: revocation entries[%zu]: revokedOn must be "
			       "RFC 3339",
			       src, i);
	return 0;
}

static int
check_key(const json_t *ent, size_t i, const char *src, struct err *e)
{
	json_error_t je;
	const char *kid = NULL, *since = NULL, *reason = NULL, *on = NULL;

	if (json_unpack_ex((json_t *)ent, &je, JSON_STRICT,
			   "{s:s, s:s, s:s, s:s}", "keyid", &kid, "since",
			   &since, "reason", &reason, "revokedOn", &on) != 0)
		return err_set(e, EXIT_REJECTED, "%s: revocation keys[%zu]: %s",
			       src, i, je.text);
	if (!hex64(kid) || !reason_ok(reason) || !time_ok(since, NULL) ||
	    !time_ok(on, NULL))
		return err_set(
		    e, EXIT_REJECTED,
		    "%s: revocation keys[%zu]: needs a 64-hex keyid, "
		    "RFC 3339 since and revokedOn, a reason of at "
		    "most %d bytes",
		    src, i, REVOCATION_MAX_REASON);
	return 0;
}

/* SPEC-REV-1, SPEC-REV-2 */
int
pred_revocation_check(const json_t *pred, const char *src,
		      struct revocation_info *info, struct err *e)
{
	json_error_t je;
	const char *kid = NULL, *iss = NULL, *nu = NULL;
	json_t *entries = NULL, *keys = NULL, *v;
	json_int_t serial = 0;
	time_t ti, tn;
	size_t i;
	int rc, u;

	if (!json_is_object(pred))
		return err_set(e, EXIT_REJECTED, "%s: no revocation predicate",
			       src);
	if (json_unpack_ex((json_t *)pred, &je, JSON_STRICT,
			   "{s:{s:s}, s:I, s:s, s:s, s:o, s:o}", "issuer",
			   "keyid", &kid, "serial", &serial, "issuedOn", &iss,
			   "nextUpdate", &nu, "entries", &entries, "keys",
			   &keys) != 0)
		return err_set(e, EXIT_REJECTED, "%s: revocation list: %s", src,
			       je.text);
	if (!hex64(kid))
		return err_set(e, EXIT_REJECTED,
			       "%s: revocation issuer.keyid must be 64 hex "
			       "digits",
			       src);
	if (serial < 1 || serial > REVOCATION_MAX_SERIAL)
		return err_set(e, EXIT_REJECTED,
			       "%s: revocation serial must be from 1 to 2^53-1",
			       src);
	if (!time_ok(iss, &ti) || !time_ok(nu, &tn) || tn <= ti)
		return err_set(e, EXIT_REJECTED,
			       "%s: revocation issuedOn and nextUpdate must be "
			       "RFC 3339, nextUpdate the later",
			       src);
	if (!json_is_array(entries) || !json_is_array(keys) ||
	    json_array_size(entries) > REVOCATION_MAX_ENTRIES ||
	    json_array_size(keys) > REVOCATION_MAX_KEYS)
		return err_set(
		    e, EXIT_REJECTED,
		    "%s: revocation entries (at most %d) and keys (at "
		    "most %d) must be arrays",
		    src, REVOCATION_MAX_ENTRIES, REVOCATION_MAX_KEYS);
	json_array_foreach(entries, i, v)
	{
		rc = check_entry(v, i, src, e);
		if (rc != 0)
			return rc;
	}
	json_array_foreach(keys, i, v)
	{
		rc = check_key(v, i, src, e);
		if (rc != 0)
			return rc;
	}
	u = unique(entries, keys);
	if (u < 0)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	if (u == 0)
		return err_set(
		    e, EXIT_REJECTED,
		    "%s: revocation list names a digest or key twice", src);
	if (info != NULL) {
		info->serial = (long long)serial;
		info->issued_on = ti;
		info->next_update = tn;
		info->nentries = json_array_size(entries);
		info->nkeys = json_array_size(keys);
	}
	return 0;
}

int
pred_revocation_new(json_t **out, const char *keyid, long long serial,
		    time_t issued_on, time_t next_update, struct err *e)
{
	char iss[RFC3339_LEN + 1], nu[RFC3339_LEN + 1];

	ids_rfc3339(iss, issued_on);
	ids_rfc3339(nu, next_update);
	*out = json_pack("{s:{s:s}, s:I, s:s, s:s, s:[], s:[]}", "issuer",
			 "keyid", keyid, "serial", (json_int_t)serial,
			 "issuedOn", iss, "nextUpdate", nu, "entries", "keys");
	return *out != NULL ? 0 : err_set(e, EXIT_UNDECIDED, "out of memory");
}

/* 1 when a and b give one algorithm the same value (either case). */
static int
shares(const json_t *a, const json_t *b)
{
	const char *alg;
	json_t *v;

	json_object_foreach((json_t *)a, alg, v)
	{
		const char *w = jsonio_str(b, alg);
		if (w != NULL && json_string_value(v) != NULL &&
		    strcasecmp(w, json_string_value(v)) == 0)
			return 1;
	}
	return 0;
}

const json_t *
pred_revocation_find(const json_t *pred, const json_t *digests)
{
	const json_t *entries = json_object_get(pred, "entries");
	size_t i;

	if (!json_is_object(digests))
		return NULL;
	for (i = 0; i < json_array_size(entries); i++) {
		const json_t *ent = json_array_get(entries, i);
		if (shares(json_object_get(ent, "digest"), digests))
			return ent;
	}
	return NULL;
}

const json_t *
pred_revocation_find_key(const json_t *pred, const char *keyid)
{
	const json_t *keys = json_object_get(pred, "keys");
	size_t i;

	for (i = 0; keyid != NULL && i < json_array_size(keys); i++) {
		const char *k = jsonio_str(json_array_get(keys, i), "keyid");
		if (k != NULL && strcasecmp(k, keyid) == 0)
			return json_array_get(keys, i);
	}
	return NULL;
}

int
pred_revocation_add(json_t *pred, const json_t *digest, const char *name,
		    const char *reason, time_t now, struct err *e)
{
	json_t *entries = json_object_get(pred, "entries"), *ent;
	char on[RFC3339_LEN + 1];

	if (!digest_ok(digest))
		return err_set(e, EXIT_USAGE, "not a digest set of hex values");
	if (pred_revocation_find(pred, digest) != NULL)
		return 0;
	if (!reason_ok(reason) ||
	    (name != NULL && strlen(name) > REVOCATION_MAX_NAME))
		return err_set(e, EXIT_USAGE, "--reason: at most %d bytes",
			       REVOCATION_MAX_REASON);
	if (json_array_size(entries) >= REVOCATION_MAX_ENTRIES)
		return err_set(e, EXIT_USAGE,
			       "a revocation list holds at most %d entries",
			       REVOCATION_MAX_ENTRIES);
	ids_rfc3339(on, now);
	ent = json_pack("{s:O, s:s, s:s}", "digest", digest, "reason", reason,
			"revokedOn", on);
	if (ent != NULL && name != NULL &&
	    jsonio_set(ent, "name", json_string(name), e) != 0) {
		json_decref(ent);
		return -e->code;
	}
	return jsonio_append(entries, ent, e);
}

int
pred_revocation_add_key(json_t *pred, const char *keyid, time_t since,
			const char *reason, time_t now, struct err *e)
{
	json_t *keys = json_object_get(pred, "keys");
	char on[RFC3339_LEN + 1], from[RFC3339_LEN + 1];

	if (pred_revocation_find_key(pred, keyid) != NULL)
		return 0;
	if (!reason_ok(reason))
		return err_set(e, EXIT_USAGE, "--reason: at most %d bytes",
			       REVOCATION_MAX_REASON);
	if (json_array_size(keys) >= REVOCATION_MAX_KEYS)
		return err_set(e, EXIT_USAGE,
			       "a revocation list holds at most %d keys",
			       REVOCATION_MAX_KEYS);
	ids_rfc3339(on, now);
	ids_rfc3339(from, since);
	return jsonio_append(keys,
			     json_pack("{s:s, s:s, s:s, s:s}", "keyid", keyid,
				       "since", from, "reason", reason,
				       "revokedOn", on),
			     e);
}

static int
has_value(const json_t *digest, const char *hex)
{
	const char *alg;
	json_t *v;

	json_object_foreach((json_t *)digest, alg, v)
	{
		if (json_string_value(v) != NULL &&
		    strcasecmp(json_string_value(v), hex) == 0)
			return 1;
	}
	return 0;
}

size_t
pred_revocation_remove(json_t *pred, const char *hex)
{
	json_t *entries = json_object_get(pred, "entries");
	json_t *keys = json_object_get(pred, "keys");
	size_t i = 0, n = 0;

	while (i < json_array_size(entries))
		if (has_value(
			json_object_get(json_array_get(entries, i), "digest"),
			hex)) {
			json_array_remove(entries, i);
			n++;
		} else
			i++;
	i = 0;
	while (i < json_array_size(keys))
		if (strcasecmp(
			jsonio_str_or(json_array_get(keys, i), "keyid", ""),
			hex) == 0) {
			json_array_remove(keys, i);
			n++;
		} else
			i++;
	return n;
}
