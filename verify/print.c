/*
 * The one way verify prints a line (SPEC-VER-6), its failure message and
 * how exit codes combine; in verify_core so every unit links them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/text.h"
#include "verify/verify.h"

void
verify_print(FILE *f, const char *fmt, ...)
{
	va_list ap;
	char *safe = NULL;

	va_start(ap, fmt);
	if (text_vformat_line(&safe, fmt, ap) == 0)
		fputs(safe, f);
	else
		fputs("verify: out of memory\n", f);
	va_end(ap);
	free(safe);
}

int
verify_fail(const struct err *e)
{
	int code = e->code ? e->code : EXIT_UNDECIDED;

	verify_print(stderr, "verify: %s\n", e->msg[0] ? e->msg : "failed");
	return code;
}

int
verify_worst(int status, int code)
{
	if (status == EXIT_REJECTED || code == EXIT_REJECTED)
		return EXIT_REJECTED;
	if (status == EXIT_UNDECIDED || code == EXIT_UNDECIDED)
		return EXIT_UNDECIDED;
	return status != EXIT_PASS ? status : code;
}
