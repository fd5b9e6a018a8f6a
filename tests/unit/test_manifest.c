/* Dataset manifest: OMS root, dirHash, shards, shard_of merge, manifest
 * JSON and compare. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/digest.h"
#include "lib/manifest.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "tests/unit/testutil.h"

#define OMS_VECTOR TEST_VECTORS "/oms-model-transparency-v1.1.0-elliptic-key"
#define OMS_ROOT                                                               \
	"92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4"

static const char *const oms_ignore[] = {"model.sig", "ignore-me",
					 "legacy-v1.0.0-rawBytes-model.sig",
					 "signing-key-pub.pem"};

static char *
path_in(const char *dir, const char *rel)
{
	/* a few buffers, so two results can be passed to one call */
	static char buf[4][8192];
	static unsigned next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", dir, rel);
	return b;
}

/* Creates dir/rel with the given bytes, making parent directories. */
static void
mkfile(const char *dir, const char *rel, const void *data, size_t len)
{
	char path[8192], *slash;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = path + strlen(dir) + 1; (slash = strchr(slash, '/'));
	     slash++) {
		*slash = '\0';
		ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST,
			      "mkdir %s", path);
		*slash = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	ck_assert(write(fd, data, len) == (ssize_t)len);
	close(fd);
}

static void
mkstr(const char *dir, const char *rel, const char *s)
{
	mkfile(dir, rel, s, strlen(s));
}

static void
rmtree(const char *dir)
{
	char cmd[8300];

	snprintf(cmd, sizeof(cmd),
		 "chmod -R u+rwx '%s' 2>/dev/null; "
		 "rm -rf '%s'",
		 dir, dir);
	ck_assert(system(cmd) == 0);
}

static char *
fresh_dir(void)
{
	char *d = testutil_tmpdir();

	ck_assert(chmod(d, 0755) == 0);
	return d;
}

static int
run(struct digest_manifest **m, const char *dir, const struct digest_opts *o,
    struct err *e)
{
	err_clear(e);
	return digest_tree(m, dir, o, e);
}

static void
root_hex(char out[65], const struct digest_manifest *m, enum digest_order order)
{
	unsigned char r[32];
	struct err e = ERR_INIT;

	ck_assert_msg(digest_manifest_oms_root(r, m, order, &e) == 0, "%s",
		      e.msg);
	hex_encode(out, r, 32);
}

static void
dirhash_hex(char out[65], const struct digest_manifest *m)
{
	unsigned char r[32];
	struct err e = ERR_INIT;

	ck_assert_msg(digest_manifest_dirhash(r, m, &e) == 0, "%s", e.msg);
	hex_encode(out, r, 32);
}

static int
msg_is_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* --- OMS root ------------------------------------------------------------- */

/* The subject digest of the vector's signed statement. */
static void
vector_subject(char out[65], json_t **resources)
{
	unsigned char *sig, *payload;
	const char *b64, *hex;
	json_t *bundle, *stmt;
	size_t len, plen;
	int n;

	sig = testutil_vector(
	    "oms-model-transparency-v1.1.0-elliptic-key/model.sig", &len);
	bundle = json_loadb((char *)sig, len, JSON_REJECT_DUPLICATES, NULL);
	ck_assert(bundle != NULL);
	ck_assert(json_unpack(bundle, "{s:{s:s}}", "dsseEnvelope", "payload",
			      &b64) == 0);
	plen = strlen(b64);
	payload = malloc(plen);
	n = EVP_DecodeBlock(payload, (const unsigned char *)b64, (int)plen);
	ck_assert(n > 0);
	while (plen > 0 && b64[plen - 1] == '=') {
		plen--;
		n--;
	}
	stmt = json_loadb((char *)payload, (size_t)n, JSON_REJECT_DUPLICATES,
			  NULL);
	ck_assert(stmt != NULL);
	ck_assert(json_unpack(stmt, "{s:[{s:{s:s}}], s:{s:o}}", "subject",
			      "digest", "sha256", &hex, "predicate",
			      "resources", resources) == 0);
	json_incref(*resources);
	ck_assert_uint_eq(strlen(hex), 64);
	memcpy(out, hex, 65);
	json_decref(stmt);
	json_decref(bundle);
	free(payload);
	free(sig);
}

struct res_check {
	json_t *resources;
	size_t i;
};

static int
check_resource(void *arg, const char *name, const unsigned char digest[32])
{
	struct res_check *c = arg;
	json_t *r = json_array_get(c->resources, c->i++);
	const char *rname, *rdigest;
	char hex[65];

	ck_assert(json_unpack(r, "{s:s, s:s}", "name", &rname, "digest",
			      &rdigest) == 0);
	hex_encode(hex, digest, 32);
	ck_assert_str_eq(name, rname);
	ck_assert_str_eq(hex, rdigest);
	return 0;
}

