/*
 * attest revoke: the data steward's signed revocation list
 * (spec/predicates/revocation.md). Each run reads the list it replaces,
 * checks it was signed by the same key, keeps every entry but those
 * --remove names, adds the new ones and writes the whole list again with
 * the serial one higher.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attest/attest.h"
#include "keys/keyopt.h"
#include "keys/keyset.h"
#include "lib/bundle.h"
#include "lib/dsse.h"
#include "lib/fileio.h"
#include "lib/hex.h"
#include "lib/ids.h"
#include "lib/jsonio.h"
#include "lib/opt.h"
#include "lib/statement.h"
#include "predicates/revocation.h"
#include "predicates/types.h"

#define MAX_REVOKE_OPS 1024
#define DEFAULT_NEXT_UPDATE (24LL * 3600)

enum op_kind { OP_ADD, OP_ADD_KEY, OP_REMOVE };

struct revoke_op {
	enum op_kind kind;
	const char *value, *reason, *since;
};

struct revoke_opts {
	struct key_load_opts ko; /* KEYOPT_SPECS and the environment */
	const char *key, *list, *links_within;
	long long next_update;
	struct revoke_op *ops;
	size_t nops;
};

static int
add_op(struct revoke_opts *o, enum op_kind kind, const char *val, struct err *e)
{
	if (o->nops == MAX_REVOKE_OPS)
		return err_set(e, EXIT_USAGE, "at most %d changes at a time",
			       MAX_REVOKE_OPS);
	o->ops[o->nops].kind = kind;
	o->ops[o->nops].value = val;
	o->nops++;
	return 0;
}

static int
change_opt(void *opts, const struct opt_spec *row, const char *val,
	   struct err *e)
{
	enum op_kind kind = strcmp(row->name, "add") == 0	? OP_ADD
			    : strcmp(row->name, "add-key") == 0 ? OP_ADD_KEY
								: OP_REMOVE;

	return add_op(opts, kind, val, e);
}

/* --reason and --since belong to the --add or --add-key before them. */
static int
last_opt(void *opts, const struct opt_spec *row, const char *val, struct err *e)
{
	struct revoke_opts *o = opts;
	struct revoke_op *op = o->nops ? &o->ops[o->nops - 1] : NULL;
	int since = strcmp(row->name, "since") == 0;
	time_t t;

	if (op == NULL || op->kind == OP_REMOVE ||
	    (since && op->kind != OP_ADD_KEY))
		return err_set(e, EXIT_USAGE, "--%s follows %s", row->name,
			       since ? "--add-key" : "--add or --add-key");
	if (since && ids_parse_rfc3339(&t, val) != 0)
		return err_set(e, EXIT_USAGE,
			       "--since: expected an RFC 3339 time such as "
			       "2026-12-01T00:00:00Z, got \"%s\"",
			       val);
	if ((since ? op->since : op->reason) != NULL)
		return err_set(e, EXIT_USAGE, "one --%s per change", row->name);
	if (since)
		op->since = val;
	else
		op->reason = val;
	return 0;
}

static int
next_update_opt(void *opts, const struct opt_spec *row, const char *val,
		struct err *e)
{
	(void)row;
	if (ids_parse_duration(&((struct revoke_opts *)opts)->next_update,
			       val) != 0)
		return err_set(
		    e, EXIT_USAGE,
		    "--next-update: expected a duration such as 24h, "
		    "7d or 1h30m, got \"%s\"",
		    val);
	return 0;
}

static const struct opt_spec revoke_rows[] = {
    {.type = OPT_STRING,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct revoke_opts, key),
     .argname = "KEYREF",
     .help = "the revocation signer's key",
     .flags = OPT_REQUIRED},
    {.type = OPT_STRING,
     .name = "list",
     .shortname = 'l',
     .off = offsetof(struct revoke_opts, list),
     .argname = "FILE",
     .help = "the list to replace (read and checked when it exists)",
     .flags = OPT_REQUIRED},
    {.type = OPT_CALL,
     .name = "add",
     .argname = "DIGEST|PATH",
     .help = "revoke a digest (sha256:HEX, gitCommit:HEX) or what PATH "
	     "hashes to",
     .flags = OPT_MANY,
     .fn = change_opt,
     .usage = "[--add DIGEST|PATH --reason TEXT]..."},
    {.type = OPT_CALL,
     .name = "add-key",
     .argname = "PUB",
     .help = "revoke a public key; needs --since and --reason",
     .flags = OPT_MANY,
     .fn = change_opt,
     .usage = "[--add-key PUB --since RFC3339 --reason TEXT]..."},
    {.type = OPT_CALL,
     .name = "since",
     .argname = "RFC3339",
     .help = "signatures by the --add-key key stop counting from this time",
     .flags = OPT_MANY,
     .fn = last_opt,
     .usage = ""},
    {.type = OPT_CALL,
     .name = "reason",
     .argname = "TEXT",
     .help = "why (required after each --add and --add-key)",
     .flags = OPT_MANY,
     .fn = last_opt,
     .usage = ""},
    {.type = OPT_CALL,
     .name = "remove",
     .argname = "DIGEST",
     .help = "drop the entry with this digest or key id; repeatable",
     .flags = OPT_MANY,
     .fn = change_opt},
    {.type = OPT_CALL,
     .name = "next-update",
     .argname = "DURATION",
     .help = "the next list is due after this long (default 24h)",
     .fn = next_update_opt},
    {.type = OPT_STRING,
     .name = "follow-links-within",
     .off = offsetof(struct revoke_opts, links_within),
     .argname = "DIR",
     .help = "follow symlinks to files anywhere under DIR for --add PATH"},
    KEYOPT_SPECS(struct revoke_opts, ko),
    {.type = OPT_END},
};

