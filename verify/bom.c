/*
 * The CycloneDX ML-BOM (spec/bom.md). verify policy decides; this file
 * only turns the evidence it counted into components, a model card and a
 * dependency graph. Nothing that did not verify under the key of its role
 * reaches the document (SPEC-BOM-2).
 */
#include "verify/bom.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys/envelope.h"
#include "keys/keyset.h"
#include "lib/dsse.h"
#include "lib/dynbuf.h"
#include "lib/fileio.h"
#include "lib/ids.h"
#include "lib/jsonio.h"
#include "lib/opt.h"
#include "lib/statement.h"
#include "predicates/types.h"
#include "verify/policyrun.h"
#include "verify/rule_trace.h"
#include "verify/verify.h"

#define BOM_PREDICATE "https://cyclonedx.org/bom"
struct bom_opts {
	const char *format, *spec, *out, *sign;
	const char **pass; /* verify policy's options and operands */
	size_t npass;
};

static const char *const bom_formats[] = {"cyclonedx", "html", "markdown",
					  NULL};
static int
spec_opt(void *opts, const struct opt_spec *row, const char *val, struct err *e)
{
	(void)row;
	if (strcmp(val, "1.6") != 0 && strcmp(val, "1.7") != 0)
		return err_set(e, EXIT_USAGE,
			       "--spec-version %s: expected 1.6 or 1.7", val);
	((struct bom_opts *)opts)->spec = val;
	return 0;
}

static const struct opt_spec bom_rows[] = {
    {.type = OPT_CHOICE,
     .name = "format",
     .shortname = 'f',
     .off = offsetof(struct bom_opts, format),
     .argname = "FMT",
     .help = "cyclonedx (an ML-BOM), html or markdown (a report page)",
     .flags = OPT_REQUIRED,
     .choices = bom_formats},
    {.type = OPT_CALL,
     .name = "spec-version",
     .argname = "V",
     .help = "1.6 (default) or 1.7",
     .fn = spec_opt},
    {.type = OPT_STRING,
     .name = "output",
     .shortname = 'o',
     .off = offsetof(struct bom_opts, out),
     .argname = "FILE",
     .help = "write the BOM here atomically (default: stdout)"},
    {.type = OPT_STRING,
     .name = "sign",
     .off = offsetof(struct bom_opts, sign),
     .argname = "KEYREF",
     .help = "wrap the BOM in a signed in-toto statement"},
    {.type = OPT_PASS,
     .off = offsetof(struct bom_opts, pass),
     .noff = offsetof(struct bom_opts, npass),
     .argname = "POLICY-OPTIONS",
     .flags = OPT_REQUIRED,
     .usage = "--policy POLICY.json (--bundle FILE | --from REF)...\n"
	      "       ARTIFACT|sha256:HEX"},
    {.type = OPT_END},
};

static const struct opt_cmd bom_cmd = {
    "verify report",
    "A CycloneDX ML-BOM of ARTIFACT, or a report page (html, markdown), made "
    "only\nfrom the attestations verify policy verified and counted under "
    "POLICY.json\n(spec/bom.md). The other options are verify policy's. Exit "
    "status: the verdict's\n(0 admit, 1 deny, 3 undecided).",
    bom_rows};

/* The value of --format in argv, NULL when none. */
static const char *
format_of(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if ((strcmp(argv[i], "--format") == 0 ||
		     strcmp(argv[i], "-f") == 0) &&
		    i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--format=", 9) == 0)
			return argv[i] + 9;
	}
	return NULL;
}

int
bom_wanted(int argc, char **argv)
{
	const char *f = format_of(argc, argv);

	return f != NULL &&
	       (strcmp(f, "cyclonedx") == 0 || strcmp(f, "html") == 0 ||
		strcmp(f, "markdown") == 0);
}

