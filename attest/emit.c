/* Signing a statement and writing it where the user asked (attest.h). */
#include "attest/attest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "keys/envelope.h"
#include "keys/keyset.h"
#include "lib/bundle.h"
#include "lib/dsse.h"
#include "lib/fileio.h"
#include "lib/jsonio.h"
#include "lib/statement.h"
#include "lib/text.h"
#include "lib/tsa.h"

int
emit_format_parse(enum emit_format *out, const char *s, struct err *e)
{
	if (strcmp(s, "dsse") == 0)
		*out = EMIT_DSSE;
	else if (strcmp(s, "sigstore") == 0)
		*out = EMIT_SIGSTORE;
	else
		return err_set(e, EXIT_USAGE,
			       "--format: expected dsse or sigstore, got "
			       "\"%s\"",
			       s);
	return 0;
}

int
emit_format_opt(void *opts, const struct opt_spec *row, const char *val,
		struct err *e)
{
	return emit_format_parse(
	    (enum emit_format *)(void *)((char *)opts + row->off), val, e);
}

/* A suggested .jsonl name for path: x.json -> x.intoto.jsonl. */
static void
jsonl_name(char *out, size_t cap, const char *path)
{
	size_t n = strlen(path);

	if (str_has_suffix(path, ".json"))
		n -= 5;
	snprintf(out, cap, "%.*s%s", (int)n, path,
		 str_has_suffix(path, ".intoto.json") ? ".jsonl"
						      : ".intoto.jsonl");
}

int
emit_parent_check(const char *opt, const char *path, struct err *e)
{
	size_t n = strlen(path);
	char dir[PATH_MAX];
	struct stat st;

	while (n > 1 && path[n - 1] == '/')
		n--;
	while (n > 0 && path[n - 1] != '/')
		n--;
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0 || (n == 1 && path[0] == '/'))
		return 0;
	if (n >= sizeof(dir))
		return err_set(e, EXIT_USAGE, "%s: path too long", opt);
	snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return err_set(e, EXIT_USAGE,
		       "%s %s: no such directory %s; create it first (mkdir -p "
		       "%s)",
		       opt, path, dir, dir);
}

int
emit_bundle_check(const char *path, int force, struct err *e)
{
	char hint[PATH_MAX + 16];
	struct stat st;

	if (path == NULL)
		return 0;
	if (emit_parent_check("--bundle", path, e) != 0)
		return -EXIT_USAGE;
	if (lstat(path, &st) != 0)
		return 0;
	if (S_ISLNK(st.st_mode))
		return err_set(e, EXIT_UNDECIDED,
			       "%s: refusing to write through a symlink", path);
	if (force || str_has_suffix(path, ".jsonl"))
		return 0;
	jsonl_name(hint, sizeof(hint), path);
	return err_set(e, EXIT_USAGE,
		       "--bundle %s exists and would be replaced: use a .jsonl "
		       "bundle to add to it (e.g. --bundle %s), or --force to "
		       "replace it",
		       path, hint);
}

/* SPEC-TSA-1: the timestamp is over the raw signature bytes. */
static int
add_timestamp(json_t *att, const struct dsse_envelope *env, const char *url,
	      struct err *e)
{
	const unsigned char *sig;
	unsigned char *der = NULL;
	size_t siglen, len;
	int rc;

	sig = dsse_sig(env, 0, &siglen);
	rc = tsa_timestamp(&der, &len, url, sig, siglen, e);
	if (rc == 0)
		rc = bundle_sigstore_set_timestamp(att, der, len, e);
	free(der);
	return rc;
}

int
emit_statement_tsa(const json_t *statement, const char *src,
		   const struct key *k, enum emit_format fmt,
		   const char *tsa_url, const char *bundle_path, int force,
		   struct err *e)
{
	struct dsse_envelope *env = NULL;
	struct statement *st = NULL;
	json_t *att = NULL;
	char *body = NULL;
	size_t len;
	int rc;

	/* SPEC-STM-5: a statement that could not be built is never signed. */
	if (statement == NULL)
		return err_set(e, EXIT_UNDECIDED,
			       "%s: cannot build the statement", src);
	/* A bare envelope has nowhere to carry a timestamp. */
	if (tsa_url != NULL && fmt != EMIT_SIGSTORE)
		return err_set(e, EXIT_USAGE, "--tsa needs --format sigstore");
	rc = statement_check(statement, src, e);
	if (rc != 0)
		return rc;
	rc = jsonio_dump(&body, &len, statement, JSONIO_FLAGS, e);
	if (rc != 0)
		goto out;
	/* SPEC-STM-4: sign only bytes verify parses (a real rounded to 15
	 * digits can overflow, e.g. DBL_MAX). */
	rc = statement_parse(&st, body, len, src, e);
	statement_free(st);
	if (rc != 0)
		goto out;
	rc = envelope_sign(&env, DSSE_INTOTO_TYPE, (unsigned char *)body, len,
			   k, e);
	if (rc != 0)
		goto out;
	if (fmt == EMIT_SIGSTORE)
		att = bundle_sigstore_new(env, key_id(k), e);
	else
		att = dsse_to_json(env);
	if (att == NULL) {
		rc = e->code ? -e->code
			     : err_set(e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	if (tsa_url != NULL) {
		rc = add_timestamp(att, env, tsa_url, e);
		if (rc != 0)
			goto out;
	}
	rc = bundle_write(bundle_path, att, force, e);
out:
	json_decref(att);
	dsse_free(env);
	free(body);
	return rc;
}

void
attest_print(FILE *f, const char *fmt, ...)
{
	va_list ap;
	char *safe = NULL;

	va_start(ap, fmt);
	if (text_vformat_line(&safe, fmt, ap) == 0)
		fputs(safe, f);
	else
		fputs("attest: out of memory\n", f);
	va_end(ap);
	free(safe);
}

int
attest_fail(const struct err *e)
{
	int code = e->code ? e->code : EXIT_UNDECIDED;

	attest_print(stderr, "attest: %s\n", e->msg[0] ? e->msg : "failed");
	return code;
}
