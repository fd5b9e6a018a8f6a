/*
 * lib/b64: standard padded output; standard or URL-safe input, padded or
 * not; mixed alphabets, stray characters, whitespace and bad padding are
 * refused. Every accepted row carries a rejected twin.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/b64.h"
#include "tests/unit/testutil.h"

struct enc_row {
	const char *in;
	size_t len;
	const char *out;
};

static const struct enc_row enc_rows[] = {
    {"", 0, ""},
    {"f", 1, "Zg=="},
    {"fo", 2, "Zm8="},
    {"foo", 3, "Zm9v"},
    {"foob", 4, "Zm9vYg=="},
    {"fooba", 5, "Zm9vYmE="},
    {"foobar", 6, "Zm9vYmFy"},
    {"\xfb\xff", 2, "+/8="},
    {"\xfb\xef\xbe", 3, "++++"},
    {"\xff\xff\xff", 3, "////"},
    {"\0\0\0\0", 4, "AAAAAA=="},
    {"hello world", 11, "aGVsbG8gd29ybGQ="},
};

START_TEST(test_encode)
{
	const struct enc_row *r = &enc_rows[_i];
	char *out = b64_encode((const unsigned char *)r->in, r->len);

	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, r->out);
	free(out);
}
END_TEST

/* A good input, what it decodes to, and a bad twin of it. */
struct dec_row {
	const char *good;
	const char *want;
	size_t wantlen;
	const char *bad;
};

static const struct dec_row dec_rows[] = {
    {"", "", 0, "="},
    {"Zm9vYmFy", "foobar", 6, "Zm9vYmFyZ"},
    {"Zm9vYg==", "foob", 4, "Zm9vYg="},
    {"Zm9vYg", "foob", 4, "Zm9vY"},
    {"Zm9vYmE=", "fooba", 5, "Zm9vYmE=="},
    {"Zm9vYmE", "fooba", 5, "Zm9vYmE==="},
    {"Zg==", "f", 1, "Z==="},
    {"Zg", "f", 1, "Z"},
    {"QQ==", "A", 1, "A==="},
    {"+/8=", "\xfb\xff", 2, "+_8="},
    {"-_8=", "\xfb\xff", 2, "-/8="},
    {"+/8", "\xfb\xff", 2, "+/8=="},
    {"-_8", "\xfb\xff", 2, "-_8-/"},
    {"++++++++", "\xfb\xef\xbe\xfb\xef\xbe", 6, "++++____"},
    {"////", "\xff\xff\xff", 3, "//_/"},
    {"____", "\xff\xff\xff", 3, "__/_"},
    {"aGVsbG8gd29ybGQ=", "hello world", 11, "aGVsbG8gd29ybGQ=\n"},
    {"aGVsbG8gd29ybGQ", "hello world", 11, " aGVsbG8gd29ybGQ"},
    {"Zm9vYmFy", "foobar", 6, "Zm9v YmFy"},
    {"Zm9vYmFy", "foobar", 6, "Zm9v\tYmFy"},
    {"Zm9vYmFy", "foobar", 6, "Zm9v\r\nYmFy"},
    {"Zm9vYmFy", "foobar", 6, "Zm9v!mFy"},
    {"Zm9vYmFy", "foobar", 6, "Zm9v.mFy"},
    {"Zm9vYmFy", "foobar", 6, "Zm=vYmFy"},
    {"Zm9vYg==", "foob", 4, "Zm9v=Yg="},
    {"Zm9vYg==", "foob", 4, "=Zm9vYg="},
    {"AAAA", "\0\0\0", 3, "===="},
    {"AAAA", "\0\0\0", 3, "A"},
    {"AAAA", "\0\0\0", 3, "AAAAA"},
};

START_TEST(test_decode_good)
{
	const struct dec_row *r = &dec_rows[_i];
	struct err e = ERR_INIT;
	unsigned char *out = NULL;
	size_t len = 99;
	int rc;

	rc = b64_decode(&out, &len, r->good, strlen(r->good), "field", &e);
	ck_assert_msg(rc == 0, "%s: %s", r->good, e.msg);
	ck_assert_uint_eq(len, r->wantlen);
	ck_assert_mem_eq(out, r->want, len);
	ck_assert_uint_eq(out[len], 0);
	free(out);
}
END_TEST

START_TEST(test_decode_bad)
{
	const struct dec_row *r = &dec_rows[_i];
	struct err e = ERR_INIT;
	unsigned char *out = (unsigned char *)"x";
	size_t len = 99;
	int rc;

	rc = b64_decode(&out, &len, r->bad, strlen(r->bad), "field", &e);
	ck_assert_msg(rc == -EXIT_REJECTED, "accepted \"%s\"", r->bad);
	ck_assert_int_eq(e.code, EXIT_REJECTED);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
	ck_assert_msg(strstr(e.msg, "field") != NULL, "%s", e.msg);
}
END_TEST

