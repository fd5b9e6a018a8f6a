/*
 * lib/s3 without a network: where credentials come from (the
 * environment, else the shared file's profile) beside the twins that
 * break each source, and the URLs refused before any request. No
 * message names a secret. And the engine hook it hashes through: a
 * listing fed byte by byte gives digest_tree's manifest of the same
 * files, whole or in shards, and a changed byte, a short or a long unit
 * does not.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/manifest.h"
#include "lib/s3.h"
#include "lib/walk.h"
#include "tests/unit/testutil.h"

#define SECRET "sEcr3t/+value"
#define FILE_TEXT                                                              \
	"# comment\n[default]\naws_access_key_id = AKDEF\n"                    \
	"aws_secret_access_key=" SECRET "\n\n[ ci ]\n; other\n"                \
	"  aws_access_key_id\t=  AKCI  \r\naws_secret_access_key = " SECRET    \
	"2\naws_session_token = tok\n[half]\naws_access_key_id = AKH\n"

struct creds_row {
	const char *akid, *secret, *token, *region, *file, *profile;
	int rc;
	const char *want_akid, *want_token, *want_region, *why;
};

static const struct creds_row rows[] = {
    {"AK1", SECRET, NULL, NULL, NULL, NULL, 0, "AK1", "", "us-east-1", NULL},
    {"AK1", SECRET, "T", "eu-west-1", NULL, NULL, 0, "AK1", "T", "eu-west-1",
     NULL},
    {"AK1", NULL, NULL, NULL, NULL, NULL, -EXIT_USAGE, NULL, NULL, NULL,
     "must be set together"},
    {NULL, SECRET, NULL, NULL, NULL, NULL, -EXIT_USAGE, NULL, NULL, NULL,
     "must be set together"},
    {"AK1", SECRET, NULL, "EU/1", NULL, NULL, -EXIT_USAGE, NULL, NULL, NULL,
     "AWS_REGION: expected a region name"},
    {"AK:1", SECRET, NULL, NULL, NULL, NULL, -EXIT_USAGE, NULL, NULL, NULL,
     "holds a ':'"},
    /* the shared file, by profile */
    {NULL, NULL, NULL, NULL, "creds", NULL, 0, "AKDEF", "", "us-east-1", NULL},
    {NULL, NULL, NULL, NULL, "creds", "ci", 0, "AKCI", "tok", "us-east-1",
     NULL},
    {NULL, NULL, NULL, NULL, "creds", "gone", -EXIT_USAGE, NULL, NULL, NULL,
     "no profile [gone] with aws_access_key_id and aws_secret_access_key"},
    {NULL, NULL, NULL, NULL, "creds", "half", -EXIT_USAGE, NULL, NULL, NULL,
     "no profile [half]"},
    {NULL, NULL, NULL, NULL, "missing", NULL, -EXIT_USAGE, NULL, NULL, NULL,
     "no S3 credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are "
     "not set"},
    /* the environment wins over the file */
    {"AKENV", SECRET, NULL, NULL, "creds", "ci", 0, "AKENV", "", "us-east-1",
     NULL},
};

