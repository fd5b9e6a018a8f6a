/*
 * verify policy: the admission check a deploy gate runs. Starting from the
 * artifact's digest it finds the training provenance, the datasets it used,
 * an evaluation and the approvals, each signed by a key of the role it is
 * used for, and evaluates every rule of the policy. Exit 0 only when every
 * rule was evaluated and held (SPEC-POL-1).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys/keyopt.h"
#include "keys/tpm.h"
#include "lib/digestset.h"
#include "lib/fileio.h"
#include "lib/ids.h"
#include "keys/tpmquote.h"
#include "lib/bundle.h"
#include "lib/jsonio.h"
#include "lib/oci.h"
#include "lib/opt.h"
#include "lib/text.h"
#include "predicates/approval.h"
#include "predicates/dataset.h"
#include "predicates/evaluation.h"
#include "predicates/resource.h"
#include "predicates/types.h"
#include "verify/artifact.h"
#include "verify/jsonout.h"
#include "verify/overlap.h"
#include "verify/policy.h"
#include "verify/policyrun.h"
#include "verify/verify.h"
#include "verify/vsa.h"

enum {
	OPT_POLICY = 1,
	OPT_BUNDLE,
	OPT_FROM,
	OPT_INSECURE,
	OPT_JSON,
	OPT_VSA_KEY,
	OPT_VSA,
	OPT_QUIET,
	OPT_LINKS_WITHIN
};

static const struct opt_def policy_opts[] = {
    {OPT_POLICY, "policy", 'p', "POLICY.json", "the admission policy"},
    {OPT_BUNDLE, "bundle", 'b', "FILE", "evidence bundle; repeatable"},
    {OPT_FROM, "from", 0, "REF",
     "also fetch the attestations of REGISTRY/REPO@sha256:HEX; repeatable"},
    {OPT_INSECURE, "insecure", 0, NULL,
     "plain http for --from; only for loopback registries"},
    {OPT_JSON, "json", 0, "FILE",
     "also write the report as JSON; - for stdout (text then on stderr)"},
    {OPT_VSA_KEY, "vsa-key", 0, "KEYREF",
     "sign a SLSA Verification Summary with this key"},
    {OPT_VSA, "vsa", 0, "FILE", "where the signed VSA goes"},
    {OPT_QUIET, "quiet", 'q', NULL, "print only the verdict"},
    {OPT_LINKS_WITHIN, "follow-links-within", 0, "DIR",
     "follow symlinks to files anywhere under DIR (e.g. a HF cache)"},
    KEYOPT_ROWS,
    {0, NULL, 0, NULL, NULL},
};

#define POLICY_SYNOPSIS                                                        \
	"verify policy --policy POLICY.json --bundle FILE [--bundle "          \
	"FILE]...\n"                                                           \
	"       [--json FILE] [--vsa-key KEYREF --vsa FILE] "                  \
	"[--follow-links-within DIR]\n       ARTIFACT|sha256:HEX"

#define MAX_RULES 64
#define CLOCK_SKEW 300

enum outcome { RULE_PASS, RULE_FAIL, RULE_UNDECIDED };

struct rule {
	const char *id;
	const char *atlas;
	const char *threat;
	enum outcome outcome;
	char reason[600];
	json_t *evidence; /* [{source, sha256, signers}] */
};

struct pctx {
	const struct policy *p;
	struct evidence ev;
	json_t *artifact; /* DigestSet */
	char artifact_name[256];
	const char *links_within; /* --follow-links-within DIR, or NULL */
	time_t now;
	struct rule rules[MAX_RULES];
	size_t nrules;
	json_t *train_deps;  /* RDs of every training dependency */
	size_t nprov;	     /* training provenances counted */
	unsigned char *used; /* per evidence item: counted by some rule */
	char (*why)[200];    /* per evidence item: why a rule passed it by */
	json_t *uncounted;   /* [{source, sha256, reason}] */
	int incomplete;	     /* evidence could not be recorded: undecided */
};

struct policy_opts {
	struct key_load_opts ko; /* KEYOPT_ROWS and the environment */
	const char *policy, *json, *vsa_key, *vsa, *artifact, *links_within;
	const char **bundles, **froms;
	size_t nbundles, nfroms;
	int quiet, insecure;
};

static struct rule *
rule_new(struct pctx *c, const char *id, const char *atlas, const char *threat)
{
	struct rule *r = &c->rules[c->nrules++];

	r->id = id;
	r->atlas = atlas;
	r->threat = threat;
	r->outcome = RULE_PASS;
	r->reason[0] = '\0';
	r->evidence = json_array();
	return r;
}

