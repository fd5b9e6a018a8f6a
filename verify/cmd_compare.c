/*
 * verify compare: two training runs side by side. Each bundle holds one
 * training provenance and the evaluations of its model, every attestation
 * verified under the given keys. The claimed inputs must be the same
 * (datasets and inputs, base model and container by digest, code commit,
 * public parameters, configs, command line, seed); the models may differ
 * (training is not deterministic); each metric on the same eval datasets
 * must agree within its tolerance. Private parameters are salted
 * commitments, different in every run: they are named and skipped.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/keyset.h"
#include "lib/digestset.h"
#include "lib/jsonio.h"
#include "lib/opt.h"
#include "lib/statement.h"
#include "lib/text.h"
#include "predicates/evaluation.h"
#include "predicates/types.h"
#include "verify/evidence.h"
#include "verify/jsonout.h"
#include "verify/verify.h"

enum { OPT_KEY = 1, OPT_BUNDLE, OPT_TOLERANCE, OPT_JSON };

static const struct opt_def compare_opts[] = {
    {OPT_KEY, "key", 'k', "PUB", "trusted public key (PEM); repeatable"},
    {OPT_BUNDLE, "bundle", 'b', "FILE",
     "a run's provenance and evaluations; exactly twice (A, then B)"},
    {OPT_TOLERANCE, "tolerance", 't', "NAME=DELTA",
     "metric NAME may differ by at most DELTA (absolute); default 0; "
     "repeatable"},
    {OPT_JSON, "json", 0, "FILE",
     "also write the result as JSON; - for stdout (text then on stderr)"},
    {0, NULL, 0, NULL, NULL},
};

#define COMPARE_SYNOPSIS                                                       \
	"verify compare --key PUB [--key PUB]... --bundle A --bundle B "       \
	"[--tolerance NAME=DELTA]... [--json FILE]"

struct tolerance {
	const char *name;
	size_t len;
	double delta;
	int used;
};

struct compare_opts {
	const char **keys, *bundles[2], *json;
	size_t nkeys, nbundles, ntols;
	struct tolerance *tols;
};

struct side {
	const char *tag, *path;
	struct evidence ev;
	const struct evidence_item *prov;
	const json_t *bd, *ext;
	const struct evidence_item **evals;
	size_t nevals;
};

struct cmp {
	struct compare_opts o;
	struct keyset *ks;
	struct side s[2];
	size_t diffs;
	int undecided, rejected;
	json_t *lines; /* [{kind, text}], what say printed */
};

/* Any JSON value, compact and escaped. */
static void
sb_json(struct textbuf *b, const json_t *v)
{
	char *text = NULL;
	size_t len;

	if (json_is_string(v)) {
		textbuf_esc(b, json_string_value(v), 200);
	} else if (v != NULL &&
		   jsonio_dump(&text, &len, v, JSONIO_FLAGS | JSON_ENCODE_ANY,
			       NULL) == 0) {
		textbuf_esc(b, text, 200);
	} else {
		textbuf_add(b, "(none)");
	}
	free(text);
}

static const char *
rd_name(const json_t *rd)
{
	const char *name = jsonio_str(rd, "name");

	return name != NULL ? name : jsonio_str(rd, "uri");
}

/* "name sha256:0123456789abcdef...", or the whole digest when full. */
static void
sb_rd(struct textbuf *b, const json_t *rd, int full)
{
	const json_t *d = json_object_get(rd, "digest"), *v;
	const char *alg = "sha256", *k, *val = jsonio_str(d, "sha256");
	char head[17];

	textbuf_esc(b, rd_name(rd), 100);
	json_object_foreach((json_t *)d, k, v)
	{
		if (val != NULL)
			break;
		if (json_is_string(v)) {
			alg = k;
			val = json_string_value(v);
		}
	}
	if (val == NULL) {
		textbuf_add(b, " (no digest)");
		return;
	}
	snprintf(head, sizeof(head), "%s", val);
	textbuf_add(b, " ");
	textbuf_esc(b, alg, 32);
	textbuf_add(b, ":");
	textbuf_esc(b, full ? val : head, 200);
	textbuf_add(b, "%s", !full && strlen(val) > 16 ? "..." : "");
}

