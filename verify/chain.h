/*
 * The chain of base models behind a model (spec/policy.md §5.3,
 * `training.baseModel: "require-provenance"`): each model's training
 * provenances by a training signer name the base model it was fine-tuned
 * from, whose own provenances name the next, and so on. Depth is bounded
 * and a cycle is refused, so a forged chain can neither loop nor run on.
 */
#ifndef MLATTEST_VERIFY_CHAIN_H
#define MLATTEST_VERIFY_CHAIN_H

#include <jansson.h>
#include <stddef.h>

#include "lib/err.h"
#include "verify/evidence.h"
#include "verify/policy.h"

#define CHAIN_MAX_DEPTH 16
#define CHAIN_MAX_MODELS 256

struct chain_model {
	const json_t *digest; /* DigestSet of the base model (borrowed) */
	const char *name;     /* its dependency name (borrowed, untrusted) */
	size_t depth;	      /* 1: the artifact's base model */
	size_t via;	      /* evidence item of the provenance naming it */
	size_t parent;	      /* index of the model it is the base of, or
				 CHAIN_ARTIFACT */
	size_t trained;	      /* first provenance about it by a training
				 signer, or CHAIN_NONE */
};

#define CHAIN_ARTIFACT ((size_t)-1)
#define CHAIN_NONE ((size_t)-1)

struct chain {
	struct chain_model models[CHAIN_MAX_MODELS];
	size_t n;
};

/*
 * SPEC-POL-17: every base model behind artifact, breadth first, each once:
 * through the training provenances about a model that verify under a
 * training signer, their dependencies with role base-model. Returns 0,
 * or -EXIT_REJECTED with e naming the problem when the chain is deeper
 * than CHAIN_MAX_DEPTH, holds more than CHAIN_MAX_MODELS models, or loops
 * (a model is its own base model, directly or not). The chain's borrowed
 * pointers live as long as ev.
 */
int chain_collect(struct chain *out, const struct policy *p,
		  const struct evidence *ev, const json_t *artifact,
		  struct err *e);

/* The role base-model dependencies of a provenance predicate. */
int chain_is_base_dep(const json_t *dep);

#endif
