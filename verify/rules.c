/*
 * The policy rules (spec/policy.md): one function per section of the
 * policy, listed in rules_table. See rules.h for how to add one.
 */
#include "verify/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/tpmquote.h"
#include "lib/digestset.h"
#include "lib/ids.h"
#include "lib/jsonio.h"
#include "lib/text.h"
#include "predicates/approval.h"
#include "predicates/dataset.h"
#include "predicates/evaluation.h"
#include "predicates/intake.h"
#include "predicates/types.h"
#include "verify/artifact.h"
#include "verify/overlap.h"
#include "verify/revocation.h"
#include "verify/rule_trace.h"

#define CLOCK_SKEW 300

struct verdict *
verdict_new(struct rules_run *c, const char *id, const char *atlas,
	    const char *threat)
{
	struct verdict *r;

	if (c->nverdicts == RULES_MAX_VERDICTS) {
		/* More verdicts than room: never admit on a partial list. */
		c->incomplete = 1;
		r = &c->spare;
		json_decref(r->evidence);
	} else
		r = &c->verdicts[c->nverdicts++];

	r->id = id;
	r->atlas = atlas;
	r->threat = threat;
	r->outcome = RULE_PASS;
	r->reason[0] = '\0';
	r->evidence = json_array();
	return r;
}

/* Records a failure; the first reason is kept, later ones counted. */
void
verdict_fail(struct verdict *r, const char *fmt, ...)
{
	va_list ap;

	if (r->outcome == RULE_FAIL)
		return;
	r->outcome = RULE_FAIL;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

static json_t *
signer_names(const struct rules_run *c, const struct evidence_item *it,
	     const struct signers *role)
{
	json_t *names = json_array();
	size_t i;

	for (i = 0; i < role->n; i++)
		if (it->signed_by[role->idx[i]] &&
		    jsonio_append(names,
				  json_string(policy_key_name(
				      c->p, (size_t)role->idx[i])),
				  NULL) != 0) {
			json_decref(names);
			return NULL;
		}
	return names;
}

void
verdict_use(struct rules_run *c, struct verdict *r,
	    const struct evidence_item *it, const struct signers *role)
{
	/* SPEC-STM-5: evidence that cannot be recorded leaves the verdict
	 * undecided, never an admit on less than the truth. */
	if (jsonio_append(r->evidence,
			  json_pack("{s:s, s:s, s:o}", "source", it->src,
				    "sha256", it->sha256, "signers",
				    signer_names(c, it, role)),
			  NULL) != 0)
		c->incomplete = 1;
	c->used[it - c->ev->items] = 1;
}

/* The policy names of the keys of role (NULL: any key) that signed it. */
static const char *
key_names(char *buf, size_t cap, const struct rules_run *c,
	  const struct evidence_item *it, const struct signers *role)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < c->p->nkeys && used < cap; i++) {
		size_t j, in = role == NULL;
		for (j = 0; role != NULL && j < role->n; j++)
			in |= role->idx[j] == (int)i;
		if (!in || !it->signed_by[i])
			continue;
		used += (size_t)snprintf(buf + used, cap - used, "%s%s",
					 used ? ", " : "",
					 policy_key_name(c->p, i));
	}
	return buf;
}

