/*
 * verify lineage --affected: the auditor's question "which models were
 * trained on the poisoned data?". Every subject of the evidence whose
 * lineage holds the digest, transitively, one line each with the path of
 * attestations that links it. Exit 0 when nothing is affected, 1 when
 * something is.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/keyset.h"
#include "lib/digest.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "lib/oci.h"
#include "lib/opt.h"
#include "predicates/tree.h"
#include "verify/evidence.h"
#include "verify/jsonout.h"
#include "verify/lineage.h"
#include "verify/verify.h"

struct lineage_opts {
	const char *affected, *json, *links_within;
	const char **keys, **bundles, **froms;
	size_t nkeys, nbundles, nfroms;
	int insecure, quiet;
};

static const struct opt_spec lineage_rows[] = {
    {.type = OPT_STRING,
     .name = "affected",
     .shortname = 'a',
     .off = offsetof(struct lineage_opts, affected),
     .argname = "DIGEST|PATH",
     .help = "what is suspect: ALG:HEX, or a file or directory to hash",
     .flags = OPT_REQUIRED},
    {.type = OPT_LIST,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct lineage_opts, keys),
     .noff = offsetof(struct lineage_opts, nkeys),
     .argname = "PUB",
     .help = "trusted public key (PEM); repeatable; only attestations it "
	     "signed count",
     .flags = OPT_REQUIRED},
    {.type = OPT_LIST,
     .name = "bundle",
     .shortname = 'b',
     .off = offsetof(struct lineage_opts, bundles),
     .noff = offsetof(struct lineage_opts, nbundles),
     .argname = "FILE",
     .help = "evidence bundle; repeatable"},
    {.type = OPT_LIST,
     .name = "from",
     .off = offsetof(struct lineage_opts, froms),
     .noff = offsetof(struct lineage_opts, nfroms),
     .argname = "REF",
     .help = "also fetch the attestations of REGISTRY/REPO@sha256:HEX; "
	     "repeatable"},
    {.type = OPT_FLAG,
     .name = "insecure",
     .off = offsetof(struct lineage_opts, insecure),
     .help = "plain http for --from; only for loopback registries"},
    {.type = OPT_STRING,
     .name = "json",
     .off = offsetof(struct lineage_opts, json),
     .argname = "FILE",
     .help = "also write the answer as JSON; - for stdout (text then on "
	     "stderr)"},
    {.type = OPT_FLAG,
     .name = "quiet",
     .shortname = 'q',
     .off = offsetof(struct lineage_opts, quiet),
     .help = "print only the summary"},
    {.type = OPT_STRING,
     .name = "follow-links-within",
     .off = offsetof(struct lineage_opts, links_within),
     .argname = "DIR",
     .help = "follow symlinks to files anywhere under DIR when hashing PATH"},
    {.type = OPT_END},
};

static const struct opt_cmd lineage_cmd = {
    "verify lineage",
    "Name every subject whose lineage contains the digest, with the "
    "attestations\nthat link it. Exit 0 when nothing is affected, 1 when "
    "something is. At least\none --bundle or --from.",
    lineage_rows};

struct answer {
	const struct evidence *ev;
	json_t *subjects; /* for --json */
	int quiet;
};

static int
parse(struct lineage_opts *o, int argc, char **argv, struct err *e)
{
	int rc = opt_parse(o, &lineage_cmd, argc, argv, e);

	if (rc == 1)
		opt_cmd_help(stdout, &lineage_cmd);
	if (rc != 0)
		return rc;
	if (o->nkeys > EVIDENCE_MAX_KEYS)
		return err_set(e, EXIT_USAGE, "more than %d --key options",
			       EVIDENCE_MAX_KEYS);
	if (o->nbundles + o->nfroms == 0)
		return opt_usage_error(&lineage_cmd, e);
	return 0;
}

