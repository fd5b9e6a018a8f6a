/* The subject of approve and intake: a path, or a digest given as text. */
#include <string.h>

#include "attest/attest.h"
#include "lib/digest.h"
#include "lib/hex.h"
#include "predicates/tree.h"

int
attest_subject(json_t **out, const char *artifact, const char *links_within,
	       struct err *e)
{
	struct digest_opts d = DIGEST_OPTS_INIT;
	struct tree t;
	int rc;

	*out = NULL;
	/* SPEC-APR-2: "sha256:HEX" names a model without reading it. */
	if (strncmp(artifact, "sha256:", 7) == 0) {
		if (strlen(artifact + 7) != 64 ||
		    strspn(artifact + 7, "0123456789abcdef") != 64)
			return err_set(e, EXIT_USAGE,
				       "%s: expected sha256:<64 lowercase hex "
				       "digits>",
				       artifact);
		*out = json_pack("{s:s, s:{s:s}}", "name", "_", "digest",
				 "sha256", artifact + 7);
		return 0;
	}
	d.links_within = links_within;
	rc = tree_hash(&t, artifact, &d, e);
	if (rc == 0)
		*out = tree_descriptor(&t);
	tree_clear(&t);
	return rc;
}