/* SPEC-POL-12: keeps the first reason a rule did not count it. */
void
rules_pass_by(struct rules_run *c, const struct evidence_item *it,
	      const char *fmt, ...)
{
	char *w = c->why[it - c->ev->items];
	va_list ap;

	if (w[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(w, sizeof(c->why[0]), fmt, ap);
	va_end(ap);
}

/* SPEC-POL-5: used attestations must be younger than maxAge and not
 * from the future. Returns NULL when fresh, else why not. */
static const char *
staleness(const struct rules_run *c, const char *when)
{
	time_t t;

	if (when == NULL || ids_parse_rfc3339(&t, when) != 0)
		return c->p->max_age > 0 ? "carries no valid time" : NULL;
	if (t > c->now + CLOCK_SKEW)
		return "is dated in the future";
	if (c->p->max_age > 0 && c->now - t > c->p->max_age)
		return "is older than maxAge";
	return NULL;
}

static const char *
dig_get(const json_t *obj, const char *a, const char *b, const char *d)
{
	return jsonio_str(json_object_get(json_object_get(obj, a), b), d);
}

/* SPEC-POL-2: statements of type, about the artifact, by the role. */
static int
is_role_claim(const struct evidence_item *it, const char *type,
	      const struct signers *role, const json_t *about)
{
	return strcmp(it->type, type) == 0 &&
	       evidence_signed_by_any(it, role->idx, role->n) &&
	       (about == NULL || evidence_about(it, about));
}

/*
 * SPEC-VER-7: for a model no training provenance is about, the nearest
 * output of one (same name) and which of its files differ. "" when the
 * artifact is a digest or nothing is near.
 */
static void
nearest_training(const struct rules_run *c, char *buf, size_t cap)
{
	struct artifact a;
	struct artifact_source *srcs = calloc(c->ev->n + 1, sizeof(*srcs));
	char(*bundles)[256] = calloc(c->ev->n + 1, sizeof(*bundles));
	struct err e = ERR_INIT;
	json_t *near = NULL;
	size_t i, n = 0;

	buf[0] = '\0';
	memset(&a, 0, sizeof(a));
	if (srcs == NULL || bundles == NULL ||
	    strncmp(c->artifact_name, "sha256:", 7) == 0 ||
	    artifact_open(&a, c->artifact_name, 0, c->links_within, &e) != 0)
		goto out;
	for (i = 0; i < c->ev->n; i++) {
		const struct evidence_item *it = &c->ev->items[i];
		char *colon;
		if (!is_role_claim(it, PRED_SLSA_PROVENANCE,
				   &c->p->training_signers, NULL))
			continue;
		/* src is "bundle:line"; manifestRef files lie beside it. */
		snprintf(bundles[n], sizeof(bundles[n]), "%s", it->src);
		colon = strrchr(bundles[n], ':');
		if (colon != NULL)
			*colon = '\0';
		srcs[n].st = it->st;
		srcs[n].src = it->src;
		srcs[n].bundle = bundles[n];
		n++;
	}
	if (artifact_nearest(&near, &a, srcs, n, &e) == 0 && near != NULL)
		artifact_nearest_summary(buf, cap, &a, near);
	json_decref(near);
out:
	artifact_clear(&a);
	free(srcs);
	free(bundles);
}

/* ---- training ---- */

static int
dep_is_data(const json_t *dep)
{
	const char *role =
	    jsonio_str(json_object_get(dep, "annotations"), "role");

	return role != NULL &&
	       (strcmp(role, "dataset") == 0 || strcmp(role, "input") == 0);
}

static void
check_builder(struct rules_run *c, struct verdict *r,
	      const struct evidence_item *it)
{
	const char *id = dig_get(it->pred, "runDetails", "builder", "id");
	size_t i;

	if (c->p->builder_ids == NULL)
		return;
	for (i = 0; id != NULL && i < json_array_size(c->p->builder_ids); i++)
		if (strcmp(
			json_string_value(json_array_get(c->p->builder_ids, i)),
			id) == 0)
			return;
	verdict_fail(r, "%s: builder id is not one the policy allows", it->src);
}

static void
check_success(const struct rules_run *c, struct verdict *r,
	      const struct evidence_item *it)
{
	const json_t *st = json_object_get(
	    json_object_get(json_object_get(it->pred, "buildDefinition"),
			    "internalParameters"),
	    "exitStatus");

	if (!c->p->require_success)
		return;
	if (!json_is_integer(st) || json_integer_value(st) != 0)
		verdict_fail(r,
			     "%s: the training run did not succeed (exit "
			     "status %s)",
			     it->src,
			     json_is_integer(st) ? "non-zero" : "missing");
}

/* SPEC-POL-7: the run's TPM quote binds its subjects and host state. */
static void
check_quote(const struct rules_run *c, struct verdict *r,
	    const struct evidence_item *it)
{
	const json_t *bd = json_object_get(it->pred, "buildDefinition");
	const json_t *quote = json_object_get(
	    json_object_get(bd, "internalParameters"), "tpmQuote");
	struct err e = ERR_INIT;

	if (quote == NULL) {
		verdict_fail(r, "%s: the training run carries no TPM quote",
			     it->src);
		return;
	}
	if (tpmquote_verify(quote, statement_json(it->st), c->p->pcrs,
			    c->p->ak_ks, &e) != 0)
		verdict_fail(r, "%s: %s", it->src, e.msg);
}

static const json_t *
deps_of(const struct evidence_item *it)
{
	return json_object_get(json_object_get(it->pred, "buildDefinition"),
			       "resolvedDependencies");
}

/* The training verdicts, in the order they are reported. */
struct training_verdicts {
	struct verdict *prov, *builder, *success, *tpm;
};

/* Counts one fresh training provenance about the artifact. */
static void
count_provenance(struct rules_run *c, const struct training_verdicts *t,
		 const struct evidence_item *it)
{
	const struct signers *role = &c->p->training_signers;
	size_t j;

	c->nprov++;
	verdict_use(c, t->prov, it, role);
	check_builder(c, t->builder, it);
	check_success(c, t->success, it);
	if (t->tpm != NULL) {
		check_quote(c, t->tpm, it);
		verdict_use(c, t->tpm, it, role);
	}
	verdict_use(c, t->builder, it, role);
	verdict_use(c, t->success, it, role);
	for (j = 0; j < json_array_size(deps_of(it)); j++)
		if (jsonio_append(c->train_deps,
				  json_incref(json_array_get(deps_of(it), j)),
				  NULL) != 0)
			c->incomplete = 1;
}

/* No provenance counted: every training verdict fails, saying why. */
static void
no_provenance(struct rules_run *c, const struct training_verdicts *t)
{
	char near[400];

	if (t->prov->outcome != RULE_FAIL) {
		nearest_training(c, near, sizeof(near));
		verdict_fail(t->prov,
			     "no training provenance for %s signed by a "
			     "training key%s%s",
			     c->artifact_name, near[0] ? "; " : "", near);
	}
	t->builder->outcome = t->success->outcome = RULE_FAIL;
	snprintf(t->builder->reason, sizeof(t->builder->reason),
		 "no training provenance to check");
	snprintf(t->success->reason, sizeof(t->success->reason),
		 "no training provenance to check");
	if (t->tpm != NULL)
		verdict_fail(t->tpm, "no training provenance to check");
}

static void
check_training(struct rules_run *c)
{
	struct training_verdicts t = {NULL, NULL, NULL, NULL};
	size_t *list = NULL, nl, li, found = 0;

	t.prov = verdict_new(c, "training.provenance", "AML.T0010.003",
			     "AI supply chain compromise: model");
	t.builder = verdict_new(c, "training.builder", "AML.T0010",
				"AI supply chain compromise");
	t.success = verdict_new(c, "training.success", "AML.T0010.003",
				"AI supply chain compromise: model");
	if (c->p->require_tpm_quote)
		t.tpm = verdict_new(c, "training.tpm-quote", "AML.T0010",
				    "AI supply chain compromise (training "
				    "host)");
	nl = evidence_about_list(c->ev, c->artifact, &list);
	for (li = 0; li < nl; li++) {
		const struct evidence_item *it = &c->ev->items[list[li]];
		const char *why;
		if (!is_role_claim(it, PRED_SLSA_PROVENANCE,
				   &c->p->training_signers, c->artifact))
			continue;
		why = staleness(c, dig_get(it->pred, "runDetails", "metadata",
					   "finishedOn"));
		if (why != NULL) {
			verdict_fail(t.prov, "%s: training provenance %s",
				     it->src, why);
			rules_pass_by(c, it, "training provenance %s", why);
			continue;
		}
		found++;
		count_provenance(c, &t, it);
	}
	free(list);
	if (found == 0)
		no_provenance(c, &t);
}

/* ---- what the training read (§5.8, verify/rule_trace.c) ---- */

struct trace_verdicts {
	struct verdict *req, *und;
};

static void
trace_one(struct rules_run *c, const struct trace_verdicts *t,
	  const struct evidence_item *it)
{
	unsigned long long unlisted = 0;
	size_t from = json_array_size(c->undeclared), n;
	char why[500];

	if (t->req != NULL &&
	    rule_trace_require(it->pred, why, sizeof(why)) != 0)
		verdict_fail(t->req, "%s: %s", it->src, why);
	if (t->und == NULL)
		return;
	if (rule_trace_of(it->pred) == NULL) {
		if (c->p->undeclared == UNDECLARED_DENY)
			verdict_fail(t->und,
				     "%s: the training run was not traced, so "
				     "what it read is unknown (attest run "
				     "--trace)",
				     it->src);
		return;
	}
	n = rule_trace_undeclared(c->undeclared, it->pred,
				  c->p->undeclared_prefixes, it->src,
				  &unlisted);
	if (n == (size_t)-1) {
		c->incomplete = 1;
		return;
	}
	if (n == 0 && unlisted == 0)
		return;
	rule_trace_describe(why, sizeof(why), c->undeclared, from, n, unlisted);
	if (c->p->undeclared == UNDECLARED_DENY)
		verdict_fail(t->und, "%s: %s", it->src, why);
	else if (t->und->reason[0] == '\0')
		snprintf(t->und->reason, sizeof(t->und->reason),
			 "%.255s: %.340s", it->src, why);
}

/* SPEC-POL-19, SPEC-POL-20 over the provenances training counted. */
static void
check_trace(struct rules_run *c)
{
	const struct signers *role = &c->p->training_signers;
	struct trace_verdicts t = {NULL, NULL};
	size_t *list = NULL, nl, li, found = 0;

	if (c->p->require_trace)
		t.req = verdict_new(c, "training.trace", "AML.T0020",
				    "poison training data (inputs not traced)");
	if (c->p->undeclared != UNDECLARED_OFF)
		t.und = verdict_new(c, "training.undeclared-inputs",
				    "AML.T0020", "poison training data");
	nl = evidence_about_list(c->ev, c->artifact, &list);
	for (li = 0; li < nl; li++) {
		const struct evidence_item *it = &c->ev->items[list[li]];
		if (!is_role_claim(it, PRED_SLSA_PROVENANCE, role,
				   c->artifact) ||
		    staleness(c, dig_get(it->pred, "runDetails", "metadata",
					 "finishedOn")) != NULL)
			continue;
		found++;
		trace_one(c, &t, it);
		if (t.req != NULL)
			verdict_use(c, t.req, it, role);
		if (t.und != NULL)
			verdict_use(c, t.und, it, role);
	}
	free(list);
	if (found == 0 && t.req != NULL)
		verdict_fail(t.req, "no training provenance to check");
	if (found == 0 && t.und != NULL)
		verdict_fail(t.und, "no training provenance to check");
}

/* ---- datasets ---- */

static int
license_ok(const struct rules_run *c, const char *lic, char *why, size_t cap)
{
	if (lic == NULL) {
		snprintf(why, cap, "has no licence");
		return !c->p->require_license;
	}
	if (c->p->deny_licenses != NULL &&
	    pred_in_list_json(lic, c->p->deny_licenses)) {
		snprintf(why, cap, "licence is denied by the policy");
		return 0;
	}
	if (c->p->allow_licenses != NULL &&
	    !pred_in_list_json(lic, c->p->allow_licenses)) {
		snprintf(why, cap, "licence is not in allowLicenses");
		return 0;
	}
	return 1;
}

static int
names_tree(const json_t *rd)
{
	const char *n = jsonio_str(rd, "name");

	return n != NULL && n[0] != '\0' && n[strlen(n) - 1] == '/';
}

/* SPEC-DIG-4: a subject of it names digest with file names bound. */
static int
about_named(const struct evidence_item *it, const json_t *digest, int tree)
{
	const json_t *subs = statement_subjects(it->st);
	size_t i;

	for (i = 0; i < json_array_size(subs); i++)
		if (digestset_match_tree(
			json_object_get(json_array_get(subs, i), "digest"),
			digest, tree))
			return 1;
	return 0;
}

/*
 * Checks the dataset attestations that name dep; returns how many. *weak:
 * one that matched only by a digest that binds no file names.
 */
static size_t
check_dep(struct rules_run *c, const json_t *dep, struct verdict *att,
	  struct verdict *cls, struct verdict *lic,
	  const struct evidence_item **weak)
{
	size_t *list = NULL, nl, li;
	const json_t *digest = json_object_get(dep, "digest");
	const char *name = jsonio_str(dep, "name");
	char why[128], shown[200];
	size_t n = 0;

	text_escape(shown, sizeof(shown), name ? name : "(unnamed)");
	*weak = NULL;
	/* A dependency without a digest names no data: nothing matches. */
	if (!digestset_has_acceptable(digest))
		return 0;
	nl = evidence_about_list(c->ev, digest, &list);
	for (li = 0; li < nl; li++) {
		const struct evidence_item *it = &c->ev->items[list[li]];
		const char *k, *stale;
		if (!is_role_claim(it, PRED_DATASET, &c->p->dataset_signers,
				   digest) ||
		    pred_dataset_check(it->pred, it->src, NULL) != 0)
			continue;
		if (!about_named(it, digest, names_tree(dep))) {
			*weak = it;
			continue;
		}
		stale = staleness(c, jsonio_str(it->pred, "attestedOn"));
		if (stale != NULL) {
			verdict_fail(att, "%s: dataset attestation %s", it->src,
				     stale);
			rules_pass_by(c, it, "dataset attestation %s", stale);
			continue;
		}
		n++;
		verdict_use(c, att, it, &c->p->dataset_signers);
		k = jsonio_str(it->pred, "classification");
		if (c->p->allow_classifications != NULL &&
		    (k == NULL ||
		     !pred_in_list_json(k, c->p->allow_classifications)))
			verdict_fail(cls,
				     "%s: classification \"%s\" is not "
				     "allowed (%s)",
				     shown, k ? k : "unset", it->src);
		else
			verdict_use(c, cls, it, &c->p->dataset_signers);
		if (!license_ok(c, jsonio_str(it->pred, "license"), why,
				sizeof(why)))
			verdict_fail(lic, "%s: %s (%s)", shown, why, it->src);
		else
			verdict_use(c, lic, it, &c->p->dataset_signers);
	}
	free(list);
	list = NULL;
	return n;
}

/* Every verdict of v[0..n) left with outcome o and reason why. */
static void
settle(struct verdict *const *v, size_t n, enum rule_outcome o, const char *why)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (o == RULE_FAIL) {
			verdict_fail(v[i], "%s", why);
			continue;
		}
		v[i]->outcome = o;
		snprintf(v[i]->reason, sizeof(v[i]->reason), "%s", why);
	}
}