/* Takes this file's options out of argv; the rest are verify policy's. */
static int
split(struct bom_opts *o, int argc, char **argv, struct err *e)
{
	int rc = opt_parse(o, &bom_cmd, argc, argv, e);

	if (rc == 1)
		opt_cmd_help(stdout, &bom_cmd);
	if (rc != 0)
		return rc;
	if (o->spec == NULL)
		o->spec = "1.6";
	if (o->sign != NULL && strcmp(o->format, "cyclonedx") != 0)
		return err_set(e, EXIT_USAGE,
			       "--sign goes with --format cyclonedx");
	return 0;
}

/*
 * Checked building (SPEC-STM-5): set and app go through jsonio_set and
 * jsonio_append and remember a failure, which bom_build turns into NULL.
 * One BOM is built at a time.
 */
static int build_failed;

static void
set(json_t *obj, const char *key, json_t *value)
{
	struct err e = ERR_INIT;

	if (jsonio_set(obj, key, value, &e) != 0)
		build_failed = 1;
}

static void
app(json_t *arr, json_t *value)
{
	struct err e = ERR_INIT;

	if (jsonio_append(arr, value, &e) != 0)
		build_failed = 1;
}

static int
is_hex64(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s != NULL && i == 64;
}

static json_t *
hashes(const json_t *digest)
{
	const char *h = jsonio_str(digest, "sha256");
	json_t *a = json_array();

	if (is_hex64(h))
		app(a, json_pack("{s:s, s:s}", "alg", "SHA-256", "content", h));
	return a;
}

static void
prop(json_t *props, const char *name, const char *value)
{
	if (value != NULL)
		app(props,
		    json_pack("{s:s, s:s}", "name", name, "value", value));
}

/* The attestation an element came from (SPEC-BOM-3). */
static void
prop_from(json_t *props, const struct evidence_item *it)
{
	prop(props, "mlattest:attestation:sha256", it->sha256);
	prop(props, "mlattest:attestation:source", it->src);
}

/* "name1, name2": the policy keys that signed it. */
static void
signers(char *buf, size_t cap, const struct policy *p,
	const struct evidence_item *it)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < p->nkeys && i < EVIDENCE_MAX_KEYS; i++)
		if (it->signed_by[i])
			n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0,
					      "%s%s", n ? ", " : "",
					      policy_key_name(p, i));
}

static int
is_type(const struct evidence_item *it, const char *type)
{
	return strcmp(it->type, type) == 0;
}

struct bom {
	const struct policy_view *v;
	json_t *components, *services, *deps, *model, *card, *mprops;
	json_t *model_deps, *card_datasets, *metrics;
	size_t nundeclared;
};

static const char *
dep_role(const json_t *dep)
{
	return jsonio_str(json_object_get(dep, "annotations"), "role");
}

static int
has_ref(const json_t *list, const char *ref)
{
	size_t i;
	json_t *x;

	json_array_foreach(list, i, x)
	{
		const char *r = json_is_string(x) ? json_string_value(x)
						  : jsonio_str(x, "bom-ref");
		if (r != NULL && strcmp(r, ref) == 0)
			return 1;
	}
	return 0;
}

static void
add_dataset(struct bom *b, const struct evidence_item *it)
{
	const json_t *p = it->pred;
	const json_t *sub = json_object_get(
	    json_array_get(
		json_object_get(it->st ? statement_json(it->st) : NULL,
				"subject"),
		0),
	    "digest");
	json_t *c, *data, *props = json_array(), *sens = json_array();
	const json_t *src;
	char ref[96], who[512];
	size_t i;

	snprintf(ref, sizeof(ref), "dataset:%s", it->sha256);
	if (has_ref(b->components, ref)) {
		json_decref(props);
		json_decref(sens);
		return;
	}
	if (json_is_true(json_object_get(p, "pii")))
		app(sens, json_string("pii"));
	data = json_pack("{s:s, s:s}", "type", "dataset", "name",
			 jsonio_str_or(p, "name", "(unnamed)"));
	if (jsonio_str(p, "classification") != NULL)
		set(data, "classification",
		    json_string(jsonio_str(p, "classification")));
	set(data, "sensitiveData", sens);
	c = json_pack("{s:s, s:s, s:s, s:o, s:[o]}", "type", "data", "bom-ref",
		      ref, "name", jsonio_str_or(p, "name", "(unnamed)"),
		      "hashes", hashes(sub), "data", data);
	if (jsonio_str(p, "version") != NULL)
		set(c, "version", json_string(jsonio_str(p, "version")));
	if (jsonio_str(p, "license") != NULL)
		set(c, "licenses",
		    json_pack("[{s:{s:s}}]", "license", "name",
			      jsonio_str(p, "license")));
	src = json_object_get(p, "sources");
	for (i = 0; i < json_array_size(src); i++) {
		const json_t *s = json_array_get(src, i);
		prop(props, "mlattest:dataset:source",
		     json_is_string(s) ? json_string_value(s)
				       : jsonio_str(s, "uri"));
	}
	signers(who, sizeof(who), b->v->p, it);
	prop(props, "mlattest:signedBy", who);
	prop_from(props, it);
	set(c, "properties", props);
	app(b->components, c);
}