START_TEST(test_oms_vector)
{
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	struct res_check rc = {NULL, 0};
	char hex[65], subject[65], *d;
	unsigned char buf[9];

	o.ignore = oms_ignore;
	o.n_ignore = 4;
	ck_assert_msg(run(&m, OMS_VECTOR, &o, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(digest_manifest_count(m), 2);
	root_hex(hex, m, DIGEST_ORDER_PATH);
	ck_assert_str_eq(hex, OMS_ROOT);
	root_hex(hex, m, DIGEST_ORDER_NAME);
	ck_assert_str_eq(hex, OMS_ROOT);
	vector_subject(subject, &rc.resources);
	ck_assert_str_eq(subject, OMS_ROOT);
	ck_assert(digest_manifest_oms_each(m, DIGEST_ORDER_PATH, check_resource,
					   &rc, &e) == 0);
	ck_assert_uint_eq(rc.i, json_array_size(rc.resources));
	json_decref(rc.resources);
	digest_manifest_free(m);

	/* tampered twin: one byte of signme-1 flipped */
	d = fresh_dir();
	memcpy(buf, "signme-1\n", 9);
	buf[0] ^= 1;
	mkfile(d, "signme-1", buf, 9);
	mkstr(d, "signme-2", "signme-2");
	ck_assert(run(&m, d, NULL, &e) == 0);
	root_hex(hex, m, DIGEST_ORDER_PATH);
	ck_assert_str_ne(hex, OMS_ROOT);
	digest_manifest_free(m);
	/* and without the ignore list the extra files change the root */
	ck_assert(run(&m, OMS_VECTOR, NULL, &e) == 0);
	root_hex(hex, m, DIGEST_ORDER_PATH);
	ck_assert_str_ne(hex, OMS_ROOT);
	digest_manifest_free(m);
	rmtree(d);
	free(d);
}
END_TEST

struct names {
	char list[16][64];
	size_t n;
};

static int
collect_name(void *arg, const char *name, const unsigned char digest[32])
{
	struct names *c = arg;

	(void)digest;
	ck_assert(c->n < 16);
	snprintf(c->list[c->n++], 64, "%s", name);
	return 0;
}

/* SHA-256 over SHA-256 of each content, in the given order. */
static void
expected_root(char out[65], const char *const *contents, size_t n)
{
	unsigned char all[16 * 32], r[32];
	struct err e = ERR_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		ck_assert(hash_sha256(all + 32 * i, contents[i],
				      strlen(contents[i]), &e) == 0);
	ck_assert(hash_sha256(r, all, 32 * n, &e) == 0);
	hex_encode(out, r, 32);
}

START_TEST(test_oms_orders)
{
	static const struct {
		enum digest_order order;
		const char *names[3];
	} rows[] = {
	    {DIGEST_ORDER_PATH, {"a/b", "a-b", "a.b"}},
	    {DIGEST_ORDER_NAME, {"a-b", "a.b", "a/b"}},
	};
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	char got[65], want[65], other[65];
	char *d = fresh_dir();
	struct names c;
	size_t i, k;

	mkstr(d, "a/b", "a/b");
	mkstr(d, "a-b", "a-b");
	mkstr(d, "a.b", "a.b");
	ck_assert(run(&m, d, NULL, &e) == 0);
	for (i = 0; i < 2; i++) {
		memset(&c, 0, sizeof(c));
		ck_assert(digest_manifest_oms_each(m, rows[i].order,
						   collect_name, &c, &e) == 0);
		ck_assert_uint_eq(c.n, 3);
		for (k = 0; k < 3; k++)
			ck_assert_str_eq(c.list[k], rows[i].names[k]);
		root_hex(got, m, rows[i].order);
		expected_root(want, rows[i].names, 3);
		ck_assert_str_eq(got, want);
		/* bad row: the other order gives another root */
		expected_root(other, rows[1 - i].names, 3);
		ck_assert_str_ne(got, other);
	}
	digest_manifest_free(m);
	rmtree(d);
	free(d);
}
END_TEST

/* --- dirHash ---------------------------------------------------------------
 */

static void
shell_dirhash(char out[65], const char *dir)
{
	char cmd[8300], line[256];
	FILE *f;

	/* -d '\n': the brief's plain xargs splits names at blanks */
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && find . -type f | cut -c3- | LC_ALL=C sort | "
		 "xargs -r -d '\\n' sha256sum | sha256sum",
		 dir);
	f = popen(cmd, "r");
	ck_assert(f != NULL);
	ck_assert(fgets(line, sizeof(line), f) != NULL);
	ck_assert(pclose(f) == 0);
	ck_assert(strlen(line) > 64);
	memcpy(out, line, 64);
	out[64] = '\0';
}

START_TEST(test_dirhash_shell)
{
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	char *d = fresh_dir(), got[65], want[65], before[65];

	mkstr(d, "a/b", "one");
	mkstr(d, "a-b", "two");
	mkstr(d, "A", "three");
	mkstr(d, "deep/er/still/f.bin", "four");
	mkstr(d, "with space", "five");
	mkstr(d, "\xc3\xa9t\xc3\xa9/\xe6\x97\xa5", "six");
	mkfile(d, "empty", "", 0);
	ck_assert(run(&m, d, NULL, &e) == 0);
	dirhash_hex(got, m);
	shell_dirhash(want, d);
	ck_assert_str_eq(got, want);
	memcpy(before, got, 65);
	digest_manifest_free(m);
	/* twin: one byte changed, both move and still agree */
	mkstr(d, "deep/er/still/f.bin", "fouR");
	ck_assert(run(&m, d, NULL, &e) == 0);
	dirhash_hex(got, m);
	shell_dirhash(want, d);
	ck_assert_str_eq(got, want);
	ck_assert_str_ne(got, before);
	digest_manifest_free(m);
	rmtree(d);
	free(d);
}
END_TEST

/* Go's dirhash writes names as they are (no sha256sum escaping). */
START_TEST(test_dirhash_backslash)
{
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	char *d = fresh_dir(), got[65], want[65], line[200];
	unsigned char h[32];

	mkstr(d, "a\\b", "x");
	ck_assert(run(&m, d, NULL, &e) == 0);
	dirhash_hex(got, m);
	ck_assert(hash_sha256(h, "x", 1, &e) == 0);
	hex_encode(want, h, 32);
	snprintf(line, sizeof(line), "%s  a\\b\n", want);
	ck_assert(hash_sha256(h, line, strlen(line), &e) == 0);
	hex_encode(want, h, 32);
	ck_assert_str_eq(got, want);
	digest_manifest_free(m);
	rmtree(d);
	free(d);
}
END_TEST

/* --- shards --------------------------------------------------------------- */

START_TEST(test_shard_root)
{
	static const char *const path_order[] = {
	    "0123",
	    "4567",
	    "89",
	    "abc",
	}; /* big:0:4 big:4:8 big:8:10 x:0:3; "empty" has no shards */
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL, *m4 = NULL;
	struct err e = ERR_INIT;
	char *d = fresh_dir(), got[65], want[65];
	struct names c;
	unsigned char r[32];

	mkstr(d, "big", "0123456789");
	mkstr(d, "x", "abc");
	mkfile(d, "empty", "", 0);
	o.shard_size = 4;
	o.jobs = 1;
	ck_assert_msg(run(&m, d, &o, &e) == 0, "%s", e.msg);
	memset(&c, 0, sizeof(c));
	ck_assert(digest_manifest_oms_each(m, DIGEST_ORDER_PATH, collect_name,
					   &c, &e) == 0);
	ck_assert_uint_eq(c.n, 4);
	ck_assert_str_eq(c.list[0], "big:0:4");
	ck_assert_str_eq(c.list[2], "big:8:10");
	ck_assert_str_eq(c.list[3], "x:0:3");
	root_hex(got, m, DIGEST_ORDER_PATH);
	expected_root(want, path_order, 4);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(digest_manifest_shard_count(m, 1), 0); /* empty */
	ck_assert(digest_manifest_sha256(m, 0) == NULL);
	/* same with four workers */
	o.jobs = 4;
	ck_assert(run(&m4, d, &o, &e) == 0);
	root_hex(want, m4, DIGEST_ORDER_PATH);
	ck_assert_str_eq(got, want);
	/* bad row: no dirHash from shards */
	ck_assert_int_eq(digest_manifest_dirhash(r, m, &e), -EXIT_USAGE);
	digest_manifest_free(m);
	digest_manifest_free(m4);
	rmtree(d);
	free(d);
}
END_TEST

/* SPEC-DIG-5: shardDirHash, a vector computed apart (Python hashlib);
 * an empty file, a rename and whole-file mode each give another answer. */
START_TEST(test_shard_dirhash)
{
	static const char with_empty[] =
	    "0f4710f286a3608944219a44bb4ccbf0d97f00b411d49db13c85230eb8221f67";
	static const char without_empty[] =
	    "1984421f22fbc68be6a88d0a0ae21e093893cc9608998d208c86514bf1795f42";
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	char *d = fresh_dir(), got[65], path[4200];
	unsigned char r[32];

	mkstr(d, "big", "0123456789");
	mkstr(d, "x", "abc");
	mkfile(d, "empty", "", 0);
	o.shard_size = 4;
	o.jobs = 1;
	ck_assert_msg(run(&m, d, &o, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(digest_manifest_shard_dirhash(r, m, &e), 0);
	hex_encode(got, r, 32);
	ck_assert_str_eq(got, with_empty);
	digest_manifest_free(m);
	m = NULL;
	snprintf(path, sizeof(path), "%s/empty", d);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert(run(&m, d, &o, &e) == 0);
	ck_assert_int_eq(digest_manifest_shard_dirhash(r, m, &e), 0);
	hex_encode(got, r, 32);
	ck_assert_str_eq(got, without_empty);
	digest_manifest_free(m);
	m = NULL;
	/* bad rows: a rename changes it; whole-file mode has none */
	mkstr(d, "y", "abc");
	snprintf(path, sizeof(path), "%s/x", d);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert(run(&m, d, &o, &e) == 0);
	ck_assert_int_eq(digest_manifest_shard_dirhash(r, m, &e), 0);
	hex_encode(got, r, 32);
	ck_assert_str_ne(got, without_empty);
	digest_manifest_free(m);
	m = NULL;
	o.shard_size = 0;
	ck_assert(run(&m, d, &o, &e) == 0);
	ck_assert_int_eq(digest_manifest_shard_dirhash(r, m, &e), -EXIT_USAGE);
	digest_manifest_free(m);
	rmtree(d);
	free(d);
}
END_TEST

static int
cmp_bytes_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Shards at offsets of different decimal lengths sort apart by name. */
START_TEST(test_shard_orders)
{
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	char *d = fresh_dir(), got[65], want[65], data[45];
	char *sorted[11], names[11][32], contents[11][5];
	const char *by_name[11];
	struct names c;
	size_t i, k;

	for (i = 0; i < 44; i++)
		data[i] = (char)('A' + i % 26);
	mkfile(d, "f", data, 44);
	o.shard_size = 4;
	ck_assert(run(&m, d, &o, &e) == 0);
	for (i = 0; i < 11; i++) {
		snprintf(names[i], sizeof(names[i]), "f:%zu:%zu", 4 * i,
			 4 * i + 4);
		memcpy(contents[i], data + 4 * i, 4);
		contents[i][4] = '\0';
		sorted[i] = names[i];
	}
	qsort(sorted, 11, sizeof(*sorted), cmp_bytes_str);
	memset(&c, 0, sizeof(c));
	ck_assert(digest_manifest_oms_each(m, DIGEST_ORDER_NAME, collect_name,
					   &c, &e) == 0);
	for (i = 0; i < 11; i++) {
		ck_assert_str_eq(c.list[i], sorted[i]);
		k = (size_t)(sorted[i] - names[0]) / sizeof(names[0]);
		by_name[i] = contents[k];
	}
	ck_assert_str_eq(c.list[1], "f:12:16"); /* before f:4:8 */
	root_hex(got, m, DIGEST_ORDER_NAME);
	expected_root(want, by_name, 11);
	ck_assert_str_eq(got, want);
	root_hex(want, m, DIGEST_ORDER_PATH);
	ck_assert_str_ne(got, want);
	digest_manifest_free(m);
	rmtree(d);
	free(d);
}
END_TEST

/* --- shard_of and merge -----------------------------------------------------
 */

static char *
make_tree(void)
{
	char *d = fresh_dir(), name[64], body[64];
	int i;

	for (i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "d%d/f%02d.bin", i % 5, i);
		snprintf(body, sizeof(body), "content %d %s", i,
			 i % 7 ? "x" : "");
		mkstr(d, name, body);
	}
	mkfile(d, "empty", "", 0);
	return d;
}

/* Runs slice i/n for each i, through JSON, and merges. */
static int
merge_run(struct digest_manifest **out, const char *d, unsigned n,
	  unsigned long long shard, struct err *e)
{
	struct digest_manifest *parts[8] = {NULL};
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *p;
	char *json;
	size_t len;
	unsigned i;
	int rc;

	o.slice_count = n;
	o.shard_size = shard;
	for (i = 0; i < n; i++) {
		o.slice_index = i;
		ck_assert_msg(run(&p, d, &o, e) == 0, "%s", e->msg);
		ck_assert(digest_manifest_to_json(&json, &len, p, e) == 0);
		digest_manifest_free(p);
		ck_assert_msg(digest_manifest_from_json(&parts[i], json, len,
							"part", e) == 0,
			      "%s", e->msg);
		free(json);
	}
	rc = digest_manifest_merge(
	    out, (const struct digest_manifest *const *)parts, n, e);
	for (i = 0; i < n; i++)
		digest_manifest_free(parts[i]);
	return rc;
}

START_TEST(test_slices_merge)
{
	static const unsigned ns[] = {1, 2, 3, 7};
	struct digest_manifest *one = NULL, *merged = NULL;
	struct err e = ERR_INIT;
	char *d = make_tree(), *j1, *j2, a[65], b[65];
	struct digest_opts o = DIGEST_OPTS_INIT;
	size_t l1, l2, i;

	for (i = 0; i < 4; i++) {
		ck_assert(run(&one, d, NULL, &e) == 0);
		ck_assert_msg(merge_run(&merged, d, ns[i], 0, &e) == 0,
			      "n=%u: %s", ns[i], e.msg);
		root_hex(a, one, DIGEST_ORDER_PATH);
		root_hex(b, merged, DIGEST_ORDER_PATH);
		ck_assert_str_eq(a, b);
		dirhash_hex(a, one);
		dirhash_hex(b, merged);
		ck_assert_str_eq(a, b);
		ck_assert(digest_manifest_to_json(&j1, &l1, one, &e) == 0);
		ck_assert(digest_manifest_to_json(&j2, &l2, merged, &e) == 0);
		ck_assert_uint_eq(l1, l2);
		ck_assert_str_eq(j1, j2);
		free(j1);
		free(j2);
		digest_manifest_free(one);
		digest_manifest_free(merged);
	}
	/* shard mode too */
	o.shard_size = 5;
	ck_assert(run(&one, d, &o, &e) == 0);
	ck_assert_msg(merge_run(&merged, d, 3, 5, &e) == 0, "%s", e.msg);
	root_hex(a, one, DIGEST_ORDER_NAME);
	root_hex(b, merged, DIGEST_ORDER_NAME);
	ck_assert_str_eq(a, b);
	digest_manifest_free(one);
	digest_manifest_free(merged);
	rmtree(d);
	free(d);
}
END_TEST

/* A copy of partial p that claims to be slice index. */
static void
relabel(struct digest_manifest **out, const struct digest_manifest *p,
	int index)
{
	struct err e = ERR_INIT;
	char *json;
	size_t len;
	json_t *v;

	ck_assert(digest_manifest_to_json(&json, &len, p, &e) == 0);
	v = json_loads(json, 0, NULL);
	free(json);
	ck_assert(json_object_set_new(json_object_get(v, "partial"), "index",
				      json_integer(index)) == 0);
	json = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	ck_assert_msg(
	    digest_manifest_from_json(out, json, strlen(json), "p", &e) == 0,
	    "%s", e.msg);
	free(json);
}

START_TEST(test_merge_rejects)
{
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *p[3] = {NULL}, *other = NULL, *out = NULL;
	struct digest_manifest *swapped = NULL;
	const struct digest_manifest *set[3], *set4[4];
	struct err e = ERR_INIT;
	char *d = make_tree(), *json;
	unsigned char r[32];
	json_t *v;
	size_t len, i;

	o.slice_count = 3;
	for (i = 0; i < 3; i++) {
		o.slice_index = (unsigned)i;
		ck_assert(run(&p[i], d, &o, &e) == 0);
	}
	/* good row */
	set[0] = p[2], set[1] = p[0], set[2] = p[1];
	ck_assert_msg(digest_manifest_merge(&out, set, 3, &e) == 0, "%s",
		      e.msg);
	digest_manifest_free(out);
	/* a partial has no root of its own */
	ck_assert_int_eq(digest_manifest_oms_root(r, p[0], 0, &e), -EXIT_USAGE);
	/* missing slice */
	ck_assert_int_eq(digest_manifest_merge(&out, set, 2, &e),
			 -EXIT_REJECTED);
	/* slice given twice */
	set[0] = p[0], set[1] = p[0], set[2] = p[1];
	ck_assert_int_eq(digest_manifest_merge(&out, set, 3, &e),
			 -EXIT_REJECTED);
	ck_assert_str_eq(e.msg, "part 1 and part 2 are both slice 1/3 (hashed "
				"with --shard-of 0/3)");
	/* more parts than slices: the repeat is named, not the count */
	set4[0] = p[0], set4[1] = p[1], set4[2] = p[2], set4[3] = p[1];
	ck_assert_int_eq(digest_manifest_merge(&out, set4, 4, &e),
			 -EXIT_REJECTED);
	ck_assert_str_eq(e.msg, "part 2 and part 4 are both slice 2/3 (hashed "
				"with --shard-of 1/3)");
	/* its twin: the three distinct slices merge */
	ck_assert_msg(digest_manifest_merge(&out, set4, 3, &e) == 0, "%s",
		      e.msg);
	digest_manifest_free(out);
	/* a whole manifest is no slice */
	o.slice_count = 0;
	o.slice_index = 0;
	ck_assert(run(&other, d, &o, &e) == 0);
	set[0] = p[0], set[1] = other, set[2] = p[1];
	ck_assert_int_eq(digest_manifest_merge(&out, set, 3, &e),
			 -EXIT_REJECTED);
	ck_assert_str_eq(e.msg, "part 2 is not a slice (made without "
				"--shard-of)");
	digest_manifest_free(other);
	/* a slice of another count */
	o.slice_count = 2;
	o.slice_index = 1;
	ck_assert(run(&other, d, &o, &e) == 0);
	set[0] = p[0], set[1] = other, set[2] = p[1];
	ck_assert_int_eq(digest_manifest_merge(&out, set, 3, &e),
			 -EXIT_REJECTED);
	ck_assert_str_eq(e.msg, "part 2 is slice 2/2; part 1 is of 3 slices");
	digest_manifest_free(other);
	o.slice_count = 3;
	/* a part from a different tree */
	mkstr(d, "d0/f00.bin", "changed length");
	o.slice_index = 1;
	ck_assert(run(&other, d, &o, &e) == 0);
	set[0] = p[0], set[1] = other, set[2] = p[2];
	ck_assert_int_eq(digest_manifest_merge(&out, set, 3, &e),
			 -EXIT_REJECTED);
	ck_assert_msg(strstr(e.msg, "another tree"), "%s", e.msg);
	digest_manifest_free(other);
	/* a part that lost a file */
	ck_assert(digest_manifest_to_json(&json, &len, p[1], &e) == 0);
	v = json_loads(json, 0, NULL);
	ck_assert(json_array_remove(json_object_get(v, "files"), 0) == 0);
	free(json);
	json = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	ck_assert(digest_manifest_from_json(&other, json, strlen(json), "p",
					    &e) == 0);
	set[0] = p[0], set[1] = other, set[2] = p[2];
	ck_assert_int_eq(digest_manifest_merge(&out, set, 3, &e),
			 -EXIT_REJECTED);
	ck_assert_msg(strstr(e.msg, "files, the tree"), "%s", e.msg);
	digest_manifest_free(other);
	free(json);
	/* slices 0 and 1 swap labels: counts agree, slices do not */
	relabel(&other, p[1], 0);
	relabel(&out, p[0], 1);
	set[0] = other, set[1] = out, set[2] = p[2];
	ck_assert_int_eq(digest_manifest_merge(&swapped, set, 3, &e),
			 -EXIT_REJECTED);
	ck_assert_msg(strstr(e.msg, "but listed in slice"), "%s", e.msg);
	digest_manifest_free(other);
	digest_manifest_free(out);
	for (i = 0; i < 3; i++)
		digest_manifest_free(p[i]);
	rmtree(d);
	free(d);
}
END_TEST

/* --- manifest JSON -----------------------------------------------------------
 */

#define H64 "0000000000000000000000000000000000000000000000000000000000000000"
#define F(p) "{\"path\":\"" p "\",\"sha256\":\"" H64 "\",\"size\":1}"

static const struct {
	const char *what;
	const char *json;
	int ok;
} json_rows[] = {
    {"minimal", "{\"version\":1,\"method\":\"files\",\"files\":[" F("a") "]}",
     1},
    {"duplicate key",
     "{\"version\":1,\"version\":1,\"method\":\"files\","
     "\"files\":[]}",
     0},
    {"empty", "{\"version\":1,\"method\":\"files\",\"files\":[]}", 1},
    {"duplicate key in file",
     "{\"version\":1,\"method\":\"files\",\"files\":[{\"path\":\"a\","
     "\"path\":\"b\",\"sha256\":\"" H64 "\",\"size\":1}]}",
     0},
    {"nested",
     "{\"version\":1,\"method\":\"files\",\"files\":[" F("a/b/c") "]}", 1},
    {"dotdot",
     "{\"version\":1,\"method\":\"files\",\"files\":[" F("a/../b") "]}", 0},
    {"leading dotdot",
     "{\"version\":1,\"method\":\"files\",\"files\":[" F("../x") "]}", 0},
    {"absolute",
     "{\"version\":1,\"method\":\"files\",\"files\":[" F("/etc/passwd") "]}",
     0},
    {"empty component",
     "{\"version\":1,\"method\":\"files\",\"files\":[" F("a//b") "]}", 0},
    {"trailing slash",
     "{\"version\":1,\"method\":\"files\",\"files\":[" F("a/") "]}", 0},
    {"dot", "{\"version\":1,\"method\":\"files\",\"files\":[" F("./a") "]}", 0},
    {"empty path", "{\"version\":1,\"method\":\"files\",\"files\":[" F("") "]}",
     0},
    {"control char",
     "{\"version\":1,\"method\":\"files\",\"files\":[" F("a\\u0001") "]}", 0},
    {"NUL",
     "{\"version\":1,\"method\":\"files\",\"files\":[" F("a\\u0000b") "]}", 0},
    {"sorted",
     "{\"version\":1,\"method\":\"files\",\"files\":[" F("a") "," F("b") "]}",
     1},
    {"unsorted",
     "{\"version\":1,\"method\":\"files\",\"files\":[" F("b") "," F("a") "]}",
     0},
    {"duplicate path",
     "{\"version\":1,\"method\":\"files\",\"files\":[" F("a") "," F("a") "]}",
     0},
    {"short hex",
     "{\"version\":1,\"method\":\"files\",\"files\":[{\"path\""
     ":\"a\",\"sha256\":\"00\",\"size\":1}]}",
     0},
    {"non-hex",
     "{\"version\":1,\"method\":\"files\",\"files\":[{\"path\":"
     "\"a\",\"sha256\":\"g" H64 "\",\"size\":1}]}",
     0},
    {"uppercase hex",
     "{\"version\":1,\"method\":\"files\",\"files\":[{"
     "\"path\":\"a\",\"sha256\":\"ABCDEF" H64 "\",\"size\":1}]}",
     0},
    {"negative size",
     "{\"version\":1,\"method\":\"files\",\"files\":[{"
     "\"path\":\"a\",\"sha256\":\"" H64 "\",\"size\":-1}]}",
     0},
    {"unknown key",
     "{\"version\":1,\"method\":\"files\",\"files\":[],"
     "\"extra\":1}",
     0},
    {"unknown file key",
     "{\"version\":1,\"method\":\"files\",\"files\":[{"
     "\"path\":\"a\",\"sha256\":\"" H64 "\",\"size\":1,"
     "\"mode\":1}]}",
     0},
    {"version 2", "{\"version\":2,\"method\":\"files\",\"files\":[]}", 0},
    {"bad method", "{\"version\":1,\"method\":\"blobs\",\"files\":[]}", 0},
    {"shards",
     "{\"version\":1,\"method\":\"shards\",\"shard_size\":4,"
     "\"files\":[{\"path\":\"a\",\"shards\":[\"" H64 "\",\"" H64
     "\"],\"size\":5},{\"path\":\"b\",\"shards\":[],\"size\":0}]}",
     1},
    {"shards count",
     "{\"version\":1,\"method\":\"shards\",\"shard_size\":4,"
     "\"files\":[{\"path\":\"a\",\"shards\":[\"" H64 "\"],\"size\":5}]}",
     0},
    {"shards without size",
     "{\"version\":1,\"method\":\"shards\","
     "\"files\":[]}",
     0},
    {"files with shard size",
     "{\"version\":1,\"method\":\"files\","
     "\"shard_size\":4,\"files\":[]}",
     0},
    {"sha256 in shard mode",
     "{\"version\":1,\"method\":\"shards\","
     "\"shard_size\":4,\"files\":[" F("a") "]}",
     0},
    {"not an object", "[]", 0},
    {"trailing data", "{\"version\":1,\"method\":\"files\",\"files\":[]} x", 0},
    {"size as string",
     "{\"version\":1,\"method\":\"files\",\"files\":[{"
     "\"path\":\"a\",\"sha256\":\"" H64 "\",\"size\":"
     "\"1\"}]}",
     0},
    {"partial",
     "{\"version\":1,\"method\":\"files\",\"files\":[],"
     "\"partial\":{\"count\":2,\"index\":1,\"listing_sha256\":\"" H64
     "\",\"tree_bytes\":0,\"tree_files\":0}}",
     1},
    {"partial index out of range",
     "{\"version\":1,\"method\":\"files\",\"files\":[],"
     "\"partial\":{\"count\":2,\"index\":2,\"listing_sha256\":\"" H64
     "\",\"tree_bytes\":0,\"tree_files\":0}}",
     0},
};

START_TEST(test_manifest_json)
{
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(json_rows) / sizeof(json_rows[0]); i++) {
		rc = digest_manifest_from_json(
		    &m, json_rows[i].json, strlen(json_rows[i].json), "t", &e);
		if (json_rows[i].ok)
			ck_assert_msg(rc == 0, "%s: %s", json_rows[i].what,
				      e.msg);
		else
			ck_assert_msg(rc == -EXIT_REJECTED && m == NULL &&
					  msg_is_printable(e.msg),
				      "%s: rc %d", json_rows[i].what, rc);
		digest_manifest_free(m);
		m = NULL;
	}
}
END_TEST

START_TEST(test_manifest_roundtrip)
{
	static const unsigned long long shards[] = {0, 3};
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL, *back = NULL;
	struct err e = ERR_INIT;
	char *d = make_tree(), *j1, *j2, path[8192];
	size_t l1, l2, i;
	FILE *f;

	mkstr(d, "\xc3\xa9t\xc3\xa9 \"q\"\\", "quoted");
	for (i = 0; i < 2; i++) {
		o.shard_size = shards[i];
		ck_assert(run(&m, d, &o, &e) == 0);
		ck_assert(digest_manifest_to_json(&j1, &l1, m, &e) == 0);
		snprintf(path, sizeof(path), "%s.json", d);
		f = fopen(path, "w");
		ck_assert(f && fwrite(j1, 1, l1, f) == l1 && fclose(f) == 0);
		ck_assert_msg(digest_manifest_load(&back, path, &e) == 0, "%s",
			      e.msg);
		ck_assert(digest_manifest_to_json(&j2, &l2, back, &e) == 0);
		ck_assert_str_eq(j1, j2);
		ck_assert_uint_eq(digest_manifest_count(back),
				  digest_manifest_count(m));
		ck_assert_uint_eq(digest_manifest_total_bytes(back),
				  digest_manifest_total_bytes(m));
		ck_assert_uint_eq(digest_manifest_shard_size(back), shards[i]);
		unlink(path);
		free(j1);
		free(j2);
		digest_manifest_free(m);
		digest_manifest_free(back);
	}
	/* bad row: a missing file is EXIT_UNDECIDED, naming it */
	ck_assert_int_eq(digest_manifest_load(&back, path, &e),
			 -EXIT_UNDECIDED);
	ck_assert_msg(strstr(e.msg, ".json"), "%s", e.msg);
	rmtree(d);
	free(d);
}
END_TEST

/* --- compare -----------------------------------------------------------------
 */

static void
expect_diff(const struct digest_diff *df, const char *const *paths,
	    const enum digest_change *kinds, size_t n)
{
	enum digest_change k;
	size_t i;

	ck_assert_uint_ge(digest_diff_count(df), n);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(digest_diff_path(df, i, &k), paths[i]);
		ck_assert_int_eq(k, kinds[i]);
	}
}

