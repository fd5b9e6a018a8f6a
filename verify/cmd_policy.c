/*
 * verify policy: the admission check a deploy gate runs. Starting from the
 * artifact's digest it finds the training provenance, the datasets it used,
 * an evaluation and the approvals, each signed by a key of the role it is
 * used for, and evaluates every rule of the policy. Exit 0 only when every
 * rule was evaluated and held (SPEC-POL-1).
 */
#include <stdarg.h>
#include <stddef.h>
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
#include "lib/tsa.h"
#include "predicates/approval.h"
#include "predicates/intake.h"
#include "predicates/dataset.h"
#include "predicates/evaluation.h"
#include "predicates/tree.h"
#include "predicates/types.h"
#include "verify/artifact.h"
#include "verify/jsonout.h"
#include "verify/overlap.h"
#include "verify/policy.h"
#include "verify/policyrun.h"
#include "verify/revocation.h"
#include "verify/rules.h"
#include "verify/verify.h"
#include "verify/vsa.h"

struct policy_opts {
	struct key_load_opts ko; /* KEYOPT_SPECS and the environment */
	const char *policy, *json, *vsa_key, *vsa, *artifact, *links_within;
	const char *tsa_cert;
	const char **bundles, **froms, **revs;
	size_t nbundles, nfroms, nrevs;
	int quiet, insecure;
};

