/*
 * lib/oci: image references (good and hostile), WWW-Authenticate
 * challenges, manifest and index parsing with lying documents beside good
 * ones, and blob checks against descriptors (SPEC-OCI-1, -3, -4).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/oci.h"
#include "tests/unit/testutil.h"

#define HEX "6198f7563c6258dd8ce790bd5a7ff6d4e185e3ae831a927a3d6ec80ea6fa99c6"
#define D "sha256:" HEX
/* sha256("{}"), the OCI empty blob */
#define EMPTY "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

static const struct {
	const char *ref;
	int ok;
	const char *host, *repo;
	int loopback;
} ref_rows[] = {
    {"127.0.0.1:5000/ml/model@sha256:" HEX, 1, "127.0.0.1:5000", "ml/model", 1},
    {"localhost/a@sha256:" HEX, 1, "localhost", "a", 1},
    {"LocalHost:1/a@sha256:" HEX, 1, "LocalHost:1", "a", 1},
    {"[::1]:5000/a/b/c@sha256:" HEX, 1, "[::1]:5000", "a/b/c", 1},
    {"127.255.0.1/a@sha256:" HEX, 1, "127.255.0.1", "a", 1},
    {"registry.example.com/org/re-po_x.y__z--w@sha256:" HEX, 1,
     "registry.example.com", "org/re-po_x.y__z--w", 0},
    {"ghcr.io:443/o/r@sha256:" HEX, 1, "ghcr.io:443", "o/r", 0},
    {"128.0.0.1/a@sha256:" HEX, 1, "128.0.0.1", "a", 0},
    {"127.0.0.1.evil.com/a@sha256:" HEX, 1, "127.0.0.1.evil.com", "a", 0},
    {"localhost.evil.com/a@sha256:" HEX, 1, "localhost.evil.com", "a", 0},
    {"[::2]/a@sha256:" HEX, 1, "[::2]", "a", 0},
    {"r/a@sha256:" HEX, 1, "r", "a", 0},
    /* hostile or malformed */
    {"127.0.0.1/ml/model:latest@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1/ML/model@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1/ml/model", 0, NULL, NULL, 0},
    {"127.0.0.1/ml/model@", 0, NULL, NULL, 0},
    {"http://127.0.0.1/ml/model@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1/ml/model@sha256:6198F7563C6258DD8CE790BD5A7FF6D4E185E3AE831A9"
     "27A3D6EC80EA6FA99C6",
     0, NULL, NULL, 0},
    {"127.0.0.1/a@sha256:" HEX "0", 0, NULL, NULL, 0},
    {"127.0.0.1/a@sha256:6198f7563c6258dd8ce790bd5a7ff6d4e185e3ae831a927a3d6e"
     "c80ea6fa99c",
     0, NULL, NULL, 0},
    {"127.0.0.1/a@sha512:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1/a@sha256:" HEX "\n", 0, NULL, NULL, 0},
    {"127.0.0.1/ml//model@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1/ml/model/@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1//ml@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1/ml/../x@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1/a..b@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1/a.-b@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1/a___b@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1/.a@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1/a-@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1/a%2fb@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1/a?x=1@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1/a b@sha256:" HEX, 0, NULL, NULL, 0},
    {"user:pw@127.0.0.1/a@sha256:" HEX, 0, NULL, NULL, 0},
    {"/a@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1:0/a@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1:65536/a@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1:080/a@sha256:" HEX, 0, NULL, NULL, 0},
    {"127.0.0.1:/a@sha256:" HEX, 0, NULL, NULL, 0},
    {"-host.com/a@sha256:" HEX, 0, NULL, NULL, 0},
    {"host-.com/a@sha256:" HEX, 0, NULL, NULL, 0},
    {"ho_st/a@sha256:" HEX, 0, NULL, NULL, 0},
    {"a..b/a@sha256:" HEX, 0, NULL, NULL, 0},
    {"[::1/a@sha256:" HEX, 0, NULL, NULL, 0},
    {"[::1]x/a@sha256:" HEX, 0, NULL, NULL, 0},
    {"[evil/x]/a@sha256:" HEX, 0, NULL, NULL, 0},
    {"", 0, NULL, NULL, 0},
};

