/*
 * Signed-note checkpoints: checkpoint_parse never crashes or reads past
 * the input; an accepted note has an origin, at least one signature, and
 * a body that ends with the newline before the empty line.
 */
#include "fuzz/fuzz.h"

#include "lib/checkpoint.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct checkpoint *c = malloc(sizeof(*c));
	struct err e = ERR_INIT;
	size_t i;
	int rc;

	if (c == NULL)
		return 0;
	rc = checkpoint_parse(c, (const char *)data, size, &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
		fuzz_check(e.code == EXIT_REJECTED, "bad notes are rejected");
		free(c);
		return 0;
	}
	fuzz_check(c->origin[0] != '\0', "origin");
	fuzz_check(c->nsigs >= 1 && c->nsigs <= CHECKPOINT_MAX_SIGS, "sigs");
	fuzz_check(c->bodylen >= 1 && c->bodylen < size, "body inside");
	fuzz_check(c->body[c->bodylen - 1] == '\n' &&
		       c->body[c->bodylen] == '\n',
		   "body ends before the empty line");
	for (i = 0; i < c->nsigs; i++)
		fuzz_check(c->sigs[i].siglen > 0 &&
			       c->sigs[i].siglen <= CHECKPOINT_MAX_SIG,
			   "signature length");
	free(c);
	return 0;
}
