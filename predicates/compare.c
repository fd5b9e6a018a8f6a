/*
 * Comparing two training runs (compare.h): resource descriptors paired by
 * digest then by name, parameters member by member, metrics within their
 * tolerances.
 */
#include "predicates/compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/digestset.h"
#include "lib/jsonio.h"
#include "lib/text.h"

static void
compare_say(struct compare_ctx *c, const char *kind, const struct textbuf *b)
{
	c->say(c->arg, kind, b->s);
}

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

static int
rd_same(const json_t *a, const json_t *b)
{
	const json_t *da = json_object_get(a, "digest");
	const json_t *db = json_object_get(b, "digest");

	if (digestset_has_acceptable(da) && digestset_has_acceptable(db))
		return digestset_match(da, db);
	return da != NULL && json_equal((json_t *)da, (json_t *)db);
}

int
compare_same_datasets(const json_t *a, const json_t *b)
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

/* The resolved dependencies whose role is one of roles (a new array). */
static json_t *
deps_with_role(const struct compare_run *r, const char *const *roles)
{
	const json_t *deps = json_object_get(r->bd, "resolvedDependencies");
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
compare_rds(struct compare_ctx *c, const char *what, const json_t *a,
	    const json_t *b)
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
				compare_say(c, "SAME", &s);
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
			compare_say(c, "DIFFERS", &s);
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
		compare_say(c, "DIFFERS", &s);
	}
out:
	free(ua);
	free(ub);
}

static void
compare_roles(struct compare_ctx *c, const char *what, const char *const *roles)
{
	json_t *a = deps_with_role(&c->run[0], roles);
	json_t *b = deps_with_role(&c->run[1], roles);

	if (a == NULL || b == NULL)
		c->undecided = 1; /* out of memory: compare nothing */
	else
		compare_rds(c, what, a, b);
	json_decref(a);
	json_decref(b);
}

/* Two JSON objects member by member (parameters). */
static void
compare_members(struct compare_ctx *c, const char *what, const json_t *a,
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
			compare_say(c,
				    vb != NULL && json_equal(va, vb)
					? "SAME"
					: "DIFFERS",
				    &s);
		}
}

/* Private parameters: salted, so equal values never look equal. */
static void
skip_private(struct compare_ctx *c)
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
		p = json_object_get(c->run[i].ext, "privateParameters");
		textbuf_add(&s, " %s {", c->run[i].tag);
		json_object_foreach((json_t *)p, k, v)
		{
			textbuf_add(&s, "%s", n++ ? " " : "");
			textbuf_esc(&s, k, 100);
		}
		textbuf_add(&s, "}");
		n = 0;
	}
	if (json_object_size(
		json_object_get(c->run[0].ext, "privateParameters")) +
		json_object_size(
		    json_object_get(c->run[1].ext, "privateParameters")) >
	    0)
		compare_say(c, "SKIPPED", &s);
}

static void
compare_value(struct compare_ctx *c, const char *what, const json_t *a,
	      const json_t *b)
{
	struct textbuf s;

	if (a == NULL && b == NULL)
		return;
	memset(&s, 0, sizeof(s));
	textbuf_add(&s, "%s: ", what);
	if (a != NULL && b != NULL && json_equal((json_t *)a, (json_t *)b)) {
		sb_json(&s, a);
		compare_say(c, "SAME", &s);
		return;
	}
	textbuf_add(&s, "A ");
	sb_json(&s, a);
	textbuf_add(&s, ", B ");
	sb_json(&s, b);
	compare_say(c, "DIFFERS", &s);
}

/* Facts that do not decide but an auditor should see. */
static void
notes(struct compare_ctx *c)
{
	static const char *const code[] = {"code", NULL};
	const json_t *st;
	struct textbuf s;
	json_t *deps;
	size_t i, j;

	for (i = 0; i < 2; i++) {
		deps = deps_with_role(&c->run[i], code);
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
					    c->run[i].tag);
				compare_say(c, "NOTE", &s);
			}
		json_decref(deps);
		st = json_object_get(
		    json_object_get(c->run[i].bd, "internalParameters"),
		    "exitStatus");
		if (!json_is_integer(st) || json_integer_value(st) != 0) {
			memset(&s, 0, sizeof(s));
			textbuf_add(&s,
				    "%s: the training command did not exit 0 (",
				    c->run[i].tag);
			sb_json(&s, st);
			textbuf_add(&s, ")");
			compare_say(c, "NOTE", &s);
		}
	}
}

