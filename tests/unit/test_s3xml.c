/*
 * lib/s3xml: ListObjectsV2 responses. Each accepted document has twins
 * that break one rule (a second Key, an entity the parser must not know,
 * a DOCTYPE, a truncated page without its token) and must be refused
 * with the reason named.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "lib/s3xml.h"
#include "tests/unit/testutil.h"

#define HEAD                                                                   \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult "       \
	"xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
#define OBJ(k, s)                                                              \
	"<Contents><Key>" k "</Key><LastModified>2026-01-01T00:00:00.000Z"     \
	"</LastModified><ETag>&quot;e1&quot;</ETag><Size>" s "</Size>"         \
	"<StorageClass>STANDARD</StorageClass></Contents>"
#define TAIL "</ListBucketResult>"

struct xml_row {
	const char *doc;
	int rc;
	size_t n;	  /* objects, when accepted */
	const char *key0; /* first key, when accepted */
	int truncated;
	const char *why; /* part of the reason, when refused */
};

static const struct xml_row rows[] = {
    /* accepted */
    {HEAD "<Name>b</Name><IsTruncated>false</IsTruncated>" OBJ("a/b", "12")
	 OBJ("c", "0") TAIL,
     0, 2, "a/b", 0, NULL},
    {HEAD "<IsTruncated>true</IsTruncated><NextContinuationToken>t+/="
	  "</NextContinuationToken>" OBJ("x", "1") TAIL,
     0, 1, "x", 1, NULL},
    {HEAD "<IsTruncated>true</IsTruncated>" OBJ("x", "1") TAIL, -EXIT_REJECTED,
     0, NULL, 0, "without a NextContinuationToken"},
    {HEAD OBJ("a&amp;b&lt;&gt;&apos;&#x41;&#66;&#xe9;", "3") TAIL, 0, 1,
     "a&b<>'AB\xc3\xa9", 0, NULL},
    {HEAD OBJ("a&nbsp;b", "3") TAIL, -EXIT_REJECTED, 0, NULL, 0,
     "unknown entity"},
    {HEAD OBJ("a&#0;b", "3") TAIL, -EXIT_REJECTED, 0, NULL, 0,
     "forbidden character"},
    {HEAD OBJ("a&#xd800;b", "3") TAIL, -EXIT_REJECTED, 0, NULL, 0,
     "forbidden character"},
    {HEAD OBJ("a&amp b", "3") TAIL, -EXIT_REJECTED, 0, NULL, 0,
     "unterminated entity"},
    {HEAD OBJ("a&#x110000;", "3") TAIL, -EXIT_REJECTED, 0, NULL, 0,
     "forbidden character"},
    {HEAD TAIL, 0, 0, NULL, 0, NULL},
    {"<ListBucketResult/>", -EXIT_REJECTED, 0, NULL, 0,
     "not a ListBucketResult"},
    {HEAD "<Owner><ID>x</ID><DisplayName>y</DisplayName></Owner>" TAIL, 0, 0,
     NULL, 0, NULL},
    /* one Key, Size and ETag per object */
    {HEAD "<Contents><Key>a</Key><Key>b</Key><Size>1</Size><ETag>e</ETag>"
	  "</Contents>" TAIL,
     -EXIT_REJECTED, 0, NULL, 0, "two Keys"},
    {HEAD "<Contents><Key>a</Key><ETag>e</ETag></Contents>" TAIL,
     -EXIT_REJECTED, 0, NULL, 0, "without Key, Size or ETag"},
    {HEAD "<Contents><Key>a</Key><Size>1</Size><Size>2</Size><ETag>e</ETag>"
	  "</Contents>" TAIL,
     -EXIT_REJECTED, 0, NULL, 0, "two Sizes"},
    {HEAD OBJ("a", "-1") TAIL, -EXIT_REJECTED, 0, NULL, 0, "not a decimal"},
    {HEAD OBJ("a", "1x") TAIL, -EXIT_REJECTED, 0, NULL, 0, "not a decimal"},
    {HEAD OBJ("a", "99999999999999999999") TAIL, -EXIT_REJECTED, 0, NULL, 0,
     "not a decimal"},
    {HEAD OBJ("a", "") TAIL, -EXIT_REJECTED, 0, NULL, 0, "not a decimal"},
    {HEAD "<IsTruncated>yes</IsTruncated>" TAIL, -EXIT_REJECTED, 0, NULL, 0,
     "not true or false"},
    {HEAD
     "<IsTruncated>false</IsTruncated><IsTruncated>true</IsTruncated>" TAIL,
     -EXIT_REJECTED, 0, NULL, 0, "two IsTruncated"},
    /* what a strict reader refuses */
    {"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]>"
     "<ListBucketResult></ListBucketResult>",
     -EXIT_REJECTED, 0, NULL, 0, "DOCTYPE"},
    {HEAD "<!-- c -->" TAIL, -EXIT_REJECTED, 0, NULL, 0, "comments"},
    {HEAD OBJ("<![CDATA[a]]>", "1") TAIL, -EXIT_REJECTED, 0, NULL, 0, "CDATA"},
    {HEAD OBJ("a<b/>", "1") TAIL, -EXIT_REJECTED, 0, NULL, 0,
     "element inside a text value"},
    {HEAD "<Contents><Key>a</Size></Contents>" TAIL, -EXIT_REJECTED, 0, NULL, 0,
     "element inside a text value"},
    {HEAD "stray" OBJ("a", "1") TAIL, -EXIT_REJECTED, 0, NULL, 0,
     "text where elements"},
    {HEAD OBJ("a", "1"), -EXIT_REJECTED, 0, NULL, 0, "ends inside"},
    {HEAD OBJ("a", "1") TAIL "<x/>", -EXIT_REJECTED, 0, NULL, 0,
     "content after"},
    {HEAD "<Owner><ID>x</DisplayName></Owner>" TAIL, -EXIT_REJECTED, 0, NULL, 0,
     "mismatched"},
    {HEAD "<a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a>"
	  "</a></a></a></a></a></a></a></a></a></a></a></a></a></a></a>"
	  "</a></a></a>" TAIL,
     -EXIT_REJECTED, 0, NULL, 0, "nested too deeply"},
    {HEAD OBJ("a\x01", "1") TAIL, -EXIT_REJECTED, 0, NULL, 0,
     "control character"},
    {"<ListBucketResult x=1>" TAIL, -EXIT_REJECTED, 0, NULL, 0, "not quoted"},
    {"", -EXIT_REJECTED, 0, NULL, 0, "ends inside"},
};

