/* Reading and writing attestation bundles (see bundle.h). */
#include "lib/bundle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/b64.h"
#include "lib/fileio.h"
#include "lib/dynbuf.h"
#include "lib/jsonio.h"

struct bundle {
	unsigned char **bufs; /* every buffer entries point into */
	size_t nbufs, capbufs;
	struct bundle_entry *items;
	size_t n, cap, nbad;
};

/* SPEC-BUN-3: the Sigstore bundle media types we read. */
static const char *const sigstore_media[] = {
    SIGSTORE_MEDIA_V03,
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    NULL,
};

static int
media_known(const char *m)
{
	size_t i;

	for (i = 0; sigstore_media[i] != NULL; i++)
		if (strcmp(m, sigstore_media[i]) == 0)
			return 1;
	return 0;
}

/* SPEC-TSA-2: timestampVerificationData.rfc3161Timestamps[].signedTimestamp */
static int
parse_timestamps(struct bundle_entry *ent, const json_t *tvd, const char *src,
		 struct err *e)
{
	const json_t *arr = json_object_get(tvd, "rfc3161Timestamps");
	const char *b64;
	size_t i, n;
	int rc;

	if (tvd == NULL)
		return 0;
	if (!json_is_object(tvd) || (arr != NULL && !json_is_array(arr)))
		return err_set(e, EXIT_REJECTED,
			       "%s: malformed timestampVerificationData", src);
	n = json_array_size(arr);
	if (n > BUNDLE_MAX_TIMESTAMPS)
		return err_set(e, EXIT_REJECTED, "%s: more than %d timestamps",
			       src, BUNDLE_MAX_TIMESTAMPS);
	if (n == 0)
		return 0;
	ent->ts = calloc(n, sizeof(*ent->ts));
	if (ent->ts == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < n; i++) {
		b64 = jsonio_str(json_array_get(arr, i), "signedTimestamp");
		if (b64 == NULL ||
		    strlen(b64) > BUNDLE_MAX_TIMESTAMP_BYTES / 3 * 4 + 4)
			return err_set(e, EXIT_REJECTED,
				       "%s: rfc3161Timestamps[%zu] has no "
				       "signedTimestamp of at most %zu bytes",
				       src, i, BUNDLE_MAX_TIMESTAMP_BYTES);
		rc = b64_decode(&ent->ts[i].der, &ent->ts[i].len, b64,
				strlen(b64), "signedTimestamp", e);
		if (rc != 0)
			return err_prefix(e, "%s", src);
		ent->nts = i + 1;
	}
	return 0;
}

static int
parse_material(struct bundle_entry *ent, const json_t *vm, const char *src,
	       struct err *e)
{
	static const char *const kinds[] = {"publicKey", "x509CertificateChain",
					    "certificate"};
	const json_t *pk = json_object_get(vm, "publicKey");
	const char *hint;
	size_t i, found = 0;

	if (!json_is_object(vm))
		return err_set(e, EXIT_REJECTED,
			       "%s: bundle has no verificationMaterial", src);
	for (i = 0; i < 3; i++)
		found += json_object_get(vm, kinds[i]) != NULL;
	if (found != 1)
		return err_set(e, EXIT_REJECTED,
			       "%s: verificationMaterial must hold exactly one "
			       "of publicKey, x509CertificateChain, "
			       "certificate",
			       src);
	if (parse_timestamps(ent,
			     json_object_get(vm, "timestampVerificationData"),
			     src, e) != 0)
		return -e->code;
	if (pk == NULL)
		return 0;
	if (!json_is_object(pk))
		return err_set(e, EXIT_REJECTED,
			       "%s: verificationMaterial.publicKey is not an "
			       "object",
			       src);
	hint = jsonio_str(pk, "hint");
	if (hint != NULL) {
		ent->hint = strdup(hint);
		if (ent->hint == NULL)
			return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	return 0;
}

/* SPEC-KL-1: what only verify/keyless can check. */
static int
needs_keyless(const json_t *obj)
{
	const json_t *vm = json_object_get(obj, "verificationMaterial");

	return json_object_get(obj, "messageSignature") != NULL ||
	       json_object_get(vm, "certificate") != NULL ||
	       json_object_get(vm, "x509CertificateChain") != NULL ||
	       json_array_size(json_object_get(vm, "tlogEntries")) > 0;
}

static int
parse_sigstore(struct bundle_entry *ent, const json_t *obj, const char *src,
	       struct err *e)
{
	const char *media = jsonio_str(obj, "mediaType");
	const json_t *env = json_object_get(obj, "dsseEnvelope");
	int rc;

