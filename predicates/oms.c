/*
 * OMS v1.0 signatures (spec/predicates/oms.md): building the Statement
 * from a digest manifest and checking a signed one, with the root
 * recomputed in the spec's order and in model_signing's.
 */
#include "predicates/oms.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "predicates/types.h"
#include "lib/statement.h"

struct oms_res {
	const char *name; /* borrowed from the statement */
	size_t plen;	  /* bytes of the path part */
	unsigned long long start, end;
	unsigned char digest[32];
};

struct oms_signed {
	json_t *st; /* a reference keeping the names alive */
	struct oms_res *res;
	size_t n;
	struct oms_serialization ser;
	const char **ignore;
	enum digest_order order;
};

static int
utf8_ok(const unsigned char *p)
{
	size_t i, n;
	unsigned c;

	while (*p) {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			n = 1, c = *p & 0x1f;
		else if ((*p & 0xf0) == 0xe0)
			n = 2, c = *p & 0x0f;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			n = 3, c = *p & 0x07;
		else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (p[i] & 0x3f);
		}
		if ((n == 2 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
		    (n == 3 && (c < 0x10000 || c > 0x10ffff)) ||
		    (c >= 0x80 && c < 0xa0))
			return 0;
		p += n + 1;
	}
	return 1;
}

int
oms_path_check(const char *p, const char *what, struct err *e)
{
	const char *c = p, *slash;
	size_t len;

	/* SPEC-OMS-4 */
	if (p == NULL || *p == '\0' || strlen(p) > DIGEST_MAX_PATH)
		return err_set(e, EXIT_REJECTED, "%s: empty or too long path",
			       what);
	if (!utf8_ok((const unsigned char *)p))
		return err_set(e, EXIT_REJECTED,
			       "%s: path is not UTF-8 or has control "
			       "characters",
			       what);
	if (*p == '/')
		return err_set(e, EXIT_REJECTED, "%s: absolute path", what);
	for (;;) {
		slash = strchr(c, '/');
		len = slash ? (size_t)(slash - c) : strlen(c);
		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return err_set(e, EXIT_REJECTED,
				       "%s: path has an empty, \".\" or \"..\" "
				       "component",
				       what);
		if (slash == NULL)
			return 0;
		c = slash + 1;
	}
}

size_t
oms_name_path_len(const char *name, int shards)
{
	const char *a, *b;

	if (!shards)
		return strlen(name);
	b = strrchr(name, ':');
	if (b == NULL)
		return strlen(name);
	for (a = b; a > name && a[-1] != ':'; a--)
		;
	return a > name ? (size_t)(a - 1 - name) : strlen(name);
}

/* ---- building ---- */

struct build {
	json_t *arr;
	int single_file, shards;
	size_t n;
};

static int
add_resource(void *arg, const char *name, const unsigned char digest[32])
{
	struct build *b = arg;
	char hex[65], shown[DIGEST_MAX_PATH + 64];
	json_t *r;

	if (b->single_file) {
		/* model_signing names a single-file model "." */
		snprintf(shown, sizeof(shown), ".%s",
			 name + oms_name_path_len(name, b->shards));
		name = shown;
	}
	hex_encode(hex, digest, 32);
	r = json_pack("{s:s, s:s, s:s}", "name", name, "algorithm", "sha256",
		      "digest", hex);
	if (jsonio_append(b->arr, r, NULL) != 0)
		return -EXIT_UNDECIDED;
	b->n++;
	return 0;
}