START_TEST(test_ref)
{
	struct oci_ref r;
	struct err e = ERR_INIT;
	int rc = oci_ref_parse(&r, ref_rows[_i].ref, &e);

	if (!ref_rows[_i].ok) {
		ck_assert_msg(rc == -EXIT_USAGE, "accepted %s",
			      ref_rows[_i].ref);
		ck_assert_int_eq(e.code, EXIT_USAGE);
		return;
	}
	ck_assert_msg(rc == 0, "%s: %s", ref_rows[_i].ref, e.msg);
	ck_assert_str_eq(r.host, ref_rows[_i].host);
	ck_assert_str_eq(r.repo, ref_rows[_i].repo);
	ck_assert_str_eq(r.hex, HEX);
	ck_assert_int_eq(r.loopback, ref_rows[_i].loopback);
}
END_TEST

START_TEST(test_ref_lengths)
{
	char ref[2048], repo[300];
	struct oci_ref r;
	struct err e = ERR_INIT;

	memset(repo, 'a', 255);
	repo[255] = '\0';
	snprintf(ref, sizeof(ref), "h/%s@sha256:%s", repo, HEX);
	ck_assert_int_eq(oci_ref_parse(&r, ref, &e), 0);
	repo[255] = 'a';
	repo[256] = '\0';
	snprintf(ref, sizeof(ref), "h/%s@sha256:%s", repo, HEX);
	ck_assert_int_eq(oci_ref_parse(&r, ref, &e), -EXIT_USAGE);
	memset(ref, 'a', sizeof(ref) - 1);
	ref[sizeof(ref) - 1] = '\0';
	ck_assert_int_eq(oci_ref_parse(&r, ref, &e), -EXIT_USAGE);
	/* a 64-character DNS label is one too many */
	memset(repo, 'b', 64);
	repo[64] = '\0';
	snprintf(ref, sizeof(ref), "%s.com/a@sha256:%s", repo, HEX);
	ck_assert_int_eq(oci_ref_parse(&r, ref, &e), -EXIT_USAGE);
	repo[63] = '\0';
	snprintf(ref, sizeof(ref), "%s.com/a@sha256:%s", repo, HEX);
	ck_assert_int_eq(oci_ref_parse(&r, ref, &e), 0);
}
END_TEST

static const struct {
	const char *hdr;
	int ok, bearer;
	const char *realm, *service, *scope;
} ch_rows[] = {
    {"Bearer realm=\"https://auth.docker.io/token\",service=\"registry."
     "docker.io\",scope=\"repository:library/ubuntu:pull\"",
     1, 1, "https://auth.docker.io/token", "registry.docker.io",
     "repository:library/ubuntu:pull"},
    {"Basic realm=\"mlattest-test\"", 1, 0, "mlattest-test", "", ""},
    {"basic realm=x", 1, 0, "x", "", ""},
    {"BEARER realm=\"https://a/t\" , service=reg , scope=\"s p\"", 1, 1,
     "https://a/t", "reg", "s p"},
    {"Bearer realm=\"https://a/t\",error=\"invalid_token\"", 1, 1,
     "https://a/t", "", ""},
    {"Bearer realm=\"a\\\"b\"", 1, 1, "a\"b", "", ""},
    {"Bearer realm=\"https://a/t\",service=\"b\", Basic realm=\"c\"", 1, 1,
     "https://a/t", "b", ""},
    {"Basic", 1, 0, "", "", ""},
    /* refused */
    {"Digest realm=\"x\", nonce=\"y\"", 0, 0, NULL, NULL, NULL},
    {"Bearer service=\"x\"", 0, 0, NULL, NULL, NULL},
    {"Bearer realm=\"x", 0, 0, NULL, NULL, NULL},
    {"Bearer realm=\"x\\", 0, 0, NULL, NULL, NULL},
    {"Bearer realm=\"a\x01\"", 0, 0, NULL, NULL, NULL},
    {"Bearer realm=\"a\r\nX-Evil: 1\"", 0, 0, NULL, NULL, NULL},
    {"Bearer realm=\"a\",realm=\"b\"", 0, 0, NULL, NULL, NULL},
    {"Bearer realm=", 0, 0, NULL, NULL, NULL},
    {"Bearer realm=\"x\" junk", 0, 0, NULL, NULL, NULL},
    {"Bearer realm=\"x\";service=y", 0, 0, NULL, NULL, NULL},
    {"", 0, 0, NULL, NULL, NULL},
};