/* One training input that is data: attested, classified, licensed. */
static void
check_input(struct rules_run *c, const json_t *dep, struct verdict *const *v)
{
	const struct evidence_item *weak;
	char shown[200];

	text_escape(shown, sizeof(shown),
		    jsonio_str_or(dep, "name", "(unnamed)"));
	/* SPEC-POL-11: no digest names no data; say so. */
	if (!digestset_has_acceptable(json_object_get(dep, "digest"))) {
		if (c->p->has_dataset)
			verdict_fail(v[0],
				     "training input %s has no digest, so "
				     "no dataset attestation can name it",
				     shown);
		return;
	}
	if (check_dep(c, dep, v[0], v[1], v[2], &weak) != 0 ||
	    !c->p->require_attested_datasets)
		return;
	if (weak != NULL)
		verdict_fail(v[0],
			     "training input %s has no dataset "
			     "attestation signed by a dataset "
			     "key: %s shares only a digest that "
			     "binds no file names (an OMS root)",
			     shown, weak->src);
	else
		verdict_fail(v[0],
			     "training input %s has no dataset "
			     "attestation signed by a dataset key",
			     shown);
}

static void
check_datasets(struct rules_run *c)
{
	struct verdict *v[3];
	size_t i, ndata = 0;

	v[0] = verdict_new(c, "dataset.attested", "AML.T0020",
			   "poison training data");
	v[1] = verdict_new(c, "dataset.classification", "AML.T0057",
			   "AI data leakage");
	v[2] = verdict_new(c, "dataset.license", "AML.T0010.002",
			   "AI supply chain compromise: data");
	if (!c->p->has_training) {
		settle(v, 3, RULE_UNDECIDED,
		       "the policy has no training section, so no "
		       "dataset is linked to the model");
		return;
	}
	if (c->nprov == 0) {
		settle(v, 3, RULE_FAIL,
		       "no training provenance, so its datasets "
		       "cannot be checked");
		return;
	}
	for (i = 0; i < json_array_size(c->train_deps); i++) {
		const json_t *dep = json_array_get(c->train_deps, i);
		if (!dep_is_data(dep))
			continue;
		ndata++;
		check_input(c, dep, v);
	}
	/* SPEC-POL-4: a run that declares no data cannot show it used
	 * attested data. */
	if (ndata == 0 && c->p->require_attested_datasets)
		verdict_fail(v[0], "the training provenance names no dataset "
				   "or input");
}

