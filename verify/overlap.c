/* Held-out overlap between evaluation and training data (see overlap.h). */
#include "verify/overlap.h"

#include <string.h>
#include <strings.h>

#include "lib/digestset.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "lib/text.h"
#include "predicates/tree.h"

enum inside { INSIDE_NO, INSIDE_FILE, INSIDE_TREE, INSIDE_ERROR };

/* Is the data named by digest a file of m, or a subtree? *at: where. */
static enum inside
inside(char *at, size_t cap, const struct digest_manifest *m,
       const json_t *digest)
{
	const char *want = jsonio_str(digest, "sha256");
	char hex[65];
	size_t i, k;

	for (i = 0; i < digest_manifest_count(m); i++) {
		const char *p = digest_manifest_path(m, i);
		const char *prev = i ? digest_manifest_path(m, i - 1) : "";
		if (want != NULL && digest_manifest_sha256(m, i) != NULL) {
			hex_encode(hex, digest_manifest_sha256(m, i), 32);
			if (strcasecmp(hex, want) == 0) {
				text_escape(at, cap, p);
				return INSIDE_FILE;
			}
		}
		/* Each directory once: paths below it are contiguous. */
		for (k = 0; p[k] != '\0'; k++) {
			struct tree t;
			json_t *set;
			int hit;
			if (p[k] != '/' || strncmp(prev, p, k + 1) == 0)
				continue;
			if (tree_sub(&t, m, p, k + 1, NULL) != 0) {
				tree_clear(&t);
				return INSIDE_ERROR;
			}
			set = tree_digestset(&t);
			hit = digestset_shared(digest, set) != NULL;
			json_decref(set);
			tree_clear(&t);
			if (set == NULL)
				return INSIDE_ERROR;
			if (hit) {
				char dir[4096];
				snprintf(dir, sizeof(dir), "%.*s", (int)k + 1,
					 p);
				text_escape(at, cap, dir);
				return INSIDE_TREE;
			}
		}
	}
	return INSIDE_NO;
}

int
overlap_test(char *why, size_t cap, const json_t *ev,
	     const struct digest_manifest *ev_m, const json_t *tr,
	     const struct digest_manifest *tr_m)
{
	const json_t *ed = json_object_get(ev, "digest");
	const json_t *td = json_object_get(tr, "digest");
	char en[200], tn[200], at[300];
	const char *alg = digestset_shared(ed, td);
	enum inside in = INSIDE_NO;

	text_escape(en, sizeof(en), jsonio_str_or(ev, "name", "(unnamed)"));
	text_escape(tn, sizeof(tn), jsonio_str_or(tr, "name", "(unnamed)"));
	if (alg != NULL) {
		snprintf(why, cap,
			 "eval dataset %s is a training input: it shares its "
			 "%s digest with %s",
			 en, alg, tn);
		return 1;
	}
	if (tr_m != NULL)
		in = inside(at, sizeof(at), tr_m, ed);
	if (in == INSIDE_FILE || in == INSIDE_TREE) {
		snprintf(why, cap,
			 "eval dataset %s is %s %s of training "
			 "input %s",
			 en, in == INSIDE_FILE ? "the file" : "the subtree", at,
			 tn);
		return 1;
	}
	if (in == INSIDE_NO && ev_m != NULL)
		in = inside(at, sizeof(at), ev_m, td);
	if (in == INSIDE_FILE || in == INSIDE_TREE) {
		snprintf(why, cap,
			 "eval dataset %s holds training input %s (as %s)", en,
			 tn, at);
		return 1;
	}
	if (in == INSIDE_ERROR) {
		snprintf(why, cap,
			 "eval dataset %s: overlap with training input %s "
			 "could not be ruled out (out of memory)",
			 en, tn);
		return 1;
	}
	return 0;
}