START_TEST(test_creds)
{
	const struct creds_row *r = &rows[_i];
	char *dir = testutil_tmpdir(), *file = NULL;
	struct s3_env env;
	struct s3_config c;
	struct err e = ERR_INIT;
	int rc;

	memset(&env, 0, sizeof(env));
	env.access_key_id = r->akid;
	env.secret_access_key = r->secret;
	env.session_token = r->token;
	env.region = r->region;
	env.profile = r->profile;
	env.home = "/nonexistent";
	if (r->file != NULL) {
		char *creds = testutil_join(dir, "creds");
		testutil_put(creds, FILE_TEXT, strlen(FILE_TEXT), 0600);
		free(creds);
		file = testutil_join(dir, r->file);
		env.shared_file = file;
	}
	rc = s3_creds_resolve(&c, &env, &e);
	ck_assert_msg(rc == r->rc, "row %d: got %d (%s)", _i, rc, e.msg);
	if (rc == 0) {
		ck_assert_str_eq(c.access_key_id, r->want_akid);
		ck_assert_str_eq(c.session_token, r->want_token);
		ck_assert_str_eq(c.region, r->want_region);
		ck_assert_ptr_nonnull(strstr(c.secret_access_key, SECRET));
	} else {
		ck_assert_msg(strstr(e.msg, r->why) != NULL, "row %d: %s", _i,
			      e.msg);
		ck_assert_str_eq(c.secret_access_key, "");
	}
	ck_assert_ptr_null(strstr(e.msg, SECRET));
	s3_config_clear(&c);
	ck_assert_str_eq(c.secret_access_key, "");
	free(file);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

struct url_row {
	const char *url, *endpoint;
	int rc;
	const char *why;
};

static const struct url_row urls[] = {
    {"s3://Bad_Bucket/p/", NULL, -EXIT_USAGE, "not s3://BUCKET/PREFIX/"},
    {"s3://ab/p/", NULL, -EXIT_USAGE, "not s3://BUCKET/PREFIX/"},
    {"s3://b..c/p/", NULL, -EXIT_USAGE, "not s3://BUCKET/PREFIX/"},
    {"s3://bkt/p", NULL, -EXIT_USAGE, "ending in '/'"},
    {"s3://bkt/a/../b/", NULL, -EXIT_USAGE, "no empty, \".\" or \"..\""},
    {"s3://bkt//", NULL, -EXIT_USAGE, "ending in '/'"},
    {"s3://bkt/p/", "http://192.0.2.1:9000", -EXIT_USAGE,
     "only allowed for loopback"},
    {"s3://bkt/p/", "ftp://127.0.0.1/", -EXIT_USAGE, "--s3-endpoint"},
    {"s3://bkt/p/", "https://user:pw@store.example/", -EXIT_USAGE, "user info"},
};

START_TEST(test_urls)
{
	const struct url_row *r = &urls[_i];
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	struct s3_config c;
	struct err e = ERR_INIT;
	int rc;

	memset(&c, 0, sizeof(c));
	snprintf(c.access_key_id, sizeof(c.access_key_id), "AK");
	snprintf(c.secret_access_key, sizeof(c.secret_access_key), SECRET);
	snprintf(c.region, sizeof(c.region), "us-east-1");
	c.endpoint = r->endpoint;
	o.s3 = &c;
	rc = digest_tree(&m, r->url, &o, &e);
	ck_assert_msg(rc == r->rc, "%s: got %d (%s)", r->url, rc, e.msg);
	ck_assert_msg(strstr(e.msg, r->why) != NULL, "%s: %s", r->url, e.msg);
	ck_assert_ptr_null(strstr(e.msg, SECRET));
	ck_assert_ptr_null(m);
	o.s3 = NULL;
	ck_assert_int_eq(digest_tree(&m, r->url, &o, &e), -EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "need credentials"));
}
END_TEST

/* --- the listing and feed hook ------------------------------------------ */

struct file_row {
	const char *path;
	const char *data;
};

static const struct file_row tree_rows[] = {
    {"a.txt", "hello\n"},   {"b/c.bin", "0123456789abcdefghij"},
    {"b/d/e", ""},	    {"b-x", "dash"},
    {".git/HEAD", "ref\n"}, /* never part of a tree (SPEC-TREE-5) */
};
#define NTREE (sizeof(tree_rows) / sizeof(tree_rows[0]))

static char *
make_tree(void)
{
	char *dir = testutil_tmpdir(), *p, *slash;
	size_t i;

	for (i = 0; i < NTREE; i++) {
		p = testutil_join(dir, tree_rows[i].path);
		for (slash = strchr(p + strlen(dir) + 1, '/'); slash != NULL;
		     slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			mkdir(p, 0755);
			*slash = '/';
		}
		testutil_put(p, tree_rows[i].data, strlen(tree_rows[i].data),
			     0644);
		free(p);
	}
	return dir;
}

static const char *
row_data(const char *path)
{
	size_t i;

	for (i = 0; i < NTREE; i++)
		if (strcmp(tree_rows[i].path, path) == 0)
			return tree_rows[i].data;
	return NULL;
}

/* tamper: 0 none, 1 a changed byte, 2 one byte short, 3 one too many. */
static int
fed(char **json, unsigned long long shard, int tamper, struct err *e)
{
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	struct digest_feed *f = NULL;
	struct walk w = WALK_INIT;
	unsigned long long off, len;
	size_t i, file, n;
	char buf[64];
	int rc = 0;

	o.shard_size = shard;
	w.root = "s3://b/p/";
	for (i = 0; rc == 0 && i < NTREE; i++)
		rc = walk_add_listed(&w, tree_rows[NTREE - 1 - i].path,
				     strlen(tree_rows[NTREE - 1 - i].path),
				     strlen(tree_rows[NTREE - 1 - i].data), &o,
				     e);
	if (rc == 0)
		rc = walk_finish_listed(&w, &o, e);
	if (rc == 0)
		rc = digest_listed(&m, &w, &o, e);
	if (rc == 0)
		rc = digest_feed_new(&f, m, 2, e);
	for (i = 0; rc == 0 && i < digest_feed_units(f); i++) {
		digest_feed_unit(f, i, &file, &off, &len);
		memcpy(buf, row_data(digest_manifest_path(m, file)) + off, len);
		n = (size_t)len;
		if (tamper == 1 && i == 0)
			buf[0] ^= 1;
		if (tamper == 2 && i == 0)
			n--;
		if (tamper == 3 && i == 0)
			buf[n++] = 'x';
		rc = digest_feed_start(f, i % 2, i, e);
		if (rc == 0 && digest_feed_bytes(f, i % 2, buf, n) != 0)
			rc = err_set(e, EXIT_UNDECIDED, "more than the unit");
		if (rc == 0)
			rc = digest_feed_end(f, i % 2, e);
	}
	if (rc == 0)
		rc = digest_manifest_to_json(json, &n, m, e);
	digest_feed_free(f);
	digest_manifest_free(m);
	walk_clear(&w);
	return rc;
}