/* ---- base models ---- */

/* Appends the entries of from to v's evidence that it does not hold. */
static void
merge_evidence(struct rules_run *c, struct verdict *v, const json_t *from)
{
	size_t i, j;

	for (i = 0; i < json_array_size(from); i++) {
		json_t *x = json_array_get(from, i);
		int have = 0;
		for (j = 0; !have && j < json_array_size(v->evidence); j++)
			have =
			    strcmp(jsonio_str_or(json_array_get(v->evidence, j),
						 "sha256", ""),
				   jsonio_str_or(x, "sha256", "")) == 0;
		if (!have &&
		    jsonio_append(v->evidence, json_incref(x), NULL) != 0)
			c->incomplete = 1;
	}
}

/*
 * SPEC-POL-17: the training and dataset rules over one base model of the
 * chain, folded into v: a failure names the model and its generation.
 */
static void
check_generation(struct rules_run *c, struct verdict *v, size_t i)
{
	const struct chain_model *m = &c->chain.models[i];
	struct rules_run *s = malloc(sizeof(*s));
	char shown[200], msg[1200], name[80];
	size_t k;

	if (s == NULL) {
		c->incomplete = 1;
		return;
	}
	*s = *c;
	memset(&s->spare, 0, sizeof(s->spare));
	s->nverdicts = 0;
	s->nprov = 0;
	s->train_deps = json_array();
	s->artifact = m->digest;
	snprintf(name, sizeof(name), "sha256:%s",
		 jsonio_str_or(m->digest, "sha256", "?"));
	s->artifact_name = name;
	check_training(s);
	if (c->p->has_dataset)
		check_datasets(s);
	text_escape(shown, sizeof(shown), m->name);
	for (k = 0; k < s->nverdicts; k++) {
		const struct verdict *sv = &s->verdicts[k];
		if (sv->outcome == RULE_FAIL)
			verdict_fail(v,
				     "base model %s (generation %zu): %s: %s",
				     shown, m->depth, sv->id, sv->reason);
		else if (sv->outcome == RULE_UNDECIDED &&
			 v->outcome == RULE_PASS) {
			v->outcome = RULE_UNDECIDED;
			snprintf(msg, sizeof(msg),
				 "base model %s (generation %zu): %s: %s",
				 shown, m->depth, sv->id, sv->reason);
			snprintf(v->reason, sizeof(v->reason), "%.599s", msg);
		}
		merge_evidence(c, v, sv->evidence);
		json_decref(sv->evidence);
	}
	json_decref(s->spare.evidence);
	c->incomplete |= s->incomplete;
	if (jsonio_append(c->chain_deps, s->train_deps, NULL) != 0)
		c->incomplete = 1;
	free(s);
}

static void
check_base_provenance(struct rules_run *c, struct verdict *v)
{
	struct err e = ERR_INIT;
	size_t i;

	if (chain_collect(&c->chain, c->p, c->ev, c->artifact, &e) != 0) {
		verdict_fail(v, "%s", e.msg);
		c->chain.n = 0;
		return;
	}
	c->chain_deps = json_array();
	if (c->chain_deps == NULL) {
		c->incomplete = 1;
		c->chain.n = 0;
		return;
	}
	for (i = 0; i < c->chain.n; i++)
		check_generation(c, v, i);
}

