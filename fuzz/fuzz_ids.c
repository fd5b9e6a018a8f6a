/*
 * Times and durations from statements and policies: ids_parse_rfc3339 and
 * ids_parse_duration. Accepted durations are within (0, ten years]; an
 * accepted timestamp printed by ids_rfc3339 parses to the same time, and
 * a canonical one prints back unchanged (so 2024-02-31 is refused).
 */
#include "fuzz/fuzz.h"

#include "lib/ids.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), out[RFC3339_LEN + 1];
	long long secs = -1;
	time_t t, t2;

	if (ids_parse_duration(&secs, s) == 0)
		fuzz_check(secs > 0 && secs <= 10LL * 366 * 86400,
			   "duration in range");
	if (ids_parse_rfc3339(&t, s) == 0 && t >= 0 &&
	    t < 253402300800LL /* 10000-01-01 */) {
		ids_rfc3339(out, t);
		fuzz_check(ids_parse_rfc3339(&t2, out) == 0,
			   "printed time parses");
		fuzz_check(t == t2, "printed time is the same time");
		/* A canonical time (no offset, fraction or leap second) is
		 * printed back as it came: no day past the month's end. */
		if (size == RFC3339_LEN && s[10] == 'T' && s[19] == 'Z' &&
		    strcmp(s + 17, "60Z") != 0)
			fuzz_check(strcmp(out, s) == 0,
				   "canonical time prints back unchanged");
	}
	free(s);
	return 0;
}
