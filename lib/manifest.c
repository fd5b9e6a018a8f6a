/*
 * Dataset manifest (see manifest.h): the per-file (or per-shard) digests
 * the engine in digest.c fills, the tree digests derived from them (OMS
 * root, dirHash, shardDirHash), the JSON form, the shard_of merge and the
 * comparison of a signed manifest with a fresh one.
 */
#include "lib/manifest.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dynbuf.h"
#include "lib/fileio.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "lib/manifest_int.h"
#include "lib/text.h"
#include "lib/walk.h"

#define SHOWN_MAX 256
/* "path:start:end" */
#define RES_NAME_MAX (DIGEST_MAX_PATH + 2 * 21 + 1)

static int
cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0)
		return c;
	return (an > bn) - (an < bn);
}

/* model_signing's PurePosixPath order: component by component, which is
 * bytewise order with '/' below every byte a name may hold. */
static int
cmp_components(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i, n = an < bn ? an : bn;
	unsigned ca, cb;

	for (i = 0; i < n; i++) {
		if (a[i] == b[i])
			continue;
		ca = a[i] == '/' ? 0 : (unsigned char)a[i];
		cb = b[i] == '/' ? 0 : (unsigned char)b[i];
		return ca < cb ? -1 : 1;
	}
	return (an > bn) - (an < bn);
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return cmp_bytes(x->path, x->path_len, y->path, y->path_len);
}

/* --- manifest ------------------------------------------------------- */

void
digest_manifest_free(struct digest_manifest *m)
{
	if (m == NULL)
		return;
	free(m->v);
	free(m->names);
	free(m->shards);
	free(m);
}