int
oms_statement_new(json_t **out, const char *name,
		  const struct digest_manifest *m, int single_file,
		  const struct oms_serialization *s, struct err *e)
{
	struct build b = {NULL, single_file, s->shard_size != 0, 0};
	json_t *ser = NULL, *ign = NULL, *st = NULL;
	unsigned char root[32];
	char hex[65];
	size_t i;
	int rc;

	*out = NULL;
	b.arr = json_array();
	ign = json_array();
	if (b.arr == NULL || ign == NULL) {
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	for (i = 0; i < s->n_ignore; i++)
		if (jsonio_append(ign, json_string(s->ignore[i]), NULL) != 0) {
			rc = err_set(e, EXIT_UNDECIDED, "out of memory");
			goto out;
		}
	/* SPEC-OMS-2: model_signing's order, so its verifier accepts it. */
	rc =
	    digest_manifest_oms_each(m, DIGEST_ORDER_PATH, add_resource, &b, e);
	if (rc == -EXIT_UNDECIDED && e->code == 0)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	if (rc == 0 && b.n == 0)
		rc = err_set(e, EXIT_REJECTED,
			     "nothing to sign: the model has no files");
	if (rc == 0)
		rc = digest_manifest_oms_root(root, m, DIGEST_ORDER_PATH, e);
	if (rc != 0)
		goto out;
	hex_encode(hex, root, 32);
	ser =
	    json_pack("{s:s, s:s, s:b, s:O}", "method",
		      s->shard_size ? "shards" : "files", "hash_type", "sha256",
		      "allow_symlinks", s->allow_symlinks, "ignore_paths", ign);
	if (ser != NULL && s->shard_size &&
	    jsonio_set(ser, "shard_size",
		       json_integer((json_int_t)s->shard_size), NULL) != 0) {
		json_decref(ser);
		ser = NULL;
	}
	if (ser == NULL) {
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	st = json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:{s:O, s:O}}", "_type",
		       STATEMENT_V1, "subject", "name", name, "digest",
		       "sha256", hex, "predicateType", OMS_PREDICATE_TYPE,
		       "predicate", "resources", b.arr, "serialization", ser);
	if (st == NULL)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	*out = st;
out:
	json_decref(ser);
	json_decref(ign);
	json_decref(b.arr);
	return rc;
}

/* ---- checking ---- */

int
oms_bundle_check(const json_t *bundle, const char *src, struct err *e)
{
	const json_t *vm = json_object_get(bundle, "verificationMaterial");
	const json_t *pk = json_object_get(vm, "publicKey");

	if (!json_is_object(vm))
		return err_set(e, EXIT_REJECTED,
			       "%s: bundle has no verificationMaterial", src);
	if (json_object_get(bundle, "dsseEnvelope") == NULL)
		return err_set(e, EXIT_REJECTED,
			       "%s: bundle has no dsseEnvelope", src);
	if (pk == NULL) {
		/* SPEC-OMS-6: certificate bundles need a transparency log. */
		if (json_array_size(json_object_get(vm, "tlogEntries")) == 0)
			return err_set(e, EXIT_REJECTED,
				       "%s: certificate bundle with no "
				       "tlogEntries",
				       src);
		return err_set(e, EXIT_REJECTED,
			       "%s: certificate bundles are not supported; "
			       "only the key method (publicKey) is",
			       src);
	}
	/* SPEC-OMS-6: hint or the legacy rawBytes; neither is trusted. */
	if (!json_is_object(pk) || (jsonio_str(pk, "hint") == NULL &&
				    jsonio_str(pk, "rawBytes") == NULL))
		return err_set(e, EXIT_REJECTED,
			       "%s: publicKey has neither hint nor rawBytes",
			       src);
	return 0;
}

/* model_signing's order: PurePosixPath parts ("/" sorts below every other
 * byte, a prefix first), then shard start and end as numbers. */
static int
cmp_path_order(const void *pa, const void *pb)
{
	const struct oms_res *a = pa, *b = pb;
	size_t i;
	int ca, cb;

	for (i = 0;; i++) {
		ca = i < a->plen
			 ? (a->name[i] == '/' ? 1
					      : (unsigned char)a->name[i] + 1)
			 : 0;
		cb = i < b->plen
			 ? (b->name[i] == '/' ? 1
					      : (unsigned char)b->name[i] + 1)
			 : 0;
		if (ca != cb)
			return ca < cb ? -1 : 1;
		if (ca == 0)
			break;
	}
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	return 0;
}

static int
cmp_name(const void *pa, const void *pb)
{
	const struct oms_res *a = pa, *b = pb;

	return strcmp(a->name, b->name);
}