/* A dataset component for the counted dataset attestation about digest. */
static const char *
dataset_ref(struct bom *b, const json_t *digest)
{
	const struct evidence *ev = b->v->ev;
	static char ref[96];
	size_t i;

	for (i = 0; i < ev->n; i++) {
		const struct evidence_item *it = &ev->items[i];
		if (!b->v->used[i] || !is_type(it, PRED_DATASET) ||
		    !evidence_about(it, digest))
			continue;
		add_dataset(b, it);
		snprintf(ref, sizeof(ref), "dataset:%s", it->sha256);
		return ref;
	}
	return NULL;
}

static void
add_code(struct bom *b, const json_t *dep, const struct evidence_item *it)
{
	const char *uri = jsonio_str(dep, "uri");
	const char *commit =
	    jsonio_str(json_object_get(dep, "digest"), "gitCommit");
	json_t *props = json_array(), *c;
	char ref[160];

	snprintf(ref, sizeof(ref), "code:%s", commit ? commit : "unknown");
	if (has_ref(b->components, ref)) {
		json_decref(props);
		return;
	}
	c = json_pack("{s:s, s:s, s:s}", "type", "application", "bom-ref", ref,
		      "name", uri ? uri : "training code");
	if (commit != NULL)
		set(c, "version", json_string(commit));
	prop(props, "mlattest:code:repository", uri);
	prop(props, "mlattest:code:commit", commit);
	if (json_is_boolean(
		json_object_get(json_object_get(dep, "annotations"), "dirty")))
		prop(props, "mlattest:code:dirty",
		     json_is_true(json_object_get(
			 json_object_get(dep, "annotations"), "dirty"))
			 ? "true"
			 : "false");
	prop_from(props, it);
	set(c, "properties", props);
	app(b->components, c);
	app(b->model_deps, json_string(ref));
}

/* The model's considerations: the risk tier of its base model's intake. */
static void
considered(struct bom *b, const char *tier)
{
	json_t *c = json_object_get(b->card, "considerations");

	if (c == NULL) {
		c = json_pack("{s:[]}", "ethicalConsiderations");
		set(b->card, "considerations", c);
	}
	app(json_object_get(c, "ethicalConsiderations"),
	    json_pack("{s:s, s:s}", "name", tier ? tier : "(no tier)",
		      "mitigationStrategy",
		      "risk tier of the base model at its intake review"));
}