int
manifest_alloc(struct digest_manifest **out, size_t n, size_t nshards,
	       struct err *e)
{
	struct digest_manifest *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (m == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	m->n = n;
	m->nshards = nshards;
	m->v = calloc(n ? n : 1, sizeof(*m->v));
	m->shards = calloc(nshards ? nshards : 1, sizeof(*m->shards));
	if (m->v == NULL || m->shards == NULL) {
		digest_manifest_free(m);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	*out = m;
	return 0;
}

size_t
digest_manifest_count(const struct digest_manifest *m)
{
	return m->n;
}

const char *
digest_manifest_path(const struct digest_manifest *m, size_t i)
{
	return i < m->n ? m->v[i].path : NULL;
}

unsigned long long
digest_manifest_size(const struct digest_manifest *m, size_t i)
{
	return i < m->n ? m->v[i].size : 0;
}

const unsigned char *
digest_manifest_sha256(const struct digest_manifest *m, size_t i)
{
	return i < m->n && m->shard_size == 0 ? m->v[i].sha : NULL;
}

unsigned long long
digest_manifest_total_bytes(const struct digest_manifest *m)
{
	return m->bytes;
}

unsigned long long
digest_manifest_shard_size(const struct digest_manifest *m)
{
	return m->shard_size;
}

size_t
digest_manifest_shard_count(const struct digest_manifest *m, size_t i)
{
	if (i >= m->n || m->shard_size == 0)
		return 0;
	return (size_t)manifest_shards_of(m->v[i].size, m->shard_size);
}

const unsigned char *
digest_manifest_shard(const struct digest_manifest *m, size_t i, size_t j)
{
	if (j >= digest_manifest_shard_count(m, i))
		return NULL;
	return m->shards[m->v[i].shard0 + j];
}

int
digest_manifest_partial(unsigned *index, unsigned *count,
			const struct digest_manifest *m)
{
	if (!m->partial)
		return 0;
	*index = m->slice_index;
	*count = m->slice_count;
	return 1;
}

/* --- slices ------------------------------------------------------------ */

int
manifest_sha_open(struct manifest_sha *s, struct err *e)
{
	s->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	s->ctx = EVP_MD_CTX_new();
	if (s->md == NULL || s->ctx == NULL ||
	    EVP_DigestInit_ex(s->ctx, s->md, NULL) != 1)
		return err_ossl(e, EXIT_UNDECIDED, "sha256");
	return 0;
}

void
manifest_sha_close(struct manifest_sha *s)
{
	EVP_MD_CTX_free(s->ctx);
	EVP_MD_free(s->md);
}

int
manifest_sha_final(struct manifest_sha *s, unsigned char out[32], struct err *e)
{
	if (EVP_DigestFinal_ex(s->ctx, out, NULL) != 1 ||
	    EVP_DigestInit_ex(s->ctx, s->md, NULL) != 1)
		return err_ossl(e, EXIT_UNDECIDED, "sha256");
	return 0;
}

/* shard_of i/n: the slice of a path is SHA-256(path) as a big-endian
 * 64-bit number mod n, so every node agrees without a shared list. */
int
manifest_slice_of(unsigned *out, struct manifest_sha *s, const char *path,
		  size_t len, unsigned n, struct err *e)
{
	unsigned char d[32];
	uint64_t v = 0;
	int i;

	if (EVP_DigestUpdate(s->ctx, path, len) != 1)
		return err_ossl(e, EXIT_UNDECIDED, "sha256");
	if (manifest_sha_final(s, d, e) != 0)
		return -EXIT_UNDECIDED;
	for (i = 0; i < 8; i++)
		v = v << 8 | d[i];
	*out = (unsigned)(v % n);
	return 0;
}

/* Covers every (path, size) of the whole tree, so a merge can tell that
 * a file is missing from all parts. */
int
manifest_listing_add(struct manifest_sha *s, const char *path, size_t len,
		     uint64_t size, struct err *e)
{
	unsigned char be[9];
	int i;

	be[0] = 0;
	for (i = 0; i < 8; i++)
		be[1 + i] = (unsigned char)(size >> (56 - 8 * i));
	if (EVP_DigestUpdate(s->ctx, path, len) != 1 ||
	    EVP_DigestUpdate(s->ctx, be, sizeof(be)) != 1)
		return err_ossl(e, EXIT_UNDECIDED, "sha256");
	return 0;
}

/* --- tree digests ----------------------------------------------------- */

struct res {
	const struct entry *en;
	uint64_t start, end;
	const unsigned char *digest;
};

static size_t
res_name(char *buf, size_t cap, const struct res *r, int sharded)
{
	int n;

	if (!sharded)
		return (size_t)snprintf(buf, cap, "%s", r->en->path);
	n = snprintf(buf, cap, "%s:%llu:%llu", r->en->path,
		     (unsigned long long)r->start, (unsigned long long)r->end);
	return n < 0 ? 0 : (size_t)n;
}

static int
cmp_res_path(const void *a, const void *b)
{
	const struct res *x = a, *y = b;
	int c = cmp_components(x->en->path, x->en->path_len, y->en->path,
			       y->en->path_len);

	if (c != 0)
		return c;
	return (x->start > y->start) - (x->start < y->start);
}

static int
cmp_res_name(const void *a, const void *b)
{
	char x[RES_NAME_MAX], y[RES_NAME_MAX];
	size_t xn = res_name(x, sizeof(x), a, 1);
	size_t yn = res_name(y, sizeof(y), b, 1);

	return cmp_bytes(x, xn, y, yn);
}

static void
sort_res(struct res *r, size_t n, int (*cmp)(const void *, const void *))
{
	size_t i;

	for (i = 1; i < n; i++)
		if (cmp(&r[i - 1], &r[i]) > 0)
			break;
	if (i < n)
		qsort(r, n, sizeof(*r), cmp);
}

int
digest_manifest_oms_each(const struct digest_manifest *m,
			 enum digest_order order, digest_oms_fn fn, void *arg,
			 struct err *e)
{
	int sharded = m->shard_size != 0, rc = 0;
	size_t i, k = 0, total = sharded ? m->nshards : m->n;
	char name[RES_NAME_MAX];
	uint64_t j, nsh;
	struct res *r;

	if (m->partial)
		return err_set(e, EXIT_USAGE,
			       "partial manifest: merge the parts first");
	r = calloc(total ? total : 1, sizeof(*r));
	if (r == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < m->n; i++) {
		nsh = sharded ? manifest_shards_of(m->v[i].size, m->shard_size)
			      : 1;
		for (j = 0; j < nsh; j++, k++) {
			r[k].en = &m->v[i];
			r[k].start = j * m->shard_size;
			r[k].end = j + 1 < nsh ? r[k].start + m->shard_size
					       : m->v[i].size;
			r[k].digest = sharded ? m->shards[m->v[i].shard0 + j]
					      : m->v[i].sha;
		}
	}
	if (order == DIGEST_ORDER_PATH)
		sort_res(r, total, cmp_res_path);
	else if (sharded)
		sort_res(r, total, cmp_res_name);
	for (k = 0; k < total && rc == 0; k++) {
		res_name(name, sizeof(name), &r[k], sharded);
		rc = fn(arg, name, r[k].digest);
	}
	free(r);
	return rc;
}

static int
root_add(void *arg, const char *name, const unsigned char digest[32])
{
	(void)name;
	return EVP_DigestUpdate(arg, digest, 32) == 1 ? 0 : -EXIT_UNDECIDED;
}

int
digest_manifest_oms_root(unsigned char out[32], const struct digest_manifest *m,
			 enum digest_order order, struct err *e)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		rc = err_ossl(e, EXIT_UNDECIDED, "sha256");
		goto out;
	}
	rc = digest_manifest_oms_each(m, order, root_add, ctx, e);
	if (rc == -EXIT_UNDECIDED && (e == NULL || e->code == 0))
		rc = err_ossl(e, EXIT_UNDECIDED, "sha256");
	if (rc == 0 && EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		rc = err_ossl(e, EXIT_UNDECIDED, "sha256");
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
digest_manifest_dirhash(unsigned char out[32], const struct digest_manifest *m,
			struct err *e)
{
	char hex[SHA256_HEX_LEN + 1];
	EVP_MD_CTX *ctx = NULL;
	int ok = 1, rc = 0;
	size_t i;

	if (m->partial || m->shard_size != 0)
		return err_set(e, EXIT_USAGE,
			       "dirHash needs the whole-file "
			       "digests of a full manifest (not shards or a "
			       "partial manifest)");
	ctx = EVP_MD_CTX_new();
	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	for (i = 0; ok && i < m->n; i++) {
		hex_encode(hex, m->v[i].sha, 32);
		ok = EVP_DigestUpdate(ctx, hex, SHA256_HEX_LEN) == 1 &&
		     EVP_DigestUpdate(ctx, "  ", 2) == 1 &&
		     EVP_DigestUpdate(ctx, m->v[i].path, m->v[i].path_len) ==
			 1 &&
		     EVP_DigestUpdate(ctx, "\n", 1) == 1;
	}
	if (!ok || EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		rc = err_ossl(e, EXIT_UNDECIDED, "sha256");
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* SPEC-DIG-5: one line per file binds its path, size and every shard. */
static int
shard_line(EVP_MD_CTX *ctx, const struct digest_manifest *m, size_t i)
{
	char hex[SHA256_HEX_LEN + 1], num[32];
	size_t j, nsh = digest_manifest_shard_count(m, i);
	int n = snprintf(num, sizeof(num), "%llu ",
			 (unsigned long long)m->v[i].size);
	int ok = EVP_DigestUpdate(ctx, num, (size_t)n) == 1;

	for (j = 0; ok && j < nsh; j++) {
		hex_encode(hex, m->shards[m->v[i].shard0 + j], 32);
		ok = (j == 0 || EVP_DigestUpdate(ctx, ",", 1) == 1) &&
		     EVP_DigestUpdate(ctx, hex, SHA256_HEX_LEN) == 1;
	}
	return ok && EVP_DigestUpdate(ctx, "  ", 2) == 1 &&
	       EVP_DigestUpdate(ctx, m->v[i].path, m->v[i].path_len) == 1 &&
	       EVP_DigestUpdate(ctx, "\n", 1) == 1;
}

int
digest_manifest_shard_dirhash(unsigned char out[32],
			      const struct digest_manifest *m, struct err *e)
{
	EVP_MD_CTX *ctx = NULL;
	char head[48];
	int ok, n, rc = 0;
	size_t i;

	if (m->partial || m->shard_size == 0)
		return err_set(e, EXIT_USAGE,
			       "shardDirHash needs the shards of a full "
			       "manifest (not whole-file digests or a partial "
			       "manifest)");
	n = snprintf(head, sizeof(head), "shards %llu\n",
		     (unsigned long long)m->shard_size);
	ctx = EVP_MD_CTX_new();
	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, head, (size_t)n) == 1;
	for (i = 0; ok && i < m->n; i++)
		ok = shard_line(ctx, m, i);
	if (!ok || EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		rc = err_ossl(e, EXIT_UNDECIDED, "sha256");
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* --- JSON ------------------------------------------------------------- */

/* jansson's output callback: appends to the dynbuf arg. */
static int
to_dynbuf(const char *s, size_t n, void *arg)
{
	return dynbuf_add(arg, s, n);
}

/* Dumps v onto b with the fixed flags, in one pass of jansson's encoder
 * (json_dumpb would need two: one to size the output, one to write it). */
static int
out_json(struct dynbuf *b, const json_t *v)
{
	return json_dump_callback(v, to_dynbuf, b, JSONIO_FLAGS);
}

static json_t *
json_hex(const unsigned char d[32])
{
	char hex[SHA256_HEX_LEN + 1];

	hex_encode(hex, d, 32);
	return json_string(hex);
}

static json_t *
head_json(const struct digest_manifest *m)
{
	json_t *h = json_pack("{s:i, s:s}", "version", 1, "method",
			      m->shard_size ? "shards" : "files");

	if (h != NULL && m->shard_size &&
	    jsonio_set(h, "shard_size", json_integer((json_int_t)m->shard_size),
		       NULL) != 0)
		goto fail;
	if (h != NULL && m->partial &&
	    jsonio_set(h, "partial",
		       json_pack("{s:I, s:I, s:o, s:I, s:I}", "count",
				 (json_int_t)m->slice_count, "index",
				 (json_int_t)m->slice_index, "listing_sha256",
				 json_hex(m->listing), "tree_bytes",
				 (json_int_t)m->tree_bytes, "tree_files",
				 (json_int_t)m->tree_files),
		       NULL) != 0)
		goto fail;
	return h;
fail:
	json_decref(h);
	return NULL;
}

static json_t *
file_json(const struct digest_manifest *m, size_t i)
{
	const struct entry *en = &m->v[i];
	json_t *f, *arr = NULL;
	size_t j, nsh;

	f = json_pack("{s:s%, s:I}", "path", en->path, (size_t)en->path_len,
		      "size", (json_int_t)en->size);
	if (f == NULL)
		return NULL;
	if (m->shard_size == 0) {
		if (jsonio_set(f, "sha256", json_hex(en->sha), NULL) != 0)
			goto fail;
		return f;
	}
	arr = json_array();
	nsh = digest_manifest_shard_count(m, i);
	for (j = 0; arr != NULL && j < nsh; j++)
		if (jsonio_append(arr, json_hex(m->shards[en->shard0 + j]),
				  NULL) != 0)
			goto fail;
	if (jsonio_set(f, "shards", arr, NULL) != 0) {
		arr = NULL;
		goto fail;
	}
	return f;
fail:
	json_decref(arr);
	json_decref(f);
	return NULL;
}

/*
 * Every value is serialised by jansson; only the array punctuation around
 * the files is written here, so a manifest of millions of files is never
 * held as a jansson tree (hundreds of bytes per file).
 */
int
digest_manifest_to_json(char **out, size_t *len,
			const struct digest_manifest *m, struct err *e)
{
	struct dynbuf b;
	json_t *v = NULL;
	size_t i;
	int rc = 0;

	*out = NULL;
	*len = 0;
	/* Never write a manifest the reader would refuse. */
	dynbuf_init(&b, DIGEST_MAX_MANIFEST_BYTES);
	v = head_json(m);
	if (v == NULL || out_json(&b, v) != 0 || b.len < 2) {
		rc = err_set(e, EXIT_UNDECIDED, "cannot serialise manifest");
		goto out;
	}
	b.len--; /* the head's closing brace */
	if (dynbuf_add(&b, ",\"files\":[", 10) != 0) {
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	for (i = 0; i < m->n; i++) {
		json_decref(v);
		v = file_json(m, i);
		if (v == NULL || (i > 0 && dynbuf_add(&b, ",", 1) != 0) ||
		    out_json(&b, v) != 0) {
			rc = err_set(e, EXIT_UNDECIDED,
				     "cannot serialise manifest");
			goto out;
		}
	}
	if (dynbuf_add(&b, "]}\n", 3) != 0) {
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	*out = b.p;
	*len = b.len;
	b.p = NULL;
out:
	json_decref(v);
	free(b.p);
	return rc;
}

static int
hex32(unsigned char out[32], const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != SHA256_HEX_LEN)
		return -1;
	for (i = 0; i < SHA256_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	return hex_decode(out, 32, s);
}

struct parsed {
	const char *path;
	size_t path_len;
	json_int_t size;
	const char *sha;
	json_t *shards;
	size_t nshards;
};

static int
parse_file(struct parsed *f, json_t *el, uint64_t shard_size,
	   const struct parsed *prev, size_t i, const char *src, struct err *e)
{
	char shown[SHOWN_MAX];
	unsigned char d[32];
	json_error_t je;
	size_t j;

	memset(f, 0, sizeof(*f));
	if (json_unpack_ex(el, &je, JSON_STRICT, "{s:s%, s:I, s?:s, s?:o}",
			   "path", &f->path, &f->path_len, "size", &f->size,
			   "sha256", &f->sha, "shards", &f->shards) != 0)
		return err_set(e, EXIT_REJECTED, "%s: files[%zu]: %s", src, i,
			       je.text);
	if (!walk_path_ok(f->path, f->path_len)) {
		text_escape(shown, sizeof(shown), f->path);
		return err_set(e, EXIT_REJECTED,
			       "%s: files[%zu]: bad path %s "
			       "(absolute, empty, '.', '..', control "
			       "characters or not UTF-8)",
			       src, i, shown);
	}
	if (prev != NULL &&
	    cmp_bytes(prev->path, prev->path_len, f->path, f->path_len) >= 0)
		return err_set(e, EXIT_REJECTED,
			       "%s: files[%zu]: paths not "
			       "in strictly increasing bytewise order",
			       src, i);
	if (f->size < 0)
		return err_set(e, EXIT_REJECTED,
			       "%s: files[%zu]: negative "
			       "size",
			       src, i);
	if (shard_size == 0) {
		if (f->shards != NULL || hex32(d, f->sha) != 0)
			return err_set(e, EXIT_REJECTED,
				       "%s: files[%zu]: needs "
				       "\"sha256\" as 64 lowercase hex digits "
				       "and no \"shards\"",
				       src, i);
		return 0;
	}
	f->nshards = (size_t)manifest_shards_of((uint64_t)f->size, shard_size);
	if (f->sha != NULL || !json_is_array(f->shards) ||
	    json_array_size(f->shards) != f->nshards)
		return err_set(e, EXIT_REJECTED,
			       "%s: files[%zu]: needs "
			       "\"shards\" with one digest per %llu bytes and "
			       "no \"sha256\"",
			       src, i, (unsigned long long)shard_size);
	for (j = 0; j < f->nshards; j++)
		if (hex32(d, json_string_value(json_array_get(f->shards, j))) !=
		    0)
			return err_set(e, EXIT_REJECTED,
				       "%s: files[%zu]: "
				       "shards[%zu] is not 64 lowercase hex "
				       "digits",
				       src, i, j);
	return 0;
}

static int
parse_partial(struct digest_manifest *m, json_t *p, const char *src,
	      struct err *e)
{
	json_int_t count, index, tbytes, tfiles;
	const char *listing;
	json_error_t je;

	if (json_unpack_ex(p, &je, JSON_STRICT, "{s:I, s:I, s:s, s:I, s:I}",
			   "count", &count, "index", &index, "listing_sha256",
			   &listing, "tree_bytes", &tbytes, "tree_files",
			   &tfiles) != 0)
		return err_set(e, EXIT_REJECTED, "%s: partial: %s", src,
			       je.text);
	if (count < 1 || count > DIGEST_MAX_SLICES || index < 0 ||
	    index >= count || tbytes < 0 || tfiles < (json_int_t)m->n ||
	    tfiles > DIGEST_MAX_ENTRIES || hex32(m->listing, listing) != 0)
		return err_set(e, EXIT_REJECTED, "%s: partial: bad values",
			       src);
	m->partial = 1;
	m->slice_count = (unsigned)count;
	m->slice_index = (unsigned)index;
	m->tree_bytes = (uint64_t)tbytes;
	m->tree_files = (uint64_t)tfiles;
	return 0;
}

/* Fills m from the files array already checked by parse_file. */
static int
fill_files(struct digest_manifest *m, json_t *files, size_t names_len,
	   struct err *e)
{
	struct parsed f;
	size_t i, j, off = 0, sh = 0;

	m->names = malloc(names_len ? names_len : 1);
	if (m->names == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < m->n; i++) {
		parse_file(&f, json_array_get(files, i), m->shard_size, NULL, i,
			   "", NULL);
		memcpy(m->names + off, f.path, f.path_len + 1);
		m->v[i].path = m->names + off;
		m->v[i].path_len = (uint32_t)f.path_len;
		m->v[i].size = (uint64_t)f.size;
		m->v[i].shard0 = sh;
		m->bytes += (uint64_t)f.size;
		off += f.path_len + 1;
		if (m->shard_size == 0)
			hex32(m->v[i].sha, f.sha);
		for (j = 0; j < f.nshards; j++, sh++)
			hex32(m->shards[sh],
			      json_string_value(json_array_get(f.shards, j)));
	}
	return 0;
}

int
digest_manifest_from_json(struct digest_manifest **out, const char *buf,
			  size_t len, const char *src, struct err *e)
{
	json_t *root = NULL, *files = NULL, *partial = NULL;
	struct digest_manifest *m = NULL;
	struct parsed f, prev;
	json_int_t shard_size = 0, version;
	size_t i, n, names_len = 0, nshards = 0;
	const char *method;
	json_error_t je;
	int rc;

	*out = NULL;
	if ((rc = jsonio_load_object(&root, buf, len, src, e)) != 0)
		return rc;
	if (json_unpack_ex(root, &je, JSON_STRICT,
			   "{s:I, s:s, s?:I, s?:o, s:o}", "version", &version,
			   "method", &method, "shard_size", &shard_size,
			   "partial", &partial, "files", &files) != 0) {
		rc = err_set(e, EXIT_REJECTED, "%s: %s", src, je.text);
		goto out;
	}
	if (version != 1 || !json_is_array(files) ||
	    json_array_size(files) > DIGEST_MAX_ENTRIES ||
	    (strcmp(method, "files") == 0) ==
		(json_object_get(root, "shard_size") != NULL) ||
	    (strcmp(method, "files") != 0 && strcmp(method, "shards") != 0) ||
	    shard_size < 0 || (uint64_t)shard_size > (1ULL << 62) ||
	    (strcmp(method, "shards") == 0 && shard_size == 0)) {
		rc = err_set(e, EXIT_REJECTED,
			     "%s: not a version 1 manifest "
			     "(version, method, shard_size or files)",
			     src);
		goto out;
	}
	n = json_array_size(files);
	for (i = 0; i < n; i++) {
		rc = parse_file(&f, json_array_get(files, i),
				(uint64_t)shard_size, i ? &prev : NULL, i, src,
				e);
		if (rc != 0)
			goto out;
		names_len += f.path_len + 1;
		nshards += f.nshards;
		if (nshards > DIGEST_MAX_SHARDS) {
			rc = err_set(e, EXIT_REJECTED,
				     "%s: more than %d "
				     "shards",
				     src, DIGEST_MAX_SHARDS);
			goto out;
		}
		prev = f;
	}
	if ((rc = manifest_alloc(&m, n, nshards, e)) != 0)
		goto out;
	m->shard_size = (uint64_t)shard_size;
	if ((partial != NULL &&
	     (rc = parse_partial(m, partial, src, e)) != 0) ||
	    (rc = fill_files(m, files, names_len, e)) != 0)
		goto out;
	*out = m;
	m = NULL;
out:
	digest_manifest_free(m);
	json_decref(root);
	return rc;
}

int
digest_manifest_load(struct digest_manifest **out, const char *path,
		     struct err *e)
{
	unsigned char *buf = NULL;
	char shown[SHOWN_MAX];
	size_t len = 0;
	int rc;

	*out = NULL;
	text_escape(shown, sizeof(shown), path);
	rc = file_read(&buf, &len, path, DIGEST_MAX_MANIFEST_BYTES, e);
	if (rc == 0)
		rc = digest_manifest_from_json(out, (const char *)buf, len,
					       shown, e);
	if (rc == 0)
		text_escape((*out)->source, sizeof((*out)->source), path);
	free(buf);
	return rc;
}

/* --- merge ------------------------------------------------------------ */

/* Names the slices that were given and those that were not, from 1. */
static int
missing_slices(const unsigned char *seen, size_t n, struct err *e)
{
	char have[200] = "", miss[200] = "", opt[200] = "";
	size_t i, nh = 0, nm = 0, lh = 0, lm = 0, lo = 0;

	for (i = 0; i < n; i++) {
		if (seen[i] && lh < sizeof(have)) {
			lh +=
			    (size_t)snprintf(have + lh, sizeof(have) - lh,
					     "%s%zu", nh++ ? ", " : "", i + 1);
		} else if (!seen[i] && lm < sizeof(miss) && lo < sizeof(opt)) {
			lm += (size_t)snprintf(miss + lm, sizeof(miss) - lm,
					       "%s%zu/%zu", nm ? ", " : "",
					       i + 1, n);
			lo += (size_t)snprintf(opt + lo, sizeof(opt) - lo,
					       "%s%zu/%zu", nm++ ? ", " : "", i,
					       n);
		}
	}
	return err_set(e, EXIT_REJECTED,
		       "have slices %s of %zu; missing slice%s %s (hashed with "
		       "--shard-of %s)",
		       have, n, nm > 1 ? "s" : "", miss, opt);
}

/* A part as the user named it: its file, else its place in the list. */
static const char *
part_name(char *buf, size_t cap, const struct digest_manifest *p, size_t i)
{
	if (p->source[0] != '\0')
		return p->source;
	(void)snprintf(buf, cap, "part %zu", i + 1);
	return buf;
}

/* SPEC-SCALE-3: every part is a slice of one tree, each slice once. */
static int
merge_part_check(const struct digest_manifest *const *parts, size_t i,
		 size_t *seen, struct err *e)
{
	const struct digest_manifest *p = parts[i], *p0 = parts[0];
	char a[32], b[32];
	const char *name = part_name(a, sizeof(a), p, i);

	if (!p->partial)
		return err_set(e, EXIT_REJECTED,
			       "%s is not a slice (made without --shard-of)",
			       name);
	if (p->slice_count != p0->slice_count)
		return err_set(e, EXIT_REJECTED,
			       "%s is slice %u/%u; %s is of %u slices", name,
			       p->slice_index + 1, p->slice_count,
			       part_name(b, sizeof(b), p0, 0), p0->slice_count);
	if (p->shard_size != p0->shard_size ||
	    p->tree_files != p0->tree_files ||
	    p->tree_bytes != p0->tree_bytes ||
	    memcmp(p->listing, p0->listing, 32) != 0)
		return err_set(e, EXIT_REJECTED,
			       "%s is of another tree or method than %s", name,
			       part_name(b, sizeof(b), p0, 0));
	if (seen[p->slice_index] != 0)
		return err_set(
		    e, EXIT_REJECTED,
		    "%s and %s are both slice %u/%u (hashed with --shard-of "
		    "%u/%u)",
		    part_name(b, sizeof(b), parts[seen[p->slice_index] - 1],
			      seen[p->slice_index] - 1),
		    name, p->slice_index + 1, p->slice_count, p->slice_index,
		    p->slice_count);
	seen[p->slice_index] = i + 1;
	return 0;
}

static int
merge_check(const struct digest_manifest *const *parts, size_t n, size_t *total,
	    size_t *nshards, size_t *names_len, struct err *e)
{
	const struct digest_manifest *p0 = parts[0];
	size_t want = p0->partial ? p0->slice_count : 1;
	size_t *seen = calloc(want, sizeof(*seen));
	unsigned char *have = calloc(want, 1);
	size_t i, j, got = 0;
	int rc = 0;

	if (seen == NULL || have == NULL)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < n && rc == 0; i++) {
		rc = merge_part_check(parts, i, seen, e);
		if (rc != 0)
			break;
		have[parts[i]->slice_index] = 1;
		got++;
		*total += parts[i]->n;
		*nshards += parts[i]->nshards;
		for (j = 0; j < parts[i]->n; j++)
			*names_len += parts[i]->v[j].path_len + 1;
	}
	if (rc == 0 && got < want)
		rc = missing_slices(have, want, e);
	/* want distinct slices of want: every slice is there exactly once. */
	if (rc == 0 && *total != p0->tree_files)
		rc = err_set(e, EXIT_REJECTED,
			     "the parts hold %zu files, the "
			     "tree %llu",
			     *total, (unsigned long long)p0->tree_files);
	free(seen);
	free(have);
	return rc;
}

static int
merge_copy(struct digest_manifest *m, const struct digest_manifest *p,
	   struct manifest_sha *s, size_t *k, size_t *off, size_t *sh,
	   struct err *e)
{
	const struct entry *en;
	char shown[SHOWN_MAX];
	unsigned which = 0;
	size_t i, nsh;
	int rc;

	for (i = 0; i < p->n; i++) {
		en = &p->v[i];
		rc = manifest_slice_of(&which, s, en->path, en->path_len,
				       p->slice_count, e);
		if (rc != 0)
			return rc;
		if (which != p->slice_index) {
			text_escape(shown, sizeof(shown), en->path);
			return err_set(e, EXIT_REJECTED,
				       "%s: in slice %u but "
				       "listed in slice %u",
				       shown, which, p->slice_index);
		}
		m->v[*k] = *en;
		memcpy(m->names + *off, en->path, en->path_len + 1);
		m->v[*k].path = m->names + *off;
		m->v[*k].shard0 = *sh;
		nsh = digest_manifest_shard_count(p, i);
		if (nsh)
			memcpy(m->shards[*sh], p->shards[en->shard0], nsh * 32);
		m->bytes += en->size;
		*off += en->path_len + 1;
		*sh += nsh;
		(*k)++;
	}
	return 0;
}

int
digest_manifest_merge(struct digest_manifest **out,
		      const struct digest_manifest *const *parts, size_t n,
		      struct err *e)
{
	size_t i, k = 0, off = 0, sh = 0, total = 0, nshards = 0, names = 0;
	struct digest_manifest *m = NULL;
	struct manifest_sha s = {NULL, NULL};
	unsigned char listing[32];
	int rc;

	*out = NULL;
	if (n == 0 || n > DIGEST_MAX_SLICES)
		return err_set(e, EXIT_USAGE, "merge needs 1 to %d parts",
			       DIGEST_MAX_SLICES);
	if ((rc = merge_check(parts, n, &total, &nshards, &names, e)) != 0 ||
	    (rc = manifest_sha_open(&s, e)) != 0 ||
	    (rc = manifest_alloc(&m, total, nshards, e)) != 0)
		goto out;
	m->shard_size = parts[0]->shard_size;
	m->names = malloc(names ? names : 1);
	if (m->names == NULL) {
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = merge_copy(m, parts[i], &s, &k, &off, &sh, e);
	if (rc != 0)
		goto out;
	qsort(m->v, m->n, sizeof(*m->v), cmp_entry);
	for (i = 0; i < m->n && rc == 0; i++)
		rc = manifest_listing_add(&s, m->v[i].path, m->v[i].path_len,
					  m->v[i].size, e);
	if (rc != 0 || (rc = manifest_sha_final(&s, listing, e)) != 0)
		goto out;
	if (memcmp(listing, parts[0]->listing, 32) != 0 ||
	    m->bytes != parts[0]->tree_bytes) {
		rc = err_set(e, EXIT_REJECTED,
			     "the merged files differ from "
			     "the tree listing the parts recorded");
		goto out;
	}
	*out = m;
	m = NULL;
out:
	manifest_sha_close(&s);
	digest_manifest_free(m);
	return rc;
}

/* --- compare ---------------------------------------------------------- */

struct diff_item {
	size_t off;
	enum digest_change kind;
};

struct digest_diff {
	struct diff_item *v;
	size_t n, cap;
	struct dynbuf names;
};

size_t
digest_diff_count(const struct digest_diff *d)
{
	return d->n;
}

const char *
digest_diff_path(const struct digest_diff *d, size_t i,
		 enum digest_change *kind)
{
	if (i >= d->n)
		return NULL;
	if (kind != NULL)
		*kind = d->v[i].kind;
	return d->names.p + d->v[i].off;
}

void
digest_diff_free(struct digest_diff *d)
{
	if (d == NULL)
		return;
	free(d->v);
	free(d->names.p);
	free(d);
}

static int
diff_add(struct digest_diff *d, const struct entry *en, enum digest_change kind,
	 struct err *e)
{
	if (dynarr_reserve((void **)&d->v, &d->cap, d->n + 1, sizeof(*d->v),
			   DIGEST_MAX_ENTRIES) != 0)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	d->v[d->n].off = d->names.len;
	d->v[d->n++].kind = kind;
	if (dynbuf_add(&d->names, en->path, en->path_len + 1) != 0)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	return 0;
}

/* 1 when en is one of the only paths or below one, marking those hit. */
static int
selected(const struct entry *en, const char *const *only, size_t n_only,
	 unsigned char *hit)
{
	size_t k, len;
	int any = n_only == 0;

	for (k = 0; k < n_only; k++) {
		len = strlen(only[k]);
		if (len > en->path_len || memcmp(en->path, only[k], len) != 0 ||
		    (len < en->path_len && en->path[len] != '/'))
			continue;
		hit[k] = 1;
		any = 1;
	}
	return any;
}

static int
differs(const struct digest_manifest *a, size_t i,
	const struct digest_manifest *b, size_t j)
{
	if (a->v[i].size != b->v[j].size)
		return 1;
	if (a->shard_size == 0)
		return memcmp(a->v[i].sha, b->v[j].sha, 32) != 0;
	return memcmp(a->shards[a->v[i].shard0], b->shards[b->v[j].shard0],
		      digest_manifest_shard_count(a, i) * 32) != 0;
}

static int
compare_walk(struct digest_diff *d, const struct digest_manifest *a,
	     const struct digest_manifest *b, const char *const *only,
	     size_t n_only, unsigned char *hit, struct err *e)
{
	size_t i = 0, j = 0;
	int c, rc = 0;

	while (rc == 0 && (i < a->n || j < b->n)) {
		if (i == a->n)
			c = 1;
		else if (j == b->n)
			c = -1;
		else
			c = cmp_entry(&a->v[i], &b->v[j]);
		if (c < 0 && selected(&a->v[i], only, n_only, hit))
			rc = diff_add(d, &a->v[i], DIGEST_REMOVED, e);
		else if (c > 0 && selected(&b->v[j], only, n_only, hit))
			rc = diff_add(d, &b->v[j], DIGEST_ADDED, e);
		else if (c == 0 && selected(&a->v[i], only, n_only, hit) &&
			 differs(a, i, b, j))
			rc = diff_add(d, &a->v[i], DIGEST_CHANGED, e);
		i += c <= 0;
		j += c >= 0;
	}
	return rc;
}

int
digest_compare(struct digest_diff **out, const struct digest_manifest *signed_m,
	       const struct digest_manifest *fresh, const char *const *only,
	       size_t n_only, struct err *e)
{
	struct digest_diff *d = NULL;
	unsigned char *hit = NULL;
	char shown[SHOWN_MAX];
	size_t k;
	int rc = 0;

	*out = NULL;
	if (signed_m->partial || fresh->partial)
		return err_set(e, EXIT_REJECTED,
			       "cannot compare a partial "
			       "manifest: merge the parts first");
	if (signed_m->shard_size != fresh->shard_size)
		return err_set(e, EXIT_REJECTED,
			       "the manifests differ in "
			       "method or shard size");
	if (n_only > DIGEST_MAX_LIST)
		return err_set(e, EXIT_USAGE, "more than %d paths to check",
			       DIGEST_MAX_LIST);
	for (k = 0; k < n_only; k++)
		if (only[k] == NULL ||
		    !walk_path_ok(only[k], strlen(only[k]))) {
			text_escape(shown, sizeof(shown),
				    only[k] ? only[k] : "(null)");
			return err_set(e, EXIT_USAGE,
				       "%s: not a relative path "
				       "inside the tree",
				       shown);
		}
	d = calloc(1, sizeof(*d));
	hit = calloc(n_only ? n_only : 1, 1);
	if (d == NULL || hit == NULL) {
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	dynbuf_init(&d->names,
		    (size_t)DIGEST_MAX_ENTRIES * (DIGEST_MAX_PATH + 1));
	rc = compare_walk(d, signed_m, fresh, only, n_only, hit, e);
	for (k = 0; rc == 0 && k < n_only; k++)
		if (!hit[k]) {
			text_escape(shown, sizeof(shown), only[k]);
			rc = err_set(e, EXIT_REJECTED,
				     "%s: neither signed nor "
				     "present",
				     shown);
		}
	if (rc == 0) {
		*out = d;
		d = NULL;
	}
out:
	free(hit);
	digest_diff_free(d);
	return rc;
}
