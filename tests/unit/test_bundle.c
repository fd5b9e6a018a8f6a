/*
 * lib/bundle: JSON Lines and whole-file reading, bad entries beside good
 * ones, Sigstore bundle shape rules (SPEC-BUN-1..4), write/read round
 * trip, and the upstream vectors: the OMS model-transparency bundle
 * (P-384), the OMS spec bundles and the legacy slsa-github-generator line.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys/envelope.h"
#include "keys/keyset.h"
#include "lib/bundle.h"
#include "lib/fileio.h"
#include "lib/jsonio.h"
#include "lib/statement.h"
#include "tests/unit/testutil.h"

#define OMS_DIR "oms-model-transparency-v1.1.0-elliptic-key"
#define OMS_HINT                                                               \
	"e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e"
#define P256_HINT "95NYAGBWLW/wddgU6mmMKC/Md5sM3mTXn/xjAd8A0Us="

/* Removes the temp directory dir and all it holds (symlinks not followed). */
static char *
vpath(const char *name)
{
	char *p = malloc(PATH_MAX);

	ck_assert_ptr_nonnull(p);
	snprintf(p, PATH_MAX, "%s/%s", TEST_VECTORS, name);
	return p;
}

static char *
write_tmp(const char *dir, const char *name, const void *data, size_t len)
{
	char *p = malloc(PATH_MAX);
	FILE *f;

	ck_assert_ptr_nonnull(p);
	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return p;
}

/* A one-line vector without its final newline. */
static char *
vector_line(const char *name)
{
	size_t len;
	char *buf = (char *)testutil_vector(name, &len);

	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	ck_assert_ptr_null(memchr(buf, '\n', len));
	return buf;
}

static json_t *
vector_json(const char *name)
{
	struct err e = ERR_INIT;
	unsigned char *buf;
	json_t *obj = NULL;
	size_t len;

	buf = testutil_vector(name, &len);
	ck_assert_int_eq(jsonio_load_object(&obj, buf, len, name, &e), 0);
	free(buf);
	return obj;
}

/* A keyset with the public key of a generated-vector case. */
static struct keyset *
generated_keys(const char *key_case)
{
	json_t *v = vector_json("generated-intoto-dsse-vectors.json");
	const char *pem =
	    jsonio_str(json_object_get(json_object_get(v, "cases"), key_case),
		       "public_key_pem");
	struct err e = ERR_INIT;
	struct keyset *ks = NULL;
	struct key *k = NULL;

	ck_assert_ptr_nonnull(pem);
	ck_assert_int_eq(keyset_new(&ks, &e), 0);
	ck_assert_int_eq(key_load_public_pem(&k, pem, strlen(pem), "pem", &e),
			 0);
	ck_assert_int_eq(keyset_add(ks, k, &e), 0);
	json_decref(v);
	return ks;
}