static void
add_base(struct bom *b, const json_t *dep, const struct evidence_item *it)
{
	const struct evidence *ev = b->v->ev;
	const json_t *digest = json_object_get(dep, "digest");
	const char *h = jsonio_str(digest, "sha256");
	json_t *props = json_array(), *c;
	char ref[96], who[512];
	size_t i;

	snprintf(ref, sizeof(ref), "base-model:%s",
		 is_hex64(h) ? h : it->sha256);
	if (has_ref(b->components, ref)) {
		json_decref(props);
		return;
	}
	c = json_pack("{s:s, s:s, s:s, s:o}", "type", "machine-learning-model",
		      "bom-ref", ref, "name",
		      jsonio_str_or(dep, "name", "base model"), "hashes",
		      hashes(digest));
	prop(props, "mlattest:role", "base-model");
	prop_from(props, it);
	/* The intake review of the base model, when one counted. */
	for (i = 0; i < ev->n; i++) {
		const struct evidence_item *in = &ev->items[i];
		const char *tier;
		if (!b->v->used[i] || !is_type(in, PRED_INTAKE) ||
		    !evidence_about(in, digest))
			continue;
		tier = jsonio_str(in->pred, "riskTier");
		signers(who, sizeof(who), b->v->p, in);
		prop(props, "mlattest:intake:riskTier", tier);
		prop(props, "mlattest:intake:reviewedBy", who);
		prop(props, "mlattest:intake:attestation", in->sha256);
		set(c, "modelCard",
		    json_pack("{s:{s:[{s:s, s:s}]}}", "considerations",
			      "ethicalConsiderations", "name",
			      tier ? tier : "(no tier)", "mitigationStrategy",
			      "intake review"));
		if (jsonio_str(in->pred, "license") != NULL)
			set(c, "licenses",
			    json_pack("[{s:{s:s}}]", "license", "name",
				      jsonio_str(in->pred, "license")));
		considered(b, tier);
		break;
	}
	set(c, "properties", props);
	app(b->components, c);
	app(b->model_deps, json_string(ref));
}

/* What a traced run read or ran outside its declared inputs (§5.8). */
static void
add_undeclared(struct bom *b, const struct evidence_item *it)
{
	json_t *list = json_array(), *row;
	unsigned long long unlisted = 0;
	char name[96], n[32];
	size_t i;

	if (rule_trace_of(it->pred) == NULL || list == NULL ||
	    rule_trace_undeclared(list, it->pred, NULL, it->src, &unlisted) ==
		(size_t)-1) {
		build_failed |= list == NULL;
		json_decref(list);
		return;
	}
	json_array_foreach(list, i, row)
	{
		b->nundeclared++;
#define UNDECLARED_PROP(field, value)                                          \
	do {                                                                   \
		snprintf(name, sizeof(name),                                   \
			 "mlattest:undeclaredInput:%zu:%s", b->nundeclared,    \
			 field);                                               \
		prop(b->mprops, name, value);                                  \
	} while (0)
		UNDECLARED_PROP("path", jsonio_str(row, "path"));
		UNDECLARED_PROP("sha256", jsonio_str(row, "sha256"));
		UNDECLARED_PROP("how", jsonio_str(row, "how"));
		UNDECLARED_PROP("attestation", it->sha256);
#undef UNDECLARED_PROP
	}
	if (unlisted > 0) {
		snprintf(n, sizeof(n), "%llu", unlisted);
		prop(b->mprops, "mlattest:undeclaredInputs:unlisted", n);
	}
	json_decref(list);
}

