/*
 * attest run: wrap a training command. Inputs are hashed before it starts
 * and outputs after it ends; the command runs with its stdio untouched and
 * signals forwarded; the result is signed SLSA Provenance v1 with our
 * buildType, and attest exits with the command's status.
 */
#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attest/attest.h"
#include "attest/dataset_link.h"
#include "keys/keyopt.h"
#include "keys/tpmquote.h"
#include "keys/tpm.h"
#include "lib/bundle.h"
#include "lib/digestset.h"
#include "lib/fileio.h"
#include "attest/gitinfo.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/hostinfo.h"
#include "lib/ids.h"
#include "lib/jsonio.h"
#include "lib/opt.h"
#include "lib/proc.h"
#include "lib/statement.h"
#include "lib/treestat.h"
#include "lib/tsa.h"
#include "attest/intoto_link.h"
#include "attest/trace.h"
#include "predicates/filelist.h"
#include "predicates/tree.h"
#include "predicates/training.h"
#include "predicates/types.h"

struct list {
	const char **v;
	size_t n;
};

struct run_opts {
	struct key_load_opts ko; /* KEYOPT_SPECS and the environment */
	const char *key, *base_model, *commitments, *seed, *builder, *image;
	const char *private_params;
	const char *code, *logs, *bundle, *tsa;
	const char *tpm_ak, *pcrs, *tcti;
	const char *link_dir, *step, *s3_endpoint;
	struct s3_config s3; /* for s3:// inputs */
	int tpm_quote, allow_unchanged, trace;
	enum emit_format format;
	struct list inputs, outputs, datasets, params, privates, configs, envs;
	struct list trace_prefixes;
	struct digest_opts dopts;
	char **cmd;
	int ncmd;
	int force; /* replace a --bundle that is not .jsonl */
};

static void
push(struct list *l, const char *v)
{
	l->v[l->n++] = v;
}

static int
check_kv(const char *v, const char *what, struct err *e)
{
	const char *eq = strchr(v, '=');

	if (eq == NULL || eq == v || eq - v > 128)
		return err_set(e, EXIT_USAGE,
			       "%s: expected K=V with K at most 128 bytes, got "
			       "\"%.200s\"",
			       what, v);
	return 0;
}

/* A key given twice would keep one value and drop the other silently. */
static int
check_unique(const struct run_opts *o, const char *v, const char *what,
	     struct err *e)
{
	const struct list *ls[] = {&o->params, &o->privates};
	size_t klen = (size_t)(strchr(v, '=') - v), i, j;

	for (i = 0; i < 2; i++)
		for (j = 0; j < ls[i]->n; j++)
			if (strncmp(ls[i]->v[j], v, klen + 1) == 0)
				return err_set(
				    e, EXIT_USAGE,
				    "%s: key %.*s given twice (%.200s, then "
				    "%.200s); give each key once",
				    what, (int)klen, v, ls[i]->v[j], v);
	return 0;
}

static int
param_opt(void *opts, const struct opt_spec *row, const char *val,
	  struct err *e)
{
	struct run_opts *o = opts;
	int rc = check_kv(val, "--param", e);

	(void)row;
	if (rc == 0)
		rc = check_unique(o, val, "--param", e);
	push(&o->params, val);
	return rc;
}

/* SPEC-OUT-3 */
static int
private_param_opt(void *opts, const struct opt_spec *row, const char *val,
		  struct err *e)
{
	(void)opts;
	(void)row;
	(void)val;
	return err_set(e, EXIT_USAGE,
		       "--private-param: values in argv are visible to every "
		       "user (/proc/PID/cmdline); put K=V lines in a 0600 "
		       "file and pass --private-params FILE");
}

