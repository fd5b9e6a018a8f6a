/*
 * verify report: every attestation of the bundles for an auditor (where
 * it is, which given key signed it, what it is about and when), then the
 * lineage: datasets -> training runs -> models -> evaluations and
 * approvals, and the intake of base models. Text, JSON or a Graphviz
 * digraph. A payload is parsed only after its signature verified under a
 * given key; with no --key at all every payload is parsed for display
 * only and every attestation is marked UNVERIFIED.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/keyset.h"
#include "lib/bundle.h"
#include "lib/digestset.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/dynbuf.h"
#include "lib/jsonio.h"
#include "lib/opt.h"
#include "lib/statement.h"
#include "lib/text.h"
#include "predicates/types.h"
#include "verify/bom.h"
#include "verify/graph.h"
#include "verify/jsonout.h"
#include "verify/verify.h"

#define REPORT_MAX_KEYS GRAPH_MAX_KEYS
#define REPORT_MAX_SUBJECTS_SHOWN 10
#define REPORT_MAX_METRICS_SHOWN 8

enum report_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_DOT };

struct report_opts {
	const char **keys, **bundles;
	size_t nkeys, nbundles;
	enum report_format format;
	const char *json;
};

static int
key_opt(void *opts, const struct opt_spec *row, const char *val, struct err *e)
{
	struct report_opts *o = opts;

	(void)row;
	if (o->nkeys == REPORT_MAX_KEYS)
		return err_set(e, EXIT_USAGE, "more than %d --key options",
			       REPORT_MAX_KEYS);
	o->keys[o->nkeys++] = val;
	return 0;
}

static int
format_opt(void *opts, const struct opt_spec *row, const char *val,
	   struct err *e)
{
	static const char *const names[] = {"text", "json", "dot"};
	size_t i;

	(void)row;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(val, names[i]) == 0) {
			((struct report_opts *)opts)->format =
			    (enum report_format)i;
			return 0;
		}
	return err_set(e, EXIT_USAGE,
		       "--format: expected text, json or dot, got \"%s\"", val);
}

static int operand_opt(void *opts, const struct opt_spec *row, const char *val,
		       struct err *e);

static const struct opt_spec report_rows[] = {
    {.type = OPT_CALL,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct report_opts, keys),
     .argname = "PUB",
     .help = "trusted public key (PEM); repeatable; with none, nothing is "
	     "verified",
     .flags = OPT_MANY,
     .fn = key_opt},
    {.type = OPT_LIST,
     .name = "bundle",
     .shortname = 'b',
     .off = offsetof(struct report_opts, bundles),
     .noff = offsetof(struct report_opts, nbundles),
     .argname = "FILE",
     .help = "attestations to report; repeatable",
     .flags = OPT_REQUIRED},
    {.type = OPT_CALL,
     .name = "format",
     .shortname = 'f',
     .off = offsetof(struct report_opts, format),
     .argname = "FMT",
     .help = "text (default), json, dot; cyclonedx, html or markdown (with "
	     "--policy; spec/bom.md)",
     .fn = format_opt},
    {.type = OPT_STRING,
     .name = "json",
     .off = offsetof(struct report_opts, json),
     .argname = "FILE",
     .help = "also write the JSON report; - for stdout (text then on stderr)"},
    {.type = OPT_OPERAND,
     .argname = "BUNDLE",
     .help = "BUNDLE",
     .flags = OPT_HIDDEN,
     .fn = operand_opt},
    {.type = OPT_END},
};

static const struct opt_cmd report_cmd = {
    "verify report",
    "List every attestation of the bundles (source, signer, type, subjects, "
    "times)\nand the lineage datasets -> training runs -> models -> "
    "evaluations, approvals.\nWithout --key nothing is verified and every "
    "attestation is marked UNVERIFIED.\nExit 0 when the report was produced; 1 "
    "when a --key was given and some\nattestation does not verify under any of "
    "them.\n--format cyclonedx, html or markdown: see verify report --format "
    "cyclonedx --help.",
    report_rows};

struct report {
	struct report_opts o;
	struct keyset *ks;
	struct graph g;
};

/* What each known predicate says, and the times it carries. */
struct field {
	const char *type;
	const char *label;
	const char *path[4];
	int is_time;
};