static void
add_training(struct bom *b, const struct evidence_item *it)
{
	const json_t *bd = json_object_get(it->pred, "buildDefinition");
	const json_t *ext = json_object_get(bd, "externalParameters");
	const json_t *rd = json_object_get(bd, "resolvedDependencies");
	const char *builder = jsonio_str(
	    json_object_get(json_object_get(it->pred, "runDetails"), "builder"),
	    "id");
	const json_t *mp = json_object_get(b->card, "modelParameters");
	const char *k;
	json_t *v, *dep;
	char name[320], val[160];
	size_t i;

	prop(b->mprops, "mlattest:training:attestation", it->sha256);
	prop(b->mprops, "mlattest:training:source", it->src);
	add_undeclared(b, it);
	json_object_foreach((json_t *)json_object_get(ext, "parameters"), k, v)
	{
		if (!json_is_string(v))
			continue;
		if (strcmp(k, "task") == 0)
			set((json_t *)mp, "task", json_copy(v));
		snprintf(name, sizeof(name), "mlattest:parameter:%s", k);
		prop(b->mprops, name, json_string_value(v));
	}
	/* Private hyperparameters: only their commitments (SPEC-BOM-4). */
	json_object_foreach((json_t *)json_object_get(ext, "privateParameters"),
			    k, v)
	{
		const char *c = jsonio_str(v, "sha256");
		if (c == NULL)
			continue;
		snprintf(name, sizeof(name), "mlattest:privateParameter:%s", k);
		snprintf(val, sizeof(val), "sha256:%s", c);
		prop(b->mprops, name, val);
	}
	json_array_foreach(rd, i, dep)
	{
		const char *role = dep_role(dep), *ref;
		if (role != NULL && strcmp(role, "code") == 0) {
			add_code(b, dep, it);
		} else if (role != NULL && strcmp(role, "base-model") == 0) {
			add_base(b, dep, it);
		} else if ((role == NULL || strcmp(role, "dataset") == 0) &&
			   (ref = dataset_ref(
				b, json_object_get(dep, "digest"))) != NULL) {
			if (!has_ref(b->model_deps, ref))
				app(b->model_deps, json_string(ref));
			if (!has_ref(json_object_get(mp, "datasets"), ref))
				app(json_object_get(mp, "datasets"),
				    json_pack("{s:s}", "ref", ref));
		}
	}
	if (builder != NULL && !has_ref(b->services, "builder")) {
		json_t *sp = json_array();
		prop_from(sp, it);
		app(b->services,
		    json_pack("{s:s, s:s, s:o}", "bom-ref", "builder", "name",
			      builder, "properties", sp));
		app(b->model_deps, json_string("builder"));
	}
}

static void
add_evaluation(struct bom *b, const struct evidence_item *it)
{
	const json_t *ds = json_object_get(it->pred, "datasets");
	const char *k, *ref;
	char slice[512], val[64];
	json_t *v;
	size_t i;

	slice[0] = '\0';
	for (i = 0; i < json_array_size(ds); i++) {
		const json_t *d = json_array_get(ds, i);
		const char *role =
		    jsonio_str(json_object_get(d, "annotations"), "role");
		size_t n = strlen(slice);
		snprintf(slice + n, sizeof(slice) - n, "%s%s: %s",
			 n ? "; " : "", role ? role : "dataset",
			 jsonio_str_or(d, "name", "?"));
		ref = dataset_ref(b, json_object_get(d, "digest"));
		(void)ref;
	}
	json_object_foreach((json_t *)json_object_get(it->pred, "metrics"), k,
			    v)
	{
		json_t *m;
		if (!json_is_number(v))
			continue;
		snprintf(val, sizeof(val), "%.15g", json_number_value(v));
		m = json_pack("{s:s, s:s, s:s}", "type", k, "value", val,
			      "slice", slice);
		app(b->metrics, m);
	}
	prop(b->mprops, "mlattest:evaluation:attestation", it->sha256);
	prop(b->mprops, "mlattest:evaluation:source", it->src);
}

static void
add_approval(struct bom *b, const struct evidence_item *it, size_t n)
{
	char name[64], who[512];
	const char *keyid =
	    jsonio_str(json_object_get(it->pred, "approver"), "keyid");

	signers(who, sizeof(who), b->v->p, it);
#define APPROVAL_PROP(field, value)                                            \
	do {                                                                   \
		snprintf(name, sizeof(name), "mlattest:approval:%zu:%s", n,    \
			 field);                                               \
		prop(b->mprops, name, value);                                  \
	} while (0)
	APPROVAL_PROP("approver", who);
	APPROVAL_PROP("keyid", keyid);
	APPROVAL_PROP("stage", jsonio_str(it->pred, "stage"));
	APPROVAL_PROP("decision", jsonio_str(it->pred, "decision"));
	APPROVAL_PROP("approvedOn", jsonio_str(it->pred, "approvedOn"));
	APPROVAL_PROP("expiresOn",
		      jsonio_str_or(it->pred, "expiresOn", "never"));
	APPROVAL_PROP("attestation", it->sha256);
#undef APPROVAL_PROP
}