static void
check_base_models(struct rules_run *c)
{
	size_t *list = NULL, nl, li;
	struct verdict *r =
	    verdict_new(c, "training.base-model", "AML.T0010.003",
			"AI supply chain compromise: model");
	size_t i;

	if (c->p->base_model == BASE_REQUIRE_PROVENANCE)
		check_base_provenance(c, r);
	for (i = 0; i < json_array_size(c->train_deps); i++) {
		const json_t *dep = json_array_get(c->train_deps, i);
		const char *role =
		    jsonio_str(json_object_get(dep, "annotations"), "role");
		size_t ok = 0;
		if (role == NULL || strcmp(role, "base-model") != 0)
			continue;
		if (!json_is_object(json_object_get(dep, "digest"))) {
			verdict_fail(r,
				     "the base model dependency has no digest");
			continue;
		}
		if (c->p->base_model == BASE_FORBID) {
			verdict_fail(r,
				     "training used a base model; the policy "
				     "forbids it");
			continue;
		}
		if (c->p->base_model == BASE_ALLOW ||
		    c->p->base_model == BASE_REQUIRE_PROVENANCE)
			continue;
		nl = evidence_about_list(c->ev, json_object_get(dep, "digest"),
					 &list);
		for (li = 0; li < nl; li++) {
			const struct evidence_item *it =
			    &c->ev->items[list[li]];
			const char *tier;
			if (!is_role_claim(it, PRED_INTAKE,
					   &c->p->intake_signers,
					   json_object_get(dep, "digest")) ||
			    pred_intake_check(it->pred, it->src, NULL) != 0 ||
			    staleness(c, jsonio_str(it->pred, "reviewedOn")))
				continue;
			tier = jsonio_str(it->pred, "riskTier");
			if (c->p->allow_risk_tiers != NULL &&
			    !pred_in_list_json(tier, c->p->allow_risk_tiers)) {
				verdict_fail(r,
					     "%s: base model risk tier \"%s\" "
					     "is not allowed",
					     it->src, tier);
				rules_pass_by(
				    c, it, "risk tier %s is not allowed", tier);
				continue;
			}
			verdict_use(c, r, it, &c->p->intake_signers);
			ok++;
		}
		free(list);
		list = NULL;
		if (ok == 0)
			verdict_fail(r, "the base model has no intake review "
					"signed by an intake key");
	}
}

/* ---- evaluation ---- */

/* The inline signed manifest of a dataset attestation, by a dataset
 * signer, whose contents entry names digest (SPEC-POL-10); or NULL. */
static struct digest_manifest *
manifest_for(const struct rules_run *c, const json_t *rd)
{
	const json_t *digest = json_object_get(rd, "digest");
	struct digest_manifest *m = NULL;
	size_t *list = NULL, nl, li, j;

	nl = evidence_about_list(c->ev, digest, &list);
	for (li = 0; li < nl && m == NULL; li++) {
		const struct evidence_item *it = &c->ev->items[list[li]];
		const json_t *cs = json_object_get(it->pred, "contents");
		if (!is_role_claim(it, PRED_DATASET, &c->p->dataset_signers,
				   digest) ||
		    pred_dataset_check(it->pred, it->src, NULL) != 0)
			continue;
		for (j = 0; j < json_array_size(cs) && m == NULL; j++) {
			const json_t *ce = json_array_get(cs, j);
			const json_t *inl = json_object_get(ce, "manifest");
			char *text = NULL;
			size_t len;
			if (inl == NULL ||
			    !digestset_match_tree(json_object_get(ce, "digest"),
						  digest, names_tree(rd)) ||
			    jsonio_dump(&text, &len, inl, JSONIO_FLAGS, NULL) !=
				0)
				continue;
			if (digest_manifest_from_json(&m, text, len, it->src,
						      NULL) != 0)
				m = NULL;
			free(text);
		}
	}
	free(list);
	return m;
}

/* SPEC-POL-3, SPEC-POL-10: no eval dataset may be training data, one of
 * its files or subtrees, or a tree holding it. 1 and why on overlap. */