/* A decimal without sign or leading zeros. */
static int
parse_offset(unsigned long long *out, const char *s, size_t len)
{
	unsigned long long v = 0;
	size_t i;

	if (len == 0 || len > 19 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
check_name(struct oms_res *r, int shards, size_t n, const char *src,
	   struct err *e)
{
	char path[DIGEST_MAX_PATH + 1], what[300];
	const char *b;
	size_t alen;

	snprintf(what, sizeof(what), "%s: resource", src);
	r->plen = oms_name_path_len(r->name, shards);
	if (shards) {
		/* SPEC-OMS-5: "path:start:end", split at the last two colons */
		if (r->plen == strlen(r->name))
			return err_set(e, EXIT_REJECTED,
				       "%s: shard name is not path:start:end",
				       what);
		b = strrchr(r->name, ':');
		alen = (size_t)(b - (r->name + r->plen + 1));
		if (parse_offset(&r->start, r->name + r->plen + 1, alen) != 0 ||
		    parse_offset(&r->end, b + 1, strlen(b + 1)) != 0 ||
		    r->end <= r->start)
			return err_set(e, EXIT_REJECTED,
				       "%s: bad shard offsets", what);
	}
	if (r->plen > DIGEST_MAX_PATH)
		return err_set(e, EXIT_REJECTED, "%s: path too long", what);
	memcpy(path, r->name, r->plen);
	path[r->plen] = '\0';
	/* A single-file model is named "." (model_signing). */
	if (strcmp(path, ".") == 0 && (n == 1 || shards))
		return 0;
	return oms_path_check(path, what, e);
}

static int
root_of(unsigned char out[32], const struct oms_res *res, size_t n,
	struct err *e)
{
	unsigned char *cat = malloc(n * 32);
	size_t i;
	int rc;

	if (cat == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < n; i++)
		memcpy(cat + 32 * i, res[i].digest, 32);
	rc = hash_sha256(out, cat, n * 32, e);
	free(cat);
	return rc;
}

static int
parse_serialization(struct oms_signed *s, const json_t *ser, const char *src,
		    struct err *e)
{
	json_t *v[5];
	json_error_t je;
	const char *method = jsonio_str(ser, "method");
	const char *ht = jsonio_str(ser, "hash_type");
	const json_t *as = json_object_get(ser, "allow_symlinks");
	const json_t *ign = json_object_get(ser, "ignore_paths");
	const json_t *ss = json_object_get(ser, "shard_size");
	char what[300];
	size_t i;
	int rc;

	if (!json_is_object(ser))
		return err_set(e, EXIT_REJECTED, "%s: no serialization", src);
	rc = json_unpack_ex((json_t *)ser, &je, JSON_STRICT,
			    "{s?o, s?o, s?o, s?o, s?o}", "method", &v[0],
			    "hash_type", &v[1], "allow_symlinks", &v[2],
			    "ignore_paths", &v[3], "shard_size", &v[4]) == 0
		 ? 0
		 : pred_unpack_fail(&je, src, e);
	if (rc != 0)
		return rc;
	if (ht == NULL || strcmp(ht, "sha256") != 0)
		return err_set(e, EXIT_REJECTED,
			       "%s: hash_type must be sha256 (blake2b and "
			       "blake3 are not supported)",
			       src);
	if (as != NULL && !json_is_boolean(as))
		return err_set(e, EXIT_REJECTED,
			       "%s: allow_symlinks is not a boolean", src);
	s->ser.allow_symlinks = json_is_true(as);
	if (method != NULL && strcmp(method, "files") == 0 && ss == NULL) {
		s->ser.shard_size = 0;
	} else if (method != NULL && strcmp(method, "shards") == 0) {
		if (!json_is_integer(ss) || json_integer_value(ss) < 1 ||
		    (unsigned long long)json_integer_value(ss) >
			OMS_MAX_SHARD_SIZE)
			return err_set(
			    e, EXIT_REJECTED,
			    "%s: shards need a shard_size in 1..2^62", src);
		s->ser.shard_size = (unsigned long long)json_integer_value(ss);
	} else {
		return err_set(e, EXIT_REJECTED,
			       "%s: method must be files or shards (with "
			       "shard_size only for shards)",
			       src);
	}
	if (ign != NULL &&
	    (!json_is_array(ign) || json_array_size(ign) > OMS_MAX_IGNORE))
		return err_set(e, EXIT_REJECTED, "%s: bad ignore_paths", src);
	s->ignore = calloc(json_array_size(ign) + 1, sizeof(char *));
	if (s->ignore == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	snprintf(what, sizeof(what), "%s: ignore_paths", src);
	for (i = 0; i < json_array_size(ign); i++) {
		s->ignore[i] = json_string_value(json_array_get(ign, i));
		rc = oms_path_check(s->ignore[i], what, e);
		if (rc != 0)
			return rc;
	}
	s->ser.ignore = s->ignore;
	s->ser.n_ignore = json_array_size(ign);
	return 0;
}

static int
parse_resources(struct oms_signed *s, const json_t *arr, const char *src,
		struct err *e)
{
	json_t *v[3];
	json_error_t je;
	const json_t *r;
	const char *d, *alg;
	size_t i;
	int rc;

	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > OMS_MAX_RESOURCES)
		return err_set(e, EXIT_REJECTED,
			       "%s: resources must be a non-empty array", src);
	s->n = json_array_size(arr);
	s->res = calloc(s->n, sizeof(*s->res));
	if (s->res == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	json_array_foreach(arr, i, r)
	{
		if (!json_is_object(r))
			return err_set(e, EXIT_REJECTED,
				       "%s: resource %zu is not an object", src,
				       i);
		rc = json_unpack_ex((json_t *)r, &je, JSON_STRICT,
				    "{s?o, s?o, s?o}", "name", &v[0],
				    "algorithm", &v[1], "digest", &v[2]) == 0
			 ? 0
			 : pred_unpack_fail(&je, src, e);
		if (rc != 0)
			return rc;
		s->res[i].name = jsonio_str(r, "name");
		alg = jsonio_str(r, "algorithm");
		d = jsonio_str(r, "digest");
		if (s->res[i].name == NULL)
			return err_set(e, EXIT_REJECTED,
				       "%s: resource %zu has no name", src, i);
		if (alg == NULL || strcmp(alg, "sha256") != 0)
			return err_set(e, EXIT_REJECTED,
				       "%s: resource %zu: algorithm must be "
				       "sha256",
				       src, i);
		if (d == NULL || strlen(d) != 64 ||
		    hex_decode(s->res[i].digest, 32, d) != 0)
			return err_set(e, EXIT_REJECTED,
				       "%s: resource %zu: digest is not 64 "
				       "hex digits",
				       src, i);
		rc = check_name(&s->res[i], s->ser.shard_size != 0, s->n, src,
				e);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* SPEC-OMS-3: ROOT matches the resources in the spec's order or in
 * model_signing's; remembers which. */
static int
check_root(struct oms_signed *s, const unsigned char want[32], const char *src,
	   struct err *e)
{
	unsigned char got[32];
	size_t i;
	int rc;

	qsort(s->res, s->n, sizeof(*s->res), cmp_path_order);
	rc = root_of(got, s->res, s->n, e);
	if (rc != 0)
		return rc;
	s->order = DIGEST_ORDER_PATH;
	qsort(s->res, s->n, sizeof(*s->res), cmp_name);
	for (i = 1; i < s->n; i++)
		if (strcmp(s->res[i - 1].name, s->res[i].name) == 0)
			return err_set(e, EXIT_REJECTED,
				       "%s: resource name listed twice", src);
	if (memcmp(got, want, 32) == 0)
		return 0;
	rc = root_of(got, s->res, s->n, e);
	if (rc != 0)
		return rc;
	s->order = DIGEST_ORDER_NAME;
	if (memcmp(got, want, 32) == 0)
		return 0;
	return err_set(e, EXIT_REJECTED,
		       "%s: subject digest is not the root of the resources "
		       "in either order",
		       src);
}

int
oms_signed_parse(struct oms_signed **out, const json_t *statement,
		 const char *src, struct err *e)
{
	json_t *v[2];
	json_error_t je;
	const json_t *subj = json_object_get(statement, "subject");
	const json_t *pred = json_object_get(statement, "predicate");
	const json_t *dig;
	const char *pt = jsonio_str(statement, "predicateType");
	const char *rh;
	unsigned char root[32];
	struct oms_signed *s;
	int rc;

	*out = NULL;
	if (pt == NULL || strcmp(pt, OMS_PREDICATE_TYPE) != 0)
		return err_set(e, EXIT_REJECTED, "%s: predicateType is not %s",
			       src, OMS_PREDICATE_TYPE);
	/* SPEC-OMS-1: exactly one subject, digest {sha256: ROOT} */
	dig = json_object_get(json_array_get(subj, 0), "digest");
	rh = jsonio_str(dig, "sha256");
	if (json_array_size(subj) != 1 || json_object_size(dig) != 1 ||
	    rh == NULL || strlen(rh) != 64 || hex_decode(root, 32, rh) != 0)
		return err_set(e, EXIT_REJECTED,
			       "%s: need exactly one subject with a sha256 "
			       "digest only",
			       src);
	if (!json_is_object(pred))
		return err_set(e, EXIT_REJECTED, "%s: no predicate", src);
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	s->st = json_incref((json_t *)statement);
	rc = json_unpack_ex((json_t *)pred, &je, JSON_STRICT, "{s?o, s?o}",
			    "resources", &v[0], "serialization", &v[1]) == 0
		 ? 0
		 : pred_unpack_fail(&je, src, e);
	if (rc == 0)
		rc = parse_serialization(
		    s, json_object_get(pred, "serialization"), src, e);
	if (rc == 0)
		rc = parse_resources(s, json_object_get(pred, "resources"), src,
				     e);
	if (rc == 0)
		rc = check_root(s, root, src, e);
	if (rc != 0) {
		oms_signed_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void
oms_signed_free(struct oms_signed *s)
{
	if (s == NULL)
		return;
	free(s->res);
	free(s->ignore);
	json_decref(s->st);
	free(s);
}

const struct oms_serialization *
oms_signed_serialization(const struct oms_signed *s)
{
	return &s->ser;
}

enum digest_order
oms_signed_order(const struct oms_signed *s)
{
	return s->order;
}

size_t
oms_signed_count(const struct oms_signed *s)
{
	return s->n;
}

const char *
oms_signed_name(const struct oms_signed *s, size_t i)
{
	return s->res[i].name;
}

const unsigned char *
oms_signed_digest(const struct oms_signed *s, size_t i)
{
	return s->res[i].digest;
}

long
oms_signed_find(const struct oms_signed *s, const char *name)
{
	struct oms_res key, *hit;

	memset(&key, 0, sizeof(key));
	key.name = name;
	hit = bsearch(&key, s->res, s->n, sizeof(*s->res), cmp_name);
	return hit ? (long)(hit - s->res) : -1;
}

int
oms_signed_lists_path(const struct oms_signed *s, const char *path, size_t len)
{
	size_t lo = 0, hi = s->n, mid;

	/* The first name not below path; every name starting with path
	 * follows it in bytewise order. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strncmp(s->res[mid].name, path, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->n && strncmp(s->res[lo].name, path, len) == 0; lo++)
		if (s->res[lo].plen == len)
			return 1;
	return 0;
}

int
oms_sig_relative(char *out, size_t cap, const char *model, const char *sig)
{
	char mdir[PATH_MAX], sdir[PATH_MAX], tmp[PATH_MAX];
	const char *base = strrchr(sig, '/');
	struct stat st;
	size_t ml;

	if (stat(model, &st) != 0 || !S_ISDIR(st.st_mode))
		return 0;
	if (base != NULL)
		snprintf(tmp, sizeof(tmp), "%.*s",
			 base == sig ? 1 : (int)(base - sig), sig);
	else
		snprintf(tmp, sizeof(tmp), ".");
	base = base ? base + 1 : sig;
	if (realpath(model, mdir) == NULL || realpath(tmp, sdir) == NULL)
		return -1;
	ml = strlen(mdir);
	if (strcmp(sdir, mdir) == 0)
		return snprintf(out, cap, "%s", base) < (int)cap;
	if (strncmp(sdir, mdir, ml) != 0 || (sdir[ml] != '/' && ml > 1))
		return 0;
	return snprintf(out, cap, "%s/%s", sdir + (ml > 1 ? ml + 1 : 1), base) <
	       (int)cap;
}

void
oms_default_signature(char *out, size_t cap, const char *model)
{
	const char *slash = strrchr(model, '/');
	struct stat sb;

	if (stat(model, &sb) == 0 && S_ISREG(sb.st_mode))
		snprintf(out, cap, "%.*s%s",
			 slash ? (int)(slash - model) + 1 : 0, model,
			 DIGEST_META_SIGNATURE);
	else
		snprintf(out, cap, "%s/%s", model, DIGEST_META_SIGNATURE);
}