json_t *
bom_build(const struct policy_view *v, const char *spec)
{
	struct bom b;
	json_t *bom, *meta, *mprops;
	const char *h = jsonio_str(v->artifact, "sha256");
	const char *result = jsonio_str(v->report, "result");
	char now[RFC3339_LEN + 1], ref[96];
	size_t i, napproval = 0;

	memset(&b, 0, sizeof(b));
	b.v = v;
	b.components = json_array();
	b.services = json_array();
	b.model_deps = json_array();
	b.metrics = json_array();
	b.mprops = json_array();
	b.card = json_pack("{s:{s:[]}}", "modelParameters", "datasets");
	build_failed = 0;
	b.model = json_object();
	app(b.components, json_incref(b.model));
	snprintf(ref, sizeof(ref), "model:%s", is_hex64(h) ? h : "artifact");
	for (i = 0; i < v->ev->n; i++) {
		const struct evidence_item *it = &v->ev->items[i];
		if (!v->used[i]) /* SPEC-BOM-2 */
			continue;
		if (is_type(it, PRED_SLSA_PROVENANCE))
			add_training(&b, it);
		else if (is_type(it, PRED_EVALUATION))
			add_evaluation(&b, it);
		else if (is_type(it, PRED_APPROVAL))
			add_approval(&b, it, ++napproval);
	}
	/* Counted dataset attestations no training named (e.g. test data). */
	for (i = 0; i < v->ev->n; i++)
		if (v->used[i] && is_type(&v->ev->items[i], PRED_DATASET))
			add_dataset(&b, &v->ev->items[i]);
	if (json_array_size(b.metrics) > 0)
		set(b.card, "quantitativeAnalysis",
		    json_pack("{s:o}", "performanceMetrics", b.metrics));
	else
		json_decref(b.metrics);
	set(b.model, "type", json_string("machine-learning-model"));
	set(b.model, "bom-ref", json_string(ref));
	set(b.model, "name", json_string(v->artifact_name));
	set(b.model, "hashes", hashes(v->artifact));
	set(b.model, "modelCard", b.card);
	set(b.model, "properties", b.mprops);
	json_decref(b.model);
	b.deps = json_array();
	app(b.deps,
	    json_pack("{s:s, s:o}", "ref", ref, "dependsOn", b.model_deps));
	for (i = 1; i < json_array_size(b.components); i++)
		app(b.deps,
		    json_pack(
			"{s:s, s:[]}", "ref",
			jsonio_str(json_array_get(b.components, i), "bom-ref"),
			"dependsOn"));
	for (i = 0; i < json_array_size(b.services); i++)
		app(b.deps, json_pack("{s:s, s:[]}", "ref",
				      jsonio_str(json_array_get(b.services, i),
						 "bom-ref"),
				      "dependsOn"));
	ids_rfc3339(now, time(NULL));
	mprops = json_array(); /* SPEC-BOM-1 */
	prop(mprops, "mlattest:policy:sha256", v->p->sha256);
	prop(mprops, "mlattest:policy:path", v->p->path);
	prop(mprops, "mlattest:verdict", result ? result : "undecided");
	prop(mprops, "mlattest:evidence",
	     "only attestations verified under the policy's keys and counted "
	     "by its rules");
	meta = json_pack("{s:s, s:{s:[{s:s, s:s, s:s}]}, s:o}", "timestamp",
			 now, "tools", "components", "type", "application",
			 "name", "mlattest verify", "version", MLATTEST_VERSION,
			 "properties", mprops);
	bom = json_pack("{s:s, s:s, s:i, s:o, s:o, s:o}", "bomFormat",
			"CycloneDX", "specVersion", spec, "version", 1,
			"metadata", meta, "components", b.components,
			"dependencies", b.deps);
	if (json_array_size(b.services) > 0)
		set(bom, "services", b.services);
	else
		json_decref(b.services);
	if (build_failed) {
		json_decref(bom);
		return NULL;
	}
	return bom;
}