static int
overlap(const struct rules_run *c, const struct evidence_item *it, char *why,
	size_t cap)
{
	const json_t *ds = json_object_get(it->pred, "datasets");
	struct digest_manifest *em, *tm;
	char shown[200];
	size_t i, j;
	int hit = 0;

	for (i = 0; i < json_array_size(ds) && !hit; i++) {
		const json_t *d = json_array_get(ds, i);
		em = manifest_for(c, d);
		for (j = 0; j < json_array_size(c->train_deps) && !hit; j++) {
			const json_t *t = json_array_get(c->train_deps, j);
			if (!dep_is_data(t))
				continue;
			/* SPEC-POL-11: no digest, no proof of disjointness. */
			if (!digestset_has_acceptable(
				json_object_get(t, "digest"))) {
				text_escape(
				    shown, sizeof(shown),
				    jsonio_str_or(t, "name", "(unnamed)"));
				snprintf(why, cap,
					 "training input %s has no digest, so "
					 "held-out data cannot be shown",
					 shown);
				hit = 1;
				break;
			}
			tm = manifest_for(c, t);
			hit = overlap_test(why, cap, d, em, t, tm);
			digest_manifest_free(tm);
		}
		digest_manifest_free(em);
	}
	return hit;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* SPEC-POL-13: the metric names an evaluation carries, sorted, escaped. */
static void
metric_names(char *buf, size_t cap, const json_t *m)
{
	const char *names[MAX_POLICY_METRICS * 4], *k;
	char shown[160];
	size_t n = 0, i, used = 0;
	json_t *v;

	json_object_foreach((json_t *)m, k, v)
	{
		if (n < sizeof(names) / sizeof(names[0]))
			names[n++] = k;
	}
	qsort(names, n, sizeof(names[0]), by_name);
	snprintf(buf, cap, "%s", n == 0 ? "none" : "");
	for (i = 0; i < n && used < cap; i++) {
		text_escape(shown, sizeof(shown), names[i]);
		used += (size_t)snprintf(buf + used, cap - used, "%s%s",
					 i ? ", " : "", shown);
	}
	if (n == sizeof(names) / sizeof(names[0]) && used < cap)
		snprintf(buf + used, cap - used, ", ...");
}

/* Failures of one evaluation against the policy metrics. */
static int
metric_failures(const struct rules_run *c, const struct evidence_item *it,
		char *why, size_t cap)
{
	const json_t *m = json_object_get(it->pred, "metrics");
	size_t i;
	int n = 0;

	for (i = 0; i < c->p->nmetrics; i++) {
		const struct threshold *t = &c->p->metrics[i];
		const json_t *v = json_object_get(m, t->name);
		if (v != NULL &&
		    eval_compare(json_number_value(v), t->op, t->value))
			continue;
		if (n++ == 0 && v == NULL) {
			char have[300];
			metric_names(have, sizeof(have), m);
			snprintf(why, cap,
				 "%s: metric %s is missing; the evaluation "
				 "carries %s",
				 it->src, t->name, have);
		} else if (n == 1)
			snprintf(why, cap, "%s: metric %s = %g fails %s %g",
				 it->src, t->name, json_number_value(v),
				 eval_op_str(t->op), t->value);
	}
	return n;
}

/* What the evaluations about the artifact came to. */
struct eval_pick {
	const struct evidence_item *best; /* fewest failures */
	int best_fail;
	size_t found;	/* fresh evaluations by an evaluation key */
	char why[600];	/* the best one's metric failure, or staleness */
	char hwhy[700]; /* the held-out failure last seen */
};

/* How many rules one fresh evaluation fails; w: its metric failure. */
static int
eval_fails(const struct rules_run *c, const struct evidence_item *it, char *w,
	   size_t cap, struct eval_pick *k)
{
	int need_held = c->p->require_held_out;
	char ov[400];
	int fails, o;

	fails = metric_failures(c, it, w, cap);
	o = need_held && overlap(c, it, ov, sizeof(ov));
	if (o)
		snprintf(k->hwhy, sizeof(k->hwhy), "%s: %s", it->src, ov);
	if (need_held && !c->p->has_training)
		snprintf(k->hwhy, sizeof(k->hwhy),
			 "requireHeldOut needs a training section");
	return fails + o + (need_held && !c->p->has_training);
}

/* Considers one evaluation; 1 when it passes everything (stop). */
static int
eval_consider(struct rules_run *c, const struct evidence_item *it,
	      struct eval_pick *k)
{
	const char *stale;
	char w[600] = "";
	int fails;

	if (!is_role_claim(it, PRED_EVALUATION, &c->p->evaluation_signers,
			   c->artifact) ||
	    pred_eval_check(it->pred, it->src, NULL) != 0)
		return 0;
	stale = staleness(c, jsonio_str(it->pred, "finishedOn"));
	if (stale != NULL) {
		snprintf(k->why, sizeof(k->why), "%s: evaluation %s", it->src,
			 stale);
		rules_pass_by(c, it, "evaluation %s", stale);
		return 0;
	}
	k->found++;
	fails = eval_fails(c, it, w, sizeof(w), k);
	if (fails > 0)
		rules_pass_by(c, it, "evaluation %s",
			      w[0] ? w + strlen(it->src) + 2
				   : "fails the held-out rule");
	if (fails < k->best_fail) {
		k->best_fail = fails;
		k->best = it;
		if (w[0] != '\0')
			snprintf(k->why, sizeof(k->why), "%s", w);
	}
	return fails == 0;
}

/* v: present, metrics, held-out; from the best evaluation. */
static void
eval_verdicts(struct rules_run *c, struct verdict *const *v,
	      struct eval_pick *k)
{
	const struct signers *role = &c->p->evaluation_signers;

	if (k->found == 0) {
		verdict_fail(v[0], "%s",
			     k->why[0] ? k->why
				       : "no evaluation of the model signed by "
					 "an evaluation key");
		verdict_fail(v[1], "no evaluation to check");
		verdict_fail(v[2], "no evaluation to check");
		return;
	}
	verdict_use(c, v[0], k->best, role);
	if (k->best_fail == 0) {
		verdict_use(c, v[1], k->best, role);
		verdict_use(c, v[2], k->best, role);
		return;
	}
	if (metric_failures(c, k->best, k->why, sizeof(k->why)) > 0)
		verdict_fail(v[1], "%s", k->why);
	else
		verdict_use(c, v[1], k->best, role);
	if (k->hwhy[0] != '\0')
		verdict_fail(v[2], "%s", k->hwhy);
	else
		verdict_use(c, v[2], k->best, role);
}

static void
check_evaluation(struct rules_run *c)
{
	size_t *list = NULL, nl, li;
	struct eval_pick k;
	struct verdict *v[3];

	memset(&k, 0, sizeof(k));
	k.best_fail = 1 << 30;
	v[0] = verdict_new(c, "evaluation.present", "AML.T0031",
			   "erode AI model integrity");
	v[1] = verdict_new(c, "evaluation.metrics", "AML.T0031",
			   "erode AI model integrity");
	v[2] = verdict_new(c, "evaluation.held-out", "AML.T0020",
			   "poison training data (evaluation on training "
			   "data)");
	nl = evidence_about_list(c->ev, c->artifact, &list);
	for (li = 0; li < nl; li++)
		if (eval_consider(c, &c->ev->items[list[li]], &k))
			break;
	free(list);
	eval_verdicts(c, v, &k);
}

/* ---- approvals ---- */

/*
 * Counts distinct approval keys (one public key under two names once).
 * Identity slots are not keys: their approvals are counted by the
 * certificate identity that signed (SPEC-POL-18, distinct_identities).
 */
static size_t
distinct_keys(const struct rules_run *c, const unsigned char *approved)
{
	size_t i, j, n = 0, nk = keyset_count(c->p->ks);

	for (i = 0; i < c->p->nkeys && i < nk; i++) {
		int first = approved[i];
		for (j = 0; first && j < i && j < nk; j++)
			if (approved[j] &&
			    strcmp(key_id(keyset_get(c->p->ks, i)),
				   key_id(keyset_get(c->p->ks, j))) == 0)
				first = 0;
		n += (size_t)first;
	}
	return n;
}

/* SPEC-POL-18: the distinct certificate identities that approved, so two
 * policy names (or regexps) matching one signer count once. */
#define MAX_APPROVERS 256
struct approvers {
	const char *who[MAX_APPROVERS];
	size_t n;
};

static void
approver_add(struct approvers *a, const char *who)
{
	size_t i;

	if (who == NULL)
		return;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->who[i], who) == 0)
			return;
	if (a->n < MAX_APPROVERS)
		a->who[a->n++] = who;
}

