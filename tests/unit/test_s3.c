/*
 * lib/s3 without a network: where credentials come from (the
 * environment, else the shared file's profile) beside the twins that
 * break each source, and the URLs refused before any request. No
 * message names a secret.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/s3.h"
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

static Suite *
s3_suite(void)
{
	Suite *s = suite_create("s3");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_creds, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_loop_test(tc, test_urls, 0, sizeof(urls) / sizeof(urls[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(s3_suite());
}
