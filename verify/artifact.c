/* --artifact: hashing, matching and the nearest subject (artifact.h). */
#include "verify/artifact.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/digestset.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "lib/text.h"
#include "predicates/filelist.h"
#include "predicates/types.h"
#include "verify/verify.h"

static void
normalise(char *out, size_t cap, const char *in)
{
	size_t len;

	while (in[0] == '.' && in[1] == '/') {
		in += 2;
		while (in[0] == '/')
			in++;
	}
	snprintf(out, cap, "%s", in);
	len = strlen(out);
	while (len > 1 && out[len - 1] == '/')
		out[--len] = '\0';
}

/* "alg:value" of each digest, sha256 and dirHash first. */
static void
digest_text(char *buf, size_t cap, const json_t *set)
{
	static const char *const first[] = {"sha256", "dirHash", NULL};
	const char *alg;
	json_t *v;
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; first[i] != NULL && used < cap; i++)
		if (json_is_string(json_object_get(set, first[i])))
			used += (size_t)snprintf(
			    buf + used, cap - used, "%s%s:%s", used ? " " : "",
			    first[i],
			    json_string_value(json_object_get(set, first[i])));
	json_object_foreach((json_t *)set, alg, v)
	{
		if (used >= cap)
			break;
		if (strcmp(alg, "sha256") != 0 && strcmp(alg, "dirHash") != 0 &&
		    json_is_string(v))
			used += (size_t)snprintf(buf + used, cap - used,
						 "%s%s:%s", used ? " " : "",
						 alg, json_string_value(v));
	}
}

static int
open_digest(struct artifact *a, const char *arg, struct err *e)
{
	const char *hex = arg + 7;

	if (strlen(hex) != SHA256_HEX_LEN ||
	    strspn(hex, "0123456789abcdef") != SHA256_HEX_LEN)
		return err_set(e, EXIT_USAGE,
			       "--artifact %.80s: expected sha256:<64 "
			       "lowercase hex digits>",
			       arg);
	a->kind = ARTIFACT_DIGEST;
	a->set = json_pack("{s:s}", "sha256", hex);
	snprintf(a->shown, sizeof(a->shown), "sha256:%s", hex);
	return a->set != NULL ? 0 : err_set(e, EXIT_UNDECIDED, "out of memory");
}

int
artifact_open(struct artifact *a, const char *arg, unsigned jobs,
	      const char *links_within, struct err *e)
{
	struct digest_opts d = DIGEST_OPTS_INIT;
	unsigned char digest[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];
	struct stat st;
	int rc;

	memset(a, 0, sizeof(*a));
	a->arg = arg;
	a->links_within = links_within;
	if (strncmp(arg, "sha256:", 7) == 0)
		return open_digest(a, arg, e);
	normalise(a->name, sizeof(a->name), arg);
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
		/* SPEC-VER-7: hashed as attest run --output hashes it. */
		a->kind = ARTIFACT_TREE;
		d.jobs = jobs;
		d.links_within = links_within;
		rc = tree_hash(&a->t, arg, &d, e);
		if (rc != 0)
			return rc;
		a->set = tree_digestset(&a->t);
	} else {
		a->kind = ARTIFACT_FILE;
		rc = hash_file_sha256(digest, NULL, arg, e);
		if (rc != 0)
			return rc;
		hex_encode(hex, digest, SHA256_LEN);
		a->set = json_pack("{s:s}", "sha256", hex);
	}
	if (a->set == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	if (a->kind == ARTIFACT_TREE) {
		memcpy(a->shown, "tree ", 5);
		digest_text(a->shown + 5, sizeof(a->shown) - 5, a->set);
	} else {
		digest_text(a->shown, sizeof(a->shown), a->set);
	}
	return 0;
}

void
artifact_clear(struct artifact *a)
{
	if (a->kind == ARTIFACT_TREE)
		tree_clear(&a->t);
	json_decref(a->set);
	memset(a, 0, sizeof(*a));
}

static int
subject_is_tree(const json_t *subject)
{
	const char *name = jsonio_str(subject, "name");
	size_t len = name ? strlen(name) : 0;

	return digestset_binds_names(json_object_get(subject, "digest")) ||
	       (len > 0 && name[len - 1] == '/');
}