START_TEST(test_parse)
{
	const struct xml_row *r = &rows[_i];
	struct s3xml_page p;
	struct err e = ERR_INIT;
	int rc = s3xml_parse(&p, r->doc, strlen(r->doc), "t", &e);

	ck_assert_msg(rc == r->rc, "row %d: got %d (%s)", _i, rc, e.msg);
	if (rc == 0) {
		ck_assert_uint_eq(p.n, r->n);
		ck_assert_int_eq(p.truncated, r->truncated);
		if (r->key0 != NULL)
			ck_assert_str_eq(s3xml_key(&p, 0), r->key0);
		if (r->n > 0)
			ck_assert_str_eq(p.v[0].etag, "\"e1\"");
	} else {
		ck_assert_msg(strstr(e.msg, r->why) != NULL, "row %d: %s", _i,
			      e.msg);
		ck_assert_ptr_nonnull(strstr(e.msg, "t: bad listing XML at"));
	}
	s3xml_page_clear(&p);
}
END_TEST

START_TEST(test_sizes_and_token)
{
	const char *doc =
	    HEAD "<IsTruncated>true</IsTruncated>"
		 "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYL"
		 "gveDs2J/wm36Hy4vbOwM=</NextContinuationToken>" OBJ(
		     "big", "18446744073709551") TAIL;
	struct s3xml_page p;
	struct err e = ERR_INIT;

	ck_assert_int_eq(s3xml_parse(&p, doc, strlen(doc), "t", &e), 0);
	ck_assert_str_eq(p.next,
			 "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
	ck_assert_uint_eq(p.v[0].size, 18446744073709551ULL);
	s3xml_page_clear(&p);
}
END_TEST

START_TEST(test_ceiling)
{
	static char big[S3XML_MAX_TEXT + 64];
	struct s3xml_page p;
	struct err e = ERR_INIT;
	size_t n;

	n = (size_t)snprintf(big, sizeof(big), "<ListBucketResult><Name>");
	memset(big + n, 'a', S3XML_MAX_TEXT);
	memcpy(big + n + S3XML_MAX_TEXT, "</Name></ListBucketResult>", 26);
	n += S3XML_MAX_TEXT + 26;
	ck_assert_int_eq(s3xml_parse(&p, big, n, "t", &e), -EXIT_REJECTED);
	ck_assert_ptr_nonnull(strstr(e.msg, "too long"));
	s3xml_page_clear(&p);
	ck_assert_int_eq(s3xml_parse(&p, big, S3XML_MAX_BYTES + 1, "t", &e),
			 -EXIT_REJECTED);
	ck_assert_ptr_nonnull(strstr(e.msg, "larger than"));
	s3xml_page_clear(&p);
}
END_TEST

static Suite *
s3xml_suite(void)
{
	Suite *s = suite_create("s3xml");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_sizes_and_token);
	tcase_add_test(tc, test_ceiling);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(s3xml_suite());
}