static const struct opt_spec policy_rows[] = {
    {.type = OPT_STRING,
     .name = "policy",
     .shortname = 'p',
     .off = offsetof(struct policy_opts, policy),
     .argname = "POLICY.json",
     .help = "the admission policy",
     .flags = OPT_REQUIRED},
    {.type = OPT_LIST,
     .name = "bundle",
     .shortname = 'b',
     .off = offsetof(struct policy_opts, bundles),
     .noff = offsetof(struct policy_opts, nbundles),
     .argname = "FILE",
     .help = "evidence bundle; repeatable"},
    {.type = OPT_LIST,
     .name = "revocations",
     .off = offsetof(struct policy_opts, revs),
     .noff = offsetof(struct policy_opts, nrevs),
     .argname = "FILE",
     .help = "a revocation list (attest revoke); repeatable"},
    {.type = OPT_STRING,
     .name = "tsa-cert",
     .off = offsetof(struct policy_opts, tsa_cert),
     .argname = "CHAIN.pem",
     .help = "trusted TSA certificates: a revoked key's signature "
	     "timestamped before its since counts"},
    {.type = OPT_LIST,
     .name = "from",
     .off = offsetof(struct policy_opts, froms),
     .noff = offsetof(struct policy_opts, nfroms),
     .argname = "REF",
     .help = "also fetch the attestations of REGISTRY/REPO@sha256:HEX; "
	     "repeatable"},
    {.type = OPT_FLAG,
     .name = "insecure",
     .off = offsetof(struct policy_opts, insecure),
     .help = "plain http for --from; only for loopback registries"},
    {.type = OPT_STRING,
     .name = "json",
     .off = offsetof(struct policy_opts, json),
     .argname = "FILE",
     .help = "also write the report as JSON; - for stdout (text then on "
	     "stderr)"},
    {.type = OPT_STRING,
     .name = "vsa-key",
     .off = offsetof(struct policy_opts, vsa_key),
     .argname = "KEYREF",
     .help = "sign a SLSA Verification Summary with this key"},
    {.type = OPT_STRING,
     .name = "vsa",
     .off = offsetof(struct policy_opts, vsa),
     .argname = "FILE",
     .help = "where the signed VSA goes"},
    {.type = OPT_FLAG,
     .name = "quiet",
     .shortname = 'q',
     .off = offsetof(struct policy_opts, quiet),
     .help = "print only the verdict"},
    {.type = OPT_STRING,
     .name = "follow-links-within",
     .off = offsetof(struct policy_opts, links_within),
     .argname = "DIR",
     .help = "follow symlinks to files anywhere under DIR (e.g. a HF cache)"},
    KEYOPT_SPECS(struct policy_opts, ko),
    {.type = OPT_OPERAND,
     .off = offsetof(struct policy_opts, artifact),
     .argname = "ARTIFACT|sha256:HEX",
     .help = "ARTIFACT",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_cmd policy_cmd = {
    "verify policy",
    "Admit (exit 0) or deny (exit 1) ARTIFACT under the policy; 3 when\n"
    "it cannot decide. Only attestations signed by the key of the role\n"
    "they are used for count. At least one --bundle or --from.",
    policy_rows};

/* What one run of the command holds; the rules hold the rest. */
struct pctx {
	const struct policy *p;
	struct evidence ev;
	json_t *artifact; /* DigestSet */
	char artifact_name[256];
	struct rules_run run;
	struct revocations *rev; /* counted lists; NULL: no section */
	json_t *uncounted;	 /* [{source, sha256, reason}] */
};

/* ---- driver and output ---- */

static int
parse(struct policy_opts *o, int argc, char **argv, struct err *e)
{
	int rc = opt_parse(o, &policy_cmd, argc, argv, e);

	if (rc == 1)
		opt_cmd_help(stdout, &policy_cmd);
	if (rc != 0)
		return rc;
	if (o->nbundles + o->nfroms == 0)
		return opt_usage_error(&policy_cmd, e);
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

static void
print_text(const struct pctx *c, int status, int quiet)
{
	size_t i, j, failed = 0;
	char junk[64] = "";

	for (i = 0; i < c->run.nverdicts; i++) {
		const struct verdict *r = &c->run.verdicts[i];
		failed += r->outcome == RULE_FAIL;
		if (quiet)
			continue;
		verify_print(stdout, "%-9s %-24s",
			     rules_outcome_word(r->outcome), r->id);
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
			verify_print(
			    stdout, "%s%s%s\n",
			    json_array_size(r->evidence) > 3 ? " ..." : "",
			    r->reason[0] ? "  reported: " : "", r->reason);
		}
	}
	/* SPEC-POL-17: the chain of base models behind the artifact. */
	for (i = 0; !quiet && i < c->run.chain.n; i++) {
		const struct chain_model *m = &c->run.chain.models[i];
		verify_print(
		    stdout,
		    "CHAIN     generation %zu base model %s sha256:%s "
		    "named by %s, trained by %s\n",
		    m->depth, m->name, jsonio_str_or(m->digest, "sha256", "?"),
		    c->ev.items[m->via].src,
		    m->trained == CHAIN_NONE ? "no attested run"
					     : c->ev.items[m->trained].src);
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
	    c->artifact_name, c->p->path, c->run.nverdicts, failed, c->ev.n,
	    c->ev.total, junk);
}

static json_t *
chain_json(const struct pctx *c)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; list != NULL && i < c->run.chain.n; i++) {
		const struct chain_model *m = &c->run.chain.models[i];
		if (jsonio_append(
			list,
			json_pack("{s:I, s:s, s:O, s:s, s:s?}", "generation",
				  (json_int_t)m->depth, "name",
				  jsonio_is_utf8(m->name) ? m->name : "_",
				  "digest", m->digest, "namedBy",
				  c->ev.items[m->via].src, "trainedBy",
				  m->trained == CHAIN_NONE
				      ? NULL
				      : c->ev.items[m->trained].src),
			NULL) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	return list;
}

static json_t *
report_json(const struct pctx *c, int status)
{
	json_t *rules = json_array(), *doc;
	size_t i;

	for (i = 0; i < c->run.nverdicts; i++) {
		const struct verdict *r = &c->run.verdicts[i];
		json_t *row = json_pack(
		    "{s:s, s:s, s:{s:s, s:s}, s:O}", "id", r->id, "outcome",
		    rules_outcome_word(r->outcome), "atlas", "id", r->atlas,
		    "name", r->threat, "evidence", r->evidence);
		if ((r->outcome != RULE_PASS || r->reason[0] != '\0') &&
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
	doc = json_pack("{s:s, s:i, s:{s:s, s:{s:s}}, s:{s:s, s:O}, s:o, "
			"s:{s:I, s:I, s:I}, s:O}",
			"result",
			status == EXIT_PASS	  ? "admit"
			: status == EXIT_REJECTED ? "deny"
						  : "undecided",
			"exitCode", status, "policy", "path", c->p->path,
			"digest", "sha256", c->p->sha256, "artifact", "name",
			c->artifact_name, "digest", c->artifact, "rules", rules,
			"attestations", "read", (json_int_t)c->ev.total,
			"verified", (json_int_t)c->ev.n, "unverified",
			(json_int_t)c->ev.unverified +
			    (json_int_t)c->ev.malformed,
			"uncounted", c->uncounted);
	if (doc != NULL && c->run.chain.n > 0 &&
	    jsonio_set(doc, "chain", chain_json(c), NULL) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	/* §5.8: the undeclared inputs, for the report and the BOM. */
	if (doc != NULL && c->p->undeclared != UNDECLARED_OFF &&
	    jsonio_set(doc, "undeclaredInputs", json_incref(c->run.undeclared),
		       NULL) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
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
	v.used = c->run.used;
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
			       c->artifact_name, &c->ev, c->run.used,
			       status == EXIT_PASS, e);
	return rc;
}

/* Bundle files, then registries (SPEC-VER-1 for every entry). */
struct stamping {
	const struct tsa_trust *tsa;
	json_t *stamps;
};

/* SPEC-POL-16: the trusted timestamps of each source's items. */
static int
stamp_source(void *arg, const struct bundle_entry *ent,
	     const struct evidence *ev, size_t item, struct err *e)
{
	const struct stamping *s = arg;

	return revocations_stamp(s->stamps, s->tsa, ent, &ev->items[item], e);
}

static int
load_evidence(struct evidence *ev, const struct policy_opts *o,
	      const struct policy *p, struct stamping *st, struct err *e)
{
	struct evidence_sources src;
	const char **files;
	size_t i;
	int rc;

	/* --revocations files are read as bundles, after the others. */
	files = calloc(o->nbundles + o->nrevs + 1, sizeof(*files));
	if (files == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < o->nbundles; i++)
		files[i] = o->bundles[i];
	for (i = 0; i < o->nrevs; i++)
		files[o->nbundles + i] = o->revs[i];
	memset(&src, 0, sizeof(src));
	src.ids = p->ids; /* SPEC-POL-18 */
	src.bundles = files;
	src.nbundles = o->nbundles + o->nrevs;
	src.froms = o->froms;
	src.nfroms = o->nfroms;
	src.insecure = o->insecure;
	src.auth = getenv(OCI_AUTH_ENV);
	if (st->tsa != NULL) {
		src.each = stamp_source;
		src.each_arg = st;
	}
	rc = evidence_load_sources(ev, &src, p->ks, e);
	free(files);
	return rc;
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
	struct tsa_trust *tsa = NULL;
	struct stamping st;
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
	st.tsa = NULL;
	st.stamps = json_object();
	if (rc == 0 && st.stamps == NULL)
		rc = err_set(&e, EXIT_UNDECIDED, "out of memory");
	if (rc == 0 && o.tsa_cert != NULL)
		rc = tsa_trust_load(&tsa, o.tsa_cert, &e);
	st.tsa = tsa;
	if (rc == 0 && o.vsa_key != NULL) {
		/* Fail before any verdict is printed, not after. */
		struct key *vk = NULL;
		rc = key_load_private_opts(&vk, o.vsa_key, &o.ko, &e);
		key_free(vk);
	}
	if (rc == 0) {
		c.p = p;
		rc = artifact_digest(&c, o.artifact, o.links_within, &e);
	}
	if (rc == 0)
		rc = load_evidence(&c.ev, &o, p, &st, &e);
	if (rc == 0)
		rc = rules_init(&c.run, p, &c.ev, c.artifact, c.artifact_name,
				time(NULL), &e);
	/* SPEC-POL-16: a revoked key's marks go before any rule reads them. */
	if (rc == 0 && p->has_revocation)
		rc = revocations_collect(&c.rev, p, &c.ev, &e);
	if (rc == 0 && c.rev != NULL)
		revocations_drop_keys(c.rev, p, &c.ev, st.stamps, c.run.why);
	if (rc == 0) {
		c.run.links_within = o.links_within;
		c.run.rev = c.rev;
		rules_evaluate(&c.run);
		status = rules_verdict(&c.run);
		if (c.run.incomplete && status != EXIT_REJECTED)
			verify_print(stderr,
				     "verify: policy: evidence could not be "
				     "recorded (out of memory)\n");
		c.uncounted = rules_uncounted(&c.run);
		rc = c.uncounted != NULL
			 ? outputs(&c, &o, &jo, status, &e)
			 : err_set(&e, EXIT_UNDECIDED, "out of memory");
	}
	rules_clear(&c.run);
	json_decref(c.artifact);
	json_decref(c.uncounted);
	jsonout_close(&jo);
	evidence_clear(&c.ev);
	policy_free(p);
	free(o.bundles);
	free(o.froms);
	free(o.revs);
	revocations_free(c.rev);
	tsa_trust_free(tsa);
	json_decref(st.stamps);
	if (rc == 1)
		return EXIT_PASS;
	if (rc != 0)
		return verify_fail(&e);
	return status;
}