/* Records a failure; the first reason is kept, later ones counted. */
static void rule_fail(struct rule *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
rule_fail(struct rule *r, const char *fmt, ...)
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
signer_names(const struct pctx *c, const struct evidence_item *it,
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

static void
rule_use(struct pctx *c, struct rule *r, const struct evidence_item *it,
	 const struct signers *role)
{
	/* SPEC-STM-5: evidence that cannot be recorded leaves the verdict
	 * undecided, never an admit on less than the truth. */
	if (jsonio_append(r->evidence,
			  json_pack("{s:s, s:s, s:o}", "source", it->src,
				    "sha256", it->sha256, "signers",
				    signer_names(c, it, role)),
			  NULL) != 0)
		c->incomplete = 1;
	c->used[it - c->ev.items] = 1;
}

/* The policy names of the keys of role (NULL: any key) that signed it. */
static const char *
key_names(char *buf, size_t cap, const struct pctx *c,
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
static void pass_by(struct pctx *c, const struct evidence_item *it,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
pass_by(struct pctx *c, const struct evidence_item *it, const char *fmt, ...)
{
	char *w = c->why[it - c->ev.items];
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
staleness(const struct pctx *c, const char *when)
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
nearest_training(const struct pctx *c, char *buf, size_t cap)
{
	struct artifact a;
	struct artifact_source *srcs = calloc(c->ev.n + 1, sizeof(*srcs));
	char(*bundles)[256] = calloc(c->ev.n + 1, sizeof(*bundles));
	struct err e = ERR_INIT;
	json_t *near = NULL;
	size_t i, n = 0;

	buf[0] = '\0';
	memset(&a, 0, sizeof(a));
	if (srcs == NULL || bundles == NULL ||
	    strncmp(c->artifact_name, "sha256:", 7) == 0 ||
	    artifact_open(&a, c->artifact_name, 0, c->links_within, &e) != 0)
		goto out;
	for (i = 0; i < c->ev.n; i++) {
		const struct evidence_item *it = &c->ev.items[i];
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
check_builder(struct pctx *c, struct rule *r, const struct evidence_item *it)
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
	rule_fail(r, "%s: builder id is not one the policy allows", it->src);
}

static void
check_success(const struct pctx *c, struct rule *r,
	      const struct evidence_item *it)
{
	const json_t *st = json_object_get(
	    json_object_get(json_object_get(it->pred, "buildDefinition"),
			    "internalParameters"),
	    "exitStatus");

	if (!c->p->require_success)
		return;
	if (!json_is_integer(st) || json_integer_value(st) != 0)
		rule_fail(r,
			  "%s: the training run did not succeed (exit "
			  "status %s)",
			  it->src,
			  json_is_integer(st) ? "non-zero" : "missing");
}

/* SPEC-POL-7: the run's TPM quote binds its subjects and host state. */
static void
check_quote(const struct pctx *c, struct rule *r,
	    const struct evidence_item *it)
{
	const json_t *bd = json_object_get(it->pred, "buildDefinition");
	const json_t *quote = json_object_get(
	    json_object_get(bd, "internalParameters"), "tpmQuote");
	struct err e = ERR_INIT;

	if (quote == NULL) {
		rule_fail(r, "%s: the training run carries no TPM quote",
			  it->src);
		return;
	}
	if (tpmquote_verify(quote, statement_json(it->st), c->p->pcrs,
			    c->p->ak_ks, &e) != 0)
		rule_fail(r, "%s: %s", it->src, e.msg);
}

static const json_t *
deps_of(const struct evidence_item *it)
{
	return json_object_get(json_object_get(it->pred, "buildDefinition"),
			       "resolvedDependencies");
}

static void
check_training(struct pctx *c)
{
	size_t *list = NULL, nl, li;
	struct rule *prov, *builder, *success, *tpm = NULL;
	size_t j, found = 0;

	prov = rule_new(c, "training.provenance", "AML.T0010.003",
			"AI supply chain compromise: model");
	builder = rule_new(c, "training.builder", "AML.T0010",
			   "AI supply chain compromise");
	success = rule_new(c, "training.success", "AML.T0010.003",
			   "AI supply chain compromise: model");
	if (c->p->require_tpm_quote)
		tpm = rule_new(c, "training.tpm-quote", "AML.T0010",
			       "AI supply chain compromise (training host)");
	nl = evidence_about_list(&c->ev, c->artifact, &list);
	for (li = 0; li < nl; li++) {
		const struct evidence_item *it = &c->ev.items[list[li]];
		const char *why;
		if (!is_role_claim(it, PRED_SLSA_PROVENANCE,
				   &c->p->training_signers, c->artifact))
			continue;
		why = staleness(c, dig_get(it->pred, "runDetails", "metadata",
					   "finishedOn"));
		if (why != NULL) {
			rule_fail(prov, "%s: training provenance %s", it->src,
				  why);
			pass_by(c, it, "training provenance %s", why);
			continue;
		}
		found++;
		c->nprov++;
		rule_use(c, prov, it, &c->p->training_signers);
		check_builder(c, builder, it);
		check_success(c, success, it);
		if (tpm != NULL) {
			check_quote(c, tpm, it);
			rule_use(c, tpm, it, &c->p->training_signers);
		}
		rule_use(c, builder, it, &c->p->training_signers);
		rule_use(c, success, it, &c->p->training_signers);
		for (j = 0; j < json_array_size(deps_of(it)); j++)
			if (jsonio_append(
				c->train_deps,
				json_incref(json_array_get(deps_of(it), j)),
				NULL) != 0)
				c->incomplete = 1;
	}
	free(list);
	list = NULL;
	if (found == 0 && prov->outcome != RULE_FAIL) {
		char near[400];
		nearest_training(c, near, sizeof(near));
		rule_fail(prov,
			  "no training provenance for %s signed by a "
			  "training key%s%s",
			  c->artifact_name, near[0] ? "; " : "", near);
	}
	if (found == 0) {
		builder->outcome = success->outcome = RULE_FAIL;
		snprintf(builder->reason, sizeof(builder->reason),
			 "no training provenance to check");
		snprintf(success->reason, sizeof(success->reason),
			 "no training provenance to check");
		if (tpm != NULL)
			rule_fail(tpm, "no training provenance to check");
	}
}

/* ---- datasets ---- */

static int
license_ok(const struct pctx *c, const char *lic, char *why, size_t cap)
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
check_dep(struct pctx *c, const json_t *dep, struct rule *att, struct rule *cls,
	  struct rule *lic, const struct evidence_item **weak)
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
	nl = evidence_about_list(&c->ev, digest, &list);
	for (li = 0; li < nl; li++) {
		const struct evidence_item *it = &c->ev.items[list[li]];
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
			rule_fail(att, "%s: dataset attestation %s", it->src,
				  stale);
			pass_by(c, it, "dataset attestation %s", stale);
			continue;
		}
		n++;
		rule_use(c, att, it, &c->p->dataset_signers);
		k = jsonio_str(it->pred, "classification");
		if (c->p->allow_classifications != NULL &&
		    (k == NULL ||
		     !pred_in_list_json(k, c->p->allow_classifications)))
			rule_fail(cls,
				  "%s: classification \"%s\" is not "
				  "allowed (%s)",
				  shown, k ? k : "unset", it->src);
		else
			rule_use(c, cls, it, &c->p->dataset_signers);
		if (!license_ok(c, jsonio_str(it->pred, "license"), why,
				sizeof(why)))
			rule_fail(lic, "%s: %s (%s)", shown, why, it->src);
		else
			rule_use(c, lic, it, &c->p->dataset_signers);
	}
	free(list);
	list = NULL;
	return n;
}

static void
check_datasets(struct pctx *c)
{
	const struct evidence_item *weak;
	struct rule *att, *cls, *lic;
	char shown[200];
	size_t i, ndata = 0;

	att = rule_new(c, "dataset.attested", "AML.T0020",
		       "poison training data");
	cls = rule_new(c, "dataset.classification", "AML.T0057",
		       "AI data leakage");
	lic = rule_new(c, "dataset.license", "AML.T0010.002",
		       "AI supply chain compromise: data");
	if (!c->p->has_training) {
		const char *why = "the policy has no training section, so no "
				  "dataset is linked to the model";
		att->outcome = cls->outcome = lic->outcome = RULE_UNDECIDED;
		snprintf(att->reason, sizeof(att->reason), "%s", why);
		snprintf(cls->reason, sizeof(cls->reason), "%s", why);
		snprintf(lic->reason, sizeof(lic->reason), "%s", why);
		return;
	}
	if (c->nprov == 0) {
		const char *why = "no training provenance, so its datasets "
				  "cannot be checked";
		rule_fail(att, "%s", why);
		rule_fail(cls, "%s", why);
		rule_fail(lic, "%s", why);
		return;
	}
	for (i = 0; i < json_array_size(c->train_deps); i++) {
		const json_t *dep = json_array_get(c->train_deps, i);
		if (!dep_is_data(dep))
			continue;
		ndata++;
		text_escape(shown, sizeof(shown),
			    jsonio_str_or(dep, "name", "(unnamed)"));
		/* SPEC-POL-11: no digest names no data; say so. */
		if (!digestset_has_acceptable(json_object_get(dep, "digest"))) {
			if (c->p->has_dataset)
				rule_fail(att,
					  "training input %s has no digest, so "
					  "no dataset attestation can name it",
					  shown);
			continue;
		}
		if (check_dep(c, dep, att, cls, lic, &weak) == 0 &&
		    c->p->require_attested_datasets) {
			if (weak != NULL)
				rule_fail(att,
					  "training input %s has no dataset "
					  "attestation signed by a dataset "
					  "key: %s shares only a digest that "
					  "binds no file names (an OMS root)",
					  shown, weak->src);
			else
				rule_fail(att,
					  "training input %s has no dataset "
					  "attestation signed by a dataset key",
					  shown);
		}
	}
	/* SPEC-POL-4: a run that declares no data cannot show it used
	 * attested data. */
	if (ndata == 0 && c->p->require_attested_datasets)
		rule_fail(att, "the training provenance names no dataset or "
			       "input");
}

/* ---- base models ---- */

static void
check_base_models(struct pctx *c)
{
	size_t *list = NULL, nl, li;
	struct rule *r = rule_new(c, "training.base-model", "AML.T0010.003",
				  "AI supply chain compromise: model");
	size_t i;

	for (i = 0; i < json_array_size(c->train_deps); i++) {
		const json_t *dep = json_array_get(c->train_deps, i);
		const char *role =
		    jsonio_str(json_object_get(dep, "annotations"), "role");
		size_t ok = 0;
		if (role == NULL || strcmp(role, "base-model") != 0)
			continue;
		if (!json_is_object(json_object_get(dep, "digest"))) {
			rule_fail(r, "the base model dependency has no digest");
			continue;
		}
		if (c->p->base_model == BASE_FORBID) {
			rule_fail(r, "training used a base model; the policy "
				     "forbids it");
			continue;
		}
		if (c->p->base_model == BASE_ALLOW)
			continue;
		nl = evidence_about_list(&c->ev, json_object_get(dep, "digest"),
					 &list);
		for (li = 0; li < nl; li++) {
			const struct evidence_item *it = &c->ev.items[list[li]];
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
				rule_fail(r,
					  "%s: base model risk tier \"%s\" "
					  "is not allowed",
					  it->src, tier);
				pass_by(c, it, "risk tier %s is not allowed",
					tier);
				continue;
			}
			rule_use(c, r, it, &c->p->intake_signers);
			ok++;
		}
		free(list);
		list = NULL;
		if (ok == 0)
			rule_fail(r, "the base model has no intake review "
				     "signed by an intake key");
	}
}

/* ---- evaluation ---- */

/* The inline signed manifest of a dataset attestation, by a dataset
 * signer, whose contents entry names digest (SPEC-POL-10); or NULL. */
static struct digest_manifest *
manifest_for(const struct pctx *c, const json_t *rd)
{
	const json_t *digest = json_object_get(rd, "digest");
	struct digest_manifest *m = NULL;
	size_t *list = NULL, nl, li, j;

	nl = evidence_about_list(&c->ev, digest, &list);
	for (li = 0; li < nl && m == NULL; li++) {
		const struct evidence_item *it = &c->ev.items[list[li]];
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
overlap(const struct pctx *c, const struct evidence_item *it, char *why,
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
metric_failures(const struct pctx *c, const struct evidence_item *it, char *why,
		size_t cap)
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

static void
check_evaluation(struct pctx *c)
{
	size_t *list = NULL, nl, li;
	struct rule *pres, *met, *held;
	char why[600] = "", hwhy[700] = "";
	const struct evidence_item *best = NULL;
	size_t found = 0;
	int best_fail = 1 << 30;

	pres = rule_new(c, "evaluation.present", "AML.T0031",
			"erode AI model integrity");
	met = rule_new(c, "evaluation.metrics", "AML.T0031",
		       "erode AI model integrity");
	held = rule_new(c, "evaluation.held-out", "AML.T0020",
			"poison training data (evaluation on training data)");
	nl = evidence_about_list(&c->ev, c->artifact, &list);
	for (li = 0; li < nl; li++) {
		const struct evidence_item *it = &c->ev.items[list[li]];
		const char *stale;
		char w[600] = "", ov[400];
		int fails, o;
		if (!is_role_claim(it, PRED_EVALUATION,
				   &c->p->evaluation_signers, c->artifact) ||
		    pred_eval_check(it->pred, it->src, NULL) != 0)
			continue;
		stale = staleness(c, jsonio_str(it->pred, "finishedOn"));
		if (stale != NULL) {
			snprintf(why, sizeof(why), "%s: evaluation %s", it->src,
				 stale);
			pass_by(c, it, "evaluation %s", stale);
			continue;
		}
		found++;
		fails = metric_failures(c, it, w, sizeof(w));
		o = c->p->require_held_out && overlap(c, it, ov, sizeof(ov));
		if (o)
			snprintf(hwhy, sizeof(hwhy), "%s: %s", it->src, ov);
		if (c->p->require_held_out && !c->p->has_training)
			snprintf(hwhy, sizeof(hwhy),
				 "requireHeldOut needs a training section");
		fails += o + (c->p->require_held_out && !c->p->has_training);
		if (fails > 0)
			pass_by(c, it, "evaluation %s",
				w[0] ? w + strlen(it->src) + 2
				     : "fails the held-out rule");
		if (fails < best_fail) {
			best_fail = fails;
			best = it;
			if (w[0] != '\0')
				snprintf(why, sizeof(why), "%s", w);
		}
		if (fails == 0)
			break;
	}
	free(list);
	list = NULL;
	if (found == 0) {
		rule_fail(pres, "%s",
			  why[0] ? why
				 : "no evaluation of the model signed by an "
				   "evaluation key");
		rule_fail(met, "no evaluation to check");
		rule_fail(held, "no evaluation to check");
		return;
	}
	rule_use(c, pres, best, &c->p->evaluation_signers);
	if (best_fail == 0) {
		rule_use(c, met, best, &c->p->evaluation_signers);
		rule_use(c, held, best, &c->p->evaluation_signers);
		return;
	}
	if (metric_failures(c, best, why, sizeof(why)) > 0)
		rule_fail(met, "%s", why);
	else
		rule_use(c, met, best, &c->p->evaluation_signers);
	if (hwhy[0] != '\0')
		rule_fail(held, "%s", hwhy);
	else
		rule_use(c, held, best, &c->p->evaluation_signers);
}

/* ---- approvals ---- */

/* Counts distinct approval keys (one public key under two names once). */
static size_t
distinct_keys(const struct pctx *c, const unsigned char *approved)
{
	size_t i, j, n = 0;

	for (i = 0; i < c->p->nkeys; i++) {
		int first = approved[i];
		for (j = 0; first && j < i; j++)
			if (approved[j] &&
			    strcmp(key_id(keyset_get(c->p->ks, i)),
				   key_id(keyset_get(c->p->ks, j))) == 0)
				first = 0;
		n += (size_t)first;
	}
	return n;
}

static void
check_approvals(struct pctx *c)
{
	size_t *list = NULL, nl, li;
	unsigned char approved[EVIDENCE_MAX_KEYS] = {0};
	const struct signers *s = &c->p->approval_signers;
	struct rule *thr, *rej;
	char note[300] = "", names[160];
	size_t j, n;

	thr = rule_new(c, "approval.threshold", "AML.T0010.003",
		       "AI supply chain compromise: model");
	rej = rule_new(c, "approval.no-reject", "AML.T0010.003",
		       "AI supply chain compromise: model");
	nl = evidence_about_list(&c->ev, c->artifact, &list);
	for (li = 0; li < nl; li++) {
		const struct evidence_item *it = &c->ev.items[list[li]];
		const char *stage, *exp, *stale;
		time_t t;
		if (!is_role_claim(it, PRED_APPROVAL, s, c->artifact) ||
		    pred_approval_check(it->pred, it->src, NULL) != 0)
			continue;
		stage = jsonio_str(it->pred, "stage");
		if (strcmp(stage, c->p->stage) != 0) {
			snprintf(note, sizeof(note),
				 "; %s approves stage %s, not %s", it->src,
				 stage, c->p->stage);
			pass_by(c, it, "approval for stage %s, not %s", stage,
				c->p->stage);
			continue;
		}
		exp = jsonio_str(it->pred, "expiresOn");
		stale = staleness(c, jsonio_str(it->pred, "approvedOn"));
		if (exp != NULL && ids_parse_rfc3339(&t, exp) == 0 &&
		    t < c->now) {
			snprintf(note, sizeof(note), "; %s has expired",
				 it->src);
			pass_by(c, it, "approval has expired");
			continue;
		}
		if (stale != NULL) {
			snprintf(note, sizeof(note), "; %s %s", it->src, stale);
			pass_by(c, it, "approval %s", stale);
			continue;
		}
		if (strcmp(jsonio_str(it->pred, "decision"), "reject") == 0) {
			rule_fail(rej,
				  "%s: a signer rejected the model for "
				  "%s",
				  it->src, c->p->stage);
			pass_by(c, it, "reject by %s for %s",
				key_names(names, sizeof(names), c, it, s),
				c->p->stage);
			continue;
		}
		for (j = 0; j < s->n; j++)
			if (it->signed_by[s->idx[j]])
				approved[s->idx[j]] = 1;
		rule_use(c, thr, it, s);
	}
	free(list);
	list = NULL;
	n = distinct_keys(c, approved);
	if ((long)n < c->p->threshold)
		rule_fail(thr, "%zu of %ld required approvals for %s%s", n,
			  c->p->threshold, c->p->stage, note);
	if (rej->outcome == RULE_PASS &&
	    json_array_extend(rej->evidence, thr->evidence) != 0)
		c->incomplete = 1;
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
derive_why(char *w, size_t cap, const struct pctx *c,
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

static json_t *
uncounted(const struct pctx *c)
{
	json_t *list = json_array();
	char w[600];
	size_t i;

	for (i = 0; list != NULL && i < c->ev.n; i++) {
		const struct evidence_item *it = &c->ev.items[i];
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

/* ---- driver and output ---- */

static int
parse(struct policy_opts *o, int argc, char **argv, struct err *e)
{
	struct opt_iter it;
	const char *val;
	int id, rc;

	o->bundles = calloc((size_t)argc, sizeof(char *));
	o->froms = calloc((size_t)argc, sizeof(char *));
	if (o->bundles == NULL || o->froms == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	opt_init(&it, argc, argv);
	while ((rc = opt_next(&it, policy_opts, &id, &val, e)) == 1) {
		if (keyopt_set(&o->ko, id, val))
			continue;
		switch (id) {
		case OPT_HELP:
			opt_help(stdout, POLICY_SYNOPSIS,
				 "Admit (exit 0) or deny (exit 1) ARTIFACT "
				 "under the policy; 3 when\nit cannot decide. "
				 "Only attestations signed by the key of the "
				 "role\nthey are used for count.",
				 policy_opts);
			return 1;
		case OPT_POLICY:
			o->policy = val;
			break;
		case OPT_BUNDLE:
			o->bundles[o->nbundles++] = val;
			break;
		case OPT_FROM:
			o->froms[o->nfroms++] = val;
			break;
		case OPT_INSECURE:
			o->insecure = 1;
			break;
		case OPT_JSON:
			o->json = val;
			break;
		case OPT_VSA_KEY:
			o->vsa_key = val;
			break;
		case OPT_VSA:
			o->vsa = val;
			break;
		case OPT_QUIET:
			o->quiet = 1;
			break;
		case OPT_LINKS_WITHIN:
			o->links_within = val;
			break;
		default:
			if (o->artifact != NULL)
				return err_set(e, EXIT_USAGE,
					       "one ARTIFACT at a time");
			o->artifact = val;
		}
	}
	if (rc < 0)
		return rc;
	if (o->policy == NULL || o->nbundles + o->nfroms == 0 ||
	    o->artifact == NULL)
		return err_set(e, EXIT_USAGE, "usage: %s", POLICY_SYNOPSIS);
	if ((o->vsa == NULL) != (o->vsa_key == NULL))
		return err_set(e, EXIT_USAGE,
			       "--vsa and --vsa-key go together");
	return 0;
}

static int
artifact_digest(struct pctx *c, const char *artifact, const char *links_within,
		struct err *e)
{
	struct digest_opts d = DIGEST_OPTS_INIT;
	struct tree t;
	int rc;

	snprintf(c->artifact_name, sizeof(c->artifact_name), "%s", artifact);
	if (strncmp(artifact, "sha256:", 7) == 0) {
		if (strlen(artifact + 7) != 64)
			return err_set(e, EXIT_USAGE,
				       "%s: expected sha256:<64 hex>",
				       artifact);
		c->artifact = json_pack("{s:s}", "sha256", artifact + 7);
		return digestset_has_acceptable(c->artifact)
			   ? 0
			   : err_set(e, EXIT_USAGE, "%s: bad digest", artifact);
	}
	d.links_within = links_within;
	rc = tree_hash(&t, artifact, &d, e);
	if (rc == 0)
		c->artifact = tree_digestset(&t);
	tree_clear(&t);
	return rc;
}

static const char *
outcome_word(enum outcome o)
{
	return o == RULE_PASS ? "PASS" : o == RULE_FAIL ? "FAIL" : "UNDECIDED";
}

static int
verdict(const struct pctx *c)
{
	size_t i;
	int undecided = 0;

	for (i = 0; i < c->nrules; i++) {
		if (c->rules[i].outcome == RULE_FAIL)
			return EXIT_REJECTED;
		undecided |= c->rules[i].outcome == RULE_UNDECIDED;
	}
	return undecided || c->incomplete || c->nrules == 0 ? EXIT_UNDECIDED
							    : EXIT_PASS;
}

static void
print_text(const struct pctx *c, int status, int quiet)
{
	size_t i, j, failed = 0;
	char junk[64] = "";

	for (i = 0; i < c->nrules; i++) {
		const struct rule *r = &c->rules[i];
		failed += r->outcome == RULE_FAIL;
		if (quiet)
			continue;
		verify_print(stdout, "%-9s %-24s", outcome_word(r->outcome),
			     r->id);
		if (r->outcome != RULE_PASS)
			verify_print(stdout, " %s  [%s %s]\n", r->reason,
				     r->atlas, r->threat);
		else {
			for (j = 0; j < json_array_size(r->evidence) && j < 3;
			     j++)
				verify_print(
				    stdout, " %s",
				    jsonio_str(json_array_get(r->evidence, j),
					       "source"));
			verify_print(stdout, "%s\n",
				     json_array_size(r->evidence) > 3 ? " ..."
								      : "");
		}
	}
	for (i = 0; !quiet && i < json_array_size(c->uncounted); i++) {
		const json_t *u = json_array_get(c->uncounted, i);
		verify_print(stdout, "UNCOUNTED %s %s\n",
			     jsonio_str(u, "source"), jsonio_str(u, "reason"));
	}
	fflush(stdout);
	/* SPEC-POL-9: junk is counted and reported, never decides. */
	if (c->ev.malformed > 0)
		snprintf(junk, sizeof(junk), ", %zu malformed ignored",
			 c->ev.malformed);
	verify_print(
	    stderr,
	    "verify: %s %s under %s (%zu rules, %zu failed; %zu of %zu "
	    "attestations verified under policy keys%s)\n",
	    status == EXIT_PASS	      ? "ADMIT"
	    : status == EXIT_REJECTED ? "DENY"
				      : "COULD NOT DECIDE",
	    c->artifact_name, c->p->path, c->nrules, failed, c->ev.n,
	    c->ev.total, junk);
}

static json_t *
report_json(const struct pctx *c, int status)
{
	json_t *rules = json_array();
	size_t i;

	for (i = 0; i < c->nrules; i++) {
		const struct rule *r = &c->rules[i];
		json_t *row = json_pack(
		    "{s:s, s:s, s:{s:s, s:s}, s:O}", "id", r->id, "outcome",
		    outcome_word(r->outcome), "atlas", "id", r->atlas, "name",
		    r->threat, "evidence", r->evidence);
		if (r->outcome != RULE_PASS &&
		    jsonio_set(row, "reason", json_string(r->reason), NULL) !=
			0) {
			json_decref(row);
			row = NULL;
		}
		if (jsonio_append(rules, row, NULL) != 0) {
			json_decref(rules);
			return NULL;
		}
	}
	return json_pack("{s:s, s:i, s:{s:s, s:{s:s}}, s:{s:s, s:O}, s:o, "
			 "s:{s:I, s:I, s:I}, s:O}",
			 "result",
			 status == EXIT_PASS	   ? "admit"
			 : status == EXIT_REJECTED ? "deny"
						   : "undecided",
			 "exitCode", status, "policy", "path", c->p->path,
			 "digest", "sha256", c->p->sha256, "artifact", "name",
			 c->artifact_name, "digest", c->artifact, "rules",
			 rules, "attestations", "read", (json_int_t)c->ev.total,
			 "verified", (json_int_t)c->ev.n, "unverified",
			 (json_int_t)c->ev.unverified +
			     (json_int_t)c->ev.malformed,
			 "uncounted", c->uncounted);
}

static void
evaluate(struct pctx *c)
{
	if (c->p->has_training)
		check_training(c);
	if (c->p->has_dataset)
		check_datasets(c);
	if (c->p->has_training && c->p->base_model != BASE_ALLOW)
		check_base_models(c);
	if (c->p->has_evaluation)
		check_evaluation(c);
	if (c->p->has_approval)
		check_approvals(c);
}

/* Set by policy_run: the one output instead of text, JSON and VSA. */
static policy_sink_fn sink_fn;
static void *sink_arg;

static int
sink_out(struct pctx *c, const struct policy_opts *o, int status, struct err *e)
{
	struct policy_view v;
	json_t *doc = report_json(c, status);
	int rc;

	if (doc == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	v.p = c->p;
	v.ev = &c->ev;
	v.used = c->used;
	v.artifact = c->artifact;
	v.artifact_name = c->artifact_name;
	v.report = doc;
	v.status = status;
	v.ko = &o->ko;
	rc = sink_fn(&v, sink_arg, e);
	json_decref(doc);
	return rc;
}

static int
outputs(struct pctx *c, const struct policy_opts *o, struct jsonout *jo,
	int status, struct err *e)
{
	json_t *doc = NULL;
	int rc = 0;

	if (sink_fn != NULL)
		return sink_out(c, o, status, e);
	print_text(c, status, o->quiet);
	if (o->json != NULL) {
		doc = report_json(c, status);
		rc = doc != NULL ? jsonout_write(jo, doc, e)
				 : err_set(e, EXIT_UNDECIDED, "out of memory");
		json_decref(doc);
	}
	if (rc == 0 && o->vsa != NULL)
		rc = vsa_write(o->vsa, o->vsa_key, &o->ko, c->p, c->artifact,
			       c->artifact_name, &c->ev, c->used,
			       status == EXIT_PASS, e);
	return rc;
}

/* Bundle files, then registries (SPEC-VER-1 for every entry). */
static int
load_evidence(struct evidence *ev, const struct policy_opts *o,
	      const struct keyset *ks, struct err *e)
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

int
cmd_policy(int argc, char **argv)
{
	return policy_run(argc, argv, NULL, NULL);
}

int
policy_run(int argc, char **argv, policy_sink_fn sink, void *arg)
{
	struct policy_opts o;
	struct jsonout jo = JSONOUT_INIT;
	struct policy *p = NULL;
	struct err e = ERR_INIT;
	struct pctx c;
	size_t i;
	int rc, status = EXIT_UNDECIDED;

	sink_fn = sink;
	sink_arg = arg;
	memset(&o, 0, sizeof(o));
	o.ko = *verify_key_env();
	memset(&c, 0, sizeof(c));
	rc = parse(&o, argc, argv, &e);
	if (rc == 0)
		rc = jsonout_open(&jo, o.json, &e);
	if (rc == 0)
		rc = policy_load(&p, o.policy, &e);
	if (rc == 0 && o.vsa_key != NULL) {
		/* Fail before any verdict is printed, not after. */
		struct key *vk = NULL;
		rc = key_load_private_opts(&vk, o.vsa_key, &o.ko, &e);
		key_free(vk);
	}
	if (rc == 0) {
		c.p = p;
		c.now = time(NULL);
		c.train_deps = json_array();
		c.links_within = o.links_within;
		rc = artifact_digest(&c, o.artifact, o.links_within, &e);
	}
	if (rc == 0)
		rc = load_evidence(&c.ev, &o, p->ks, &e);
	if (rc == 0) {
		c.used = calloc(c.ev.n + 1, 1);
		c.why = calloc(c.ev.n + 1, sizeof(*c.why));
		if (c.used == NULL || c.why == NULL)
			rc = err_set(&e, EXIT_UNDECIDED, "out of memory");
	}
	if (rc == 0) {
		evaluate(&c);
		status = verdict(&c);
		if (c.incomplete && status != EXIT_REJECTED)
			verify_print(stderr,
				     "verify: policy: evidence could not be "
				     "recorded (out of memory)\n");
		c.uncounted = uncounted(&c);
		rc = c.uncounted != NULL
			 ? outputs(&c, &o, &jo, status, &e)
			 : err_set(&e, EXIT_UNDECIDED, "out of memory");
	}
	for (i = 0; i < c.nrules; i++)
		json_decref(c.rules[i].evidence);
	json_decref(c.train_deps);
	json_decref(c.artifact);
	json_decref(c.uncounted);
	jsonout_close(&jo);
	free(c.used);
	free(c.why);
	evidence_free(&c.ev);
	policy_free(p);
	free(o.bundles);
	free(o.froms);
	if (rc == 1)
		return EXIT_PASS;
	if (rc != 0)
		return verify_fail(&e);
	return status;
}