START_TEST(test_challenge)
{
	struct oci_challenge c;
	struct err e = ERR_INIT;
	int rc = oci_challenge_parse(&c, ch_rows[_i].hdr, &e);

	if (!ch_rows[_i].ok) {
		ck_assert_msg(rc != 0, "accepted %s", ch_rows[_i].hdr);
		ck_assert_int_eq(e.code, EXIT_UNDECIDED);
		return;
	}
	ck_assert_msg(rc == 0, "%s: %s", ch_rows[_i].hdr, e.msg);
	ck_assert_int_eq(c.bearer, ch_rows[_i].bearer);
	ck_assert_str_eq(c.realm, ch_rows[_i].realm);
	ck_assert_str_eq(c.service, ch_rows[_i].service);
	ck_assert_str_eq(c.scope, ch_rows[_i].scope);
}
END_TEST

START_TEST(test_challenge_long)
{
	char hdr[3000];
	struct oci_challenge c;
	struct err e = ERR_INIT;

	memcpy(hdr, "Bearer realm=\"", 14);
	memset(hdr + 14, 'a', 1100);
	memcpy(hdr + 1114, "\"", 2);
	ck_assert_int_eq(oci_challenge_parse(&c, hdr, &e), -EXIT_UNDECIDED);
}
END_TEST

#define CFG                                                                    \
	"{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","         \
	"\"digest\":\"" D "\",\"size\":2}"
#define LAYER(d, s)                                                            \
	"{\"mediaType\":\"application/vnd.dsse.envelope.v1+json\","            \
	"\"digest\":\"" d "\",\"size\":" s "}"
#define MANIFEST(extra, layers)                                                \
	"{\"schemaVersion\":2,\"mediaType\":"                                  \
	"\"application/vnd.oci.image.manifest.v1+json\"," extra                \
	"\"config\":" CFG ",\"layers\":[" layers "]}"
#define INDEX(m)                                                               \
	"{\"schemaVersion\":2,\"mediaType\":"                                  \
	"\"application/vnd.oci.image.index.v1+json\",\"manifests\":[" m "]}"
#define OCI_CT "application/vnd.oci.image.manifest.v1+json"
#define IDX_CT "application/vnd.oci.image.index.v1+json"