START_TEST(test_compare)
{
	static const char *const all_paths[] = {"a", "gone", "new", "r1", "r2"};
	static const enum digest_change all_kinds[] = {
	    DIGEST_CHANGED, DIGEST_REMOVED, DIGEST_ADDED, DIGEST_REMOVED,
	    DIGEST_ADDED};
	static const char *const only_a[] = {"a"};
	static const char *const only_dir[] = {"sub"};
	static const char *const only_missing[] = {"nope"};
	static const char *const only_bad[] = {"../a"};
	struct digest_manifest *s = NULL, *f = NULL, *sh = NULL;
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_diff *df = NULL;
	const char *const sub_path[] = {"sub/x"};
	const enum digest_change sub_kind[] = {DIGEST_CHANGED};
	struct err e = ERR_INIT;
	char *d = fresh_dir();

	mkstr(d, "a", "alpha");
	mkstr(d, "gone", "bye");
	mkstr(d, "r1", "moved");
	mkstr(d, "same", "same");
	mkstr(d, "sub/x", "x");
	ck_assert(run(&s, d, NULL, &e) == 0);
	/* identical: no differences */
	ck_assert(run(&f, d, NULL, &e) == 0);
	ck_assert(digest_compare(&df, s, f, NULL, 0, &e) == 0);
	ck_assert_uint_eq(digest_diff_count(df), 0);
	digest_diff_free(df);
	digest_manifest_free(f);

	mkstr(d, "a", "alphA"); /* byte flipped, same size */
	unlink(path_in(d, "gone"));
	mkstr(d, "new", "hello");
	ck_assert(rename(path_in(d, "r1"), path_in(d, "r2")) == 0);
	mkstr(d, "sub/x", "y");
	ck_assert(run(&f, d, NULL, &e) == 0);
	ck_assert(digest_compare(&df, s, f, NULL, 0, &e) == 0);
	ck_assert_uint_eq(digest_diff_count(df), 6);
	expect_diff(df, all_paths, all_kinds, 5); /* then sub/x */
	digest_diff_free(df);
	ck_assert(digest_compare(&df, s, f, only_a, 1, &e) == 0);
	ck_assert_uint_eq(digest_diff_count(df), 1);
	expect_diff(df, all_paths, all_kinds, 1);
	digest_diff_free(df);
	ck_assert(digest_compare(&df, s, f, only_dir, 1, &e) == 0);
	ck_assert_uint_eq(digest_diff_count(df), 1);
	expect_diff(df, sub_path, sub_kind, 1);
	digest_diff_free(df);
	/* bad rows */
	ck_assert_int_eq(digest_compare(&df, s, f, only_missing, 1, &e),
			 -EXIT_REJECTED);
	ck_assert_msg(strstr(e.msg, "nope"), "%s", e.msg);
	ck_assert_int_eq(digest_compare(&df, s, f, only_bad, 1, &e),
			 -EXIT_USAGE);
	o.shard_size = 2;
	ck_assert(run(&sh, d, &o, &e) == 0);
	ck_assert_int_eq(digest_compare(&df, s, sh, NULL, 0, &e),
			 -EXIT_REJECTED);
	digest_manifest_free(sh);
	digest_manifest_free(f);
	digest_manifest_free(s);
	rmtree(d);
	free(d);
}
END_TEST

static Suite *
manifest_suite(void)
{
	Suite *s = suite_create("manifest");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_oms_vector);
	tcase_add_test(tc, test_oms_orders);
	tcase_add_test(tc, test_dirhash_shell);
	tcase_add_test(tc, test_dirhash_backslash);
	tcase_add_test(tc, test_shard_dirhash);
	tcase_add_test(tc, test_shard_root);
	tcase_add_test(tc, test_shard_orders);
	tcase_add_test(tc, test_slices_merge);
	tcase_add_test(tc, test_merge_rejects);
	tcase_add_test(tc, test_manifest_json);
	tcase_add_test(tc, test_manifest_roundtrip);
	tcase_add_test(tc, test_compare);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(manifest_suite());
}