static const struct opt_cmd revoke_cmd = {
    "attest revoke",
    "Write the signed revocation list FILE: the one it replaces, changed as "
    "asked,\nwith its serial one higher.",
    revoke_rows};

static int
parse(struct revoke_opts *o, int argc, char **argv, struct err *e)
{
	size_t i;
	int rc;

	o->ops = calloc(MAX_REVOKE_OPS, sizeof(*o->ops));
	if (o->ops == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	o->next_update = DEFAULT_NEXT_UPDATE;
	rc = opt_parse(o, &revoke_cmd, argc, argv, e);
	if (rc == 1)
		opt_cmd_help(stdout, &revoke_cmd);
	if (rc != 0)
		return rc;
	/* SPEC-REV-3: the list is one envelope, written whole. */
	if (str_has_suffix(o->list, ".jsonl"))
		return err_set(e, EXIT_USAGE,
			       "--list %s: a revocation list is one envelope "
			       "written whole; name it .json, not .jsonl",
			       o->list);
	for (i = 0; i < o->nops; i++) {
		if (o->ops[i].kind != OP_REMOVE && o->ops[i].reason == NULL)
			return err_set(
			    e, EXIT_USAGE, "--add%s %s needs --reason",
			    o->ops[i].kind == OP_ADD_KEY ? "-key" : "",
			    o->ops[i].value);
		if (o->ops[i].kind == OP_ADD_KEY && o->ops[i].since == NULL)
			return err_set(e, EXIT_USAGE,
				       "--add-key %s needs --since",
				       o->ops[i].value);
	}
	return emit_parent_check("--list", o->list, e);
}

/* "ALG:HEX" as a DigestSet, or NULL when s is not of that form. */
static json_t *
digest_arg(const char *s)
{
	const char *colon = strchr(s, ':');
	char alg[33];
	size_t n, i;

	if (colon == NULL || colon == s || (n = (size_t)(colon - s)) > 32 ||
	    !hex_is_valid(colon + 1) || strlen(colon + 1) > 128)
		return NULL;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return NULL;
	memcpy(alg, s, n);
	alg[n] = '\0';
	return json_pack("{s:s}", alg, colon + 1);
}

static int
add_digest(json_t *pred, const struct revoke_opts *o,
	   const struct revoke_op *op, time_t now, struct err *e)
{
	json_t *subject = NULL, *d = digest_arg(op->value);
	int rc;

	if (d != NULL) {
		rc = pred_revocation_add(pred, d, NULL, op->reason, now, e);
		json_decref(d);
		return rc;
	}
	rc = attest_subject(&subject, op->value, o->links_within, e);
	if (rc == 0)
		rc = pred_revocation_add(
		    pred, json_object_get(subject, "digest"),
		    jsonio_str(subject, "name"), op->reason, now, e);
	json_decref(subject);
	return rc;
}

static int
add_key(json_t *pred, const struct revoke_op *op, time_t now, struct err *e)
{
	struct key *k = NULL;
	time_t since;
	int rc;

	rc = key_load_public(&k, op->value, e);
	if (rc == 0 && ids_parse_rfc3339(&since, op->since) != 0)
		rc = err_set(e, EXIT_USAGE, "--since: not RFC 3339");
	if (rc == 0)
		rc = pred_revocation_add_key(pred, key_id(k), since, op->reason,
					     now, e);
	key_free(k);
	return rc;
}

static int
remove_one(json_t *pred, const char *val, const char *list, struct err *e)
{
	const char *colon = strchr(val, ':');
	const char *hex = colon != NULL ? colon + 1 : val;

	if (!hex_is_valid(hex))
		return err_set(e, EXIT_USAGE,
			       "--remove: expected a digest such as sha256:HEX "
			       "or a key id, got \"%s\"",
			       val);
	if (pred_revocation_remove(pred, hex) == 0)
		return err_set(e, EXIT_USAGE,
			       "--remove %s: %s lists no such digest or key",
			       val, list);
	return 0;
}

/*
 * SPEC-REV-3: the list FILE holds now, verified under k's public half;
 * *old NULL when FILE does not exist.
 */
static int
read_old(json_t **old, const char *path, const struct key *k, struct err *e)
{
	struct keyset *ks = NULL;
	struct key *pub = NULL;
	struct bundle *b = NULL;
	struct statement *st = NULL;
	const struct bundle_entry *ent;
	const unsigned char *body;
	char *pem = NULL;
	struct stat sb;
	size_t len;
	int rc;

	*old = NULL;
	if (lstat(path, &sb) != 0)
		return 0;
	rc = bundle_read(&b, path, e);
	if (rc == 0 && (bundle_count(b) != 1 || bundle_get(b, 0)->env == NULL))
		rc = err_set(e, EXIT_REJECTED,
			     "%s: not one signed revocation list", path);
	if (rc == 0)
		rc = key_public_pem(&pem, &len, k, e);
	if (rc == 0)
		rc = key_load_public_pem(&pub, pem, len, "--key", e);
	if (rc == 0)
		rc = keyset_new(&ks, e);
	if (rc == 0) {
		rc = keyset_add(ks, pub, e);
		pub = NULL;
	}
	if (rc == 0) {
		ent = bundle_get(b, 0);
		rc = keyset_verify_envelope(NULL, ks, ent->env, path, e);
		if (rc != 0)
			rc = err_set(e, EXIT_REJECTED,
				     "%s: not signed by this --key; a list is "
				     "replaced only by its own signer",
				     path);
	}
	if (rc == 0) {
		body = dsse_payload(ent->env, &len);
		rc = statement_parse(&st, body, len, path, e);
	}
	if (rc == 0 &&
	    strcmp(statement_predicate_type(st), PRED_REVOCATION) != 0)
		rc = err_set(e, EXIT_REJECTED, "%s: not a revocation list",
			     path);
	if (rc == 0)
		rc = pred_revocation_check(statement_predicate(st), path, NULL,
					   e);
	if (rc == 0)
		*old = json_deep_copy(statement_predicate(st));
	if (rc == 0 && *old == NULL)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	statement_free(st);
	keyset_free(ks);
	key_free(pub);
	free(pem);
	bundle_free(b);
	return rc;
}

/* The new predicate: old's entries and keys, serial + 1. */
static int
next_list(json_t **out, const json_t *old, const struct key *k,
	  const struct revoke_opts *o, time_t now, struct err *e)
{
	long long serial = 1;
	int rc;

	if (old != NULL)
		serial = json_integer_value(json_object_get(old, "serial")) + 1;
	if (serial > REVOCATION_MAX_SERIAL)
		return err_set(e, EXIT_REJECTED, "%s: serial exhausted",
			       o->list);
	rc = pred_revocation_new(out, key_id(k), serial, now,
				 now + (time_t)o->next_update, e);
	if (rc == 0 && old != NULL &&
	    (json_array_extend(json_object_get(*out, "entries"),
			       json_object_get(old, "entries")) != 0 ||
	     json_array_extend(json_object_get(*out, "keys"),
			       json_object_get(old, "keys")) != 0))
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	return rc;
}

static int
apply(json_t *pred, const struct revoke_opts *o, time_t now, struct err *e)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < o->nops; i++)
		if (o->ops[i].kind == OP_REMOVE)
			rc = remove_one(pred, o->ops[i].value, o->list, e);
	for (i = 0; rc == 0 && i < o->nops; i++) {
		if (o->ops[i].kind == OP_ADD)
			rc = add_digest(pred, o, &o->ops[i], now, e);
		else if (o->ops[i].kind == OP_ADD_KEY)
			rc = add_key(pred, &o->ops[i], now, e);
	}
	return rc;
}