static const struct {
	const char *name;
	enum oci_kind kind;
	const char *doc, *ctype;
	int ok;
	size_t n;
} doc_rows[] = {
    {"manifest", OCI_KIND_MANIFEST, MANIFEST("", LAYER(D, "5")), OCI_CT, 1, 1},
    {"manifest, ctype with params", OCI_KIND_MANIFEST,
     MANIFEST("", LAYER(D, "5")), OCI_CT "; charset=utf-8", 1, 1},
    {"manifest, no ctype", OCI_KIND_MANIFEST, MANIFEST("", ""), NULL, 1, 0},
    {"manifest, no mediaType", OCI_KIND_MANIFEST,
     "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[]}", NULL, 1, 0},
    {"referrer", OCI_KIND_MANIFEST,
     MANIFEST("\"artifactType\":\"application/vnd.dev.sigstore.bundle.v0.3+"
	      "json\",\"subject\":{\"mediaType\":\"" OCI_CT "\",\"digest\":"
	      "\"" D "\",\"size\":400},",
	      LAYER(D, "5")),
     OCI_CT, 1, 1},
    {"docker v2 manifest", OCI_KIND_MANIFEST,
     "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker."
     "distribution.manifest.v2+json\",\"config\":" CFG ",\"layers\":[]}",
     "application/vnd.docker.distribution.manifest.v2+json", 1, 0},
    {"index", OCI_KIND_INDEX,
     INDEX("{\"mediaType\":\"" OCI_CT "\",\"digest\":\"" D "\",\"size\":9,"
	   "\"artifactType\":\"application/vnd.dsse.envelope.v1+json\"}"),
     IDX_CT, 1, 1},
    {"empty index", OCI_KIND_INDEX, INDEX(""), IDX_CT, 1, 0},
    /* lies and malformations */
    {"schemaVersion 1", OCI_KIND_MANIFEST,
     "{\"schemaVersion\":1,\"config\":" CFG ",\"layers\":[]}", NULL, 0, 0},
    {"schemaVersion string", OCI_KIND_MANIFEST,
     "{\"schemaVersion\":\"2\",\"config\":" CFG ",\"layers\":[]}", NULL, 0, 0},
    {"index where a manifest is wanted", OCI_KIND_MANIFEST, INDEX(""), NULL, 0,
     0},
    {"manifest where an index is wanted", OCI_KIND_INDEX, MANIFEST("", ""),
     NULL, 0, 0},
    {"ctype disagrees", OCI_KIND_MANIFEST, MANIFEST("", ""), IDX_CT, 0, 0},
    {"ctype text/html", OCI_KIND_MANIFEST, MANIFEST("", ""), "text/html", 0, 0},
    {"layer digest uppercase", OCI_KIND_MANIFEST,
     MANIFEST("", LAYER("sha256:6198F7563C6258DD8CE790BD5A7FF6D4E185E3AE83"
			"1A927A3D6EC80EA6FA99C6",
			"5")),
     NULL, 0, 0},
    {"layer digest sha512", OCI_KIND_MANIFEST,
     MANIFEST("", LAYER("sha512:" HEX, "5")), NULL, 0, 0},
    {"layer digest short", OCI_KIND_MANIFEST,
     MANIFEST("", LAYER("sha256:abc", "5")), NULL, 0, 0},
    {"layer digest with path", OCI_KIND_MANIFEST,
     MANIFEST("", LAYER("sha256:../../" HEX, "5")), NULL, 0, 0},
    {"layer size negative", OCI_KIND_MANIFEST, MANIFEST("", LAYER(D, "-1")),
     NULL, 0, 0},
    {"layer size real", OCI_KIND_MANIFEST, MANIFEST("", LAYER(D, "1.5")), NULL,
     0, 0},
    {"layer size string", OCI_KIND_MANIFEST, MANIFEST("", LAYER(D, "\"5\"")),
     NULL, 0, 0},
    {"layer size missing", OCI_KIND_MANIFEST,
     MANIFEST("", "{\"mediaType\":\"application/vnd.dsse.envelope.v1+json\","
		  "\"digest\":\"" D "\"}"),
     NULL, 0, 0},
    {"layer mediaType with space", OCI_KIND_MANIFEST,
     MANIFEST("",
	      "{\"mediaType\":\"text/x y\",\"digest\":\"" D "\",\"size\":1}"),
     NULL, 0, 0},
    {"layer mediaType without slash", OCI_KIND_MANIFEST,
     MANIFEST("", "{\"mediaType\":\"json\",\"digest\":\"" D "\",\"size\":1}"),
     NULL, 0, 0},
    {"layer not an object", OCI_KIND_MANIFEST, MANIFEST("", "\"x\""), NULL, 0,
     0},
    {"layers not an array", OCI_KIND_MANIFEST,
     "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":{}}", NULL, 0, 0},
    {"config missing", OCI_KIND_MANIFEST, "{\"schemaVersion\":2,\"layers\":[]}",
     NULL, 0, 0},
    {"subject bad digest", OCI_KIND_MANIFEST,
     MANIFEST("\"subject\":{\"mediaType\":\"" OCI_CT "\",\"digest\":\"md5:"
	      "x\",\"size\":1},",
	      ""),
     NULL, 0, 0},
    {"artifactType malformed", OCI_KIND_MANIFEST,
     MANIFEST("\"artifactType\":\"no slash\",", ""), NULL, 0, 0},
    {"artifactType not a string", OCI_KIND_MANIFEST,
     MANIFEST("\"artifactType\":7,", ""), NULL, 0, 0},
    {"annotations not an object", OCI_KIND_MANIFEST,
     MANIFEST("", "{\"mediaType\":\"a/b\",\"digest\":\"" D
		  "\",\"size\":1,\"annotations\":[]}"),
     NULL, 0, 0},
    {"duplicate key", OCI_KIND_MANIFEST,
     "{\"schemaVersion\":2,\"schemaVersion\":2,\"config\":" CFG
     ",\"layers\":[]}",
     NULL, 0, 0},
    {"trailing data", OCI_KIND_MANIFEST, MANIFEST("", "") "{}", NULL, 0, 0},
    {"not JSON", OCI_KIND_MANIFEST, "<html>", NULL, 0, 0},
};