/* One result line; DIFFERS lines are the divergences. */
static void
say(struct cmp *c, const char *what, const struct textbuf *b)
{
	if (strcmp(what, "DIFFERS") == 0)
		c->diffs++;
	verify_print(stdout, "%-8s %s\n", what, b->s);
	if (c->lines != NULL &&
	    jsonio_append(c->lines,
			  json_pack("{s:s, s:s}", "kind", what, "text", b->s),
			  NULL) != 0) {
		json_decref(c->lines);
		c->lines = NULL;
	}
}

static int
parse_tolerance(struct compare_opts *o, const char *s, struct err *e)
{
	const char *eq = strchr(s, '=');
	struct tolerance *t = &o->tols[o->ntols];
	char *end = NULL;
	size_t i;

	if (eq == NULL || eq == s || (size_t)(eq - s) > MAX_METRIC_NAME)
		return err_set(e, EXIT_USAGE,
			       "--tolerance: expected NAME=DELTA, got \"%s\"",
			       s);
	errno = 0;
	t->delta = strtod(eq + 1, &end);
	if (eq[1] == '\0' || *end != '\0' || errno != 0 ||
	    !isfinite(t->delta) || t->delta < 0)
		return err_set(e, EXIT_USAGE,
			       "--tolerance: DELTA must be a finite number >= "
			       "0, got \"%s\"",
			       eq + 1);
	t->name = s;
	t->len = (size_t)(eq - s);
	for (i = 0; i < o->ntols; i++)
		if (o->tols[i].len == t->len &&
		    strncmp(o->tols[i].name, s, t->len) == 0)
			return err_set(e, EXIT_USAGE,
				       "--tolerance: %.*s given twice",
				       (int)t->len, s);
	o->ntols++;
	return 0;
}

