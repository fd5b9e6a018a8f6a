/*
 * attest manifest --shard-of: which slice of the tree this machine hashes.
 * "auto" reads it from the scheduler's environment so one job script runs
 * unchanged on every task of an array (SPEC-SCALE-1, SPEC-SCALE-2).
 */
#include "attest/slice.h"

#include <string.h>

#include "lib/digest.h"
#include "lib/opt.h"

#define LOOKED_FOR                                                             \
	"SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_MIN and "                   \
	"SLURM_ARRAY_TASK_MAX or SLURM_ARRAY_TASK_COUNT (Slurm array job), "   \
	"or JOB_COMPLETION_INDEX with --shards N (Kubernetes Indexed Job)"

static int
env_long(long *out, slice_env_fn env, const char *name, long min, long max,
	 struct err *e)
{
	const char *v = env(name);

	if (v == NULL)
		return err_set(e, EXIT_USAGE, "--shard-of auto: %s is not set",
			       name);
	return opt_long(out, v, min, max, name, e);
}

static int
slice_hand(unsigned *index, unsigned *count, const char *s, struct err *e)
{
	const char *slash = strchr(s, '/');
	char head[32];
	long i, n;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(head))
		return err_set(e, EXIT_USAGE,
			       "--shard-of: expected I/N or auto");
	memcpy(head, s, (size_t)(slash - s));
	head[slash - s] = '\0';
	if (opt_long(&n, slash + 1, 1, DIGEST_MAX_SLICES, "--shard-of N", e) !=
		0 ||
	    opt_long(&i, head, 0, n - 1, "--shard-of I", e) != 0)
		return -EXIT_USAGE;
	*index = (unsigned)i;
	*count = (unsigned)n;
	return 0;
}

/* SPEC-SCALE-1: task IDs MIN, MIN+STEP, ..., MAX are slices 0..N-1. */
static int
slice_slurm(unsigned *index, unsigned *count, long shards, slice_env_fn env,
	    struct err *e)
{
	const long top = 4L * DIGEST_MAX_SLICES * DIGEST_MAX_SLICES;
	long id, min, max, step = 1, n;

	if (env_long(&id, env, "SLURM_ARRAY_TASK_ID", 0, top, e) != 0 ||
	    env_long(&min, env, "SLURM_ARRAY_TASK_MIN", 0, id, e) != 0)
		return -EXIT_USAGE;
	if (env("SLURM_ARRAY_TASK_STEP") != NULL &&
	    env_long(&step, env, "SLURM_ARRAY_TASK_STEP", 1, top, e) != 0)
		return -EXIT_USAGE;
	if (env("SLURM_ARRAY_TASK_MAX") != NULL) {
		if (env_long(&max, env, "SLURM_ARRAY_TASK_MAX", id, top, e) !=
		    0)
			return -EXIT_USAGE;
		n = (max - min) / step + 1;
	} else if (env_long(&n, env, "SLURM_ARRAY_TASK_COUNT", 1,
			    DIGEST_MAX_SLICES, e) != 0) {
		return -EXIT_USAGE;
	}
	if ((id - min) % step != 0 || (id - min) / step >= n)
		return err_set(e, EXIT_USAGE,
			       "--shard-of auto: task %ld is not in the array "
			       "%ld..%ld step %ld",
			       id, min, min + (n - 1) * step, step);
	if (env("SLURM_ARRAY_TASK_COUNT") != NULL &&
	    env_long(&max, env, "SLURM_ARRAY_TASK_COUNT", 1, top, e) == 0 &&
	    max != n)
		return err_set(e, EXIT_USAGE,
			       "--shard-of auto: the Slurm array is not one "
			       "range (SLURM_ARRAY_TASK_COUNT=%ld, range gives "
			       "%ld); submit it as --array=0-%ld",
			       max, n, max - 1);
	if (n > DIGEST_MAX_SLICES)
		return err_set(e, EXIT_USAGE,
			       "--shard-of auto: %ld slices, at most %d", n,
			       DIGEST_MAX_SLICES);
	if (shards != 0 && shards != n)
		return err_set(e, EXIT_USAGE,
			       "--shard-of auto: --shards %ld but the Slurm "
			       "array has %ld tasks",
			       shards, n);
	*index = (unsigned)((id - min) / step);
	*count = (unsigned)n;
	return 0;
}

/* SPEC-SCALE-2: Kubernetes gives the index only; the count is --shards. */
static int
slice_k8s(unsigned *index, unsigned *count, long shards, slice_env_fn env,
	  struct err *e)
{
	long i;

	if (shards == 0)
		return err_set(e, EXIT_USAGE,
			       "--shard-of auto: JOB_COMPLETION_INDEX needs "
			       "--shards N (the Job's completions)");
	if (env_long(&i, env, "JOB_COMPLETION_INDEX", 0, shards - 1, e) != 0)
		return -EXIT_USAGE;
	*index = (unsigned)i;
	*count = (unsigned)shards;
	return 0;
}

int
slice_parse(unsigned *index, unsigned *count, const char *spec, long shards,
	    slice_env_fn env, struct err *e)
{
	if (strcmp(spec, "auto") != 0) {
		if (shards != 0)
			return err_set(e, EXIT_USAGE,
				       "--shards goes with --shard-of auto");
		return slice_hand(index, count, spec, e);
	}
	if (env("SLURM_ARRAY_TASK_ID") != NULL)
		return slice_slurm(index, count, shards, env, e);
	if (env("JOB_COMPLETION_INDEX") != NULL)
		return slice_k8s(index, count, shards, env, e);
	return err_set(e, EXIT_USAGE,
		       "--shard-of auto: no scheduler slice found; looked for "
		       "%s",
		       LOOKED_FOR);
}
