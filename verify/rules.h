/*
 * The admission rules of verify policy (spec/policy.md), apart from the
 * command's options and output. A rule reads the policy, the verified
 * evidence and the artifact's DigestSet from a struct rules_run and
 * leaves one or more verdicts: an id, an outcome, the first reason it did
 * not pass and the ATLAS technique it guards against, and the evidence
 * entries it counted.
 *
 * Adding a rule:
 *   1. Write  static void check_NAME(struct rules_run *run)  in rules.c.
 *      Open each verdict with verdict_new(run, "section.name", "AML.Tnnnn",
 *      "threat name"); it starts as RULE_PASS. Say why it fails with
 *      verdict_fail(v, fmt, ...) (the first reason is kept) or set
 *      v->outcome = RULE_UNDECIDED with a reason when it cannot be decided.
 *      Record every entry the verdict rests on with verdict_use(run, v,
 *      item, role), and the reason an entry was passed by with
 *      rules_pass_by(run, item, fmt, ...) (SPEC-POL-12).
 *   2. Add one row to rules_table in rules.c: its name, when it applies
 *      (a function of the policy) and check_NAME. Rows run in order;
 *      a later row may read what an earlier one left (training fills
 *      run->train_deps and run->nprov before datasets and base models).
 *   3. Give it a row and a tampered twin in tests/unit/test_rules.c, and
 *      its SPEC-POL id in spec/policy.md.
 * The verdict of the whole run is rules_verdict: any FAIL denies, any
 * UNDECIDED (or evidence that could not be recorded, or no rule at all)
 * leaves it undecided, else it admits (SPEC-POL-1).
 */
#ifndef MLATTEST_VERIFY_RULES_H
#define MLATTEST_VERIFY_RULES_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "lib/err.h"
#include "verify/chain.h"
#include "verify/evidence.h"
#include "verify/policy.h"

#define RULES_MAX_VERDICTS 64
#define RULES_WHY_MAX 200
#define RULES_REASON_MAX 600

enum rule_outcome { RULE_PASS, RULE_FAIL, RULE_UNDECIDED };

struct verdict {
	const char *id;	    /* "training.builder" */
	const char *atlas;  /* MITRE ATLAS technique, "AML.T0010" */
	const char *threat; /* its name */
	enum rule_outcome outcome;
	char reason[RULES_REASON_MAX]; /* the first reason, unless PASS */
	json_t *evidence; /* [{source, sha256, signers}] counted entries */
};

struct revocations;

/* One evaluation: the inputs (borrowed) and what the rules left. */
struct rules_run {
	const struct policy *p;
	const struct evidence *ev; /* verified under the policy's keys */
	const json_t *artifact;	   /* its DigestSet */
	const char *artifact_name; /* a path, or "sha256:HEX" */
	const char *links_within;  /* --follow-links-within DIR, or NULL */
	time_t now;

	struct verdict verdicts[RULES_MAX_VERDICTS];
	size_t nverdicts;
	json_t *train_deps;  /* RDs of every training dependency */
	json_t *undeclared;  /* [{source, path, sha256, how}] (§5.8) */
	size_t nprov;	     /* training provenances counted */
	unsigned char *used; /* per evidence item: counted by some rule */
	char (*why)[RULES_WHY_MAX]; /* per item: why a rule passed it by */
	int incomplete;	      /* evidence could not be recorded: undecided */
	struct verdict spare; /* past RULES_MAX_VERDICTS (then incomplete) */
	const struct revocations *rev; /* counted lists (verify/revocation.h) */
	struct chain chain; /* base models, with require-provenance */
	json_t *chain_deps; /* per chain model: its training deps */
};

typedef void (*rule_fn)(struct rules_run *run);

struct rule_def {
	const char *name;			/* "training", "approval" */
	int (*applies)(const struct policy *p); /* 0: skipped */
	rule_fn check;
};

/* Every rule, in the order they run. */
extern const struct rule_def rules_table[];
extern const size_t rules_count;

/*
 * Prepares run over the borrowed inputs (now: the time maxAge and expiry
 * are measured against; set run->links_within afterwards for an artifact
 * directory with symlinks). Fails only when memory runs out.
 */
int rules_init(struct rules_run *run, const struct policy *p,
	       const struct evidence *ev, const json_t *artifact,
	       const char *artifact_name, time_t now, struct err *e);

/* Runs every row of rules_table that applies. */
void rules_evaluate(struct rules_run *run);

/* The exit code of the verdicts (SPEC-POL-1). */
int rules_verdict(const struct rules_run *run);

/* Verified entries no rule counted, each with why (SPEC-POL-12):
 * [{source, sha256, reason}]; NULL when memory runs out. */
json_t *rules_uncounted(const struct rules_run *run);

void rules_clear(struct rules_run *run);

/* "PASS", "FAIL", "UNDECIDED". */
const char *rules_outcome_word(enum rule_outcome o);

/* For the rule functions (see "Adding a rule" above). */
struct verdict *verdict_new(struct rules_run *run, const char *id,
			    const char *atlas, const char *threat);
void verdict_fail(struct verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void verdict_use(struct rules_run *run, struct verdict *v,
		 const struct evidence_item *it, const struct signers *role);
void rules_pass_by(struct rules_run *run, const struct evidence_item *it,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