/* SPEC-LIN-3: ALG:HEX as given, else PATH hashed as attest hashes it. */
static int
start_digest(json_t **out, const struct lineage_opts *o, struct err *e)
{
	struct digest_opts d = DIGEST_OPTS_INIT;
	const char *colon = strchr(o->affected, ':');
	struct tree t;
	size_t n;
	char alg[33];
	int rc;

	*out = NULL;
	if (colon != NULL && (n = (size_t)(colon - o->affected)) > 0 &&
	    n < sizeof(alg) && hex_is_valid(colon + 1)) {
		memcpy(alg, o->affected, n);
		alg[n] = '\0';
		*out = json_pack("{s:s}", alg, colon + 1);
		return *out != NULL
			   ? 0
			   : err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	d.links_within = o->links_within;
	rc = tree_hash(&t, o->affected, &d, e);
	if (rc == 0)
		*out = tree_digestset(&t);
	tree_clear(&t);
	if (rc == 0 && *out == NULL)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	return rc;
}

/* The one evidence loader: bundle files, then registries. */
static int
load(struct evidence *ev, const struct lineage_opts *o, const struct keyset *ks,
     struct err *e)
{
	struct evidence_sources src;

	memset(&src, 0, sizeof(src));
	src.bundles = o->bundles;
	src.nbundles = o->nbundles;
	src.froms = o->froms;
	src.nfroms = o->nfroms;
	src.insecure = o->insecure;
	src.auth = getenv(OCI_AUTH_ENV);
	return evidence_load_sources(ev, &src, ks, e);
}

/* The first acceptable digest of a set as "alg:value", for display. */
static const char *
shown_digest(char *buf, size_t cap, const json_t *d)
{
	const char *pick[] = {"sha256", "sha512", "gitCommit", NULL}, *v;
	size_t i;

	for (i = 0; pick[i] != NULL; i++)
		if ((v = jsonio_str(d, pick[i])) != NULL) {
			snprintf(buf, cap, "%s:%s", pick[i], v);
			return buf;
		}
	snprintf(buf, cap, "-");
	return buf;
}

static int
on_hit(const struct lineage_hit *h, void *arg, struct err *e)
{
	struct answer *a = arg;
	char via[2048], dig[200];
	json_t *path = json_array(), *row;
	size_t i, used = 0;

	via[0] = '\0';
	for (i = 0; i < h->npath && used < sizeof(via); i++) {
		const struct evidence_item *it = &a->ev->items[h->path[i]];
		used += (size_t)snprintf(via + used, sizeof(via) - used, "%s%s",
					 i ? " -> " : "", it->src);
		if (jsonio_append(path,
				  json_pack("{s:s, s:s}", "source", it->src,
					    "sha256", it->sha256),
				  e) != 0) {
			json_decref(path);
			return -e->code;
		}
	}
	if (!a->quiet)
		verify_print(stdout, "AFFECTED %-10s %s %s  via %s\n", h->kind,
			     h->name, shown_digest(dig, sizeof(dig), h->digest),
			     via);
	row = json_pack("{s:s, s:s, s:O, s:s, s:o}", "kind", h->kind, "name",
			jsonio_is_utf8(h->name) ? h->name : "_", "digest",
			h->digest, "attestation", a->ev->items[h->item].src,
			"path", path);
	return jsonio_append(a->subjects, row, e);
}

static int
run(const struct lineage_opts *o, struct jsonout *jo, struct err *e)
{
	struct keyset *ks = NULL;
	struct evidence ev;
	struct lineage *g = NULL;
	struct answer a;
	json_t *start = NULL, *doc = NULL;
	char dig[200];
	long hits = 0;
	size_t i;
	int rc;

	memset(&ev, 0, sizeof(ev));
	memset(&a, 0, sizeof(a));
	rc = keyset_new(&ks, e);
	for (i = 0; rc == 0 && i < o->nkeys; i++)
		rc = keyset_add_file(ks, o->keys[i], e);
	if (rc == 0)
		rc = start_digest(&start, o, e);
	if (rc == 0)
		rc = load(&ev, o, ks, e);
	if (rc == 0)
		rc = lineage_build(&g, &ev, e);
	if (rc == 0) {
		a.ev = &ev;
		a.quiet = o->quiet;
		a.subjects = json_array();
		hits = lineage_affected(g, start, on_hit, &a, e);
		rc = hits < 0 ? (int)hits : 0;
	}
	if (rc == 0 && o->json != NULL) {
		doc = json_pack(
		    "{s:s, s:O, s:O, s:{s:I, s:I}}", "affected", o->affected,
		    "digest", start, "subjects", a.subjects, "attestations",
		    "read", (json_int_t)ev.total, "verified", (json_int_t)ev.n);
		rc = doc != NULL ? jsonout_write(jo, doc, e)
				 : err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	if (rc == 0)
		verify_print(stderr,
			     "verify: %ld subject%s affected by %s (%zu of %zu "
			     "attestations verified)\n",
			     hits, hits == 1 ? "" : "s",
			     shown_digest(dig, sizeof(dig), start), ev.n,
			     ev.total);
	json_decref(doc);
	json_decref(a.subjects);
	json_decref(start);
	lineage_free(g);
	evidence_clear(&ev);
	keyset_free(ks);
	if (rc != 0)
		return rc;
	return hits > 0 ? 2 : 0;
}

int
cmd_lineage(int argc, char **argv)
{
	struct lineage_opts o;
	struct jsonout jo = JSONOUT_INIT;
	struct err e = ERR_INIT;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = parse(&o, argc, argv, &e);
	if (rc == 0)
		rc = jsonout_open(&jo, o.json, &e);
	if (rc == 0)
		rc = run(&o, &jo, &e);
	jsonout_close(&jo);
	free(o.keys);
	free(o.bundles);
	free(o.froms);
	if (rc == 1)
		return EXIT_PASS;
	if (rc == 2)
		return EXIT_REJECTED;
	if (rc != 0)
		return verify_fail(&e);
	return EXIT_PASS;
}