void
compare_training(struct compare_ctx *c)
{
	static const char *const inputs[] = {"dataset", "input", NULL};
	static const char *const base[] = {"base-model", NULL};
	static const char *const code[] = {"code", NULL};
	static const char *const image[] = {"container-image", NULL};
	const json_t *ea = c->run[0].ext, *eb = c->run[1].ext;

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
	    json_object_get(json_object_get(c->run[0].bd, "internalParameters"),
			    "seed"),
	    json_object_get(json_object_get(c->run[1].bd, "internalParameters"),
			    "seed"));
	notes(c);
}

/* Models may differ: reported, never a divergence. */
void
compare_models(struct compare_ctx *c)
{
	const json_t *a = c->run[0].subjects;
	const json_t *b = c->run[1].subjects;
	struct textbuf s;
	size_t i, side;

	if (compare_same_datasets(a, b)) {
		for (i = 0; i < json_array_size(a); i++) {
			memset(&s, 0, sizeof(s));
			textbuf_add(&s, "model ");
			sb_rd(&s, json_array_get(a, i), 0);
			compare_say(c, "SAME", &s);
		}
		return;
	}
	memset(&s, 0, sizeof(s));
	textbuf_add(&s,
		    "the models differ (training need not be deterministic; "
		    "not a divergence)");
	compare_say(c, "INFO", &s);
	for (side = 0; side < 2; side++) {
		const json_t *subs = side ? b : a;
		for (i = 0; i < json_array_size(subs); i++) {
			memset(&s, 0, sizeof(s));
			textbuf_add(&s, "%s model ", side ? "B" : "A");
			sb_rd(&s, json_array_get(subs, i), 1);
			compare_say(c, "INFO", &s);
		}
	}
}

static void
sb_datasets(struct textbuf *s, const json_t *ds)
{
	sb_rd(s, json_array_get(ds, 0), 0);
	if (json_array_size(ds) > 1)
		textbuf_add(s, " and %zu more", json_array_size(ds) - 1);
}

static void
compare_metrics(struct compare_ctx *c, const json_t *ea, const json_t *eb)
{
	const json_t *ds = json_object_get(ea, "datasets");
	const json_t *ma = json_object_get(ea, "metrics");
	const json_t *mb = json_object_get(eb, "metrics");
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
				compare_say(c, "DIFFERS", &s);
				continue;
			}
			x = json_number_value(va);
			y = json_number_value(vb);
			d = fabs(x - y);
			tol = c->tolerance(c->arg, k);
			/* Rounding slack in proportion to a non-zero
			 * tolerance; 0 means equal. */
			textbuf_add(
			    &s, ": A %.10g, B %.10g, |diff| %.3g %s %g on ", x,
			    y, d, d <= tol * (1 + 1e-9) ? "<=" : ">", tol);
			sb_datasets(&s, ds);
			compare_say(
			    c, d <= tol * (1 + 1e-9) ? "SAME" : "DIFFERS", &s);
		}
}

void
compare_evals(struct compare_ctx *c)
{
	const struct compare_run *a = &c->run[0], *b = &c->run[1];
	unsigned char *used = calloc(b->nevals + 1, 1);
	struct textbuf s;
	size_t i, j;

	if (used == NULL) {
		c->undecided = 1;
		return;
	}
	for (i = 0; i < a->nevals; i++) {
		const json_t *da = json_object_get(a->evals[i], "datasets");
		for (j = 0; j < b->nevals; j++)
			if (!used[j] &&
			    compare_same_datasets(
				da, json_object_get(b->evals[j], "datasets")))
				break;
		if (j < b->nevals) {
			used[j] = 1;
			compare_metrics(c, a->evals[i], b->evals[j]);
			continue;
		}
		memset(&s, 0, sizeof(s));
		textbuf_add(&s, "evaluation only in A, on ");
		sb_datasets(&s, da);
		compare_say(c, "DIFFERS", &s);
	}
	for (j = 0; j < b->nevals; j++) {
		if (used[j])
			continue;
		memset(&s, 0, sizeof(s));
		textbuf_add(&s, "evaluation only in B, on ");
		sb_datasets(&s, json_object_get(b->evals[j], "datasets"));
		compare_say(c, "DIFFERS", &s);
	}
	free(used);
	for (i = 0; i < 2; i++)
		if (c->run[i].nevals == 0) {
			memset(&s, 0, sizeof(s));
			textbuf_add(&s,
				    "%s: no verified evaluation of its model",
				    c->run[i].tag);
			compare_say(c, "UNDECIDED", &s);
			c->undecided = 1;
		}
}