int
artifact_matches(const struct artifact *a, const json_t *subject)
{
	const json_t *d = json_object_get(subject, "digest");

	if (!json_is_object(d))
		return 0;
	switch (a->kind) {
	case ARTIFACT_FILE:
		return !subject_is_tree(subject) && digestset_match(d, a->set);
	case ARTIFACT_TREE:
		/* Only on a digest that binds the file names (SPEC-DIG-4). */
		return digestset_match_tree(d, a->set, 1);
	default:
		return digestset_match(d, a->set);
	}
}

int
artifact_in_statement(const struct artifact *a, const struct statement *st)
{
	const json_t *subs = statement_subjects(st);
	size_t i;

	for (i = 0; i < json_array_size(subs); i++)
		if (artifact_matches(a, json_array_get(subs, i)))
			return 1;
	return 0;
}

/* The file list recorded for subject in st, or NULL. */
static const json_t *
file_list_of(const struct statement *st, const json_t *subject)
{
	const char *type = statement_predicate_type(st);
	const json_t *pred = statement_predicate(st), *list = NULL, *it;
	const char *name = jsonio_str(subject, "name");
	size_t i;

	if (strcmp(type, PRED_DATASET) == 0)
		list = json_object_get(pred, "contents");
	else if (strcmp(type, PRED_SLSA_PROVENANCE) == 0)
		list = json_object_get(
		    json_object_get(json_object_get(pred, "buildDefinition"),
				    "internalParameters"),
		    "outputFiles");
	for (i = 0; name != NULL && i < json_array_size(list); i++) {
		it = json_array_get(list, i);
		if (jsonio_str(it, "name") != NULL &&
		    strcmp(jsonio_str(it, "name"), name) == 0 &&
		    digestset_match(json_object_get(it, "digest"),
				    json_object_get(subject, "digest")) &&
		    filelist_present(it))
			return it;
	}
	return NULL;
}

static int
add_paths(json_t *near, const struct digest_diff *d)
{
	static const char *const kinds[] = {"", "added", "removed", "changed"};
	enum digest_change kind;
	size_t i, more[4] = {0, 0, 0, 0};
	json_t *lists[4] = {NULL, json_array(), json_array(), json_array()};
	int rc = 0;

	for (i = 1; i < 4; i++)
		if (lists[i] == NULL ||
		    jsonio_set(near, kinds[i], lists[i], NULL) != 0)
			return -1;
	for (i = 0; rc == 0 && i < digest_diff_count(d); i++) {
		const char *p = digest_diff_path(d, i, &kind);
		if (json_array_size(lists[kind]) >= ARTIFACT_MAX_LISTED)
			more[kind]++;
		else
			rc = jsonio_append(lists[kind], json_string(p), NULL);
	}
	for (i = 1; rc == 0 && i < 4; i++)
		if (more[i] > 0) {
			char key[16];
			snprintf(key, sizeof(key), "%sMore", kinds[i]);
			rc = jsonio_set(
			    near, key, json_integer((json_int_t)more[i]), NULL);
		}
	return rc;
}

/* Adds the differences between the recorded file list and a's tree. */
static int
diff_files(json_t *near, const struct artifact *a, const json_t *list,
	   const struct artifact_source *s)
{
	struct digest_opts d = DIGEST_OPTS_INIT;
	struct digest_manifest *sm = NULL;
	struct digest_diff *diff = NULL;
	struct err e = ERR_INIT;
	struct tree again;
	const struct digest_manifest *fresh = a->t.m;
	int rc, rehashed = 0;

	rc = filelist_load(&sm, list, s->bundle, s->src, &e);
	if (rc == 0 && digest_manifest_shard_size(sm) !=
			   digest_manifest_shard_size(fresh)) {
		d.shard_size = digest_manifest_shard_size(sm);
		d.links_within = a->links_within;
		rc = tree_hash(&again, a->arg, &d, &e);
		rehashed = 1;
		fresh = again.m;
	}
	if (rc == 0)
		rc = digest_compare(&diff, sm, fresh, NULL, 0, &e);
	if (rc == 0)
		rc = add_paths(near, diff) == 0 ? 0 : -EXIT_UNDECIDED;
	else
		rc = jsonio_set(near, "fileListError", json_string(e.msg),
				NULL) == 0
			 ? 0
			 : -EXIT_UNDECIDED;
	if (rehashed)
		tree_clear(&again);
	digest_diff_free(diff);
	digest_manifest_free(sm);
	return rc;
}

