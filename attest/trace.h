/*
 * attest run --trace: the command's whole process tree runs under ptrace
 * with a seccomp filter that stops it only at the system calls that open,
 * execute, rename or link files. What it read, ran and wrote is recorded,
 * grouped as declared, system or undeclared (spec/predicates/training.md
 * §3.3, SPEC-RUN-11).
 */
#ifndef MLATTEST_ATTEST_TRACE_H
#define MLATTEST_ATTEST_TRACE_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/proc.h"
#include "predicates/training.h"

/* Ceilings: distinct paths kept, undeclared files hashed and their bytes. */
#define TRACE_MAX_PATHS 1000000
#define TRACE_MAX_HASHED 1000
#define TRACE_MAX_HASH_BYTES ((unsigned long long)1 << 30)
#define TRACE_MAX_TASKS 65536
#define TRACE_MAX_PREFIXES 256

struct trace_opts {
	/* Declared: --input, --config, --base-model, the code directory and
	 * --follow-links-within (any may be NULL / 0). */
	const char *const *inputs;
	size_t ninputs;
	const char *const *configs;
	size_t nconfigs;
	const char *base_model, *code, *links_within;
	/* --output paths; they need not exist yet. */
	const char *const *outputs;
	size_t noutputs;
	/* --trace-system-prefix DIRs, added to the defaults. */
	const char *const *system;
	size_t nsystem;
	/* The command (argv[0] decides the Python installation) and its
	 * environment. */
	const char *program;
	char *const *envp;
};

struct trace;

/*
 * SPEC-RUN-12: checks that this process may trace a child through a
 * seccomp filter (a probe child is traced through one filtered call).
 * Fails, naming the reason, where ptrace or seccomp is not allowed
 * (kernel.yama.ptrace_scope, a seccomp profile, a container without
 * CAP_SYS_PTRACE) or the architecture is not supported: then the command
 * must not run. *out is the caller's, trace_free.
 */
int trace_new(struct trace **out, struct err *e);

/*
 * Resolves the declared paths, the outputs and the system prefixes
 * (defaults, o->system, the Python installation). Call before the
 * command starts; -EXIT_USAGE for a prefix that is not absolute.
 */
int trace_setup(struct trace *t, const struct trace_opts *o, struct err *e);

void trace_free(struct trace *t);

/* The launcher for proc_opts: proc_run then runs the command traced. */
const struct proc_launcher *trace_launcher(struct trace *t);

/*
 * What the run did, valid until trace_free, after proc_run returned. The
 * files are sorted by path.
 */
void trace_result(struct training_trace *out, struct trace *t);

#endif