static const struct opt_spec run_rows[] = {
    {.type = OPT_STRING,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct run_opts, key),
     .argname = "KEYREF",
     .help = "signing key: PEM file, pkcs11: URI or tpm:handle=|blob=|sealed=",
     .flags = OPT_REQUIRED},
    {.type = OPT_LIST,
     .name = "input",
     .shortname = 'i',
     .off = offsetof(struct run_opts, inputs.v),
     .noff = offsetof(struct run_opts, inputs.n),
     .argname = "PATH",
     .help = "file or directory read by the command; repeatable"},
    {.type = OPT_LIST,
     .name = "output",
     .shortname = 'o',
     .off = offsetof(struct run_opts, outputs.v),
     .noff = offsetof(struct run_opts, outputs.n),
     .argname = "PATH",
     .help = "file or directory the command writes (a subject); repeatable",
     .flags = OPT_REQUIRED},
    {.type = OPT_LIST,
     .name = "dataset",
     .shortname = 'd',
     .off = offsetof(struct run_opts, datasets.v),
     .noff = offsetof(struct run_opts, datasets.n),
     .argname = "BUNDLE",
     .help = "dataset attestation; its root must equal an --input; repeatable"},
    {.type = OPT_STRING,
     .name = "base-model",
     .off = offsetof(struct run_opts, base_model),
     .argname = "PATH",
     .help = "model fine-tuned from"},
    {.type = OPT_CALL,
     .name = "param",
     .shortname = 'p',
     .off = offsetof(struct run_opts, params),
     .argname = "K=V",
     .help = "hyperparameter to record; repeatable",
     .flags = OPT_MANY,
     .fn = param_opt},
    {.type = OPT_STRING,
     .name = "private-params",
     .off = offsetof(struct run_opts, private_params),
     .argname = "FILE",
     .help = "K=V lines (a 0600 file) recorded only as salted commitments"},
    {.type = OPT_CALL,
     .name = "private-param",
     .off = offsetof(struct run_opts, privates),
     .argname = "K=V",
     .help = "refused: argv is visible to others; use --private-params",
     .flags = OPT_HIDDEN,
     .fn = private_param_opt},
    {.type = OPT_STRING,
     .name = "commitments",
     .off = offsetof(struct run_opts, commitments),
     .argname = "FILE",
     .help = "where the salts of --private-params go (0600; keep it)"},
    {.type = OPT_LIST,
     .name = "config",
     .shortname = 'c',
     .off = offsetof(struct run_opts, configs.v),
     .noff = offsetof(struct run_opts, configs.n),
     .argname = "FILE",
     .help = "configuration file, recorded by digest; repeatable"},
    {.type = OPT_LIST,
     .name = "env",
     .shortname = 'e',
     .off = offsetof(struct run_opts, envs.v),
     .noff = offsetof(struct run_opts, envs.n),
     .argname = "NAME",
     .help = "also record this environment variable; repeatable"},
    {.type = OPT_STRING,
     .name = "seed",
     .off = offsetof(struct run_opts, seed),
     .argname = "SEED",
     .help = "random seed; recorded and exported to the command "
	     "as " TRAINING_SEED_ENV},
    {.type = OPT_STRING,
     .name = "builder-id",
     .off = offsetof(struct run_opts, builder),
     .argname = "URI",
     .help = "builder id (default " TRAINING_DEFAULT_BUILDER ")"},
    {.type = OPT_STRING,
     .name = "image",
     .off = offsetof(struct run_opts, image),
     .argname = "REF@sha256:HEX",
     .help = "container image it ran in"},
    {.type = OPT_STRING,
     .name = "code",
     .off = offsetof(struct run_opts, code),
     .argname = "DIR",
     .help = "git work tree of the training code (default: the current dir)"},
    {.type = OPT_STRING,
     .name = "capture-logs",
     .off = offsetof(struct run_opts, logs),
     .argname = "DIR",
     .help = "also write stdout/stderr to DIR/stdout.log, DIR/stderr.log"},
    EMIT_OPT_ROWS(struct run_opts),
    {.type = OPT_UINT,
     .name = "jobs",
     .shortname = 'j',
     .off = offsetof(struct run_opts, dopts.jobs),
     .argname = "N",
     .help = "hashing threads (default: all CPUs)",
     .min = 1,
     .max = DIGEST_MAX_JOBS},
    {.type = OPT_FLAG,
     .name = "allow-symlinks",
     .off = offsetof(struct run_opts, dopts.allow_symlinks),
     .help = "hash symlinks to files inside input/output trees"},
    {.type = OPT_STRING,
     .name = "follow-links-within",
     .off = offsetof(struct run_opts, dopts.links_within),
     .argname = "DIR",
     .help =
	 "in input/output trees, follow symlinks to files anywhere under DIR"},
    {.type = OPT_FLAG,
     .name = "tpm-quote",
     .off = offsetof(struct run_opts, tpm_quote),
     .help =
	 "record a TPM2_Quote bound to the subjects (needs --tpm-ak, --pcrs)"},
    {.type = OPT_STRING,
     .name = "tpm-ak",
     .off = offsetof(struct run_opts, tpm_ak),
     .argname = "KEYREF",
     .help = "TPM key that signs the quote"},
    {.type = OPT_STRING,
     .name = "pcrs",
     .off = offsetof(struct run_opts, pcrs),
     .argname = "SPEC",
     .help = "PCRs to quote, e.g. sha256:0,7,16"},
    {.type = OPT_STRING,
     .name = "tcti",
     .off = offsetof(struct run_opts, tcti),
     .argname = "STR",
     .help = "TPM for tpm: keys (default: $" TPM_TCTI_ENV ")"},
    {.type = OPT_STRING,
     .name = "in-toto-link",
     .off = offsetof(struct run_opts, link_dir),
     .argname = "DIR",
     .help = "also write a signed in-toto 0.9 link to DIR/STEP.KEYID8.link"},
    {.type = OPT_STRING,
     .name = "step",
     .off = offsetof(struct run_opts, step),
     .argname = "NAME",
     .help = "step name of the link (default " INTOTO_LINK_DEFAULT_STEP ")"},
    {.type = OPT_FLAG,
     .name = "allow-unchanged-output",
     .off = offsetof(struct run_opts, allow_unchanged),
     .help = "attest outputs the command left as they were (recorded)"},
    {.type = OPT_STRING,
     .name = "s3-endpoint",
     .off = offsetof(struct run_opts, s3_endpoint),
     .argname = "URL",
     .help =
	 "object store for s3:// inputs (default: AWS; http only to loopback)"},
    {.type = OPT_FLAG,
     .name = "trace",
     .off = offsetof(struct run_opts, trace),
     .help = "trace the command's processes; record what they read, ran, "
	     "wrote"},
    {.type = OPT_LIST,
     .name = "trace-system-prefix",
     .off = offsetof(struct run_opts, trace_prefixes.v),
     .noff = offsetof(struct run_opts, trace_prefixes.n),
     .argname = "DIR",
     .help = "with --trace, reads under DIR count as system; repeatable"},
    KEYOPT_SPECS(struct run_opts, ko),
    {.type = OPT_REST,
     .off = offsetof(struct run_opts, cmd),
     .noff = offsetof(struct run_opts, ncmd),
     .argname = "CMD [ARG]...",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_cmd run_cmd = {
    "attest run",
    "Run a training command and sign SLSA Provenance v1 about its "
    "outputs.\nExits with the command's status (128+N when killed by "
    "signal N, 127 when it\ncannot be started).",
    run_rows};

static int
parse(struct run_opts *o, int argc, char **argv, struct err *e)
{
	struct list *lists[] = {&o->inputs, &o->outputs,       &o->datasets,
				&o->params, &o->privates,      &o->configs,
				&o->envs,   &o->trace_prefixes};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if ((lists[i]->v = calloc((size_t)argc, sizeof(char *))) ==
		    NULL)
			return err_set(e, EXIT_UNDECIDED, "out of memory");
	rc = opt_parse(o, &run_cmd, argc, argv, e);
	if (rc == 1)
		opt_cmd_help(stdout, &run_cmd);
	if (rc != 0)
		return rc;
	if (o->tpm_quote != (o->tpm_ak != NULL) ||
	    o->tpm_quote != (o->pcrs != NULL))
		return err_set(e, EXIT_USAGE,
			       "--tpm-quote, --tpm-ak KEYREF and --pcrs SPEC "
			       "go together");
	/* Refuse before the command runs, never after the work is done. */
	if (o->tsa != NULL) {
		int plain = 0;
		if (o->format != EMIT_SIGSTORE)
			return err_set(e, EXIT_USAGE,
				       "--tsa needs --format sigstore");
		if (tsa_url_check(&plain, o->tsa, e) != 0)
			return -EXIT_USAGE;
	}
	if (o->tpm_quote) {
		struct tpmquote_pcrs sel;
		if (tpmquote_pcrs_parse(&sel, o->pcrs, EXIT_USAGE, e) != 0)
			return -EXIT_USAGE;
		if (strncmp(o->tpm_ak, "tpm:handle=", 11) != 0 &&
		    strncmp(o->tpm_ak, "tpm:blob=", 9) != 0)
			return err_set(e, EXIT_USAGE,
				       "--tpm-ak: not a TPM-resident key; the "
				       "attestation key must be tpm:handle= or "
				       "tpm:blob=");
	}
	if (o->trace_prefixes.n > 0 && !o->trace)
		return err_set(e, EXIT_USAGE,
			       "--trace-system-prefix needs --trace");
	if (o->private_params != NULL && o->commitments == NULL)
		return err_set(e, EXIT_USAGE,
			       "--private-params needs --commitments FILE for "
			       "the salts");
	if (o->image != NULL &&
	    (strstr(o->image, "@sha256:") == NULL ||
	     strspn(strstr(o->image, "@sha256:") + 8, "0123456789abcdef") !=
		 64 ||
	     strlen(strstr(o->image, "@sha256:") + 8) != 64))
		return err_set(e, EXIT_USAGE,
			       "--image: expected REF@sha256:<64 lowercase "
			       "hex>");
	/* Refuse before any work is done, not after. */
	if (o->logs != NULL &&
	    emit_parent_check("--capture-logs", o->logs, e) != 0)
		return -EXIT_USAGE;
	return emit_bundle_check(o->bundle, o->force, e);
}

/*
 * Hashes each path in l into RDs annotated with role; with materials, its
 * files go there too, for the in-toto link (hashed once for both).
 */
static int
hash_list(json_t *deps, const struct list *l, const char *role,
	  const struct digest_opts *d, json_t *trees, json_t *materials,
	  struct err *e)
{
	size_t i;
	int rc;

	for (i = 0; i < l->n; i++) {
		struct tree t;
		json_t *rd;
		rc = tree_hash(&t, l->v[i], d, e);
		if (rc == 0 && materials != NULL)
			rc = intoto_link_add_tree(materials, &t, e);
		if (rc != 0) {
			tree_clear(&t);
			return rc;
		}
		rd = tree_descriptor(&t);
		tree_clear(&t);
		rc = jsonio_set(rd, "annotations",
				json_pack("{s:s}", "role", role), e);
		if (rc == 0 && trees != NULL)
			rc = jsonio_append(trees, json_deep_copy(rd), e);
		if (rc == 0)
			rc = jsonio_append(deps, rd, e);
		else
			json_decref(rd);
		if (rc != 0)
			return err_prefix(e, "%s", l->v[i]);
	}
	return 0;
}

/*
 * The code dependency. A --code given (explicit) that cannot be read is an
 * error naming it; the default "." outside a repository records none.
 */
static int
add_code(json_t *deps, struct gitinfo_job *job, const char *dir, int explicit,
	 struct err *e)
{
	struct gitinfo *g = NULL;
	const char *url, *branch;
	char uri[PATH_MAX + 64];
	int dirty, rc;

	rc = gitinfo_wait(job, &g, e);
	if (rc != 0 && !explicit) {
		err_clear(e);
		return 0;
	}
	if (rc != 0)
		return err_prefix(e, "--code");
	url = gitinfo_remote_url(g);
	branch = gitinfo_branch(g);
	dirty = gitinfo_dirty(g);
	snprintf(uri, sizeof(uri), "git+%s%s%s", url ? url : "file:unknown",
		 branch ? "@refs/heads/" : "", branch ? branch : "");
	/* SPEC-STM-6: a URI that is not UTF-8 is recorded percent-encoded. */
	rc = jsonio_append(
	    deps,
	    json_pack("{s:o, s:{s:s}, s:{s:s, s:o}}", "uri", jsonio_uri(uri),
		      "digest", "gitCommit", gitinfo_commit(g), "annotations",
		      "role", "code", "dirty",
		      dirty < 0 ? json_null() : json_boolean(dirty)),
	    e);
	if (rc == 0 && dirty > 0)
		attest_print(stderr,
			     "attest: warning: %s has uncommitted changes; "
			     "provenance records dirty=true\n",
			     dir);
	gitinfo_free(g);
	if (rc != 0)
		return err_prefix(e, "--code %s", dir);
	return 0;
}

/*
 * SPEC-OUT-3: the --private-params file, owner-only, one K=V a line
 * (empty lines skipped); the pointers into *buf go to o->privates.
 */
static int
privates_load(struct run_opts *o, unsigned char **buf, size_t *len,
	      struct err *e)
{
	char *line, *end;
	size_t cap = 0;
	int rc;

	rc = secret_read(buf, len, o->private_params, MAX_PRIVATE_PARAMS_BYTES,
			 SECRET_OWNER_ONLY, e);
	if (rc != 0)
		return rc;
	for (line = (char *)*buf; *line != '\0'; line = end + 1) {
		cap++;
		end = strchr(line, '\n');
		if (end == NULL)
			break;
	}
	free(o->privates.v);
	o->privates.n = 0;
	o->privates.v = calloc(cap + 1, sizeof(char *));
	if (o->privates.v == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	if (memchr(*buf, '\0', *len) != NULL)
		return err_set(e, EXIT_USAGE, "%s: contains a NUL byte",
			       o->private_params);
	for (line = (char *)*buf; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		if (end != NULL)
			*end = '\0';
		if (*line != '\0') {
			/* The messages never quote a private value. */
			if (check_kv(line, "--private-params", e) != 0)
				return err_set(e, EXIT_USAGE,
					       "%s: line %zu: expected K=V "
					       "with K at most 128 bytes",
					       o->private_params,
					       o->privates.n + 1);
			if (check_unique(o, line, "--private-params", e) != 0)
				return err_set(
				    e, EXIT_USAGE,
				    "%s: line %zu: key %.*s given "
				    "twice; give each key once",
				    o->private_params, o->privates.n + 1,
				    (int)(strchr(line, '=') - line), line);
			push(&o->privates, line);
		}
		if (end == NULL)
			break;
	}
	return 0;
}

static int
write_commitments(const char *path, json_t *salts, const char *invocation,
		  struct err *e)
{
	json_t *doc = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc = training_commitments_doc(&doc, salts, invocation, e);

	if (rc == 0)
		rc = jsonio_dump(&text, &len, doc, JSONIO_PRETTY_FLAGS, e);
	if (rc == 0) {
		text[len] = '\n';
		rc = file_write_atomic(path, text, len + 1, 0600, 0, e);
	}
	if (text != NULL)
		OPENSSL_cleanse(text, len);
	free(text);
	json_decref(doc);
	return rc;
}

/* Stat snapshots of the outputs, taken before and after the command. */
struct snapshots {
	unsigned char (*d)[TREESTAT_LEN];
	int *existed;
	unsigned char *unchanged;
	size_t n, nunchanged;
};

static int
snapshot_before(struct snapshots *s, const struct list *outputs, struct err *e)
{
	size_t i;
	int rc = 0;

	s->n = outputs->n;
	s->d = calloc(s->n, sizeof(*s->d));
	s->existed = calloc(s->n, sizeof(*s->existed));
	s->unchanged = calloc(s->n, 1);
	if (s->d == NULL || s->existed == NULL || s->unchanged == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; rc == 0 && i < s->n; i++)
		rc = treestat_take(s->d[i], &s->existed[i], outputs->v[i], e);
	return rc;
}

/*
 * SPEC-RUN-9: an output the command neither created nor modified is
 * refused, naming it, unless --allow-unchanged-output; then it is marked.
 */
static int
snapshot_after(struct snapshots *s, const struct run_opts *o, struct err *e)
{
	unsigned char d[TREESTAT_LEN];
	char names[512] = "";
	size_t i, used = 0;
	int exists, rc;

	for (i = 0; i < s->n; i++) {
		if (!s->existed[i])
			continue;
		rc = treestat_take(d, &exists, o->outputs.v[i], e);
		if (rc != 0)
			return rc;
		if (!exists || memcmp(d, s->d[i], TREESTAT_LEN) != 0)
			continue;
		s->unchanged[i] = 1;
		s->nunchanged++;
		if (used < sizeof(names))
			used += (size_t)snprintf(
			    names + used, sizeof(names) - used, "%s%s",
			    used ? ", " : "", o->outputs.v[i]);
	}
	if (s->nunchanged == 0 || o->allow_unchanged)
		return 0;
	return err_set(e, EXIT_REJECTED,
		       "the command did not create or modify %s %.400s; "
		       "nothing signed (--allow-unchanged-output attests "
		       "%s anyway and records %s as unchanged)",
		       s->nunchanged > 1 ? "these outputs:" : "the output",
		       names, s->nunchanged > 1 ? "them" : "it",
		       s->nunchanged > 1 ? "them" : "it");
}

static void
snapshots_clear(struct snapshots *s)
{
	free(s->d);
	free(s->existed);
	free(s->unchanged);
	memset(s, 0, sizeof(*s));
}

static const char *
base_name(const char *path, char *buf, size_t cap)
{
	size_t len = strlen(path);
	const char *b;

	while (len > 1 && path[len - 1] == '/')
		len--;
	snprintf(buf, cap, "%.*s", (int)len, path);
	b = strrchr(buf, '/');
	return b != NULL && b[1] != '\0' ? b + 1 : buf;
}

/* SPEC-RUN-10: a directory output gets its file list beside its digest. */
static int
output_files(json_t *files, const struct tree *t, const struct run_opts *o,
	     size_t k, struct err *e)
{
	char written[FILELIST_PATH_MAX], buf[PATH_MAX];
	json_t *entry;
	int rc;

	if (!t->is_dir)
		return 0;
	entry = tree_descriptor(t);
	if (entry == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	rc = filelist_attach(entry, t->m, o->bundle,
			     base_name(t->path, buf, sizeof(buf)), k, written,
			     sizeof(written), e);
	if (rc == 0 && jsonio_append(files, entry, NULL) != 0)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	if (rc != 0) {
		json_decref(entry);
		return rc;
	}
	if (written[0] != '\0')
		attest_print(stderr,
			     "attest: %zu files: manifest written to %s\n",
			     digest_manifest_count(t->m), written);
	return 0;
}

/* Subjects: the outputs; missing ones are named. */
static int
hash_outputs(json_t *subjects, json_t *files, json_t *unchanged,
	     json_t *products, const struct run_opts *o,
	     const struct snapshots *snap, int succeeded, struct err *e)
{
	char missing[512] = "";
	size_t i, used = 0;

	for (i = 0; i < o->outputs.n; i++) {
		if (access(o->outputs.v[i], F_OK) != 0) {
			used += (size_t)snprintf(
			    missing + used,
			    used < sizeof(missing) ? sizeof(missing) - used : 0,
			    "%s%s", used ? ", " : "", o->outputs.v[i]);
			if (used >= sizeof(missing))
				used = sizeof(missing) - 1;
			continue;
		}
		struct tree t;
		json_t *rd;
		int rc = tree_hash(&t, o->outputs.v[i], &o->dopts, e);
		if (rc == 0)
			rc = output_files(files, &t, o, i, e);
		/* the link's products: the outputs as hashed here */
		if (rc == 0 && products != NULL)
			rc = intoto_link_add_tree(products, &t, e);
		rd = rc == 0 ? tree_descriptor(&t) : NULL;
		if (rc == 0 && snap->unchanged[i])
			rc = jsonio_append(
			    unchanged, json_copy(json_object_get(rd, "name")),
			    e);
		if (rc == 0)
			rc = jsonio_append(subjects, rd, e);
		else
			json_decref(rd);
		tree_clear(&t);
		if (rc != 0)
			return err_prefix(e, "%s", o->outputs.v[i]);
	}
	if (used > 0 && succeeded)
		return err_set(e, EXIT_UNDECIDED,
			       "the command succeeded but these outputs do not "
			       "exist: %s",
			       missing);
	if (used > 0)
		attest_print(stderr,
			     "attest: the command failed; missing outputs: "
			     "%s\n",
			     missing);
	return 0;
}

/*
 * SPEC-TPM-6, SPEC-TPM-15: the quote binds the whole statement st as it
 * will be signed (in is its internalParameters), the quote left out.
 */
static int
add_tpm_quote(json_t *in, const json_t *st, const struct run_opts *o,
	      const struct key *ak, struct err *e)
{
	json_t *q = NULL;
	int rc;

	if (!o->tpm_quote)
		return 0;
	rc = tpm_quote(&q, ak, o->pcrs, st, e);
	if (rc == 0)
		rc = jsonio_set(in, "tpmQuote", q, e);
	return rc;
}

static int
config_list(json_t *ext, json_t *deps, const struct run_opts *o, struct err *e)
{
	json_t *cfgs = json_array();
	size_t i;
	int rc =
	    hash_list(deps, &o->configs, "config", &o->dopts, cfgs, NULL, e);

	for (i = 0; i < json_array_size(cfgs); i++)
		json_object_del(json_array_get(cfgs, i), "annotations");
	if (rc == 0)
		return jsonio_set(ext, "configs", cfgs, e);
	json_decref(cfgs);
	return rc;
}

static int
byproducts(json_t *out, const struct run_opts *o, const struct proc_result *res,
	   struct err *e)
{
	char path[PATH_MAX];
	int rc;

	if (o->logs == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/stdout.log", o->logs);
	rc = jsonio_append(out, tree_rd_sha256(path, res->stdout_sha256), e);
	snprintf(path, sizeof(path), "%s/stderr.log", o->logs);
	if (rc == 0)
		rc = jsonio_append(out,
				   tree_rd_sha256(path, res->stderr_sha256), e);
	return rc;
}

/*
 * The child's environment: the caller's exactly, with MLATTEST_SEED set to
 * --seed when given. *out and *seedvar are the caller's to free.
 */
static int
child_env(char ***out, char **seedvar, const char *seed, struct err *e)
{
	char *const *env = attest_caller_env();
	size_t n = 0, i, j = 0, nlen = strlen(TRAINING_SEED_ENV);

	*out = NULL;
	*seedvar = NULL;
	while (env[n] != NULL)
		n++;
	if (seed != NULL) {
		*seedvar = malloc(nlen + 1 + strlen(seed) + 1);
		if (*seedvar == NULL)
			return err_set(e, EXIT_UNDECIDED, "out of memory");
		snprintf(*seedvar, nlen + 1 + strlen(seed) + 1, "%s=%s",
			 TRAINING_SEED_ENV, seed);
	}
	*out = calloc(n + 2, sizeof(**out));
	if (*out == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < n; i++)
		if (seed == NULL ||
		    strncmp(env[i], TRAINING_SEED_ENV, nlen) != 0 ||
		    env[i][nlen] != '=')
			(*out)[j++] = env[i];
	if (*seedvar != NULL)
		(*out)[j] = *seedvar;
	return 0;
}

static int
execute(struct proc_result *res, const struct run_opts *o, char *const *envp,
	struct trace *tr, char *started, char *finished, struct err *e)
{
	char out[PATH_MAX], errp[PATH_MAX];
	struct proc_opts po = {NULL, NULL, NULL, 0, NULL};
	struct sigaction old;
	int rc;

	/* A stdout reader that goes away must not kill us before the logs
	 * and the provenance are written; the child keeps SIGPIPE as the
	 * caller gave it. */
	if (sigaction(SIGPIPE, NULL, &old) != 0 ||
	    (old.sa_handler != SIG_IGN && signal(SIGPIPE, SIG_IGN) == SIG_ERR))
		return err_sys(e, EXIT_UNDECIDED, errno, "sigaction");
	po.reset_sigpipe = old.sa_handler != SIG_IGN;
	po.envp = envp;
	po.launcher = tr != NULL ? trace_launcher(tr) : NULL;

	if (o->logs != NULL) {
		snprintf(out, sizeof(out), "%s/stdout.log", o->logs);
		snprintf(errp, sizeof(errp), "%s/stderr.log", o->logs);
		po.stdout_log = out;
		po.stderr_log = errp;
	}
	ids_rfc3339(started, time(NULL));
	rc = proc_run(res, o->cmd, &po, e);
	ids_rfc3339(finished, time(NULL));
	return rc;
}

/* The default code directory is declared only when it was recorded. */
static int
run_trace_setup(struct trace *tr, const struct run_opts *o, const json_t *deps,
		char *const *envp, struct err *e)
{
	struct trace_opts to = {o->inputs.v,
				o->inputs.n,
				o->configs.v,
				o->configs.n,
				o->base_model,
				o->code,
				o->dopts.links_within,
				o->outputs.v,
				o->outputs.n,
				o->trace_prefixes.v,
				o->trace_prefixes.n,
				o->cmd[0],
				envp};
	size_t i;

	for (i = 0; to.code == NULL && i < json_array_size(deps); i++)
		if (jsonio_str(
			json_object_get(json_array_get(deps, i), "annotations"),
			"role") != NULL &&
		    strcmp(jsonio_str(json_object_get(json_array_get(deps, i),
						      "annotations"),
				      "role"),
			   "code") == 0)
			to.code = ".";
	return trace_setup(tr, &to, e);
}

static int
run_trace_record(json_t *in, struct trace *tr, struct err *e)
{
	struct training_trace tt;
	const char *first = NULL;
	size_t i, n = 0;

	trace_result(&tt, tr);
	for (i = 0; i < tt.nfiles; i++)
		if (tt.files[i].group == TRAINING_TRACE_UNDECLARED &&
		    (tt.files[i].flags &
		     (TRAINING_TRACE_READ | TRAINING_TRACE_EXEC)) &&
		    n++ == 0)
			first = tt.files[i].path;
	if (n > 0)
		attest_print(stderr,
			     "attest: --trace: the command read or ran %zu "
			     "undeclared file%s, first %s (recorded in "
			     "internalParameters.trace)\n",
			     n, n == 1 ? "" : "s", first);
	return training_trace_record(in, &tt, e);
}

int
cmd_run(int argc, char **argv)
{
	char started[RFC3339_LEN + 1], finished[RFC3339_LEN + 1];
	char invocation[UUID_STR_LEN + 1];
	struct proc_result res;
	struct run_opts o;
	struct err e = ERR_INIT;
	struct key *k = NULL, *ak = NULL;
	json_t *deps = json_array(), *inputs = json_array(), *in = NULL;
	json_t *ext = json_object(), *subjects = json_array();
	json_t *byp = json_array(), *env = NULL, *redacted = NULL;
	json_t *salts = NULL, *cmd = json_array(), *st = NULL;
	json_t *materials = NULL, *products = NULL, *files = json_array();
	json_t *unchanged = json_array();
	struct snapshots snap;
	struct gitinfo_job code;
	struct trace *tr = NULL;
	char **envp = NULL, *seedvar = NULL;
	unsigned char *pbuf = NULL;
	size_t i, plen = 0;
	int rc, status = EXIT_UNDECIDED;

	memset(&o, 0, sizeof(o));
	o.ko = *attest_key_env();
	memset(&res, 0, sizeof(res));
	memset(&snap, 0, sizeof(snap));
	memset(&code, 0, sizeof(code));
	rc = parse(&o, argc, argv, &e);
	if (rc == 0)
		rc = s3_attach(&o.dopts, &o.s3, attest_s3_env(), o.s3_endpoint,
			       o.inputs.v, o.inputs.n, &e);
	if (rc == 0 && o.private_params != NULL)
		rc = privates_load(&o, &pbuf, &plen, &e);
	/* SPEC-RUN-12: refused before any work when tracing cannot work. */
	if (rc == 0 && o.trace)
		rc = trace_new(&tr, &e);
	if (rc != 0)
		goto out;
	/* The code version is read (before the command runs, as always)
	 * while the key loads and the inputs hash. */
	gitinfo_start(&code, o.code ? o.code : ".");
	/* The child, and the recorded environment, see --seed. */
	rc = child_env(&envp, &seedvar, o.seed, &e);
	if (rc != 0)
		goto out;
	if (o.tcti == NULL)
		o.tcti = getenv(TPM_TCTI_ENV);
	o.ko.tcti = o.tcti;
	rc = key_load_private_opts(&k, o.key, &o.ko, &e);
	if (rc == 0 && !tpm_key_signs_statements(k))
		rc = err_set(&e, EXIT_USAGE,
			     "%s is a restricted TPM key (an attestation key): "
			     "it signs quotes only; use it with --tpm-ak",
			     o.key);
	if (rc == 0 && o.tpm_quote)
		rc = key_load_private_tcti(&ak, o.tpm_ak, o.tcti, &e);
	if (rc == 0)
		rc = ids_uuid(invocation, &e);
	/* The link's materials are the inputs, as hashed for the statement. */
	if (rc == 0 && o.link_dir != NULL &&
	    (materials = json_object()) == NULL)
		rc = err_set(&e, EXIT_UNDECIDED, "out of memory");
	if (rc == 0)
		rc = hash_list(inputs, &o.inputs, "input", &o.dopts, NULL,
			       materials, &e);
	if (rc == 0)
		rc = dataset_link_resources(inputs, o.datasets.v, o.datasets.n,
					    &o.dopts, &e);
	if (rc == 0 && o.base_model != NULL) {
		struct list bm = {&o.base_model, 1};
		rc = hash_list(deps, &bm, "base-model", &o.dopts, NULL, NULL,
			       &e);
	}
	if (rc == 0)
		rc = config_list(ext, deps, &o, &e);
	if (rc == 0)
		rc = training_params(ext, &salts, o.params.v, o.params.n,
				     o.privates.v, o.privates.n, &e);
	if (rc == 0)
		rc =
		    training_env(&env, &redacted, envp, o.envs.v, o.envs.n, &e);
	if (rc == 0 && o.link_dir != NULL)
		rc = intoto_link_check(
		    o.step ? o.step : INTOTO_LINK_DEFAULT_STEP, k, &e);
	if (rc == 0)
		rc = snapshot_before(&snap, &o.outputs, &e);
	if (rc != 0)
		goto out;
	if (json_array_extend(deps, inputs) != 0) {
		rc = err_set(&e, EXIT_UNDECIDED, "cannot record the inputs");
		goto out;
	}
	rc = add_code(deps, &code, o.code ? o.code : ".", o.code != NULL, &e);
	if (rc != 0)
		goto out;
	if (o.image != NULL)
		rc = jsonio_append(
		    deps,
		    json_pack("{s:o, s:{s:s}, s:{s:s}}", "uri",
			      jsonio_uri(o.image), "digest", "sha256",
			      strstr(o.image, "@sha256:") + 8, "annotations",
			      "role", "container-image"),
		    &e);
	for (i = 0; rc == 0 && i < (size_t)o.ncmd; i++)
		if ((rc = jsonio_append(cmd, json_string(o.cmd[i]), &e)) != 0)
			err_prefix(&e, "command argument %zu", i + 1);
	if (rc == 0)
		rc = jsonio_set(ext, "command", json_incref(cmd), &e);
	if (rc == 0)
		rc = jsonio_set(ext, "environment", env, &e);
	else
		json_decref(env);
	if (rc == 0)
		rc = jsonio_set(ext, "redactedEnvironment", redacted, &e);
	else
		json_decref(redacted);
	env = redacted = NULL;
	if (rc == 0 && tr != NULL)
		rc = run_trace_setup(tr, &o, deps, envp, &e);
	if (rc != 0)
		goto out;

	if (o.logs != NULL && mkdir(o.logs, 0755) != 0 && errno != EEXIST) {
		rc = err_sys(&e, EXIT_UNDECIDED, errno, "%s", o.logs);
		goto out;
	}
	rc = execute(&res, &o, envp, tr, started, finished, &e);
	if (!res.started) {
		attest_print(stderr, "attest: %s; no attestation written\n",
			     e.msg);
		status = 127;
		rc = 0;
		goto out;
	}
	status = proc_status(&res);
	if (rc == 0)
		rc = snapshot_after(&snap, &o, &e);
	if (rc == 0 && o.link_dir != NULL && (products = json_object()) == NULL)
		rc = err_set(&e, EXIT_UNDECIDED, "out of memory");
	if (rc == 0)
		rc = hash_outputs(subjects, files, unchanged, products, &o,
				  &snap, status == 0, &e);
	if (rc == 0 && json_array_size(subjects) == 0) {
		unsigned char d[SHA256_LEN];
		/* SPEC-RUN-6: a failed run without outputs names its
		 * invocation, so the failure is still on record. */
		hash_sha256(d, invocation, strlen(invocation), NULL);
		rc = jsonio_append(subjects, tree_rd_sha256("_failed-run", d),
				   &e);
	}
	if (rc == 0)
		rc = byproducts(byp, &o, &res, &e);
	if (rc == 0 && o.privates.n > 0)
		rc = write_commitments(o.commitments, salts, invocation, &e);
	if (rc == 0 && (in = training_internal_params(&res, o.seed, files,
						      unchanged)) == NULL)
		rc = err_set(&e, EXIT_UNDECIDED, "out of memory");
	if (rc == 0 && tr != NULL)
		rc = run_trace_record(in, tr, &e);
	if (rc != 0)
		goto out;
	st = json_pack(
	    "{s:s, s:O, s:s, s:{s:{s:s, s:O, s:O, s:O}, s:{s:{s:s, s:{s:s}}, "
	    "s:{s:s, s:s, s:s}, s:O}}}",
	    "_type", STATEMENT_V1, "subject", subjects, "predicateType",
	    PRED_SLSA_PROVENANCE, "predicate", "buildDefinition", "buildType",
	    TRAINING_BUILD_TYPE, "externalParameters", ext,
	    "internalParameters", in, "resolvedDependencies", deps,
	    "runDetails", "builder", "id",
	    o.builder ? o.builder : TRAINING_DEFAULT_BUILDER, "version",
	    "mlattest", MLATTEST_VERSION, "metadata", "invocationId",
	    invocation, "startedOn", started, "finishedOn", finished,
	    "byproducts", byp);
	if (st == NULL)
		rc = err_set(&e, EXIT_UNDECIDED, "cannot build the statement");
	/* in is shared with st (json_pack "O"): the quote lands in st. */
	if (rc == 0)
		rc = add_tpm_quote(in, st, &o, ak, &e);
	if (rc == 0)
		rc = emit_statement_tsa(st, "provenance", k, o.format, o.tsa,
					o.bundle, o.force, &e);
	if (rc == 0 && o.link_dir != NULL)
		rc = intoto_link_emit(
		    o.link_dir, o.step ? o.step : INTOTO_LINK_DEFAULT_STEP,
		    o.cmd, (size_t)o.ncmd, materials, products,
		    res.exited ? res.exit_code : -res.signal, k, &e);
out:
	gitinfo_wait(&code, NULL, NULL);
	snapshots_clear(&snap);
	json_decref(files);
	json_decref(unchanged);
	json_decref(materials);
	json_decref(products);
	json_decref(st);
	json_decref(deps);
	json_decref(inputs);
	json_decref(ext);
	json_decref(subjects);
	json_decref(byp);
	json_decref(env);
	json_decref(redacted);
	training_commitments_free(salts);
	secret_free(pbuf, plen);
	json_decref(cmd);
	json_decref(in);
	key_free(k);
	key_free(ak);
	s3_config_clear(&o.s3);
	free(o.inputs.v);
	free(o.outputs.v);
	free(o.datasets.v);
	free(o.params.v);
	free(o.privates.v);
	free(o.configs.v);
	free(o.envs.v);
	free(o.trace_prefixes.v);
	trace_free(tr);
	free(envp);
	free(seedvar);
	if (rc == 1)
		return EXIT_PASS;
	if (rc != 0) {
		attest_fail(&e);
		/* The command's own failure outranks ours; else could not
		 * complete. */
		return status != 0 && status != EXIT_UNDECIDED && res.started
			   ? status
			   : (e.code ? e.code : EXIT_UNDECIDED);
	}
	return status;
}