START_TEST(test_doc)
{
	struct oci_doc *d = NULL;
	struct err e = ERR_INIT;
	const char *doc = doc_rows[_i].doc;
	int rc =
	    oci_doc_parse(&d, doc_rows[_i].kind, (const unsigned char *)doc,
			  strlen(doc), doc_rows[_i].ctype, "test", &e);

	if (!doc_rows[_i].ok) {
		ck_assert_msg(rc == -EXIT_REJECTED, "%s: accepted (rc %d: %s)",
			      doc_rows[_i].name, rc, e.msg);
		ck_assert_ptr_null(d);
		return;
	}
	ck_assert_msg(rc == 0, "%s: %s", doc_rows[_i].name, e.msg);
	ck_assert_uint_eq(oci_doc_count(d), doc_rows[_i].n);
	if (doc_rows[_i].kind == OCI_KIND_MANIFEST)
		ck_assert_str_eq(oci_doc_config(d)->digest, D);
	else
		ck_assert_ptr_null(oci_doc_config(d));
	if (doc_rows[_i].n > 0)
		ck_assert_str_eq(oci_doc_get(d, 0)->digest, D);
	oci_doc_free(d);
}
END_TEST

START_TEST(test_doc_views)
{
	static const char doc[] = MANIFEST(
	    "\"artifactType\":\"application/vnd.dsse.envelope.v1+json\","
	    "\"subject\":{\"mediaType\":\"" OCI_CT "\",\"digest\":\"" D
	    "\",\"size\":400},",
	    LAYER(D, "5") "," LAYER(D, "7"));
	struct oci_doc *d = NULL;
	struct err e = ERR_INIT;

	ck_assert_int_eq(oci_doc_parse(&d, OCI_KIND_MANIFEST,
				       (const unsigned char *)doc, strlen(doc),
				       OCI_CT, "t", &e),
			 0);
	ck_assert_str_eq(oci_doc_artifact_type(d),
			 "application/vnd.dsse.envelope.v1+json");
	ck_assert_str_eq(oci_doc_subject(d)->digest, D);
	ck_assert_uint_eq(oci_doc_subject(d)->size, 400);
	ck_assert_uint_eq(oci_doc_count(d), 2);
	ck_assert_uint_eq(oci_doc_get(d, 1)->size, 7);
	ck_assert_str_eq(oci_doc_get(d, 1)->media_type,
			 "application/vnd.dsse.envelope.v1+json");
	ck_assert_ptr_nonnull(oci_doc_json(d));
	oci_doc_free(d);
}
END_TEST

/* A document listing n descriptors. */
static char *
many(enum oci_kind kind, size_t n)
{
	static const char item[] = LAYER(D, "1") ",";
	const char *head = kind == OCI_KIND_MANIFEST
			       ? "{\"schemaVersion\":2,\"config\":" CFG
				 ",\"layers\":["
			       : "{\"schemaVersion\":2,\"manifests\":[";
	size_t cap = strlen(head) + n * (sizeof(item) - 1) + 8, i;
	char *s = malloc(cap), *p;

	ck_assert_ptr_nonnull(s);
	p = s + snprintf(s, cap, "%s", head);
	for (i = 0; i < n; i++)
		p += snprintf(p, cap - (size_t)(p - s), "%s", item);
	if (n > 0)
		p--;
	snprintf(p, cap - (size_t)(p - s), "]}");
	return s;
}