/*
 * SPEC-ENV-7: canonical text and its non-canonical twin (non-zero unused
 * bits in the last character). b64_decode accepts the twin (peers' text),
 * b64_decode_strict refuses it.
 */
struct strict_row {
	const char *good, *bad;
	const char *want;
	size_t wantlen;
};

static const struct strict_row strict_rows[] = {
    {"QQ==", "QR==", "A", 1},
    {"QQ==", "QX==", "A", 1},
    {"QQ", "QR", "A", 1},
    {"QQ", "QT", "A", 1},
    {"QUI=", "QUJ=", "AB", 2},
    {"QUI=", "QUL=", "AB", 2},
    {"QUI", "QUL", "AB", 2},
    {"-_8=", "-_9=", "\xfb\xff", 2},
    {"Zm9vYg==", "Zm9vYh==", "foob", 4},
};

START_TEST(test_decode_strict)
{
	const struct strict_row *r = &strict_rows[_i];
	struct err e = ERR_INIT;
	unsigned char *out = NULL;
	size_t len = 99;

	ck_assert_int_eq(
	    b64_decode_strict(&out, &len, r->good, strlen(r->good), "f", &e),
	    0);
	ck_assert_uint_eq(len, r->wantlen);
	ck_assert_mem_eq(out, r->want, len);
	free(out);
	ck_assert_int_eq(
	    b64_decode(&out, &len, r->bad, strlen(r->bad), "f", &e), 0);
	ck_assert_mem_eq(out, r->want, len);
	free(out);
	out = (unsigned char *)"x";
	ck_assert_int_eq(
	    b64_decode_strict(&out, &len, r->bad, strlen(r->bad), "f", &e),
	    -EXIT_REJECTED);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(e.msg,
			 "f: non-canonical base64 (non-zero trailing bits)");
}
END_TEST

/* The strict decoder refuses everything the lenient one does. */
START_TEST(test_decode_strict_bad)
{
	const struct dec_row *r = &dec_rows[_i];
	struct err e = ERR_INIT;
	unsigned char *out = NULL;
	size_t len;

	ck_assert_int_eq(
	    b64_decode_strict(&out, &len, r->bad, strlen(r->bad), "f", &e),
	    -EXIT_REJECTED);
	ck_assert_ptr_null(out);
}
END_TEST

/* The length given is the length used: an embedded NUL is a bad char. */
START_TEST(test_decode_nul)
{
	struct err e = ERR_INIT;
	unsigned char *out = NULL;
	size_t len;

	ck_assert_int_eq(b64_decode(&out, &len, "Zm9v\0mFy", 8, "f", &e),
			 -EXIT_REJECTED);
	ck_assert_int_eq(b64_decode(&out, &len, "Zm9vYmFyXX", 8, "f", &e), 0);
	ck_assert_uint_eq(len, 6);
	ck_assert_mem_eq(out, "foobar", 6);
	free(out);
}
END_TEST

/* Every length 0..200 survives encode then decode, in both alphabets. */
START_TEST(test_round_trip)
{
	unsigned char buf[200];
	size_t n, i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 37 + 11);
	for (n = 0; n <= sizeof(buf); n++) {
		struct err e = ERR_INIT;
		unsigned char *out = NULL;
		size_t len = 0, elen;
		char *enc = b64_encode(buf, n);

		ck_assert_ptr_nonnull(enc);
		elen = strlen(enc);
		ck_assert_uint_eq(elen % 4, 0);
		ck_assert_int_eq(b64_decode(&out, &len, enc, elen, "rt", &e),
				 0);
		ck_assert_uint_eq(len, n);
		ck_assert_mem_eq(out, buf, n);
		free(out);
		for (i = 0; i < elen; i++)
			enc[i] = enc[i] == '+'	 ? '-'
				 : enc[i] == '/' ? '_'
						 : enc[i];
		while (elen > 0 && enc[elen - 1] == '=')
			elen--;
		ck_assert_int_eq(b64_decode(&out, &len, enc, elen, "rt", &e),
				 0);
		ck_assert_uint_eq(len, n);
		ck_assert_mem_eq(out, buf, n);
		free(out);
		free(enc);
	}
}
END_TEST

static Suite *
b64_suite(void)
{
	Suite *s = suite_create("b64");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_encode, 0,
			    sizeof(enc_rows) / sizeof(enc_rows[0]));
	tcase_add_loop_test(tc, test_decode_good, 0,
			    sizeof(dec_rows) / sizeof(dec_rows[0]));
	tcase_add_loop_test(tc, test_decode_bad, 0,
			    sizeof(dec_rows) / sizeof(dec_rows[0]));
	tcase_add_loop_test(tc, test_decode_strict, 0,
			    sizeof(strict_rows) / sizeof(strict_rows[0]));
	tcase_add_loop_test(tc, test_decode_strict_bad, 0,
			    sizeof(dec_rows) / sizeof(dec_rows[0]));
	tcase_add_test(tc, test_decode_nul);
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(b64_suite());
}
