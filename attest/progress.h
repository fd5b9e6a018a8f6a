/*
 * A progress bar on stderr for long hashing work: drawn only when stderr
 * is a terminal and the work has run for more than a second; quiet
 * otherwise.
 */
#ifndef MLATTEST_ATTEST_PROGRESS_H
#define MLATTEST_ATTEST_PROGRESS_H

#include "lib/digest.h"

struct progress {
	int tty;
	double start;
	double last;
	int drawn;
	const char *what;
};

/* Prepares p and points opts->progress at it. */
void progress_attach(struct progress *p, struct digest_opts *opts,
		     const char *what);

/* Clears the bar if one was drawn. */
void progress_done(struct progress *p);

#endif