/* Why an approval of the right stage does not count, or NULL. */
static const char *
approval_stale(const struct rules_run *c, const struct evidence_item *it,
	       char *note, size_t cap)
{
	const char *exp = jsonio_str(it->pred, "expiresOn");
	const char *stale = staleness(c, jsonio_str(it->pred, "approvedOn"));
	time_t t;

	if (exp != NULL && ids_parse_rfc3339(&t, exp) == 0 && t < c->now) {
		snprintf(note, cap, "; %s has expired", it->src);
		return "has expired";
	}
	if (stale != NULL)
		snprintf(note, cap, "; %s %s", it->src, stale);
	return stale;
}

/* One approval about the artifact: v[0] threshold, v[1] no-reject. */
static void
approval_consider(struct rules_run *c, const struct evidence_item *it,
		  struct verdict *const *v, unsigned char *approved,
		  struct approvers *who, char *note, size_t cap)
{
	const struct signers *s = &c->p->approval_signers;
	const char *stage, *why;
	char names[160];
	size_t j;

	if (!is_role_claim(it, PRED_APPROVAL, s, c->artifact) ||
	    pred_approval_check(it->pred, it->src, NULL) != 0)
		return;
	stage = jsonio_str(it->pred, "stage");
	if (strcmp(stage, c->p->stage) != 0) {
		snprintf(note, cap, "; %s approves stage %s, not %s", it->src,
			 stage, c->p->stage);
		rules_pass_by(c, it, "approval for stage %s, not %s", stage,
			      c->p->stage);
		return;
	}
	why = approval_stale(c, it, note, cap);
	if (why != NULL) {
		rules_pass_by(c, it, "approval %s", why);
		return;
	}
	if (strcmp(jsonio_str(it->pred, "decision"), "reject") == 0) {
		verdict_fail(v[1], "%s: a signer rejected the model for %s",
			     it->src, c->p->stage);
		rules_pass_by(c, it, "reject by %s for %s",
			      key_names(names, sizeof(names), c, it, s),
			      c->p->stage);
		return;
	}
	for (j = 0; j < s->n; j++)
		if (it->signed_by[s->idx[j]]) {
			approved[s->idx[j]] = 1;
			if ((size_t)s->idx[j] >= keyset_count(c->p->ks))
				approver_add(who, it->identity);
		}
	verdict_use(c, v[0], it, s);
}

static void
check_approvals(struct rules_run *c)
{
	size_t *list = NULL, nl, li, n;
	unsigned char approved[EVIDENCE_MAX_KEYS] = {0};
	struct approvers who;
	struct verdict *v[2];
	char note[300] = "";

	v[0] = verdict_new(c, "approval.threshold", "AML.T0010.003",
			   "AI supply chain compromise: model");
	v[1] = verdict_new(c, "approval.no-reject", "AML.T0010.003",
			   "AI supply chain compromise: model");
	who.n = 0;
	nl = evidence_about_list(c->ev, c->artifact, &list);
	for (li = 0; li < nl; li++)
		approval_consider(c, &c->ev->items[list[li]], v, approved, &who,
				  note, sizeof(note));
	free(list);
	n = distinct_keys(c, approved) + who.n;
	if ((long)n < c->p->threshold)
		verdict_fail(v[0], "%zu of %ld required approvals for %s%s", n,
			     c->p->threshold, c->p->stage, note);
	if (v[1]->outcome == RULE_PASS &&
	    json_array_extend(v[1]->evidence, v[0]->evidence) != 0)
		c->incomplete = 1;
}

/* ---- revocation (SPEC-POL-14, SPEC-POL-15) ---- */

static void
check_revocation(struct rules_run *c)
{
	struct verdict *fresh, *lin;
	char why[600];
	size_t i;

	fresh = verdict_new(c, "revocation.fresh", "AML.T0010",
			    "AI supply chain compromise");
	lin = verdict_new(c, "lineage.not-revoked", "AML.T0020",
			  "poison training data");
	if (c->rev == NULL) {
		fresh->outcome = lin->outcome = RULE_UNDECIDED;
		snprintf(fresh->reason, sizeof(fresh->reason),
			 "no revocation lists were collected");
		snprintf(lin->reason, sizeof(lin->reason),
			 "no revocation lists were collected");
		return;
	}
	for (i = 0; i < revocations_count(c->rev); i++) {
		const struct evidence_item *it =
		    &c->ev->items[revocations_item(c->rev, i)];
		verdict_use(c, fresh, it, &c->p->revocation_signers);
		verdict_use(c, lin, it, &c->p->revocation_signers);
	}
	for (i = 0; i < c->ev->n; i++)
		if (revocations_why_not(c->rev, c->ev, i, why, sizeof(why)))
			rules_pass_by(c, &c->ev->items[i], "%s", why);
	if (!revocations_fresh(c->rev, c->p, c->ev, c->now, why, sizeof(why))) {
		fresh->outcome = RULE_UNDECIDED;
		snprintf(fresh->reason, sizeof(fresh->reason), "%s", why);
	}
	if (revocations_check_lineage(c->rev, c->p, c->ev, c->artifact,
				      c->artifact_name, c->train_deps, c->used,
				      why, sizeof(why)))
		verdict_fail(lin, "%s", why);
	/* SPEC-POL-17: and the lineage of every base model of the chain. */
	for (i = 0; i < c->chain.n; i++) {
		const struct chain_model *m = &c->chain.models[i];
		char shown[200];
		if (!revocations_check_lineage(c->rev, c->p, c->ev, m->digest,
					       m->name,
					       json_array_get(c->chain_deps, i),
					       NULL, why, sizeof(why)))
			continue;
		text_escape(shown, sizeof(shown), m->name);
		verdict_fail(lin, "base model %s (generation %zu): %s", shown,
			     m->depth, why);
	}
}