	ent->format = BUNDLE_SIGSTORE;
	ent->keyless = needs_keyless(obj);
	ent->message = json_object_get(obj, "messageSignature") != NULL;
	if (!media_known(media))
		return err_set(e, EXIT_REJECTED,
			       "%s: unsupported Sigstore bundle media type",
			       src);
	rc = parse_material(ent, json_object_get(obj, "verificationMaterial"),
			    src, e);
	if (rc != 0)
		return rc;
	if (!json_is_object(env))
		return err_set(e, EXIT_REJECTED,
			       "%s: Sigstore bundle has no dsseEnvelope "
			       "(message signatures are not attestations)",
			       src);
	rc = dsse_from_json(&ent->env, env, src, e);
	if (rc != 0)
		return rc;
	/* SPEC-BUN-4: a Sigstore bundle carries exactly one signature. */
	if (dsse_sig_count(ent->env) != 1) {
		dsse_free(ent->env);
		ent->env = NULL;
		return err_set(e, EXIT_REJECTED,
			       "%s: a Sigstore bundle must carry exactly one "
			       "signature",
			       src);
	}
	return 0;
}

int
bundle_parse_object(struct bundle_entry *ent, const json_t *obj,
		    const char *src, struct err *e)
{
	const char *media = jsonio_str(obj, "mediaType");

	/* SPEC-BUN-1: a mediaType naming a Sigstore bundle decides it. */
	if (media != NULL &&
	    strncmp(media, "application/vnd.dev.sigstore.bundle", 35) == 0)
		return parse_sigstore(ent, obj, src, e);
	if (json_object_get(obj, "payload") != NULL &&
	    json_object_get(obj, "payloadType") != NULL &&
	    json_object_get(obj, "signatures") != NULL) {
		ent->format = BUNDLE_DSSE;
		return dsse_from_json(&ent->env, obj, src, e);
	}
	return err_set(e, EXIT_REJECTED,
		       "%s: neither a DSSE envelope nor a Sigstore bundle",
		       src);
}

/* Parses raw into ent; a bad entry keeps its reason in ent->error. */
static void
parse_entry(struct bundle_entry *ent, const char *path, size_t line,
	    const unsigned char *raw, size_t rawlen)
{
	json_t *obj = NULL;

	memset(ent, 0, sizeof(*ent));
	ent->line = line;
	ent->raw = raw;
	ent->rawlen = rawlen;
	if (line > 0)
		snprintf(ent->src, sizeof(ent->src), "%s:%zu", path, line);
	else
		snprintf(ent->src, sizeof(ent->src), "%s", path);
	if (rawlen > MAX_LINE_BYTES) {
		err_set(&ent->error, EXIT_REJECTED,
			"%s: line longer than %zu bytes", ent->src,
			MAX_LINE_BYTES);
		return;
	}
	if (jsonio_load_object(&obj, raw, rawlen, ent->src, &ent->error) == 0)
		bundle_parse_object(ent, obj, ent->src, &ent->error);
	json_decref(obj);
}

/* SPEC-POL-9: past the ceiling nothing is decided, never refused. */
static int
too_many(const char *path, struct err *e)
{
	return err_set(e, EXIT_UNDECIDED,
		       "%s: more than %d entries; could not decide", path,
		       MAX_BUNDLE_ENTRIES);
}

static int
add_entry(struct bundle *b, const char *path, size_t line,
	  const unsigned char *raw, size_t rawlen, struct err *e)
{
	struct bundle_entry *ent;

	if (b->n == MAX_BUNDLE_ENTRIES)
		return too_many(path, e);
	if (dynarr_reserve((void **)&b->items, &b->cap, b->n + 1,
			   sizeof(*b->items), MAX_BUNDLE_ENTRIES) != 0)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	ent = &b->items[b->n++];
	parse_entry(ent, path, line, raw, rawlen);
	/* Bad entries are counted, never a reason to refuse the file. */
	if (ent->error.code != 0)
		b->nbad++;
	return 0;
}

static int
is_blank(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

/* Whole-file JSON (pretty-printed .json or .sigstore.json)? */
static int
whole_file_object(const unsigned char *data, size_t len)
{
	json_error_t je;
	json_t *v =
	    json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
	const unsigned char *nl = memchr(data, '\n', len);
	int ok = json_is_object(v);

	json_decref(v);
	/* A one-line file is read as .jsonl so its entry gets a line. */
	return ok && nl != NULL &&
	       !is_blank(nl + 1, len - (size_t)(nl + 1 - data));
}

/* Takes ownership of buf (freed on failure too). */
static int
keep_buffer(struct bundle *b, unsigned char *buf, struct err *e)
{
	/* Each buffer holds at least one entry. */
	if (dynarr_reserve((void **)&b->bufs, &b->capbufs, b->nbufs + 1,
			   sizeof(*b->bufs), MAX_BUNDLE_ENTRIES) != 0) {
		free(buf);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	b->bufs[b->nbufs++] = buf;
	return 0;
}

int
bundle_new(struct bundle **out, struct err *e)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : err_set(e, EXIT_UNDECIDED, "out of memory");
}

int
bundle_add_object(struct bundle *b, const char *src, const void *buf,
		  size_t len, struct err *e)
{
	unsigned char *copy = malloc(len + 1);
	int rc;

	if (copy == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	memcpy(copy, buf, len);
	copy[len] = '\0';
	rc = keep_buffer(b, copy, e);
	return rc != 0 ? rc : add_entry(b, src, 0, copy, len, e);
}

/* Reads path whole, as bundle_read and bundle_each do. */
static int
read_bytes(unsigned char **data, size_t *len, const char *path, struct err *e)
{
	int rc = file_read(data, len, path, MAX_BUNDLE_BYTES, e);

	if (rc == -EXIT_REJECTED) /* over MAX_BUNDLE_BYTES: SPEC-POL-9 */
		rc = -(e->code = EXIT_UNDECIDED);
	return rc;
}

/*
 * Calls fn for each non-blank line of data (each entry of a .jsonl file),
 * or once for the whole of it when whole is set (whole_file_object);
 * line is 0 then. Stops at the first fn that fails.
 */
static int
each_line(const unsigned char *data, size_t len, int whole,
	  int (*fn)(void *ctx, size_t line, const unsigned char *raw,
		    size_t rawlen, struct err *e),
	  void *ctx, struct err *e)
{
	size_t start = 0, i, line = 0;
	int rc;

	if (whole)
		return fn(ctx, 0, data, len, e);
	while (start <= len) {
		const unsigned char *nl =
		    memchr(data + start, '\n', len - start);

		i = nl != NULL ? (size_t)(nl - data) : len;
		line++;
		if (!is_blank(data + start, i - start)) {
			rc = fn(ctx, line, data + start, i - start, e);
			if (rc != 0)
				return rc;
		}
		start = i + 1;
	}
	return 0;
}

struct read_ctx {
	struct bundle *b;
	const char *path;
};

static int
read_one(void *ctx, size_t line, const unsigned char *raw, size_t rawlen,
	 struct err *e)
{
	struct read_ctx *c = ctx;

	return add_entry(c->b, c->path, line, raw, rawlen, e);
}

int
bundle_read(struct bundle **out, const char *path, struct err *e)
{
	struct read_ctx c = {NULL, path};
	unsigned char *data = NULL;
	size_t len;
	int rc;

	*out = NULL;
	rc = bundle_new(&c.b, e);
	if (rc != 0)
		return rc;
	rc = read_bytes(&data, &len, path, e);
	if (rc == 0)
		rc = keep_buffer(c.b, data, e);
	if (rc == 0)
		rc = each_line(data, len, whole_file_object(data, len),
			       read_one, &c, e);
	if (rc == 0 && c.b->n == 0)
		rc = err_set(e, EXIT_REJECTED, "%s: no attestations", path);
	if (rc != 0) {
		bundle_free(c.b);
		return rc;
	}
	*out = c.b;
	return 0;
}

struct each_ctx {
	const char *path;
	size_t n;
	bundle_fn fn;
	void *ctx;
};

static int
count_one(void *ctx, size_t line, const unsigned char *raw, size_t rawlen,
	  struct err *e)
{
	struct each_ctx *c = ctx;

	(void)line, (void)raw, (void)rawlen;
	if (c->n == MAX_BUNDLE_ENTRIES)
		return too_many(c->path, e);
	c->n++;
	return 0;
}

static int
visit_one(void *ctx, size_t line, const unsigned char *raw, size_t rawlen,
	  struct err *e)
{
	struct each_ctx *c = ctx;
	struct bundle_entry ent;
	int rc;

	parse_entry(&ent, c->path, line, raw, rawlen);
	rc = c->fn(c->ctx, &ent, e);
	bundle_entry_clear(&ent);
	return rc;
}

int
bundle_each(const char *path, bundle_fn fn, void *ctx, struct err *e)
{
	struct each_ctx c = {path, 0, fn, ctx};
	unsigned char *data = NULL;
	size_t len;
	int rc, whole;

	rc = read_bytes(&data, &len, path, e);
	if (rc != 0)
		return rc;
	whole = whole_file_object(data, len);
	/* The ceilings first, so a bundle past them checks nothing. */
	rc = each_line(data, len, whole, count_one, &c, e);
	if (rc == 0 && c.n == 0)
		rc = err_set(e, EXIT_REJECTED, "%s: no attestations", path);
	if (rc == 0)
		rc = each_line(data, len, whole, visit_one, &c, e);
	free(data);
	return rc;
}

void
bundle_entry_clear(struct bundle_entry *ent)
{
	size_t i;

	dsse_free(ent->env);
	free(ent->hint);
	for (i = 0; i < ent->nts; i++)
		free(ent->ts[i].der);
	free(ent->ts);
	ent->env = NULL;
	ent->hint = NULL;
	ent->ts = NULL;
	ent->nts = 0;
}

size_t
bundle_count(const struct bundle *b)
{
	return b->n;
}

const struct bundle_entry *
bundle_get(const struct bundle *b, size_t i)
{
	return &b->items[i];
}

void
bundle_free(struct bundle *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		bundle_entry_clear(&b->items[i]);
	for (i = 0; i < b->nbufs; i++)
		free(b->bufs[i]);
	free(b->items);
	free(b->bufs);
	free(b);
}

json_t *
bundle_sigstore_new(const struct dsse_envelope *env, const char *hint,
		    struct err *e)
{
	json_t *envj, *b;

	if (dsse_sig_count(env) != 1) {
		err_set(e, EXIT_USAGE,
			"a Sigstore bundle carries exactly one signature");
		return NULL;
	}
	envj = dsse_to_json(env);
	if (envj == NULL) {
		err_set(e, EXIT_UNDECIDED, "out of memory");
		return NULL;
	}
	b = json_pack("{s:s, s:{s:{s:s}, s:[]}, s:o}", "mediaType",
		      SIGSTORE_MEDIA_V03, "verificationMaterial", "publicKey",
		      "hint", hint, "tlogEntries", "dsseEnvelope", envj);
	if (b == NULL)
		err_set(e, EXIT_UNDECIDED, "out of memory");
	return b;
}

int
bundle_sigstore_set_timestamp(json_t *b, const unsigned char *der, size_t len,
			      struct err *e)
{
	json_t *vm = json_object_get(b, "verificationMaterial");
	char *text = b64_encode(der, len);
	json_t *tvd;

	tvd = text ? json_pack("{s:[{s:s}]}", "rfc3161Timestamps",
			       "signedTimestamp", text)
		   : NULL;
	free(text);
	if (jsonio_set(vm, "timestampVerificationData", tvd, NULL) != 0)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	return 0;
}

int
bundle_write(const char *path, const json_t *att, int replace, struct err *e)
{
	char *text = NULL;
	size_t len;
	int rc;

	rc = jsonio_dump(&text, &len, att, JSONIO_FLAGS, e);
	if (rc != 0)
		return rc;
	if (path == NULL) {
		text[len] = '\n';
		if (file_write_all(STDOUT_FILENO, text, len + 1) != 0)
			rc = err_sys(e, EXIT_UNDECIDED, errno, "stdout");
	} else if (str_has_suffix(path, ".jsonl")) {
		rc = file_append_line(path, text, len, e);
	} else {
		text[len] = '\n';
		rc = file_write_atomic(path, text, len + 1, 0644, !replace, e);
	}
	free(text);
	return rc;
}