/* The recorded sha256 of path in m, or NULL (absent, or shard mode). */
static const unsigned char *
recorded(const struct digest_manifest *m, const char *path)
{
	size_t lo = 0, hi = digest_manifest_count(m);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(digest_manifest_path(m, mid), path);
		if (c == 0)
			return digest_manifest_sha256(m, mid);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * A file that is no subject may be a file of an attested tree: the last
 * tree subject whose name is a prefix of a's and whose file list holds
 * it. Adds "file", "fileSha256" and "fileMatches".
 */
static int
in_tree(json_t **out, const struct artifact *a,
	const struct artifact_source *sources, size_t n, struct err *e)
{
	char name[sizeof(a->name)], hex[SHA256_HEX_LEN + 1];
	const unsigned char *d;
	size_t i, j, len;
	json_t *near;

	for (i = n; i-- > 0;) {
		const json_t *subs = statement_subjects(sources[i].st);
		for (j = json_array_size(subs); j-- > 0;) {
			const json_t *sub = json_array_get(subs, j), *list;
			struct digest_manifest *m = NULL;
			struct err ignored = ERR_INIT;
			if (jsonio_str(sub, "name") == NULL)
				continue;
			normalise(name, sizeof(name), jsonio_str(sub, "name"));
			len = strlen(name);
			if (len == 0 || strncmp(a->name, name, len) != 0 ||
			    a->name[len] != '/' ||
			    (list = file_list_of(sources[i].st, sub)) == NULL ||
			    filelist_load(&m, list, sources[i].bundle,
					  sources[i].src, &ignored) != 0 ||
			    (d = recorded(m, a->name + len + 1)) == NULL) {
				digest_manifest_free(m);
				continue;
			}
			hex_encode(hex, d, SHA256_LEN);
			digest_manifest_free(m);
			near = json_pack(
			    "{s:s, s:s, s:O, s:s, s:s, s:b}", "name",
			    jsonio_str(sub, "name"), "source", sources[i].src,
			    "digest", json_object_get(sub, "digest"), "file",
			    a->name + len + 1, "fileSha256", hex, "fileMatches",
			    strcmp(hex, jsonio_str(a->set, "sha256")) == 0);
			if (near == NULL)
				return err_set(e, EXIT_UNDECIDED,
					       "out of memory");
			*out = near;
			return 0;
		}
	}
	return 0;
}

int
artifact_nearest(json_t **out, const struct artifact *a,
		 const struct artifact_source *sources, size_t n, struct err *e)
{
	const json_t *best = NULL, *best_list = NULL, *sub, *list;
	const struct artifact_source *from = NULL;
	char name[sizeof(a->name)];
	size_t i, j;
	json_t *near;

	*out = NULL;
	for (i = 0; a->name[0] != '\0' && i < n; i++) {
		const json_t *subs = statement_subjects(sources[i].st);
		for (j = 0; j < json_array_size(subs); j++) {
			sub = json_array_get(subs, j);
			if (jsonio_str(sub, "name") == NULL)
				continue;
			normalise(name, sizeof(name), jsonio_str(sub, "name"));
			if (strcmp(name, a->name) != 0)
				continue;
			list = file_list_of(sources[i].st, sub);
			if (list == NULL && best_list != NULL)
				continue;
			best = sub;
			best_list = list;
			from = &sources[i];
		}
	}
	if (best == NULL)
		return a->kind == ARTIFACT_FILE ? in_tree(out, a, sources, n, e)
						: 0;
	near = json_pack("{s:s, s:s, s:O}", "name", jsonio_str(best, "name"),
			 "source", from->src, "digest",
			 json_object_get(best, "digest"));
	if (near == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	if (best_list != NULL && a->kind == ARTIFACT_TREE &&
	    diff_files(near, a, best_list, from) != 0) {
		json_decref(near);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	*out = near;
	return 0;
}

static void
print_kind(FILE *f, const json_t *near, const char *kind)
{
	char key[16], shown[512];
	const json_t *list = json_object_get(near, kind);
	size_t i, total;

	snprintf(key, sizeof(key), "%sMore", kind);
	total = json_array_size(list) +
		(size_t)json_integer_value(json_object_get(near, key));
	for (i = 0; i < json_array_size(list) && i < ARTIFACT_SHOWN; i++) {
		text_escape(shown, sizeof(shown),
			    json_string_value(json_array_get(list, i)));
		verify_print(f, "NEAR  %-8s %s\n", kind, shown);
	}
	if (total > i)
		verify_print(f, "NEAR  ... and %zu more %s\n", total - i, kind);
}

void
artifact_nearest_print(FILE *f, const struct artifact *a, const json_t *near)
{
	char name[512], src[300], dig[320], msg[600];

	if (near == NULL) {
		text_escape(name, sizeof(name), a->name);
		if (a->name[0] != '\0')
			verify_print(
			    f, "NEAR  no verified subject is named %s\n", name);
		return;
	}
	text_escape(name, sizeof(name), jsonio_str(near, "name"));
	text_escape(src, sizeof(src), jsonio_str(near, "source"));
	digest_text(msg, sizeof(msg), json_object_get(near, "digest"));
	text_escape(dig, sizeof(dig), msg);
	if (jsonio_str(near, "file") != NULL) {
		text_escape(msg, sizeof(msg), a->name);
		verify_print(
		    f,
		    "NEAR  %s is a file of the tree %s in %s (%s), recorded "
		    "as sha256:%s; %s\n",
		    msg, name, src, dig, jsonio_str(near, "fileSha256"),
		    json_is_true(json_object_get(near, "fileMatches"))
			? "this file matches it, but only the tree is a "
			  "subject: check the tree as --artifact"
			: "this file differs");
		return;
	}
	verify_print(f, "NEAR  %s in %s has %s\n", name, src, dig);
	if (jsonio_str(near, "fileListError") != NULL) {
		text_escape(msg, sizeof(msg),
			    jsonio_str(near, "fileListError"));
		verify_print(f, "NEAR  its file list cannot be read: %s\n",
			     msg);
	} else if (json_object_get(near, "changed") != NULL) {
		print_kind(f, near, "added");
		print_kind(f, near, "removed");
		print_kind(f, near, "changed");
	} else if (a->kind == ARTIFACT_TREE) {
		verify_print(f,
			     "NEAR  no file list is recorded for it, so which "
			     "files differ cannot be said\n");
	}
}

void
artifact_nearest_summary(char *buf, size_t cap, const struct artifact *a,
			 const json_t *near)
{
	static const char *const kinds[] = {"added", "removed", "changed"};
	char dig[320], key[16], name[300], sub[300], src[300], path[300];
	size_t used, i, j;

	text_escape(name, sizeof(name), a->name[0] ? a->name : a->shown);
	if (near == NULL) {
		snprintf(buf, cap, "no attested subject is named %s", name);
		return;
	}
	text_escape(sub, sizeof(sub), jsonio_str(near, "name"));
	text_escape(src, sizeof(src), jsonio_str(near, "source"));
	digest_text(path, sizeof(path), json_object_get(near, "digest"));
	text_escape(dig, sizeof(dig), path);
	if (jsonio_str(near, "file") != NULL) {
		snprintf(buf, cap,
			 "%s is a file of the tree %s in %s, recorded as "
			 "sha256:%s (%s)",
			 name, sub, src, jsonio_str(near, "fileSha256"),
			 json_is_true(json_object_get(near, "fileMatches"))
			     ? "this file matches it"
			     : "this file differs");
		return;
	}
	used = (size_t)snprintf(buf, cap, "nearest: %s in %s has %s", sub, src,
				dig);
	for (i = 0; i < 3 && used < cap; i++) {
		const json_t *list = json_object_get(near, kinds[i]);
		size_t total;
		snprintf(key, sizeof(key), "%sMore", kinds[i]);
		total = json_array_size(list) +
			(size_t)json_integer_value(json_object_get(near, key));
		if (total == 0)
			continue;
		used += (size_t)snprintf(buf + used, cap - used,
					 "; %zu %s:", total, kinds[i]);
		for (j = 0; j < json_array_size(list) && j < 5 && used < cap;
		     j++) {
			text_escape(path, sizeof(path),
				    json_string_value(json_array_get(list, j)));
			used += (size_t)snprintf(buf + used, cap - used,
						 "%s %s", j ? "," : "", path);
		}
		if (total > j && used < cap)
			used +=
			    (size_t)snprintf(buf + used, cap - used, ", ...");
	}
}