/* ---- entries no rule counted (SPEC-POL-12) ---- */

struct role_kind {
	const char *type, *what, *role;
	int has;
	const struct signers *signers;
};

static int
role_kind(struct role_kind *k, const struct policy *p, const char *type)
{
	const struct role_kind kinds[] = {
	    {PRED_SLSA_PROVENANCE, "training provenance", "training",
	     p->has_training, &p->training_signers},
	    {PRED_DATASET, "dataset attestation", "dataset", p->has_dataset,
	     &p->dataset_signers},
	    {PRED_EVALUATION, "evaluation", "evaluation", p->has_evaluation,
	     &p->evaluation_signers},
	    {PRED_APPROVAL, "approval", "approval", p->has_approval,
	     &p->approval_signers},
	    {PRED_INTAKE, "intake review", "intake", p->has_intake,
	     &p->intake_signers},
	    {PRED_REVOCATION, "revocation list", "revocation",
	     p->has_revocation, &p->revocation_signers},
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].type, type) == 0) {
			*k = kinds[i];
			return 1;
		}
	return 0;
}

/* Why no rule counted it, when no rule said so itself. */
static void
derive_why(char *w, size_t cap, const struct rules_run *c,
	   const struct evidence_item *it)
{
	struct role_kind k;
	char names[160], shown[200];
	const char *vowel;

	if (!role_kind(&k, c->p, it->type)) {
		text_escape(shown, sizeof(shown), it->type);
		snprintf(w, cap, "a %s statement, which no rule uses", shown);
		return;
	}
	vowel = strchr("aeiou", k.role[0]) ? "an" : "a";
	key_names(names, sizeof(names), c, it, NULL);
	if (!k.has)
		snprintf(w, cap, "%s, and the policy has no %s section", k.what,
			 k.role);
	else if (!evidence_signed_by_any(it, k.signers->idx, k.signers->n))
		snprintf(w, cap,
			 "%s signed by the %s %s, which %s not %s %s "
			 "signer",
			 k.what, names, strchr(names, ',') ? "keys" : "key",
			 strchr(names, ',') ? "are" : "is", vowel, k.role);
	else {
		text_escape(shown, sizeof(shown), c->artifact_name);
		snprintf(w, cap, "%s not about %s or the data of its training",
			 k.what, shown);
	}
}

json_t *
rules_uncounted(const struct rules_run *c)
{
	json_t *list = json_array();
	char w[600];
	size_t i;

	for (i = 0; list != NULL && i < c->ev->n; i++) {
		const struct evidence_item *it = &c->ev->items[i];
		if (c->used[i])
			continue;
		if (c->why[i][0] != '\0')
			snprintf(w, sizeof(w), "%s", c->why[i]);
		else
			derive_why(w, sizeof(w), c, it);
		if (jsonio_append(list,
				  json_pack("{s:s, s:s, s:s}", "source",
					    it->src, "sha256", it->sha256,
					    "reason", w),
				  NULL) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	return list;
}

static int
has_training(const struct policy *p)
{
	return p->has_training;
}

static int
checks_trace(const struct policy *p)
{
	return p->has_training &&
	       (p->require_trace || p->undeclared != UNDECLARED_OFF);
}

static int
has_dataset(const struct policy *p)
{
	return p->has_dataset;
}

static int
checks_base_model(const struct policy *p)
{
	return p->has_training && p->base_model != BASE_ALLOW;
}

static int
has_evaluation(const struct policy *p)
{
	return p->has_evaluation;
}

static int
has_revocation(const struct policy *p)
{
	return p->has_revocation;
}

static int
has_approval(const struct policy *p)
{
	return p->has_approval;
}

/* In order: training leaves train_deps and nprov for the next rows. */
const struct rule_def rules_table[] = {
    {"training", has_training, check_training},
    {"trace", checks_trace, check_trace},
    {"dataset", has_dataset, check_datasets},
    {"base-model", checks_base_model, check_base_models},
    {"evaluation", has_evaluation, check_evaluation},
    {"approval", has_approval, check_approvals},
    {"revocation", has_revocation, check_revocation},
};

const size_t rules_count = sizeof(rules_table) / sizeof(rules_table[0]);

void
rules_evaluate(struct rules_run *c)
{
	size_t i;

	for (i = 0; i < rules_count; i++)
		if (rules_table[i].applies(c->p))
			rules_table[i].check(c);
}

int
rules_init(struct rules_run *c, const struct policy *p,
	   const struct evidence *ev, const json_t *artifact,
	   const char *artifact_name, time_t now, struct err *e)
{
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->ev = ev;
	c->artifact = artifact;
	c->artifact_name = artifact_name;
	c->now = now;
	c->train_deps = json_array();
	c->undeclared = json_array();
	c->used = calloc(ev->n + 1, 1);
	c->why = calloc(ev->n + 1, sizeof(*c->why));
	if (c->train_deps == NULL || c->undeclared == NULL || c->used == NULL ||
	    c->why == NULL) {
		rules_clear(c);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	return 0;
}

void
rules_clear(struct rules_run *c)
{
	size_t i;

	for (i = 0; i < c->nverdicts; i++)
		json_decref(c->verdicts[i].evidence);
	json_decref(c->spare.evidence);
	json_decref(c->train_deps);
	json_decref(c->chain_deps);
	json_decref(c->undeclared);
	free(c->used);
	free(c->why);
	memset(c, 0, sizeof(*c));
}

int
rules_verdict(const struct rules_run *c)
{
	size_t i;
	int undecided = 0;

	for (i = 0; i < c->nverdicts; i++) {
		if (c->verdicts[i].outcome == RULE_FAIL)
			return EXIT_REJECTED;
		undecided |= c->verdicts[i].outcome == RULE_UNDECIDED;
	}
	return undecided || c->incomplete || c->nverdicts == 0 ? EXIT_UNDECIDED
							       : EXIT_PASS;
}

const char *
rules_outcome_word(enum rule_outcome o)
{
	return o == RULE_PASS ? "PASS" : o == RULE_FAIL ? "FAIL" : "UNDECIDED";
}
