/* Resource descriptors for files and trees (see tree.h). */
#include "predicates/tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/hex.h"
#include "lib/jsonio.h"
#include "lib/s3.h"

int
tree_hash(struct tree *t, const char *path, const struct digest_opts *opts,
	  struct err *e)
{
	struct stat st;
	int rc;

	memset(t, 0, sizeof(*t));
	if (s3_is_url(path))
		st.st_mode = S_IFDIR; /* an object store prefix is a tree */
	else if (stat(path, &st) != 0)
		return err_sys(e, EXIT_UNDECIDED, errno, "%s", path);
	t->is_dir = S_ISDIR(st.st_mode);
	t->path = strdup(path);
	if (t->path == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	rc = digest_tree(&t->m, path, opts, e);
	if (rc != 0)
		return rc;
	/* SPEC-TREE-1: a file in shard mode is named by its OMS root. */
	if (!t->is_dir && digest_manifest_shard_size(t->m) == 0) {
		const unsigned char *d = digest_manifest_sha256(t->m, 0);
		if (d == NULL || digest_manifest_count(t->m) != 1)
			return err_set(e, EXIT_UNDECIDED,
				       "%s: no whole-file digest", path);
		memcpy(t->root, d, 32);
		return 0;
	}
	return tree_roots(t, e);
}

int
tree_roots(struct tree *t, struct err *e)
{
	int rc = digest_manifest_oms_root(t->root, t->m, DIGEST_ORDER_PATH, e);

	/* SPEC-TREE-2: every tree digest set binds names and sizes. */
	if (rc == 0 && digest_manifest_shard_size(t->m) == 0)
		rc = digest_manifest_dirhash(t->dirhash, t->m, e);
	else if (rc == 0)
		rc = digest_manifest_shard_dirhash(t->dirhash, t->m, e);
	return rc;
}

static json_t *
sub_entry(const struct digest_manifest *m, size_t i, size_t plen)
{
	char hex[65];
	json_t *f, *sh;
	size_t j;

	f = json_pack("{s:s, s:I}", "path", digest_manifest_path(m, i) + plen,
		      "size", (json_int_t)digest_manifest_size(m, i));
	if (f == NULL || digest_manifest_shard_size(m) == 0) {
		if (f != NULL) {
			hex_encode(hex, digest_manifest_sha256(m, i), 32);
			if (jsonio_set(f, "sha256", json_string(hex), NULL) !=
			    0) {
				json_decref(f);
				return NULL;
			}
		}
		return f;
	}
	sh = json_array();
	for (j = 0; sh != NULL && j < digest_manifest_shard_count(m, i); j++) {
		hex_encode(hex, digest_manifest_shard(m, i, j), 32);
		if (jsonio_append(sh, json_string(hex), NULL) != 0) {
			json_decref(sh);
			sh = NULL;
		}
	}
	if (sh == NULL || jsonio_set(f, "shards", sh, NULL) != 0) {
		json_decref(f);
		return NULL;
	}
	return f;
}

int
tree_sub(struct tree *t, const struct digest_manifest *m, const char *prefix,
	 size_t plen, struct err *e)
{
	unsigned long long shard = digest_manifest_shard_size(m);
	json_t *doc = NULL, *files = json_array();
	char *text = NULL;
	size_t i, len;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	t->is_dir = 1;
	for (i = 0; files != NULL && i < digest_manifest_count(m); i++) {
		const char *p = digest_manifest_path(m, i);
		if (strncmp(p, prefix, plen) == 0 && p[plen] != '\0' &&
		    jsonio_append(files, sub_entry(m, i, plen), NULL) != 0) {
			json_decref(files);
			files = NULL;
		}
	}
	if (files != NULL && json_array_size(files) == 0) {
		json_decref(files);
		return err_set(e, EXIT_USAGE, "no file below %.*s", (int)plen,
			       prefix);
	}
	doc = files == NULL ? NULL
	      : shard ? json_pack("{s:s, s:I, s:i, s:o}", "method", "shards",
				  "shard_size", (json_int_t)shard, "version", 1,
				  "files", files)
		      : json_pack("{s:s, s:i, s:o}", "method", "files",
				  "version", 1, "files", files);
	t->path = strndup(prefix, plen);
	if (doc == NULL || t->path == NULL)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	if (rc == 0)
		rc = jsonio_dump(&text, &len, doc, JSONIO_FLAGS, e);
	if (rc == 0)
		rc = digest_manifest_from_json(&t->m, text, len, prefix, e);
	if (rc == 0)
		rc = tree_roots(t, e);
	free(text);
	json_decref(doc);
	return rc;
}

void
tree_clear(struct tree *t)
{
	digest_manifest_free(t->m);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

json_t *
tree_digestset(const struct tree *t)
{
	char hex[65];
	json_t *set = json_object();

	hex_encode(hex, t->root, 32);
	if (jsonio_set(set, "sha256", json_string(hex), NULL) != 0) {
		json_decref(set);
		return NULL;
	}
	hex_encode(hex, t->dirhash, 32);
	if (digest_manifest_shard_size(t->m) != 0 &&
	    jsonio_set(set, "shardDirHash", json_string(hex), NULL) != 0) {
		json_decref(set);
		return NULL;
	}
	if (t->is_dir && digest_manifest_shard_size(t->m) == 0 &&
	    jsonio_set(set, "dirHash", json_string(hex), NULL) != 0) {
		json_decref(set);
		return NULL;
	}
	return set;
}

json_t *
tree_descriptor(const struct tree *t)
{
	size_t len = strlen(t->path);
	char *name = malloc(len + 2);
	json_t *rd;

	if (name == NULL)
		return NULL;
	memcpy(name, t->path, len + 1);
	while (t->is_dir && len > 1 && name[len - 1] == '/')
		name[--len] = '\0';
	if (t->is_dir && strcmp(name, "/") != 0)
		memcpy(name + len, "/", 2);
	rd = json_pack("{s:s, s:o}", "name", name, "digest", tree_digestset(t));
	free(name);
	return rd;
}

json_t *
tree_rd_sha256(const char *name, const unsigned char digest[32])
{
	char hex[65];

	hex_encode(hex, digest, 32);
	return json_pack("{s:s, s:{s:s}}", "name", name, "digest", "sha256",
			 hex);
}
