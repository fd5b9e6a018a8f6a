/*
 * The slice of a tree this machine hashes (attest manifest --shard-of):
 * "I/N" given by hand, or "auto", read from the scheduler that runs the
 * job (Slurm array jobs, Kubernetes Indexed Jobs). SPEC-SCALE-1, -2.
 */
#ifndef MLATTEST_ATTEST_SLICE_H
#define MLATTEST_ATTEST_SLICE_H

#include "lib/err.h"

/* Looks a variable up: getenv in the program, a table in tests. */
typedef const char *(*slice_env_fn)(const char *name);

/*
 * Sets *index and *count from spec ("I/N" or "auto"). shards is --shards N
 * (0 when not given): required with JOB_COMPLETION_INDEX, checked against
 * the array size with Slurm, refused with "I/N". -EXIT_USAGE naming the
 * variables looked for when "auto" finds no scheduler, and naming the
 * variable on a value out of range or a Slurm array that is not a range.
 */
int slice_parse(unsigned *index, unsigned *count, const char *spec, long shards,
		slice_env_fn env, struct err *e);

#endif