static const struct field fields[] = {
    {PRED_DATASET, "name", {"name"}, 0},
    {PRED_DATASET, "version", {"version"}, 0},
    {PRED_DATASET, "classification", {"classification"}, 0},
    {PRED_DATASET, "license", {"license"}, 0},
    {PRED_DATASET, "attestedOn", {"attestedOn"}, 1},
    {PRED_SLSA_PROVENANCE, "builder", {"runDetails", "builder", "id"}, 0},
    {PRED_SLSA_PROVENANCE,
     "invocationId",
     {"runDetails", "metadata", "invocationId"},
     0},
    {PRED_SLSA_PROVENANCE,
     "exitStatus",
     {"buildDefinition", "internalParameters", "exitStatus"},
     0},
    {PRED_SLSA_PROVENANCE,
     "startedOn",
     {"runDetails", "metadata", "startedOn"},
     1},
    {PRED_SLSA_PROVENANCE,
     "finishedOn",
     {"runDetails", "metadata", "finishedOn"},
     1},
    {PRED_EVALUATION, "result", {"result"}, 0},
    {PRED_EVALUATION, "metrics", {"metrics"}, 0},
    {PRED_EVALUATION, "startedOn", {"startedOn"}, 1},
    {PRED_EVALUATION, "finishedOn", {"finishedOn"}, 1},
    {PRED_APPROVAL, "stage", {"stage"}, 0},
    {PRED_APPROVAL, "decision", {"decision"}, 0},
    {PRED_APPROVAL, "reason", {"reason"}, 0},
    {PRED_APPROVAL, "approvedOn", {"approvedOn"}, 1},
    {PRED_APPROVAL, "expiresOn", {"expiresOn"}, 1},
    {PRED_INTAKE, "source", {"source", "uri"}, 0},
    {PRED_INTAKE, "sourcing", {"sourcing"}, 0},
    {PRED_INTAKE, "riskTier", {"riskTier"}, 0},
    {PRED_INTAKE, "license", {"license"}, 0},
    {PRED_INTAKE, "reviewedOn", {"reviewedOn"}, 1},
    {PRED_SLSA_VSA, "verificationResult", {"verificationResult"}, 0},
    {PRED_SLSA_VSA, "timeVerified", {"timeVerified"}, 1},
};

/* "sha256:0123456789abcdef..." (or the first algorithm there is). */
static void
sb_digest(struct textbuf *b, const json_t *digest)
{
	const char *alg = "sha256", *val = jsonio_str(digest, "sha256");
	const char *k;
	char head[17];
	json_t *v;

	if (val == NULL)
		json_object_foreach((json_t *)digest, k, v)
		{
			if (json_is_string(v)) {
				alg = k;
				val = json_string_value(v);
				break;
			}
		}
	if (val == NULL) {
		textbuf_add(b, "(no digest)");
		return;
	}
	snprintf(head, sizeof(head), "%s", val);
	textbuf_esc(b, alg, 32);
	textbuf_add(b, ":");
	textbuf_esc(b, head, 80);
	if (strlen(val) > 16)
		textbuf_add(b, "...");
}