int
cmd_revoke(int argc, char **argv)
{
	struct revoke_opts o;
	struct err e = ERR_INIT;
	struct key *k = NULL;
	json_t *old = NULL, *pred = NULL, *st = NULL;
	time_t now = time(NULL);
	int rc;

	memset(&o, 0, sizeof(o));
	o.ko = *attest_key_env();
	rc = parse(&o, argc, argv, &e);
	if (rc == 0)
		rc = key_load_private_opts(&k, o.key, &o.ko, &e);
	if (rc == 0)
		rc = read_old(&old, o.list, k, &e);
	if (rc == 0)
		rc = next_list(&pred, old, k, &o, now, &e);
	if (rc == 0)
		rc = apply(pred, &o, now, &e);
	if (rc == 0)
		rc = pred_revocation_check(pred, o.list, NULL, &e);
	if (rc == 0) {
		st = json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:O}", "_type",
			       STATEMENT_V1, "subject", "name",
			       REVOCATION_SUBJECT, "digest", "sha256",
			       key_id(k), "predicateType", PRED_REVOCATION,
			       "predicate", pred);
		rc = emit_statement_tsa(st, o.list, k, EMIT_DSSE, NULL, o.list,
					1, &e);
	}
	if (rc == 0)
		attest_print(stderr,
			     "attest: %s: serial %lld, %zu digests, %zu keys\n",
			     o.list,
			     (long long)json_integer_value(
				 json_object_get(pred, "serial")),
			     json_array_size(json_object_get(pred, "entries")),
			     json_array_size(json_object_get(pred, "keys")));
	json_decref(st);
	json_decref(pred);
	json_decref(old);
	key_free(k);
	free(o.ops);
	if (rc == 1)
		return EXIT_PASS;
	return rc == 0 ? EXIT_PASS : attest_fail(&e);
}