static int
parse(struct compare_opts *o, int argc, char **argv, struct err *e)
{
	struct opt_iter it;
	const char *val;
	int id, rc;

	o->keys = calloc((size_t)argc, sizeof(char *));
	o->tols = calloc((size_t)argc, sizeof(*o->tols));
	if (o->keys == NULL || o->tols == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	opt_init(&it, argc, argv);
	while ((rc = opt_next(&it, compare_opts, &id, &val, e)) == 1) {
		rc = 0;
		switch (id) {
		case OPT_HELP:
			opt_help(
			    stdout, COMPARE_SYNOPSIS,
			    "Compare two training runs: their claimed "
			    "inputs must be the same and the\nmetrics of "
			    "their models on the same eval datasets must "
			    "agree within tolerance.\nEvery attestation in "
			    "A and B must verify under the keys. Exit 0 "
			    "consistent,\n1 divergent (or an attestation "
			    "does not verify), 3 could not decide.",
			    compare_opts);
			return 1;
		case OPT_KEY:
			if (o->nkeys == EVIDENCE_MAX_KEYS)
				return err_set(e, EXIT_USAGE,
					       "more than %d --key options",
					       EVIDENCE_MAX_KEYS);
			o->keys[o->nkeys++] = val;
			break;
		case OPT_BUNDLE:
			if (o->nbundles == 2)
				return err_set(e, EXIT_USAGE,
					       "--bundle: exactly two (A and "
					       "B)");
			o->bundles[o->nbundles++] = val;
			break;
		case OPT_TOLERANCE:
			rc = parse_tolerance(o, val, e);
			break;
		case OPT_JSON:
			o->json = val;
			break;
		default:
			return err_set(e, EXIT_USAGE,
				       "unexpected \"%s\" (usage: %s)", val,
				       COMPARE_SYNOPSIS);
		}
		if (rc != 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (o->nkeys == 0 || o->nbundles != 2)
		return err_set(e, EXIT_USAGE, "usage: %s", COMPARE_SYNOPSIS);
	return 0;
}

static int
rd_same(const json_t *a, const json_t *b)
{
	const json_t *da = json_object_get(a, "digest");
	const json_t *db = json_object_get(b, "digest");

	if (digestset_has_acceptable(da) && digestset_has_acceptable(db))
		return digestset_match(da, db);
	return da != NULL && json_equal((json_t *)da, (json_t *)db);
}

static int
subject_of(const struct evidence_item *it, const struct evidence_item *prov)
{
	const json_t *subs = statement_subjects(prov->st);
	size_t i;

	for (i = 0; i < json_array_size(subs); i++)
		if (evidence_about(
			it, json_object_get(json_array_get(subs, i), "digest")))
			return 1;
	return 0;
}

static int
same_datasets(const json_t *a, const json_t *b)
{
	size_t i, j;

	if (json_array_size(a) != json_array_size(b))
		return 0;
	for (i = 0; i < json_array_size(a); i++) {
		for (j = 0; j < json_array_size(b); j++)
			if (rd_same(json_array_get(a, i), json_array_get(b, j)))
				break;
		if (j == json_array_size(b))
			return 0;
	}
	return 1;
}

static const char *
finished(const struct evidence_item *it)
{
	const char *f = jsonio_str(it->pred, "finishedOn");

	return f != NULL ? f : "";
}

/* 1 when a later evaluation of the same side on the same data exists. */
static int
superseded(const struct side *s, size_t i)
{
	const json_t *di = json_object_get(s->evals[i]->pred, "datasets");
	size_t j;
	int c;

	for (j = 0; j < s->nevals; j++) {
		if (j == i ||
		    !same_datasets(
			di, json_object_get(s->evals[j]->pred, "datasets")))
			continue;
		c = strcmp(finished(s->evals[j]), finished(s->evals[i]));
		if (c > 0 || (c == 0 && j > i))
			return 1;
	}
	return 0;
}

/* The one provenance and the latest evaluation of its model per data. */
static int
pick(struct cmp *c, struct side *s, struct err *e)
{
	struct err pe = ERR_INIT;
	struct textbuf b;
	size_t i, n = 0, kept = 0;

	for (i = 0; i < s->ev.n; i++)
		if (strcmp(s->ev.items[i].type, PRED_SLSA_PROVENANCE) == 0) {
			s->prov = &s->ev.items[i];
			n++;
		}
	if (n != 1) {
		s->prov = NULL;
		memset(&b, 0, sizeof(b));
		textbuf_add(&b, "%s: %zu verified training provenances in ",
			    s->tag, n);
		textbuf_esc(&b, s->path, 200);
		textbuf_add(&b, "; compare needs exactly one");
		say(c, "UNDECIDED", &b);
		c->undecided = 1;
		return 0;
	}
	s->bd = json_object_get(s->prov->pred, "buildDefinition");
	s->ext = json_object_get(s->bd, "externalParameters");
	s->evals = calloc(s->ev.n, sizeof(*s->evals));
	if (s->evals == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < s->ev.n; i++) {
		const struct evidence_item *it = &s->ev.items[i];
		if (strcmp(it->type, PRED_EVALUATION) != 0 ||
		    !subject_of(it, s->prov))
			continue;
		if (pred_eval_check(it->pred, it->src, &pe) != 0) {
			memset(&b, 0, sizeof(b));
			textbuf_add(&b, "%s: ", s->tag);
			textbuf_esc(&b, pe.msg, 400);
			say(c, "REJECTED", &b);
			c->rejected = 1;
			continue;
		}
		s->evals[s->nevals++] = it;
	}
	for (i = 0; i < s->nevals; i++)
		if (!superseded(s, i))
			s->evals[kept++] = s->evals[i];
	if (kept < s->nevals) {
		memset(&b, 0, sizeof(b));
		textbuf_add(
		    &b,
		    "%s: %zu evaluations repeat earlier ones on the same "
		    "data; comparing the latest of each",
		    s->tag, s->nevals - kept);
		say(c, "NOTE", &b);
	}
	s->nevals = kept;
	return 0;
}

/* The resolved dependencies whose role is one of roles (a new array). */
static json_t *
deps_with_role(const struct side *s, const char *const *roles)
{
	const json_t *deps = json_object_get(s->bd, "resolvedDependencies");
	json_t *out = json_array();
	const char *role;
	size_t i, j;

	for (i = 0; i < json_array_size(deps); i++) {
		role = jsonio_str(
		    json_object_get(json_array_get(deps, i), "annotations"),
		    "role");
		for (j = 0; role != NULL && roles[j] != NULL; j++)
			if (strcmp(role, roles[j]) == 0 &&
			    jsonio_append(out,
					  json_incref(json_array_get(deps, i)),
					  NULL) != 0) {
				json_decref(out);
				return NULL;
			}
	}
	return out;
}

/* Pairs resource descriptors by digest, then by name; names the rest. */
static void
compare_rds(struct cmp *c, const char *what, const json_t *a, const json_t *b)
{
	size_t na = json_array_size(a), nb = json_array_size(b), i, j;
	unsigned char *ua = calloc(na + 1, 1), *ub = calloc(nb + 1, 1);
	struct textbuf s;

	if (ua == NULL || ub == NULL) {
		c->undecided = 1;
		goto out;
	}
	for (i = 0; i < na; i++)
		for (j = 0; !ua[i] && j < nb; j++)
			if (!ub[j] && rd_same(json_array_get(a, i),
					      json_array_get(b, j))) {
				ua[i] = ub[j] = 1;
				memset(&s, 0, sizeof(s));
				textbuf_add(&s, "%s ", what);
				sb_rd(&s, json_array_get(a, i), 0);
				say(c, "SAME", &s);
			}
	for (i = 0; i < na; i++) {
		const char *name = rd_name(json_array_get(a, i));
		for (j = 0; !ua[i] && name != NULL && j < nb; j++) {
			const char *nm = rd_name(json_array_get(b, j));
			if (ub[j] || nm == NULL || strcmp(name, nm) != 0)
				continue;
			ua[i] = ub[j] = 1;
			memset(&s, 0, sizeof(s));
			textbuf_add(&s, "%s differs: A ", what);
			sb_rd(&s, json_array_get(a, i), 1);
			textbuf_add(&s, ", B ");
			sb_rd(&s, json_array_get(b, j), 1);
			say(c, "DIFFERS", &s);
		}
	}
	for (i = 0; i < na + nb; i++) {
		if (i < na ? ua[i] : ub[i - na])
			continue;
		memset(&s, 0, sizeof(s));
		textbuf_add(&s, "%s only in %s: ", what, i < na ? "A" : "B");
		sb_rd(&s,
		      i < na ? json_array_get(a, i) : json_array_get(b, i - na),
		      1);
		say(c, "DIFFERS", &s);
	}
out:
	free(ua);
	free(ub);
}

static void
compare_roles(struct cmp *c, const char *what, const char *const *roles)
{
	json_t *a = deps_with_role(&c->s[0], roles);
	json_t *b = deps_with_role(&c->s[1], roles);

	if (a == NULL || b == NULL)
		c->undecided = 1; /* out of memory: compare nothing */
	else
		compare_rds(c, what, a, b);
	json_decref(a);
	json_decref(b);
}

/* Two JSON objects member by member (parameters). */
static void
compare_members(struct cmp *c, const char *what, const json_t *a,
		const json_t *b)
{
	const char *k;
	json_t *va, *vb;
	struct textbuf s;
	int side;

	for (side = 0; side < 2; side++)
		json_object_foreach((json_t *)(side ? b : a), k, va)
		{
			vb = json_object_get(side ? a : b, k);
			if (side && vb != NULL)
				continue;
			memset(&s, 0, sizeof(s));
			textbuf_add(&s, "%s ", what);
			textbuf_esc(&s, k, 100);
			if (vb == NULL) {
				textbuf_add(&s,
					    " only in %s: ", side ? "B" : "A");
				sb_json(&s, va);
			} else if (!json_equal(va, vb)) {
				textbuf_add(&s, ": A ");
				sb_json(&s, va);
				textbuf_add(&s, ", B ");
				sb_json(&s, vb);
			} else {
				textbuf_add(&s, "=");
				sb_json(&s, va);
			}
			say(c,
			    vb != NULL && json_equal(va, vb) ? "SAME"
							     : "DIFFERS",
			    &s);
		}
}

/* Private parameters: salted, so equal values never look equal. */
static void
skip_private(struct cmp *c)
{
	const json_t *p;
	const char *k;
	json_t *v;
	struct textbuf s;
	size_t i, n = 0;

	memset(&s, 0, sizeof(s));
	textbuf_add(&s,
		    "private parameters are salted commitments and cannot be "
		    "compared across runs:");
	for (i = 0; i < 2; i++) {
		p = json_object_get(c->s[i].ext, "privateParameters");
		textbuf_add(&s, " %s {", c->s[i].tag);
		json_object_foreach((json_t *)p, k, v)
		{
			textbuf_add(&s, "%s", n++ ? " " : "");
			textbuf_esc(&s, k, 100);
		}
		textbuf_add(&s, "}");
		n = 0;
	}
	if (json_object_size(
		json_object_get(c->s[0].ext, "privateParameters")) +
		json_object_size(
		    json_object_get(c->s[1].ext, "privateParameters")) >
	    0)
		say(c, "SKIPPED", &s);
}

static void
compare_value(struct cmp *c, const char *what, const json_t *a, const json_t *b)
{
	struct textbuf s;

	if (a == NULL && b == NULL)
		return;
	memset(&s, 0, sizeof(s));
	textbuf_add(&s, "%s: ", what);
	if (a != NULL && b != NULL && json_equal((json_t *)a, (json_t *)b)) {
		sb_json(&s, a);
		say(c, "SAME", &s);
		return;
	}
	textbuf_add(&s, "A ");
	sb_json(&s, a);
	textbuf_add(&s, ", B ");
	sb_json(&s, b);
	say(c, "DIFFERS", &s);
}

/* Facts that do not decide but an auditor should see. */
static void
notes(struct cmp *c)
{
	static const char *const code[] = {"code", NULL};
	const json_t *st;
	struct textbuf s;
	json_t *deps;
	size_t i, j;

	for (i = 0; i < 2; i++) {
		deps = deps_with_role(&c->s[i], code);
		if (deps == NULL)
			c->undecided = 1;
		for (j = 0; j < json_array_size(deps); j++)
			if (json_is_true(json_object_get(
				json_object_get(json_array_get(deps, j),
						"annotations"),
				"dirty"))) {
				memset(&s, 0, sizeof(s));
				textbuf_add(&s,
					    "%s: the code tree had uncommitted "
					    "changes; its commit does not pin "
					    "the code",
					    c->s[i].tag);
				say(c, "NOTE", &s);
			}
		json_decref(deps);
		st = json_object_get(
		    json_object_get(c->s[i].bd, "internalParameters"),
		    "exitStatus");
		if (!json_is_integer(st) || json_integer_value(st) != 0) {
			memset(&s, 0, sizeof(s));
			textbuf_add(&s,
				    "%s: the training command did not exit 0 (",
				    c->s[i].tag);
			sb_json(&s, st);
			textbuf_add(&s, ")");
			say(c, "NOTE", &s);
		}
	}
}

static void
compare_inputs(struct cmp *c)
{
	static const char *const inputs[] = {"dataset", "input", NULL};
	static const char *const base[] = {"base-model", NULL};
	static const char *const code[] = {"code", NULL};
	static const char *const image[] = {"container-image", NULL};
	const json_t *ea = c->s[0].ext, *eb = c->s[1].ext;

	compare_roles(c, "input", inputs);
	compare_roles(c, "base-model", base);
	compare_roles(c, "code", code);
	compare_roles(c, "container-image", image);
	compare_members(c, "param", json_object_get(ea, "parameters"),
			json_object_get(eb, "parameters"));
	skip_private(c);
	compare_rds(c, "config", json_object_get(ea, "configs"),
		    json_object_get(eb, "configs"));
	compare_value(c, "command", json_object_get(ea, "command"),
		      json_object_get(eb, "command"));
	compare_value(
	    c, "seed",
	    json_object_get(json_object_get(c->s[0].bd, "internalParameters"),
			    "seed"),
	    json_object_get(json_object_get(c->s[1].bd, "internalParameters"),
			    "seed"));
	notes(c);
}

/* Models may differ: reported, never a divergence. */
static void
compare_models(struct cmp *c)
{
	const json_t *a = statement_subjects(c->s[0].prov->st);
	const json_t *b = statement_subjects(c->s[1].prov->st);
	struct textbuf s;
	size_t i, side;

	if (same_datasets(a, b)) {
		for (i = 0; i < json_array_size(a); i++) {
			memset(&s, 0, sizeof(s));
			textbuf_add(&s, "model ");
			sb_rd(&s, json_array_get(a, i), 0);
			say(c, "SAME", &s);
		}
		return;
	}
	memset(&s, 0, sizeof(s));
	textbuf_add(&s,
		    "the models differ (training need not be deterministic; "
		    "not a divergence)");
	say(c, "INFO", &s);
	for (side = 0; side < 2; side++) {
		const json_t *subs = side ? b : a;
		for (i = 0; i < json_array_size(subs); i++) {
			memset(&s, 0, sizeof(s));
			textbuf_add(&s, "%s model ", side ? "B" : "A");
			sb_rd(&s, json_array_get(subs, i), 1);
			say(c, "INFO", &s);
		}
	}
}

static double
tolerance_for(struct cmp *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->o.ntols; i++)
		if (strlen(name) == c->o.tols[i].len &&
		    strncmp(name, c->o.tols[i].name, c->o.tols[i].len) == 0) {
			c->o.tols[i].used = 1;
			return c->o.tols[i].delta;
		}
	return 0;
}

static void
sb_datasets(struct textbuf *s, const json_t *ds)
{
	sb_rd(s, json_array_get(ds, 0), 0);
	if (json_array_size(ds) > 1)
		textbuf_add(s, " and %zu more", json_array_size(ds) - 1);
}

static void
compare_metrics(struct cmp *c, const struct evidence_item *ea,
		const struct evidence_item *eb)
{
	const json_t *ds = json_object_get(ea->pred, "datasets");
	const json_t *ma = json_object_get(ea->pred, "metrics");
	const json_t *mb = json_object_get(eb->pred, "metrics");
	const char *k;
	json_t *va, *vb;
	double x, y, d, tol;
	struct textbuf s;
	int side;

	for (side = 0; side < 2; side++)
		json_object_foreach((json_t *)(side ? mb : ma), k, va)
		{
			vb = json_object_get(side ? ma : mb, k);
			if (side && vb != NULL)
				continue;
			memset(&s, 0, sizeof(s));
			textbuf_add(&s, "metric ");
			textbuf_esc(&s, k, 100);
			if (vb == NULL) {
				textbuf_add(&s, " only in %s (%.10g) on ",
					    side ? "B" : "A",
					    json_number_value(va));
				sb_datasets(&s, ds);
				say(c, "DIFFERS", &s);
				continue;
			}
			x = json_number_value(va);
			y = json_number_value(vb);
			d = fabs(x - y);
			tol = tolerance_for(c, k);
			/* Rounding slack in proportion to a non-zero
			 * tolerance; 0 means equal. */
			textbuf_add(
			    &s, ": A %.10g, B %.10g, |diff| %.3g %s %g on ", x,
			    y, d, d <= tol * (1 + 1e-9) ? "<=" : ">", tol);
			sb_datasets(&s, ds);
			say(c, d <= tol * (1 + 1e-9) ? "SAME" : "DIFFERS", &s);
		}
}

static void
compare_evals(struct cmp *c)
{
	struct side *a = &c->s[0], *b = &c->s[1];
	unsigned char *used = calloc(b->nevals + 1, 1);
	struct textbuf s;
	size_t i, j;

	if (used == NULL) {
		c->undecided = 1;
		return;
	}
	for (i = 0; i < a->nevals; i++) {
		const json_t *da =
		    json_object_get(a->evals[i]->pred, "datasets");
		for (j = 0; j < b->nevals; j++)
			if (!used[j] &&
			    same_datasets(da, json_object_get(b->evals[j]->pred,
							      "datasets")))
				break;
		if (j < b->nevals) {
			used[j] = 1;
			compare_metrics(c, a->evals[i], b->evals[j]);
			continue;
		}
		memset(&s, 0, sizeof(s));
		textbuf_add(&s, "evaluation only in A, on ");
		sb_datasets(&s, da);
		say(c, "DIFFERS", &s);
	}
	for (j = 0; j < b->nevals; j++) {
		if (used[j])
			continue;
		memset(&s, 0, sizeof(s));
		textbuf_add(&s, "evaluation only in B, on ");
		sb_datasets(&s, json_object_get(b->evals[j]->pred, "datasets"));
		say(c, "DIFFERS", &s);
	}
	free(used);
	for (i = 0; i < 2; i++)
		if (c->s[i].nevals == 0) {
			memset(&s, 0, sizeof(s));
			textbuf_add(&s,
				    "%s: no verified evaluation of its model",
				    c->s[i].tag);
			say(c, "UNDECIDED", &s);
			c->undecided = 1;
		}
}

static int
load(struct cmp *c, struct side *s, struct err *e)
{
	struct textbuf b;
	size_t bad;
	int rc;

	rc = evidence_load(&s->ev, (const char *const *)&s->path, 1, c->ks, e);
	if (rc != 0)
		return rc;
	bad = s->ev.unverified + s->ev.malformed;
	memset(&b, 0, sizeof(b));
	textbuf_add(&b, "%s = ", s->tag);
	textbuf_esc(&b, s->path, 200);
	textbuf_add(&b, ": %zu of %zu attestations verified", s->ev.n,
		    s->ev.total);
	say(c, "BUNDLE", &b);
	if (bad) {
		memset(&b, 0, sizeof(b));
		textbuf_add(
		    &b,
		    "%s: %zu attestation(s) do not verify under the given "
		    "keys or are malformed",
		    s->tag, bad);
		say(c, "REJECTED", &b);
		c->rejected = 1;
	}
	return pick(c, s, e);
}

static const char *
result_word(const struct cmp *c)
{
	return c->rejected    ? "rejected"
	       : c->diffs > 0 ? "divergent"
	       : c->undecided ? "undecided"
			      : "consistent";
}

static int
write_json(struct cmp *c, struct jsonout *jo, int status, struct err *e)
{
	json_t *doc;
	int rc;

	if (c->o.json == NULL)
		return status;
	doc = c->lines == NULL
		  ? NULL
		  : json_pack("{s:s, s:i, s:[s, s], s:I, s:O}", "result",
			      result_word(c), "exitCode", status, "bundles",
			      c->o.bundles[0], c->o.bundles[1], "differences",
			      (json_int_t)c->diffs, "lines", c->lines);
	rc = doc != NULL ? jsonout_write(jo, doc, e)
			 : err_set(e, EXIT_UNDECIDED, "out of memory");
	json_decref(doc);
	return rc != 0 ? rc : status;
}

static int
verdict(struct cmp *c)
{
	struct textbuf s;
	size_t i;
	int status;

	for (i = 0; i < c->o.ntols; i++)
		if (!c->o.tols[i].used) {
			memset(&s, 0, sizeof(s));
			textbuf_add(&s, "--tolerance %.*s matched no metric",
				    (int)c->o.tols[i].len, c->o.tols[i].name);
			say(c, "NOTE", &s);
		}
	status = c->rejected || c->diffs > 0 ? EXIT_REJECTED
		 : c->undecided		     ? EXIT_UNDECIDED
					     : EXIT_PASS;
	fflush(stdout);
	if (c->rejected)
		verify_print(stderr,
			     "verify: compare: REJECTED: some attestations "
			     "do not verify under the given keys\n");
	else if (c->diffs > 0)
		verify_print(stderr,
			     "verify: compare: DIVERGENT: %zu difference(s)\n",
			     c->diffs);
	else if (c->undecided)
		verify_print(stderr, "verify: compare: COULD NOT DECIDE\n");
	else
		verify_print(
		    stderr, "verify: compare: CONSISTENT: same claimed inputs, "
			    "metrics within tolerance\n");
	return status;
}

int
cmd_compare(int argc, char **argv)
{
	struct cmp c;
	struct jsonout jo = JSONOUT_INIT;
	struct err e = ERR_INIT;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	c.s[0].tag = "A";
	c.s[1].tag = "B";
	rc = parse(&c.o, argc, argv, &e);
	if (rc == 1) {
		rc = EXIT_PASS; /* --help */
		goto out;
	}
	if (rc == 0)
		rc = jsonout_open(&jo, c.o.json, &e);
	c.lines = json_array();
	if (rc == 0)
		rc = keyset_new(&c.ks, &e);
	for (i = 0; rc == 0 && i < c.o.nkeys; i++)
		if (keyset_add_file(c.ks, c.o.keys[i], &e) != 0)
			rc = -(e.code = EXIT_UNDECIDED);
	for (i = 0; rc == 0 && i < 2; i++) {
		c.s[i].path = c.o.bundles[i];
		rc = load(&c, &c.s[i], &e);
	}
	if (rc == 0 && c.s[0].prov != NULL && c.s[1].prov != NULL &&
	    !c.undecided) {
		compare_inputs(&c);
		compare_models(&c);
		compare_evals(&c);
	}
	if (rc == 0)
		rc = write_json(&c, &jo, verdict(&c), &e);
out:
	jsonout_close(&jo);
	json_decref(c.lines);
	for (i = 0; i < 2; i++) {
		evidence_free(&c.s[i].ev);
		free(c.s[i].evals);
	}
	keyset_free(c.ks);
	free(c.o.keys);
	free(c.o.tols);
	return rc < 0 ? verify_fail(&e) : rc;
}
