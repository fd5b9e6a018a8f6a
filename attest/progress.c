/* Progress bar for hashing (see progress.h). */
#include "attest/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "attest/attest.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
draw(void *arg, unsigned long long units, unsigned long long bytes,
     unsigned long long units_total, unsigned long long bytes_total)
{
	struct progress *p = arg;
	double t = now(), elapsed = t - p->start, rate, eta;

	if (!p->tty || elapsed < 1.0 || t - p->last < 0.1)
		return;
	p->last = t;
	rate = elapsed > 0 ? (double)bytes / elapsed : 0;
	eta = rate > 0 ? (double)(bytes_total - bytes) / rate : 0;
	/* The carriage return redraws the line; the rest is escaped. */
	(void)fputc('\r', stderr);
	attest_print(
	    stderr, "%s: %llu/%llu files, %.1f/%.1f GB, %.2f GB/s, ETA %.0fs  ",
	    p->what, units, units_total, (double)bytes / 1e9,
	    (double)bytes_total / 1e9, rate / 1e9, eta);
	p->drawn = 1;
}

void
progress_attach(struct progress *p, struct digest_opts *opts, const char *what)
{
	p->tty = isatty(STDERR_FILENO);
	p->start = now();
	p->last = 0;
	p->drawn = 0;
	p->what = what;
	opts->progress = draw;
	opts->progress_arg = p;
}

void
progress_done(struct progress *p)
{
	if (p->drawn)
		fprintf(stderr, "\r\033[K");
	p->drawn = 0;
}