START_TEST(test_feed_equals_tree)
{
	static const unsigned long long shards[] = {0, 7};
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	char *dir = make_tree(), *want = NULL, *got = NULL;
	struct err e = ERR_INIT;
	size_t len;
	int t;

	o.shard_size = shards[_i];
	ck_assert_int_eq(digest_tree(&m, dir, &o, &e), 0);
	ck_assert_int_eq(digest_manifest_to_json(&want, &len, m, &e), 0);
	ck_assert_msg(fed(&got, shards[_i], 0, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(got, want);
	free(got);
	got = NULL;
	ck_assert_int_eq(fed(&got, shards[_i], 1, &e), 0);
	ck_assert_str_ne(got, want);
	free(got);
	got = NULL;
	for (t = 2; t <= 3; t++) {
		ck_assert_int_eq(fed(&got, shards[_i], t, &e), -EXIT_UNDECIDED);
		ck_assert_ptr_nonnull(
		    strstr(e.msg, t == 2 ? "bytes read" : "more than"));
	}
	free(want);
	digest_manifest_free(m);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

struct listing_row {
	const char *paths[3];
	int rc;
	size_t n; /* files kept */
	const char *why;
};

static const struct listing_row listings[] = {
    {{"a", "b/c", NULL}, 0, 2, NULL},
    {{"a", "a/b", NULL},
     -EXIT_REJECTED,
     0,
     "s3://b/p/a/b: a directory of the listing is also a file"},
    {{"x/y", "x/y", NULL}, -EXIT_REJECTED, 0, "s3://b/p/x/y: listed twice"},
    {{"a", "../x", NULL},
     -EXIT_REJECTED,
     0,
     "s3://b/p/../x: not a relative path inside the tree"},
    {{"a//b", NULL, NULL}, -EXIT_REJECTED, 0, "not a relative path"},
    {{"a/./b", NULL, NULL}, -EXIT_REJECTED, 0, "not a relative path"},
    {{"a\x01", NULL, NULL}, -EXIT_REJECTED, 0, "not a relative path"},
    {{"\xff", NULL, NULL}, -EXIT_REJECTED, 0, "not a relative path"},
    {{".git/config", "model.sig", "x"}, 0, 1, NULL},
    {{"sub/.git/config", NULL, NULL}, 0, 1, NULL},
};

START_TEST(test_listing_rules)
{
	const struct listing_row *r = &listings[_i];
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct walk w = WALK_INIT;
	struct err e = ERR_INIT;
	int rc = 0;
	size_t i;

	w.root = "s3://b/p/";
	for (i = 0; rc == 0 && i < 3 && r->paths[i] != NULL; i++)
		rc = walk_add_listed(&w, r->paths[i], strlen(r->paths[i]), 1,
				     &o, &e);
	if (rc == 0)
		rc = walk_finish_listed(&w, &o, &e);
	ck_assert_msg(rc == r->rc, "row %d: got %d (%s)", _i, rc, e.msg);
	if (rc == 0)
		ck_assert_uint_eq(w.n, r->n);
	else
		ck_assert_msg(strstr(e.msg, r->why) != NULL, "row %d: %s", _i,
			      e.msg);
	walk_clear(&w);
}
END_TEST

static Suite *
s3_suite(void)
{
	Suite *s = suite_create("s3");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_creds, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_loop_test(tc, test_urls, 0, sizeof(urls) / sizeof(urls[0]));
	tcase_add_loop_test(tc, test_feed_equals_tree, 0, 2);
	tcase_add_loop_test(tc, test_listing_rules, 0,
			    sizeof(listings) / sizeof(listings[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(s3_suite());
}