static void
sb_value(struct textbuf *b, const json_t *v)
{
	const char *k;
	json_t *m;
	size_t n = 0;

	if (json_is_string(v)) {
		textbuf_esc(b, json_string_value(v), 200);
	} else if (json_is_integer(v)) {
		textbuf_add(b, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		textbuf_add(b, "%.6g", json_real_value(v));
	} else if (json_is_boolean(v)) {
		textbuf_add(b, "%s", json_is_true(v) ? "true" : "false");
	} else if (json_is_object(v)) {
		textbuf_add(b, "{");
		json_object_foreach((json_t *)v, k, m)
		{
			if (n++ == REPORT_MAX_METRICS_SHOWN) {
				textbuf_add(b, " ...");
				break;
			}
			textbuf_add(b, "%s", n > 1 ? " " : "");
			textbuf_esc(b, k, 64);
			textbuf_add(b, "=");
			sb_value(b, json_is_object(m) ? NULL : m);
		}
		textbuf_add(b, "}");
	} else {
		textbuf_add(b, "(...)");
	}
}

static const json_t *
field_get(const struct att *a, const struct field *f)
{
	const json_t *v = statement_predicate(a->st);
	size_t i;

	if (strcmp(statement_predicate_type(a->st), f->type) != 0)
		return NULL;
	for (i = 0; v != NULL && i < 4 && f->path[i] != NULL; i++)
		v = json_object_get(v, f->path[i]);
	return v;
}

/* " label=value" for each field (or time) the statement carries. */
static void
sb_fields(struct textbuf *b, const struct att *a, int times)
{
	const json_t *v;
	size_t i;

	for (i = 0; a->st != NULL && i < sizeof(fields) / sizeof(fields[0]);
	     i++) {
		if (fields[i].is_time != times ||
		    (v = field_get(a, &fields[i])) == NULL)
			continue;
		textbuf_add(b, " %s=", fields[i].label);
		sb_value(b, v);
	}
}

static json_t *
fields_json(const struct att *a, int times)
{
	json_t *o = json_object();
	const json_t *v;
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].is_time == times &&
		    (v = field_get(a, &fields[i])) != NULL &&
		    jsonio_set(o, fields[i].label, json_deep_copy(v), NULL) !=
			0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

static const char *
short_type(const struct att *a)
{
	const char *s;

	if (a->st == NULL)
		return "unknown";
	s = pred_short_name(statement_predicate_type(a->st));
	return s != NULL ? s : "other";
}

static const char *
state_word(const struct att *a)
{
	static const char *const words[] = {
	    "VERIFIED", "UNVERIFIED (signature not checked)", "NOT VERIFIED",
	    "MALFORMED"};
	return words[a->state];
}

static const char *
state_json(const struct att *a)
{
	static const char *const words[] = {"verified", "unverified",
					    "not-verified", "malformed"};
	return words[a->state];
}

static const char *
key_name(const struct report *r, size_t i)
{
	const char *src = key_source(keyset_get(r->ks, i));
	const char *slash = strrchr(src, '/');

	return slash != NULL ? slash + 1 : src;
}

static void
sb_signers(struct textbuf *b, const struct report *r, const struct att *a)
{
	size_t i, n = 0;

	for (i = 0; i < keyset_count(r->ks) && i < REPORT_MAX_KEYS; i++)
		if (a->signed_by[i]) {
			textbuf_add(b, "%s", n++ ? ", " : " by ");
			textbuf_esc(b, key_name(r, i), 128);
		}
}

/* "[3] evaluation result=PASSED ..." with UNVERIFIED when unchecked. */
static void
sb_ref(struct textbuf *b, const struct att *a, size_t i)
{
	textbuf_add(b, "[%zu%s] %s", i + 1,
		    a->state == ATT_UNCHECKED ? " UNVERIFIED" : "",
		    short_type(a));
	sb_fields(b, a, 0);
}

static void
sb_art(struct textbuf *b, const struct art *t)
{
	textbuf_esc(b, t->name != NULL ? t->name : "(unnamed)", 100);
	textbuf_add(b, " ");
	sb_digest(b, t->digest);
}

static int
parse(struct report_opts *o, int argc, char **argv, struct err *e)
{
	int rc;

	o->keys = calloc((size_t)argc, sizeof(char *));
	if (o->keys == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	rc = opt_parse(o, &report_cmd, argc, argv, e);
	if (rc == 1)
		opt_cmd_help(stdout, &report_cmd);
	if (rc != 0)
		return rc;
	return 0;
}

/* Bundles are named by --bundle, never as operands. */
static int
operand_opt(void *opts, const struct opt_spec *row, const char *val,
	    struct err *e)
{
	char syn[ERR_MSG_MAX];

	(void)opts;
	(void)row;
	opt_synopsis(syn, sizeof(syn), &report_cmd);
	return err_set(e, EXIT_USAGE,
		       "unexpected \"%s\": bundles go after --bundle (usage: "
		       "%s)",
		       val, syn);
}

static void
count_states(const struct report *r, size_t n[4])
{
	size_t i;

	memset(n, 0, 4 * sizeof(n[0]));
	for (i = 0; i < r->g.natts; i++)
		n[r->g.atts[i].state]++;
}

/* ---- text ---- */

static void
text_banner(void)
{
	static const char *const lines[] = {
	    "UNVERIFIED: no --key given, so NO signature was checked.",
	    "Everything below is what the bundles claim, not what is proven.",
	};
	size_t i;

	verify_print(stdout, "%.70s\n",
		     "##########################################"
		     "############################");
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		verify_print(stdout, "# %-66s #\n", lines[i]);
	verify_print(stdout, "%.70s\n",
		     "##########################################"
		     "############################");
}

static void
text_listing(const struct report *r)
{
	const json_t *subs;
	struct textbuf b;
	size_t i, j;

	verify_print(stdout, "ATTESTATIONS\n");
	for (i = 0; i < r->g.natts; i++) {
		const struct att *a = &r->g.atts[i];
		memset(&b, 0, sizeof(b));
		textbuf_add(&b, "[%zu] ", i + 1);
		textbuf_esc(&b, a->src, 200);
		textbuf_add(&b, "  %s", state_word(a));
		sb_signers(&b, r, a);
		verify_print(stdout, "%s\n", b.s);
		if (a->why[0] != '\0') {
			memset(&b, 0, sizeof(b));
			textbuf_esc(&b, a->why, 400);
			verify_print(stdout, "      why      %s\n", b.s);
		}
		if (a->st == NULL)
			continue;
		memset(&b, 0, sizeof(b));
		textbuf_esc(&b, statement_predicate_type(a->st), 200);
		verify_print(stdout, "      type     %s (%s)\n", short_type(a),
			     b.s);
		subs = statement_subjects(a->st);
		for (j = 0; j < json_array_size(subs); j++) {
			const json_t *s = json_array_get(subs, j);
			struct art t = {json_object_get(s, "digest"),
					jsonio_str(s, "name")};
			if (j == REPORT_MAX_SUBJECTS_SHOWN) {
				verify_print(
				    stdout, "      subject  ... and %zu more\n",
				    json_array_size(subs) - j);
				break;
			}
			memset(&b, 0, sizeof(b));
			sb_art(&b, &t);
			verify_print(stdout, "      subject  %s\n", b.s);
		}
		memset(&b, 0, sizeof(b));
		sb_fields(&b, a, 1);
		if (b.n > 0)
			verify_print(stdout, "      time    %s\n", b.s);
		memset(&b, 0, sizeof(b));
		sb_fields(&b, a, 0);
		if (b.n > 0)
			verify_print(stdout, "      claims  %s\n", b.s);
	}
}

/* Every other attestation that made or used artifact t. */
static void
text_related(struct report *r, size_t t, size_t except, int indent, int deep)
{
	struct textbuf b;
	size_t i, j;

	for (i = 0; i < r->g.nedges; i++) {
		const struct edge *ed = &r->g.edges[i];
		if (ed->art != t || ed->att == except)
			continue;
		r->g.atts[ed->att].linked = 1;
		memset(&b, 0, sizeof(b));
		if (ed->out)
			textbuf_add(&b, "%s by ",
				    strcmp(ed->rel, "attests") == 0
					? "attested"
					: "produced");
		else {
			textbuf_esc(&b, ed->rel, 40);
			textbuf_add(&b, " of ");
		}
		sb_ref(&b, &r->g.atts[ed->att], ed->att);
		verify_print(stdout, "%*s%s\n", indent, "", b.s);
		if (!deep ||
		    !graph_is_type(&r->g.atts[ed->att], PRED_EVALUATION))
			continue;
		for (j = 0; j < r->g.nedges; j++) {
			const struct edge *in = &r->g.edges[j];
			if (in->att != ed->att || in->subject)
				continue;
			memset(&b, 0, sizeof(b));
			textbuf_esc(&b, in->rel, 40);
			textbuf_add(&b, " data ");
			sb_art(&b, &r->g.arts[in->art]);
			verify_print(stdout, "%*s  on %s\n", indent, "", b.s);
			text_related(r, in->art, ed->att, indent + 6, 0);
		}
	}
}

static void
text_run(struct report *r, size_t ri)
{
	struct textbuf b;
	size_t i;

	r->g.atts[ri].linked = 1;
	memset(&b, 0, sizeof(b));
	sb_ref(&b, &r->g.atts[ri], ri);
	sb_fields(&b, &r->g.atts[ri], 1);
	verify_print(stdout, "training run %s\n", b.s);
	for (i = 0; i < r->g.nedges; i++) {
		const struct edge *ed = &r->g.edges[i];
		if (ed->att != ri || ed->out)
			continue;
		memset(&b, 0, sizeof(b));
		textbuf_esc(&b, ed->rel, 40);
		textbuf_add(&b, " ");
		sb_art(&b, &r->g.arts[ed->art]);
		verify_print(stdout, "  <- %s\n", b.s);
		text_related(r, ed->art, ri, 7, 0);
	}
	for (i = 0; i < r->g.nedges; i++) {
		const struct edge *ed = &r->g.edges[i];
		if (ed->att != ri || !ed->out)
			continue;
		memset(&b, 0, sizeof(b));
		sb_art(&b, &r->g.arts[ed->art]);
		verify_print(stdout, "  -> model %s\n", b.s);
		text_related(r, ed->art, ri, 7, 1);
	}
}

static void
text_lineage(struct report *r)
{
	struct textbuf b;
	size_t i, runs = 0, loose = 0;

	verify_print(stdout,
		     "\nLINEAGE (datasets -> training runs -> models -> "
		     "evaluations, approvals)\n");
	for (i = 0; i < r->g.natts; i++)
		if (graph_is_type(&r->g.atts[i], PRED_SLSA_PROVENANCE)) {
			text_run(r, i);
			runs++;
		}
	if (runs == 0)
		verify_print(stdout, "no training provenance in the bundles\n");
	for (i = 0; i < r->g.natts; i++) {
		if (r->g.atts[i].st == NULL || r->g.atts[i].linked)
			continue;
		if (loose++ == 0)
			verify_print(stdout,
				     "not linked to any training run:\n");
		memset(&b, 0, sizeof(b));
		sb_ref(&b, &r->g.atts[i], i);
		verify_print(stdout, "  %s\n", b.s);
	}
}

static void
emit_text(struct report *r)
{
	size_t n[4];

	count_states(r, n);
	if (r->o.nkeys == 0)
		text_banner();
	text_listing(r);
	text_lineage(r);
	verify_print(
	    stdout,
	    "\nSUMMARY %zu attestations: %zu verified, %zu unverified "
	    "(signature not checked), %zu NOT verified, %zu malformed\n",
	    r->g.natts, n[ATT_VERIFIED], n[ATT_UNCHECKED], n[ATT_NOT_VERIFIED],
	    n[ATT_MALFORMED]);
	if (r->o.nkeys == 0)
		text_banner();
}

/* ---- json ---- */

static json_t *
att_json(const struct report *r, size_t i)
{
	const struct att *a = &r->g.atts[i];
	json_t *o, *signers = json_array(), *subs = json_array();
	const json_t *ss;
	size_t j;
	int bad = 0;

	for (j = 0; j < keyset_count(r->ks) && j < REPORT_MAX_KEYS; j++)
		if (a->signed_by[j])
			bad |= jsonio_append(signers,
					     json_string(key_name(r, j)), NULL);
	o = json_pack("{s:i, s:s, s:s, s:s, s:o}", "index", (json_int_t)i + 1,
		      "source", a->src, "sha256", a->sha256, "status",
		      state_json(a), "signers", signers);
	if (a->why[0] != '\0')
		bad |= jsonio_set(o, "error", json_string(a->why), NULL);
	if (a->st == NULL || bad) {
		json_decref(subs);
		if (bad)
			json_decref(o);
		return bad ? NULL : o;
	}
	ss = statement_subjects(a->st);
	for (j = 0; j < json_array_size(ss); j++) {
		const json_t *s = json_array_get(ss, j);
		bad |= jsonio_append(subs,
				     json_pack("{s:s?, s:O}", "name",
					       jsonio_str(s, "name"), "digest",
					       json_object_get(s, "digest")),
				     NULL);
	}
	bad |= jsonio_set(o, "predicateType",
			  json_string(statement_predicate_type(a->st)), NULL);
	bad |= jsonio_set(o, "type", json_string(short_type(a)), NULL);
	bad |= jsonio_set(o, "subjects", subs, NULL);
	bad |= jsonio_set(o, "times", fields_json(a, 1), NULL);
	bad |= jsonio_set(o, "claims", fields_json(a, 0), NULL);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
report_json(const struct report *r, int status)
{
	json_t *atts = json_array(), *arts = json_array(),
	       *edges = json_array();
	json_t *keys = json_array();
	char from[32], to[32];
	size_t i, n[4];
	int bad = 0;

	count_states(r, n);
	for (i = 0; i < keyset_count(r->ks); i++)
		bad |= jsonio_append(keys, json_string(key_name(r, i)), NULL);
	for (i = 0; i < r->g.natts; i++)
		bad |= jsonio_append(atts, att_json(r, i), NULL);
	for (i = 0; i < r->g.narts; i++) {
		snprintf(from, sizeof(from), "art%zu", i + 1);
		bad |= jsonio_append(arts,
				     json_pack("{s:s, s:s?, s:O}", "id", from,
					       "name", r->g.arts[i].name,
					       "digest", r->g.arts[i].digest),
				     NULL);
	}
	for (i = 0; i < r->g.nedges; i++) {
		const struct edge *ed = &r->g.edges[i];
		snprintf(ed->out ? from : to, sizeof(from), "att%zu",
			 ed->att + 1);
		snprintf(ed->out ? to : from, sizeof(to), "art%zu",
			 ed->art + 1);
		bad |= jsonio_append(edges,
				     json_pack("{s:s, s:s, s:s}", "from", from,
					       "to", to, "relation", ed->rel),
				     NULL);
	}
	if (bad) {
		json_decref(keys);
		json_decref(atts);
		json_decref(arts);
		json_decref(edges);
		return NULL;
	}
	return json_pack(
	    "{s:b, s:s*, s:o, s:{s:i, s:i, s:i, s:i, s:i}, s:o, s:o, s:o, "
	    "s:i}",
	    "signaturesChecked", r->o.nkeys > 0, "warning",
	    r->o.nkeys > 0 ? NULL
			   : "UNVERIFIED: no --key given, no signature was "
			     "checked; nothing here is verified",
	    "keys", keys, "counts", "attestations", (json_int_t)r->g.natts,
	    "verified", (json_int_t)n[ATT_VERIFIED], "unverified",
	    (json_int_t)n[ATT_UNCHECKED], "notVerified",
	    (json_int_t)n[ATT_NOT_VERIFIED], "malformed",
	    (json_int_t)n[ATT_MALFORMED], "attestations", atts, "artifacts",
	    arts, "edges", edges, "exitCode", status);
}

static int
emit_json(const struct report *r, int status, struct err *e)
{
	json_t *doc = report_json(r, status);
	char *text = NULL;
	size_t len;
	int rc;

	if (doc == NULL)
		return err_set(e, EXIT_UNDECIDED, "cannot build the report");
	rc = jsonio_dump(&text, &len, doc,
			 JSONIO_PRETTY_FLAGS | JSON_ENSURE_ASCII, e);
	/* A JSON document, not a line: ASCII-only already, printed whole. */
	if (rc == 0) {
		text[len] = '\n';
		if (fwrite(text, 1, len + 1, stdout) != len + 1)
			rc = err_set(e, EXIT_UNDECIDED,
				     "cannot write standard output");
	}
	free(text);
	json_decref(doc);
	return rc;
}

/* ---- dot ---- */

/*
 * Quotes text already made printable (\ and " escaped, \n kept as \n) and
 * prints the node as one line.
 */
static void
dot_print(const char *id, const char *attrs, const char *label)
{
	size_t n = strlen(label), k = 0;
	char *q = malloc(2 * n + 1);
	const char *p;

	if (q == NULL) {
		verify_print(stderr, "verify: out of memory\n");
		return;
	}
	for (p = label; *p != '\0'; p++) {
		if (*p == '\n') {
			q[k++] = '\\';
			q[k++] = 'n';
			continue;
		}
		if (*p == '\\' || *p == '"')
			q[k++] = '\\';
		q[k++] = *p;
	}
	q[k] = '\0';
	verify_print(stdout, "  %s [%slabel=\"%s\"];\n", id, attrs, q);
	free(q);
}

static void
emit_dot(const struct report *r)
{
	char id[80], from[32], to[32];
	struct textbuf b;
	size_t i;

	verify_print(
	    stdout,
	    "digraph mlattest_report {\n  graph [rankdir=LR, "
	    "labelloc=t, label=\"%s\"];\n  node [fontname=\"monospace\", "
	    "fontsize=10];\n",
	    r->o.nkeys > 0 ? "verify report"
			   : "UNVERIFIED: no --key given, NO signature "
			     "was checked");
	for (i = 0; i < r->g.natts; i++) {
		const struct att *a = &r->g.atts[i];
		memset(&b, 0, sizeof(b));
		textbuf_add(&b, "[%zu] %s\n", i + 1, short_type(a));
		textbuf_esc(&b, a->src, 120);
		textbuf_add(&b, "\n%s", state_word(a));
		sb_signers(&b, r, a);
		if (a->st != NULL) {
			textbuf_add(&b, "\n");
			sb_fields(&b, a, 0);
		}
		snprintf(id, sizeof(id), "att%zu", i + 1);
		dot_print(id,
			  a->state == ATT_VERIFIED ? "shape=box, "
			  : a->state == ATT_UNCHECKED
			      ? "shape=box, style=dashed, color=red, "
			      : "shape=box, style=bold, color=red, ",
			  b.s);
	}
	for (i = 0; i < r->g.narts; i++) {
		memset(&b, 0, sizeof(b));
		textbuf_esc(&b,
			    r->g.arts[i].name ? r->g.arts[i].name : "(unnamed)",
			    100);
		textbuf_add(&b, "\n");
		sb_digest(&b, r->g.arts[i].digest);
		snprintf(id, sizeof(id), "art%zu", i + 1);
		dot_print(id, "shape=ellipse, ", b.s);
	}
	for (i = 0; i < r->g.nedges; i++) {
		const struct edge *ed = &r->g.edges[i];
		snprintf(ed->out ? from : to, sizeof(from), "att%zu",
			 ed->att + 1);
		snprintf(ed->out ? to : from, sizeof(to), "art%zu",
			 ed->art + 1);
		memset(&b, 0, sizeof(b));
		textbuf_esc(&b, ed->rel, 40);
		snprintf(id, sizeof(id), "%s -> %s", from, to);
		dot_print(id, "", b.s);
	}
	verify_print(stdout, "}\n");
}

static int
finish(struct report *r, struct jsonout *jo, struct err *e)
{
	size_t n[4];
	int status, rc = 0;

	count_states(r, n);
	status = r->o.nkeys > 0 && n[ATT_NOT_VERIFIED] + n[ATT_MALFORMED] > 0
		     ? EXIT_REJECTED
		     : EXIT_PASS;
	if (r->o.format == FORMAT_JSON)
		rc = emit_json(r, status, e);
	else if (r->o.format == FORMAT_DOT)
		emit_dot(r);
	else
		emit_text(r);
	if (rc == 0 && r->o.json != NULL) {
		json_t *doc = report_json(r, status);
		rc = doc != NULL ? jsonout_write(jo, doc, e)
				 : err_set(e, EXIT_UNDECIDED, "out of memory");
		json_decref(doc);
	}
	if (rc != 0)
		return rc;
	fflush(stdout);
	if (r->o.nkeys == 0)
		verify_print(
		    stderr,
		    "verify: report: WARNING: no --key given: all %zu "
		    "attestations are UNVERIFIED (signatures not checked); "
		    "this report is information, not proof\n",
		    r->g.natts);
	else
		verify_print(
		    stderr,
		    "verify: report: %s: %zu of %zu attestations verified"
		    ", %zu NOT verified, %zu malformed\n",
		    status == EXIT_PASS ? "all verified" : "REJECTED",
		    n[ATT_VERIFIED], r->g.natts, n[ATT_NOT_VERIFIED],
		    n[ATT_MALFORMED]);
	return status;
}

int
cmd_report(int argc, char **argv)
{
	struct report r;
	struct jsonout jo = JSONOUT_INIT;
	struct err e = ERR_INIT;
	size_t i;
	int rc;

	if (bom_wanted(argc, argv))
		return cmd_bom(argc, argv);
	memset(&r, 0, sizeof(r));
	rc = parse(&r.o, argc, argv, &e);
	if (rc == 1) {
		rc = EXIT_PASS; /* --help */
		goto out;
	}
	if (rc == 0)
		rc = jsonout_open(&jo, r.o.json, &e);
	if (rc == 0)
		rc = keyset_new(&r.ks, &e);
	for (i = 0; rc == 0 && i < r.o.nkeys; i++)
		if (keyset_add_file(r.ks, r.o.keys[i], &e) != 0)
			rc = -(e.code = EXIT_UNDECIDED);
	for (i = 0; rc == 0 && i < r.o.nbundles; i++)
		rc = graph_add_bundle(&r.g, r.o.bundles[i],
				      r.o.nkeys > 0 ? r.ks : NULL, &e);
	if (rc == 0)
		rc = graph_link(&r.g, &e);
	if (rc == 0)
		rc = finish(&r, &jo, &e);
out:
	jsonout_close(&jo);
	graph_clear(&r.g);
	keyset_free(r.ks);
	free(r.o.keys);
	free(r.o.bundles);
	return rc < 0 ? verify_fail(&e) : rc;
}