static int
emit(const struct bom_opts *o, const char *buf, size_t len, struct err *e)
{
	if (o->out == NULL || strcmp(o->out, "-") == 0) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
			return err_set(e, EXIT_UNDECIDED,
				       "cannot write to stdout");
		return 0;
	}
	return file_write_atomic(o->out, buf, len, 0644, 0, e);
}

static int
sink(const struct policy_view *v, void *arg, struct err *e)
{
	const struct bom_opts *o = arg;
	json_t *bom = bom_build(v, o->spec), *st = NULL, *att = NULL;
	struct dsse_envelope *env = NULL;
	struct key *k = NULL;
	char *body = NULL, *line = NULL;
	size_t len = 0;
	int rc = bom != NULL
		     ? 0
		     : err_set(e, EXIT_UNDECIDED, "cannot build the BOM");

	if (rc == 0 && strcmp(o->format, "cyclonedx") != 0) {
		body = html_page(v, bom, strcmp(o->format, "markdown") == 0);
		len = body != NULL ? strlen(body) : 0;
		if (body == NULL)
			rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		else if (len > 0 && body[len - 1] == '\n')
			len--;
	} else if (rc == 0 && o->sign == NULL) {
		rc = jsonio_dump(&body, &len, bom,
				 JSON_INDENT(2) | JSON_SORT_KEYS |
				     JSON_REAL_PRECISION(15),
				 e);
	} else if (rc == 0) {
		rc = key_load_private_opts(&k, o->sign, v->ko, e);
		if (rc == 0) {
			st = json_pack("{s:s, s:[{s:s, s:O}], s:s, s:O}",
				       "_type", STATEMENT_V1, "subject", "name",
				       v->artifact_name, "digest", v->artifact,
				       "predicateType", BOM_PREDICATE,
				       "predicate", bom);
			rc = st != NULL
				 ? jsonio_dump(&line, &len, st, JSONIO_FLAGS, e)
				 : err_set(e, EXIT_UNDECIDED, "out of memory");
		}
		if (rc == 0)
			rc = envelope_sign(&env, DSSE_INTOTO_TYPE,
					   (const unsigned char *)line, len, k,
					   e);
		if (rc == 0) {
			att = dsse_to_json(env);
			rc = jsonio_dump(&body, &len, att, JSONIO_FLAGS, e);
		}
	}
	if (rc == 0) {
		struct dynbuf d;
		dynbuf_init(&d, len + 2);
		if (dynbuf_add(&d, body, len) != 0 ||
		    dynbuf_add(&d, "\n", 1) != 0)
			rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		else
			rc = emit(o, d.p, d.len, e);
		dynbuf_clear(&d);
	}
	if (rc == 0)
		verify_print(
		    stderr, "verify: %s of %s (%s under %s)%s%s\n",
		    strcmp(o->format, "cyclonedx") == 0 ? "BOM" : "report",
		    v->artifact_name,
		    jsonio_str_or(v->report, "result", "undecided"), v->p->path,
		    o->out ? " written to " : "", o->out ? o->out : "");
	json_decref(bom);
	json_decref(st);
	json_decref(att);
	dsse_free(env);
	key_free(k);
	free(body);
	free(line);
	return rc;
}

int
cmd_bom(int argc, char **argv)
{
	struct bom_opts o;
	struct err e = ERR_INIT;
	char **args = NULL;
	size_t i;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = split(&o, argc, argv, &e);
	if (rc == 0) {
		args = calloc(o.npass + 2, sizeof(char *));
		if (args == NULL)
			rc = err_set(&e, EXIT_UNDECIDED, "out of memory");
	}
	if (rc == 0) {
		args[0] = argv[0];
		for (i = 0; i < o.npass; i++)
			args[i + 1] = (char *)o.pass[i];
		rc = policy_run((int)o.npass + 1, args, sink, &o);
	} else {
		rc = rc == 1 ? EXIT_PASS : verify_fail(&e);
	}
	free(args);
	free(o.pass);
	return rc;
}