START_TEST(test_doc_ceilings)
{
	struct oci_doc *d = NULL;
	struct err e = ERR_INIT;
	char *s;

	s = many(OCI_KIND_MANIFEST, OCI_MAX_LAYERS);
	ck_assert_int_eq(oci_doc_parse(&d, OCI_KIND_MANIFEST,
				       (unsigned char *)s, strlen(s), NULL, "t",
				       &e),
			 0);
	oci_doc_free(d);
	free(s);
	s = many(OCI_KIND_MANIFEST, OCI_MAX_LAYERS + 1);
	ck_assert_int_eq(oci_doc_parse(&d, OCI_KIND_MANIFEST,
				       (unsigned char *)s, strlen(s), NULL, "t",
				       &e),
			 -EXIT_REJECTED);
	ck_assert_ptr_nonnull(strstr(e.msg, "more than"));
	free(s);
	s = many(OCI_KIND_INDEX, OCI_MAX_REFERRERS + 1);
	ck_assert_int_eq(oci_doc_parse(&d, OCI_KIND_INDEX, (unsigned char *)s,
				       strlen(s), NULL, "t", &e),
			 -EXIT_REJECTED);
	free(s);
	s = calloc(1, OCI_MAX_MANIFEST_BYTES + 2);
	ck_assert_ptr_nonnull(s);
	memset(s, ' ', OCI_MAX_MANIFEST_BYTES + 1);
	ck_assert_int_eq(oci_doc_parse(&d, OCI_KIND_INDEX, (unsigned char *)s,
				       strlen(s), NULL, "t", &e),
			 -EXIT_REJECTED);
	ck_assert_ptr_nonnull(strstr(e.msg, "larger than"));
	free(s);
}
END_TEST

static const struct {
	const char *name, *digest, *data;
	size_t size;
	int ok;
} blob_rows[] = {
    {"empty blob", "sha256:" EMPTY, "{}", 2, 1},
    {"size lie (short)", "sha256:" EMPTY, "{}", 3, 0},
    {"size lie (long)", "sha256:" EMPTY, "{}", 1, 0},
    {"content lie", "sha256:" EMPTY, "[]", 2, 0},
    {"digest of another blob", D, "{}", 2, 0},
};

START_TEST(test_blob_check)
{
	struct oci_desc d;
	struct err e = ERR_INIT;
	int rc;

	memset(&d, 0, sizeof(d));
	snprintf(d.digest, sizeof(d.digest), "%s", blob_rows[_i].digest);
	d.size = blob_rows[_i].size;
	rc = oci_blob_check(&d, (const unsigned char *)blob_rows[_i].data,
			    strlen(blob_rows[_i].data), "blob", &e);
	if (blob_rows[_i].ok) {
		ck_assert_msg(rc == 0, "%s: %s", blob_rows[_i].name, e.msg);
	} else {
		ck_assert_msg(rc == -EXIT_REJECTED, "%s: accepted",
			      blob_rows[_i].name);
		ck_assert_int_eq(e.code, EXIT_REJECTED);
	}
}
END_TEST

static Suite *
oci_suite(void)
{
	Suite *s = suite_create("oci");
	TCase *ref = tcase_create("reference");
	TCase *ch = tcase_create("challenge");
	TCase *doc = tcase_create("documents");

	tcase_add_loop_test(ref, test_ref, 0,
			    sizeof(ref_rows) / sizeof(ref_rows[0]));
	tcase_add_test(ref, test_ref_lengths);
	tcase_add_loop_test(ch, test_challenge, 0,
			    sizeof(ch_rows) / sizeof(ch_rows[0]));
	tcase_add_test(ch, test_challenge_long);
	tcase_add_loop_test(doc, test_doc, 0,
			    sizeof(doc_rows) / sizeof(doc_rows[0]));
	tcase_add_test(doc, test_doc_views);
	tcase_add_test(doc, test_doc_ceilings);
	tcase_add_loop_test(doc, test_blob_check, 0,
			    sizeof(blob_rows) / sizeof(blob_rows[0]));
	tcase_set_timeout(doc, 30);
	suite_add_tcase(s, ref);
	suite_add_tcase(s, ch);
	suite_add_tcase(s, doc);
	return s;
}

int
main(void)
{
	return testutil_run(oci_suite());
}
