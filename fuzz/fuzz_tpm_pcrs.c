/*
 * PCR selections (tpmquote_pcrs_parse): an accepted selection prints in
 * canonical form, which parses to the same selection.
 */
#include "fuzz/fuzz.h"

#include "keys/tpmquote.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct tpmquote_pcrs s, again;
	char *text = fuzz_cstr(data, size), canon[TPMQUOTE_PCRS_TEXT_MAX];
	int rc;

	rc = tpmquote_pcrs_parse(&s, text, EXIT_USAGE, &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
	} else {
		fuzz_check(s.mask != 0 && s.mask < (1u << TPMQUOTE_PCR_COUNT),
			   "mask in range");
		tpmquote_pcrs_format(canon, &s);
		fuzz_check(tpmquote_pcrs_parse(&again, canon, EXIT_USAGE, &e) ==
			       0,
			   "canonical form parses");
		fuzz_check(again.mask == s.mask && again.alg == s.alg,
			   "canonical form is the same selection");
	}
	free(text);
	return 0;
}