static struct keyset *
oms_keys(void)
{
	char *path = vpath(OMS_DIR "/signing-key-pub.pem");
	struct err e = ERR_INIT;
	struct keyset *ks = NULL;

	ck_assert_int_eq(keyset_new(&ks, &e), 0);
	ck_assert_msg(keyset_add_file(ks, path, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(key_get_type(keyset_get(ks, 0)), KEY_ECDSA_P384);
	free(path);
	return ks;
}

static int
verify_entry(const struct keyset *ks, const struct bundle_entry *ent)
{
	struct err e = ERR_INIT;

	ck_assert_msg(ent->error.code == 0, "%s", ent->error.msg);
	ck_assert_ptr_nonnull(ent->env);
	return keyset_verify_envelope(NULL, ks, ent->env, ent->src, &e);
}

/* JSON Lines ---------------------------------------------------------- */

/* Blank lines, CRLF, whitespace-only lines, a Sigstore line, bare
 * envelope lines and a last line without its newline. */
START_TEST(test_jsonl_mixed)
{
	char *dir = testutil_tmpdir();
	char *dsse = vector_line("generated-ecdsa-p256-sha256.dsse.json");
	char *sig = vector_line("generated-ecdsa-p256-sha256.sigstore.json");
	char *ed = vector_line("generated-ed25519.dsse.json");
	struct keyset *ks = generated_keys("ecdsa-p256-sha256");
	struct keyset *edks = generated_keys("ed25519");
	struct err e = ERR_INIT;
	struct bundle *b = NULL;
	char *text, *path, want[PATH_MAX + 32];
	size_t n = strlen(dsse) + strlen(sig) + strlen(ed) + 64, len;
	const struct bundle_entry *ent;

	text = malloc(n);
	ck_assert_ptr_nonnull(text);
	len = (size_t)snprintf(text, n, "\n%s\r\n\n%s\r\n \t\r\n%s", dsse, sig,
			       ed);
	path = write_tmp(dir, "a.intoto.jsonl", text, len);
	ck_assert_msg(bundle_read(&b, path, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(bundle_count(b), 3);

	ent = bundle_get(b, 0);
	ck_assert_uint_eq(ent->line, 2);
	snprintf(want, sizeof(want), "%s:2", path);
	ck_assert_str_eq(ent->src, want);
	ck_assert_int_eq(ent->format, BUNDLE_DSSE);
	ck_assert_ptr_null(ent->hint);
	ck_assert_uint_eq(ent->rawlen, strlen(dsse) + 1);
	ck_assert_mem_eq(ent->raw, dsse, strlen(dsse));
	ck_assert_int_eq(verify_entry(ks, ent), 0);

	ent = bundle_get(b, 1);
	ck_assert_uint_eq(ent->line, 4);
	ck_assert_int_eq(ent->format, BUNDLE_SIGSTORE);
	ck_assert_str_eq(ent->hint, P256_HINT);
	ck_assert_int_eq(verify_entry(ks, ent), 0);

	ent = bundle_get(b, 2);
	ck_assert_uint_eq(ent->line, 6);
	ck_assert_int_eq(ent->format, BUNDLE_DSSE);
	ck_assert_uint_eq(ent->rawlen, strlen(ed));
	ck_assert_int_eq(verify_entry(edks, ent), 0);
	ck_assert_int_eq(verify_entry(ks, ent), -EXIT_REJECTED);

	bundle_free(b);
	keyset_free(ks);
	keyset_free(edks);
	free(text);
	free(path);
	free(dsse);
	free(sig);
	free(ed);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* Malformed lines become bad entries that name file:line; the good lines
 * around them are unaffected. */
START_TEST(test_jsonl_bad_lines)
{
	static const char *const bad[] = {
	    "{not json",
	    "{\"a\":1}",
	    "[1,2]",
	    "{\"payload\":\"aGk=\",\"payloadType\":\"t\",\"signatures\":[]}",
	    "{\"a\":1,\"a\":1}",
	    "\"str\"",
	};
	size_t nbad = sizeof(bad) / sizeof(bad[0]), i, n, len = 0;
	char *dir = testutil_tmpdir();
	char *dsse = vector_line("generated-ed25519.dsse.json");
	struct keyset *ks = generated_keys("ed25519");
	struct err e = ERR_INIT;
	struct bundle *b = NULL;
	char *text, *path, want[PATH_MAX + 32];

	n = (strlen(dsse) + 64) * (nbad + 2);
	text = malloc(n);
	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text + len, n - len, "%s\n", dsse);
	for (i = 0; i < nbad; i++)
		len += (size_t)snprintf(text + len, n - len, "%s\n%s\n", bad[i],
					dsse);
	path = write_tmp(dir, "b.jsonl", text, len);
	ck_assert_msg(bundle_read(&b, path, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(bundle_count(b), 1 + 2 * nbad);
	for (i = 0; i < bundle_count(b); i++) {
		const struct bundle_entry *ent = bundle_get(b, i);
		ck_assert_uint_eq(ent->line, i + 1);
		if (i % 2 == 0) {
			ck_assert_int_eq(verify_entry(ks, ent), 0);
			continue;
		}
		ck_assert_int_eq(ent->error.code, EXIT_REJECTED);
		ck_assert_ptr_null(ent->env);
		snprintf(want, sizeof(want), "%s:%zu: ", path, i + 1);
		ck_assert_msg(strncmp(ent->error.msg, want, strlen(want)) == 0,
			      "%s", ent->error.msg);
	}
	bundle_free(b);
	keyset_free(ks);
	free(text);
	free(path);
	free(dsse);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* A line over MAX_LINE_BYTES is a bad entry; the next line is still read. */
START_TEST(test_jsonl_long_line)
{
	char *dir = testutil_tmpdir();
	char *dsse = vector_line("generated-ed25519.dsse.json");
	size_t dl = strlen(dsse), n = MAX_LINE_BYTES + 1 + 1 + dl;
	char *text = malloc(n), *path;
	struct err e = ERR_INIT;
	struct bundle *b = NULL;

	ck_assert_ptr_nonnull(text);
	memset(text, 'x', MAX_LINE_BYTES + 1);
	text[MAX_LINE_BYTES + 1] = '\n';
	memcpy(text + MAX_LINE_BYTES + 2, dsse, dl);
	path = write_tmp(dir, "long.jsonl", text, n);
	free(text);
	ck_assert_msg(bundle_read(&b, path, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(bundle_count(b), 2);
	ck_assert_int_eq(bundle_get(b, 0)->error.code, EXIT_REJECTED);
	ck_assert_ptr_nonnull(strstr(bundle_get(b, 0)->error.msg, "longer"));
	ck_assert_int_eq(bundle_get(b, 1)->error.code, 0);
	ck_assert_ptr_nonnull(bundle_get(b, 1)->env);
	bundle_free(b);
	unlink(path);
	free(path);
	free(dsse);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* Whole files ------------------------------------------------------------ */

/* A pretty-printed bundle or envelope is one entry named by the file; its
 * twin with a duplicate key is read line by line and has no good entry. */
static const char *const pretty_vectors[] = {
    "generated-ecdsa-p256-sha256.sigstore.json",
    "generated-ecdsa-p256-sha256.dsse.json",
};

START_TEST(test_pretty_whole_file)
{
	const char *name = pretty_vectors[_i];
	char *dir = testutil_tmpdir();
	json_t *obj = vector_json(name);
	struct keyset *ks = generated_keys("ecdsa-p256-sha256");
	struct err e = ERR_INIT;
	struct bundle *b = NULL;
	char *text = NULL, *path, *dup;
	size_t len, i;

	ck_assert_int_eq(jsonio_dump(&text, &len, obj, JSONIO_PRETTY_FLAGS, &e),
			 0);
	ck_assert_ptr_nonnull(strchr(text, '\n'));
	path = write_tmp(dir, "p.json", text, len);
	ck_assert_msg(bundle_read(&b, path, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(bundle_count(b), 1);
	ck_assert_uint_eq(bundle_get(b, 0)->line, 0);
	ck_assert_str_eq(bundle_get(b, 0)->src, path);
	ck_assert_uint_eq(bundle_get(b, 0)->rawlen, len);
	ck_assert_int_eq(verify_entry(ks, bundle_get(b, 0)), 0);
	bundle_free(b);
	free(path);

	/* Twin: the same text with a duplicated first member. */
	dup = malloc(2 * len + 2);
	ck_assert_ptr_nonnull(dup);
	i = (size_t)(strchr(text + 2, '\n') - text) + 1;
	memcpy(dup, text, i);
	memcpy(dup + i, text + 2, i - 2);
	memcpy(dup + 2 * i - 2, text + i, len - i);
	path = write_tmp(dir, "dup.json", dup, len + i - 2);
	ck_assert_msg(bundle_read(&b, path, &e) == 0, "%s", e.msg);
	for (i = 0; i < bundle_count(b); i++) {
		ck_assert_int_eq(bundle_get(b, i)->error.code, EXIT_REJECTED);
		ck_assert_ptr_null(bundle_get(b, i)->env);
	}
	bundle_free(b);
	free(path);
	free(dup);
	free(text);
	keyset_free(ks);
	json_decref(obj);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* Files that are refused as a whole. */
struct file_row {
	const char *name;
	const char *content;
	int rc;
};

static const struct file_row file_rows[] = {
    {"empty.jsonl", "", -EXIT_REJECTED},
    {"blank.jsonl", "\n \r\n\t\n\n", -EXIT_REJECTED},
    {"missing.jsonl", NULL, -EXIT_UNDECIDED},
};

START_TEST(test_file_refused)
{
	const struct file_row *r = &file_rows[_i];
	char *dir = testutil_tmpdir(), path[PATH_MAX];
	struct err e = ERR_INIT;
	struct bundle *b = (struct bundle *)1;
	char *p;

	if (r->content != NULL) {
		p = write_tmp(dir, r->name, r->content, strlen(r->content));
		free(p);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, r->name);
	ck_assert_int_eq(bundle_read(&b, path, &e), r->rc);
	ck_assert_ptr_null(b);
	ck_assert_msg(strstr(e.msg, path) != NULL, "%s", e.msg);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* bundle_each ------------------------------------------------------- */

/* What bundle_each showed, to compare with bundle_read's entries. */
struct seen {
	char src[64][300];
	char err[64][600];
	int has_env[64];
	size_t n, stop_at; /* fn fails at entry stop_at (0: never) */
};

static int
remember(void *ctx, const struct bundle_entry *ent, struct err *e)
{
	struct seen *s = ctx;

	ck_assert_uint_lt(s->n, 64);
	snprintf(s->src[s->n], sizeof(s->src[0]), "%s", ent->src);
	snprintf(s->err[s->n], sizeof(s->err[0]), "%s", ent->error.msg);
	s->has_env[s->n] = ent->env != NULL;
	if (++s->n == s->stop_at)
		return err_set(e, EXIT_UNDECIDED, "stop at %zu", s->n);
	return 0;
}

static void
same_as_read(const char *path)
{
	static struct seen s;
	struct err e = ERR_INIT;
	struct bundle *b = NULL;
	size_t i;

	memset(&s, 0, sizeof(s));
	ck_assert_msg(bundle_read(&b, path, &e) == 0, "%s", e.msg);
	ck_assert_msg(bundle_each(path, remember, &s, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(s.n, bundle_count(b));
	for (i = 0; i < s.n; i++) {
		ck_assert_str_eq(s.src[i], bundle_get(b, i)->src);
		ck_assert_str_eq(s.err[i], bundle_get(b, i)->error.msg);
		ck_assert_int_eq(s.has_env[i], bundle_get(b, i)->env != NULL);
	}
	bundle_free(b);
}

/* The same entries, bad ones included, in the same order, and the same
 * refusals of whole files, one entry at a time. */
START_TEST(test_each)
{
	static struct seen s;
	char *dir = testutil_tmpdir();
	char *dsse = vector_line("generated-ed25519.dsse.json");
	json_t *obj = vector_json("generated-ecdsa-p256-sha256.dsse.json");
	struct err e = ERR_INIT;
	char *text = NULL, *path, *lines;
	size_t len, n = 3 * strlen(dsse) + 64;
	unsigned char *many;
	size_t i;

	lines = malloc(n);
	ck_assert_ptr_nonnull(lines);
	len = (size_t)snprintf(lines, n, "%s\n\n{not json\n%s\n[1]\n%s", dsse,
			       dsse, dsse);
	path = write_tmp(dir, "b.jsonl", lines, len);
	same_as_read(path);
	/* fn's failure stops the walk and is what bundle_each returns */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	ck_assert_int_eq(bundle_each(path, remember, &s, &e), -EXIT_UNDECIDED);
	ck_assert_str_eq(e.msg, "stop at 2");
	ck_assert_uint_eq(s.n, 2);
	free(path);

	ck_assert_int_eq(jsonio_dump(&text, &len, obj, JSONIO_PRETTY_FLAGS, &e),
			 0);
	path = write_tmp(dir, "p.json", text, len);
	same_as_read(path);
	free(path);

	/* refused files: fn never runs */
	for (i = 0; i < sizeof(file_rows) / sizeof(file_rows[0]); i++) {
		memset(&s, 0, sizeof(s));
		path = testutil_join(dir, file_rows[i].name);
		if (file_rows[i].content != NULL)
			free(write_tmp(dir, file_rows[i].name,
				       file_rows[i].content,
				       strlen(file_rows[i].content)));
		ck_assert_int_eq(bundle_each(path, remember, &s, &e),
				 file_rows[i].rc);
		ck_assert_uint_eq(s.n, 0);
		free(path);
	}
	/* past MAX_BUNDLE_ENTRIES nothing is visited: the count comes first */
	many = malloc(3 * (MAX_BUNDLE_ENTRIES + 1));
	ck_assert_ptr_nonnull(many);
	for (i = 0; i < MAX_BUNDLE_ENTRIES + 1; i++)
		memcpy(many + 3 * i, "{}\n", 3);
	path = write_tmp(dir, "many.jsonl", many, 3 * (MAX_BUNDLE_ENTRIES + 1));
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(bundle_each(path, remember, &s, &e), -EXIT_UNDECIDED);
	ck_assert_ptr_nonnull(strstr(e.msg, "more than 250000 entries"));
	ck_assert_uint_eq(s.n, 0);
	/* and one fewer is read */
	free(path);
	path = write_tmp(dir, "max.jsonl", many, 3 * MAX_BUNDLE_ENTRIES);
	memset(&s, 0, sizeof(s));
	s.stop_at = 64; /* no need to see them all */
	ck_assert_int_eq(bundle_each(path, remember, &s, &e), -EXIT_UNDECIDED);
	ck_assert_str_eq(e.msg, "stop at 64");
	free(path);
	free(many);
	free(text);
	free(lines);
	free(dsse);
	json_decref(obj);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* A (sparse) file one byte over MAX_BUNDLE_BYTES is refused unread. */
START_TEST(test_file_oversize)
{
	char *dir = testutil_tmpdir(), path[PATH_MAX];
	struct err e = ERR_INIT;
	struct bundle *b = (struct bundle *)1;
	int fd;

	snprintf(path, sizeof(path), "%s/big.jsonl", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)MAX_BUNDLE_BYTES + 1), 0);
	close(fd);
	ck_assert_int_eq(bundle_read(&b, path, &e), -EXIT_UNDECIDED);
	ck_assert_ptr_null(b);
	ck_assert_ptr_nonnull(strstr(e.msg, "limit"));
	unlink(path);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* Sigstore bundle shapes (SPEC-BUN-1, -3, -4) ----------------------------
 * Each row edits a copy of a base object at up to two member paths
 * ("a.b"; value NULL deletes) and says whether the result is a good entry.
 */
struct shape_row {
	int dsse_base; /* 0: the P-256 Sigstore vector, 1: its bare envelope */
	const char *path1, *value1;
	const char *path2, *value2;
	int good;
	enum bundle_format format;
};

#define MT "mediaType"
#define VM "verificationMaterial"
#define SIGS "dsseEnvelope.signatures"

static const struct shape_row shape_rows[] = {
    /* exactly one signature */
    {0, SIGS, "[{\"sig\":\"AAAA\"}]", NULL, NULL, 1, BUNDLE_SIGSTORE},
    {0, SIGS, "[]", NULL, NULL, 0, BUNDLE_SIGSTORE},
    {0, SIGS, "[{\"sig\":\"AAAA\",\"keyid\":\"\"}]", NULL, NULL, 1,
     BUNDLE_SIGSTORE},
    {0, SIGS, "[{\"sig\":\"AAAA\"},{\"sig\":\"AAAB\"}]", NULL, NULL, 0,
     BUNDLE_SIGSTORE},
    /* media types */
    {0, MT, "\"application/vnd.dev.sigstore.bundle+json;version=0.1\"", NULL,
     NULL, 1, BUNDLE_SIGSTORE},
    {0, MT, "\"application/vnd.dev.sigstore.bundle.v0.4+json\"", NULL, NULL, 0,
     BUNDLE_SIGSTORE},
    {0, MT, "\"application/vnd.dev.sigstore.bundle+json;version=0.2\"", NULL,
     NULL, 1, BUNDLE_SIGSTORE},
    {0, MT, "\"application/vnd.dev.sigstore.bundle+json;version=0.4\"", NULL,
     NULL, 0, BUNDLE_SIGSTORE},
    {0, MT, "\"application/vnd.dev.sigstore.bundle+json;version=0.3\"", NULL,
     NULL, 1, BUNDLE_SIGSTORE},
    {0, MT, "\"application/vnd.dev.sigstore.bundle\"", NULL, NULL, 0,
     BUNDLE_SIGSTORE},
    /* verificationMaterial: required, an object, exactly one kind */
    {0, VM, "{\"publicKey\":{}}", NULL, NULL, 1, BUNDLE_SIGSTORE},
    {0, VM, NULL, NULL, NULL, 0, BUNDLE_SIGSTORE},
    {0, VM, "{\"certificate\":{\"rawBytes\":\"AAAA\"}}", NULL, NULL, 1,
     BUNDLE_SIGSTORE},
    {0, VM,
     "{\"publicKey\":{\"hint\":\"h\"},\"certificate\":{\"rawBytes\":\"AAAA\"}}",
     NULL, NULL, 0, BUNDLE_SIGSTORE},
    {0, VM, "{\"x509CertificateChain\":{\"certificates\":[]}}", NULL, NULL, 1,
     BUNDLE_SIGSTORE},
    {0, VM, "{\"x509CertificateChain\":{},\"certificate\":{}}", NULL, NULL, 0,
     BUNDLE_SIGSTORE},
    {0, VM,
     "{\"publicKey\":{\"rawBytes\":\"AAAA\",\"keyDetails\":\"PKIX_ECDSA_P384_"
     "SHA_384\"}}",
     NULL, NULL, 1, BUNDLE_SIGSTORE},
    {0, VM, "{\"publicKey\":\"h\"}", NULL, NULL, 0, BUNDLE_SIGSTORE},
    {0, VM,
     "{\"publicKey\":{},\"tlogEntries\":[],\"timestampVerificationData\":{}}",
     NULL, NULL, 1, BUNDLE_SIGSTORE},
    {0, VM, "[]", NULL, NULL, 0, BUNDLE_SIGSTORE},
    {0, VM, "{\"tlogEntries\":[]}", NULL, NULL, 0, BUNDLE_SIGSTORE},
    /* content: a DSSE envelope, never a messageSignature */
    {0, "extra", "{\"x\":1}", NULL, NULL, 1, BUNDLE_SIGSTORE},
    {0, "dsseEnvelope", NULL, "messageSignature",
     "{\"messageDigest\":{\"algorithm\":\"SHA2_256\",\"digest\":\"AAAA\"},"
     "\"signature\":\"AAAA\"}",
     0, BUNDLE_SIGSTORE},
    {0, "dsseEnvelope.payload", "\"aGk\"", NULL, NULL, 1, BUNDLE_SIGSTORE},
    {0, "dsseEnvelope.payload", "\"a!k\"", NULL, NULL, 0, BUNDLE_SIGSTORE},
    {0, "dsseEnvelope.payloadType", "\"x/y\"", NULL, NULL, 1, BUNDLE_SIGSTORE},
    {0, "dsseEnvelope", "\"x\"", NULL, NULL, 0, BUNDLE_SIGSTORE},
    /* classification by mediaType (SPEC-BUN-1) */
    {1, MT, "\"text/plain\"", NULL, NULL, 1, BUNDLE_DSSE},
    {1, MT, "\"application/vnd.dev.sigstore.bundle.v0.3+json\"", NULL, NULL, 0,
     BUNDLE_SIGSTORE},
    {1, MT, "3", NULL, NULL, 1, BUNDLE_DSSE},
    {0, MT, "3", NULL, NULL, 0, BUNDLE_DSSE},
    {1, "signatures", "[{\"sig\":\"AAAA\"},{\"sig\":\"AAAB\"}]", NULL, NULL, 1,
     BUNDLE_DSSE},
    {1, "signatures", NULL, NULL, NULL, 0, BUNDLE_DSSE},
};

static void
set_path(json_t *root, const char *path, const char *value)
{
	char head[64];
	const char *dot = strchr(path, '.');
	struct err e = ERR_INIT;
	json_t *v = NULL;

	if (dot != NULL) {
		snprintf(head, sizeof(head), "%.*s", (int)(dot - path), path);
		set_path(json_object_get(root, head), dot + 1, value);
		return;
	}
	if (value == NULL) {
		ck_assert_int_eq(json_object_del(root, path), 0);
		return;
	}
	/* Wrap so that non-object values load through jsonio. */
	{
		char wrapped[1024];
		json_t *w = NULL;
		snprintf(wrapped, sizeof(wrapped), "{\"v\":%s}", value);
		ck_assert_int_eq(
		    jsonio_load_object(&w, wrapped, strlen(wrapped), "row", &e),
		    0);
		v = json_incref(json_object_get(w, "v"));
		json_decref(w);
	}
	ck_assert_int_eq(json_object_set_new(root, path, v), 0);
}

START_TEST(test_shape)
{
	const struct shape_row *r = &shape_rows[_i];
	json_t *base =
	    vector_json(r->dsse_base ? "generated-ecdsa-p256-sha256.dsse.json"
				     : "generated-ecdsa-p256-sha256.sigstore."
				       "json");
	struct bundle_entry ent;
	struct err e = ERR_INIT;
	int rc;

	memset(&ent, 0, sizeof(ent));
	if (r->path1 != NULL)
		set_path(base, r->path1, r->value1);
	if (r->path2 != NULL)
		set_path(base, r->path2, r->value2);
	rc = bundle_parse_object(&ent, base, "row.json", &e);
	if (r->good) {
		ck_assert_msg(rc == 0, "row %d: %s", _i, e.msg);
		ck_assert_ptr_nonnull(ent.env);
		ck_assert_int_eq(ent.format, r->format);
	} else {
		ck_assert_msg(rc == -EXIT_REJECTED, "row %d accepted", _i);
		ck_assert_ptr_null(ent.env);
		ck_assert_msg(strncmp(e.msg, "row.json: ", 10) == 0, "%s",
			      e.msg);
		if (r->format == BUNDLE_SIGSTORE)
			ck_assert_int_eq(ent.format, BUNDLE_SIGSTORE);
	}
	bundle_entry_clear(&ent);
	json_decref(base);
}
END_TEST

/* The same shapes through bundle_read: one line each, good lines good and
 * bad lines bad, in one file. */
START_TEST(test_shape_file)
{
	size_t nrows = sizeof(shape_rows) / sizeof(shape_rows[0]), i;
	char *dir = testutil_tmpdir(), *path;
	struct err e = ERR_INIT;
	struct bundle *b = NULL;
	char *text = NULL, *all;
	size_t len = 0, cap = 1 << 16, tl;

	all = malloc(cap);
	ck_assert_ptr_nonnull(all);
	for (i = 0; i < nrows; i++) {
		const struct shape_row *r = &shape_rows[i];
		json_t *o = vector_json(
		    r->dsse_base ? "generated-ecdsa-p256-sha256.dsse.json"
				 : "generated-ecdsa-p256-sha256.sigstore.json");
		if (r->path1 != NULL)
			set_path(o, r->path1, r->value1);
		if (r->path2 != NULL)
			set_path(o, r->path2, r->value2);
		ck_assert_int_eq(jsonio_dump(&text, &tl, o, JSONIO_FLAGS, &e),
				 0);
		ck_assert_uint_lt(len + tl + 1, cap);
		memcpy(all + len, text, tl);
		len += tl;
		all[len++] = '\n';
		free(text);
		json_decref(o);
	}
	path = write_tmp(dir, "shapes.jsonl", all, len);
	ck_assert_msg(bundle_read(&b, path, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(bundle_count(b), nrows);
	for (i = 0; i < nrows; i++) {
		const struct bundle_entry *ent = bundle_get(b, i);
		ck_assert_msg((ent->error.code == 0) == shape_rows[i].good,
			      "line %zu: %s", i + 1, ent->error.msg);
		ck_assert((ent->env != NULL) == shape_rows[i].good);
	}
	bundle_free(b);
	free(all);
	free(path);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* Write / read round trip ------------------------------------------------- */

static const char stmt[] =
    "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":"
    "\"m\",\"digest\":{\"sha256\":"
    "\"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\"}}],"
    "\"predicateType\":\"https://example.com/p\"}";

START_TEST(test_round_trip)
{
	char *dir = testutil_tmpdir(), path[PATH_MAX], jsonl[PATH_MAX];
	struct err e = ERR_INIT;
	struct key *k = NULL;
	struct keyset *ks = NULL;
	struct dsse_envelope *env = NULL;
	struct bundle *b = NULL;
	json_t *sb, *envj;
	unsigned char *data = NULL, *tmpdata = NULL;
	size_t len, plen, tmplen;
	const unsigned char *p;
	char *tamper;

	ck_assert_int_eq(key_generate(&k, KEY_ECDSA_P256, &e), 0);
	ck_assert_int_eq(envelope_sign(&env, DSSE_INTOTO_TYPE,
				       (const unsigned char *)stmt,
				       strlen(stmt), k, &e),
			 0);
	sb = bundle_sigstore_new(env, key_id(k), &e);
	ck_assert_ptr_nonnull(sb);
	ck_assert_str_eq(jsonio_str(sb, "mediaType"), SIGSTORE_MEDIA_V03);
	snprintf(path, sizeof(path), "%s/a.sigstore.json", dir);
	ck_assert_int_eq(bundle_write(path, sb, 0, &e), 0);
	ck_assert_int_eq(file_read(&data, &len, path, MAX_BUNDLE_BYTES, &e), 0);
	ck_assert_uint_gt(len, 0);
	ck_assert_uint_eq(data[len - 1], '\n');
	ck_assert_ptr_eq(memchr(data, '\n', len), data + len - 1);
	/* envelope.md §7: a whole-file bundle that exists is kept unless
	 * replace is set, even when it appeared after the early check. */
	ck_assert_int_eq(
	    bundle_write(path, envj = json_pack("{s:s}", "x", "y"), 0, &e),
	    -EXIT_UNDECIDED);
	ck_assert_ptr_nonnull(strstr(e.msg, "File exists"));
	ck_assert_int_eq(
	    file_read(&tmpdata, &tmplen, path, MAX_BUNDLE_BYTES, &e), 0);
	ck_assert_uint_eq(tmplen, len);
	ck_assert_mem_eq(tmpdata, data, len);
	free(tmpdata);
	ck_assert_int_eq(bundle_write(path, envj, 1, &e), 0);
	ck_assert_int_eq(
	    file_read(&tmpdata, &tmplen, path, MAX_BUNDLE_BYTES, &e), 0);
	ck_assert_uint_eq(tmplen, strlen("{\"x\":\"y\"}\n"));
	free(tmpdata);
	json_decref(envj);
	ck_assert_int_eq(bundle_write(path, sb, 1, &e), 0);
	ck_assert_int_eq(keyset_new(&ks, &e), 0);
	ck_assert_int_eq(keyset_add(ks, k, &e), 0);

	ck_assert_int_eq(bundle_read(&b, path, &e), 0);
	ck_assert_uint_eq(bundle_count(b), 1);
	ck_assert_int_eq(bundle_get(b, 0)->format, BUNDLE_SIGSTORE);
	ck_assert_str_eq(bundle_get(b, 0)->hint, key_id(k));
	ck_assert_str_eq(dsse_keyid(bundle_get(b, 0)->env, 0), key_id(k));
	p = dsse_payload(bundle_get(b, 0)->env, &plen);
	ck_assert_uint_eq(plen, strlen(stmt));
	ck_assert_mem_eq(p, stmt, plen);
	ck_assert_int_eq(verify_entry(ks, bundle_get(b, 0)), 0);
	bundle_free(b);

	/* Twin: one character of the signature changed in the file. */
	tamper = strstr((char *)data, "\"sig\":\"");
	ck_assert_ptr_nonnull(tamper);
	tamper[37] = tamper[37] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(file_write_atomic(path, data, len, 0644, 0, &e), 0);
	ck_assert_int_eq(bundle_read(&b, path, &e), 0);
	ck_assert_int_eq(verify_entry(ks, bundle_get(b, 0)), -EXIT_REJECTED);
	bundle_free(b);
	free(data);

	/* Appending to .jsonl: a bundle and a bare envelope, one line each. */
	snprintf(jsonl, sizeof(jsonl), "%s/x.intoto.jsonl", dir);
	envj = dsse_to_json(env);
	ck_assert_int_eq(bundle_write(jsonl, sb, 0, &e), 0);
	ck_assert_int_eq(bundle_write(jsonl, envj, 0, &e), 0);
	ck_assert_int_eq(bundle_write(jsonl, sb, 0, &e), 0);
	ck_assert_int_eq(bundle_read(&b, jsonl, &e), 0);
	ck_assert_uint_eq(bundle_count(b), 3);
	ck_assert_int_eq(bundle_get(b, 0)->format, BUNDLE_SIGSTORE);
	ck_assert_int_eq(bundle_get(b, 1)->format, BUNDLE_DSSE);
	ck_assert_uint_eq(bundle_get(b, 2)->line, 3);
	ck_assert_int_eq(verify_entry(ks, bundle_get(b, 1)), 0);
	ck_assert_int_eq(verify_entry(ks, bundle_get(b, 2)), 0);
	bundle_free(b);

	json_decref(envj);
	json_decref(sb);
	dsse_free(env);
	keyset_free(ks);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* bundle_write with no path writes one line to stdout. */
START_TEST(test_write_stdout)
{
	char *dir = testutil_tmpdir(), path[PATH_MAX];
	struct err e = ERR_INIT;
	json_t *v = json_pack("{s:i, s:i}", "b", 1, "a", 2);
	unsigned char *data = NULL;
	size_t len;
	int fd, saved;

	snprintf(path, sizeof(path), "%s/out", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	ck_assert_int_eq(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	ck_assert_int_eq(bundle_write(NULL, v, 0, &e), 0);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fd);
	ck_assert_int_eq(file_read(&data, &len, path, 1024, &e), 0);
	ck_assert_str_eq((char *)data, "{\"a\":2,\"b\":1}\n");
	free(data);
	json_decref(v);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* A Sigstore bundle carries exactly one signature: 0 or 2 are refused. */
START_TEST(test_sigstore_new_sig_count)
{
	static const unsigned char sig[] = {1, 2, 3};
	struct err e = ERR_INIT;
	struct dsse_envelope *env = NULL;
	json_t *b;

	ck_assert_int_eq(dsse_new(&env, DSSE_INTOTO_TYPE,
				  (const unsigned char *)"{}", 2, &e),
			 0);
	ck_assert_ptr_null(bundle_sigstore_new(env, "h", &e));
	ck_assert_int_ne(e.code, 0);
	ck_assert_int_eq(dsse_add_sig(env, "k", sig, sizeof(sig), &e), 0);
	err_clear(&e);
	b = bundle_sigstore_new(env, "h", &e);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(
	    jsonio_str(
		json_object_get(json_object_get(b, "verificationMaterial"),
				"publicKey"),
		"hint"),
	    "h");
	json_decref(b);
	ck_assert_int_eq(dsse_add_sig(env, "k", sig, sizeof(sig), &e), 0);
	ck_assert_ptr_null(bundle_sigstore_new(env, "h", &e));
	ck_assert_int_ne(e.code, 0);
	dsse_free(env);
}
END_TEST

/* Upstream vectors -------------------------------------------------------- */

/* The generated vector files as read from disk: each verifies with the key
 * that made it and not with the other one; the BAD-payloadtype envelope
 * (payloadType changed after signing) verifies with neither. */
struct gen_row {
	const char *file;
	const char *key_case, *other_case;
	enum bundle_format format;
	const char *hint;
	int want;
};

static const struct gen_row gen_rows[] = {
    {"generated-ecdsa-p256-sha256.sigstore.json", "ecdsa-p256-sha256",
     "ed25519", BUNDLE_SIGSTORE, P256_HINT, 0},
    {"generated-ed25519.sigstore.json", "ed25519", "ecdsa-p256-sha256",
     BUNDLE_SIGSTORE, "BuP9j9opu2CrWVV95h7bCuzbIxE0vjDnW0Vfjht5L6k=", 0},
    {"generated-ecdsa-p256-sha256.dsse.json", "ecdsa-p256-sha256", "ed25519",
     BUNDLE_DSSE, NULL, 0},
    {"generated-ed25519.dsse.json", "ed25519", "ecdsa-p256-sha256", BUNDLE_DSSE,
     NULL, 0},
    {"generated-ecdsa-p256-sha256.BAD-payloadtype.dsse.json",
     "ecdsa-p256-sha256", "ed25519", BUNDLE_DSSE, NULL, -EXIT_REJECTED},
};

START_TEST(test_generated_files)
{
	const struct gen_row *r = &gen_rows[_i];
	char *path = vpath(r->file);
	struct keyset *ks = generated_keys(r->key_case);
	struct keyset *other = generated_keys(r->other_case);
	struct err e = ERR_INIT;
	struct bundle *b = NULL;
	const struct bundle_entry *ent;

	ck_assert_msg(bundle_read(&b, path, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(bundle_count(b), 1);
	ent = bundle_get(b, 0);
	ck_assert_uint_eq(ent->line, 1);
	ck_assert_int_eq(ent->format, r->format);
	if (r->hint == NULL)
		ck_assert_ptr_null(ent->hint);
	else
		ck_assert_str_eq(ent->hint, r->hint);
	ck_assert_int_eq(verify_entry(ks, ent), r->want);
	ck_assert_int_eq(verify_entry(other, ent), -EXIT_REJECTED);
	bundle_free(b);
	keyset_free(ks);
	keyset_free(other);
	free(path);
}
END_TEST

/* model-transparency v1.1.0: a one-line v0.3 bundle (no final newline),
 * P-384 with SHA-384, verified with a PEM that has a text preamble. */
START_TEST(test_oms_model_sig)
{
	char *path = vpath(OMS_DIR "/model.sig");
	struct keyset *ks = oms_keys();
	struct keyset *p256 = generated_keys("ecdsa-p256-sha256");
	struct err e = ERR_INIT;
	struct bundle *b = NULL;
	struct statement *st = NULL;
	const struct bundle_entry *ent;
	const struct key *signer = NULL;
	const unsigned char *payload;
	size_t plen;

	ck_assert_msg(bundle_read(&b, path, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(bundle_count(b), 1);
	ent = bundle_get(b, 0);
	ck_assert_uint_eq(ent->line, 1);
	ck_assert_int_eq(ent->format, BUNDLE_SIGSTORE);
	ck_assert_str_eq(ent->hint, OMS_HINT);
	ck_assert_str_eq(dsse_keyid(ent->env, 0), "");
	ck_assert_int_eq(
	    keyset_verify_envelope(&signer, ks, ent->env, ent->src, &e), 0);
	ck_assert_ptr_eq(signer, keyset_get(ks, 0));
	ck_assert_int_eq(verify_entry(p256, ent), -EXIT_REJECTED);
	payload = dsse_payload(ent->env, &plen);
	ck_assert_int_eq(statement_parse(&st, payload, plen, ent->src, &e), 0);
	ck_assert_str_eq(statement_type(st), STATEMENT_V1);
	ck_assert_str_eq(statement_predicate_type(st),
			 "https://model_signing/signature/v1.0");
	statement_free(st);
	bundle_free(b);
	keyset_free(ks);
	keyset_free(p256);
	free(path);
}
END_TEST

/* Tampered twins of model.sig: a payload character, a signature byte. */
START_TEST(test_oms_model_sig_tampered)
{
	char *dir = testutil_tmpdir(), *path;
	struct keyset *ks = oms_keys();
	struct err e = ERR_INIT;
	struct bundle *b = NULL;
	struct dsse_envelope *bad = NULL;
	unsigned char *data, sig[256];
	const unsigned char *s, *p;
	size_t len, slen, plen;
	char *at;

	data = testutil_vector(OMS_DIR "/model.sig", &len);
	at = strstr((char *)data, "\"payload\":\"");
	ck_assert_ptr_nonnull(at);
	at += 11 + 40; /* a character inside the statement's base64 */
	*at = *at == 'A' ? 'B' : 'A';
	path = write_tmp(dir, "model.sig", data, len);
	ck_assert_int_eq(bundle_read(&b, path, &e), 0);
	ck_assert_int_eq(verify_entry(ks, bundle_get(b, 0)), -EXIT_REJECTED);
	bundle_free(b);
	free(path);
	free(data);

	path = vpath(OMS_DIR "/model.sig");
	ck_assert_int_eq(bundle_read(&b, path, &e), 0);
	s = dsse_sig(bundle_get(b, 0)->env, 0, &slen);
	p = dsse_payload(bundle_get(b, 0)->env, &plen);
	ck_assert_uint_lt(slen, sizeof(sig));
	memcpy(sig, s, slen);
	sig[slen / 2] ^= 0x40;
	ck_assert_int_eq(dsse_new(&bad,
				  dsse_payload_type(bundle_get(b, 0)->env), p,
				  plen, &e),
			 0);
	ck_assert_int_eq(dsse_add_sig(bad, NULL, sig, slen, &e), 0);
	ck_assert_int_eq(keyset_verify_envelope(NULL, ks, bad, "t", &e),
			 -EXIT_REJECTED);
	dsse_free(bad);
	bundle_free(b);
	keyset_free(ks);
	free(path);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* The OMS spec vectors, and what bundle_read makes of each:
 *   read  0 = read, else the error bundle_read returns;
 *   good  the one entry is well-formed;
 *   ver   it verifies under signing-key-pub.pem.
 * valid_certificate's leaf certificate holds that same P-384 key, so it
 * verifies too; valid_sigstore is signed by another (Fulcio) key. The
 * invalid_* files: empty -> refused (no attestation); missing envelope and
 * missing verification material -> a bad entry; missing tlog entries -> a
 * good entry (we neither need nor check tlogs, SPEC-BUN-4) that does not
 * verify under our key. invalid-payload_wrong-predicate is well-formed but
 * carries valid_key's signature over a changed payload, so it fails. */
struct oms_row {
	const char *file;
	int read, good, ver;
};

static const struct oms_row oms_rows[] = {
    {"oms-spec-v1.0/valid_key.bundle.json", 0, 1, 1},
    {"oms-spec-v1.0/valid_certificate.bundle.json", 0, 1, 1},
    {"oms-spec-v1.0/valid_sigstore.bundle.json", 0, 1, 0},
    {"oms-spec-v1.0/invalid-payload_wrong-predicate.bundle.json", 0, 1, 0},
    {"oms-spec-v1.0/invalid_empty.bundle.json", -EXIT_REJECTED, 0, 0},
    {"oms-spec-v1.0/invalid_missing-envelope.bundle.json", 0, 0, 0},
    {"oms-spec-v1.0/invalid_missing-tlog-entries.bundle.json", 0, 1, 0},
    {"oms-spec-v1.0/invalid_missing-verification-material.bundle.json", 0, 0,
     0},
    {OMS_DIR "/legacy-v1.0.0-rawBytes-model.sig", 0, 1, 1},
};

START_TEST(test_oms_spec)
{
	const struct oms_row *r = &oms_rows[_i];
	char *path = vpath(r->file);
	struct keyset *ks = oms_keys();
	struct err e = ERR_INIT;
	struct bundle *b = NULL;
	const struct bundle_entry *ent;
	int rc;

	rc = bundle_read(&b, path, &e);
	ck_assert_msg(rc == r->read, "%s: %d %s", r->file, rc, e.msg);
	if (rc != 0)
		goto out;
	ck_assert_uint_eq(bundle_count(b), 1);
	ent = bundle_get(b, 0);
	ck_assert_int_eq(ent->format, BUNDLE_SIGSTORE);
	if (!r->good) {
		ck_assert_int_eq(ent->error.code, EXIT_REJECTED);
		ck_assert_ptr_null(ent->env);
		goto out;
	}
	ck_assert_int_eq(verify_entry(ks, ent), (r->ver ? 0 : -EXIT_REJECTED));
out:
	bundle_free(b);
	keyset_free(ks);
	free(path);
}
END_TEST

/* slsa-github-generator's legacy line: a bare envelope with Statement v0.1,
 * one line, no final newline. Its twin, one byte short, is a bad entry. */
START_TEST(test_slsa_jsonl)
{
	char *path =
	    vpath("slsa-github-generator/binary-linux-amd64.intoto.jsonl");
	char *dir = testutil_tmpdir(), *cut;
	struct err e = ERR_INIT;
	struct bundle *b = NULL;
	struct statement *st = NULL;
	const struct bundle_entry *ent;
	const json_t *sub;
	const unsigned char *payload;
	unsigned char *data;
	size_t plen, len;

	ck_assert_msg(bundle_read(&b, path, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(bundle_count(b), 1);
	ent = bundle_get(b, 0);
	ck_assert_uint_eq(ent->line, 1);
	ck_assert_int_eq(ent->format, BUNDLE_DSSE);
	ck_assert_msg(ent->error.code == 0, "%s", ent->error.msg);
	ck_assert_str_eq(dsse_payload_type(ent->env), DSSE_INTOTO_TYPE);
	ck_assert_uint_eq(dsse_sig_count(ent->env), 1);
	ck_assert_str_eq(dsse_keyid(ent->env, 0), "");
	payload = dsse_payload(ent->env, &plen);
	ck_assert_msg(statement_parse(&st, payload, plen, ent->src, &e) == 0,
		      "%s", e.msg);
	ck_assert_str_eq(statement_type(st), STATEMENT_V01);
	ck_assert_str_eq(statement_predicate_type(st),
			 "https://slsa.dev/provenance/v0.2");
	sub = json_array_get(statement_subjects(st), 0);
	ck_assert_str_eq(jsonio_str(sub, "name"), "binary-linux-amd64");
	statement_free(st);
	bundle_free(b);

	data = testutil_vector(
	    "slsa-github-generator/binary-linux-amd64.intoto.jsonl", &len);
	ck_assert_uint_ne(data[len - 1], '\n');
	cut = write_tmp(dir, "cut.intoto.jsonl", data, len - 1);
	ck_assert_int_eq(bundle_read(&b, cut, &e), 0);
	ck_assert_uint_eq(bundle_count(b), 1);
	ck_assert_int_eq(bundle_get(b, 0)->error.code, EXIT_REJECTED);
	ck_assert_ptr_null(bundle_get(b, 0)->env);
	bundle_free(b);
	free(data);
	free(cut);
	free(path);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

static Suite *
bundle_suite(void)
{
	Suite *s = suite_create("bundle");
	TCase *rd = tcase_create("read");
	TCase *sh = tcase_create("shapes");
	TCase *wr = tcase_create("write");
	TCase *up = tcase_create("upstream");

	tcase_add_test(rd, test_jsonl_mixed);
	tcase_add_test(rd, test_jsonl_bad_lines);
	tcase_add_test(rd, test_jsonl_long_line);
	tcase_add_loop_test(rd, test_pretty_whole_file, 0,
			    sizeof(pretty_vectors) / sizeof(pretty_vectors[0]));
	tcase_add_loop_test(rd, test_file_refused, 0,
			    sizeof(file_rows) / sizeof(file_rows[0]));
	tcase_add_test(rd, test_file_oversize);
	tcase_add_test(rd, test_each);
	tcase_set_timeout(rd, 60);
	tcase_add_loop_test(sh, test_shape, 0,
			    sizeof(shape_rows) / sizeof(shape_rows[0]));
	tcase_add_test(sh, test_shape_file);
	tcase_add_test(wr, test_round_trip);
	tcase_add_test(wr, test_write_stdout);
	tcase_add_test(wr, test_sigstore_new_sig_count);
	tcase_set_timeout(wr, 30);
	tcase_add_loop_test(up, test_generated_files, 0,
			    sizeof(gen_rows) / sizeof(gen_rows[0]));
	tcase_add_test(up, test_oms_model_sig);
	tcase_add_test(up, test_oms_model_sig_tampered);
	tcase_add_loop_test(up, test_oms_spec, 0,
			    sizeof(oms_rows) / sizeof(oms_rows[0]));
	tcase_add_test(up, test_slsa_jsonl);
	tcase_set_timeout(up, 30);
	suite_add_tcase(s, rd);
	suite_add_tcase(s, sh);
	suite_add_tcase(s, wr);
	suite_add_tcase(s, up);
	return s;
}

int
main(void)
{
	return testutil_run(bundle_suite());
}
