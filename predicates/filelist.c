/* File lists of trees, inline or beside the bundle (see filelist.h). */
#include "predicates/filelist.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/digestset.h"
#include "lib/fileio.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "predicates/tree.h"

/* Where a large manifest goes: beside the bundle, named by its digest so
 * two runs never overwrite each other's manifest. */
static void
manifest_path(char *out, size_t cap, const char *bundle, const char *stem,
	      size_t k, const unsigned char digest[SHA256_LEN])
{
	char safe[128], hex[SHA256_HEX_LEN + 1];
	const char *slash = bundle ? strrchr(bundle, '/') : NULL;
	size_t i;

	snprintf(safe, sizeof(safe), "%s", stem[0] ? stem : "_");
	for (i = 0; safe[i] != '\0'; i++)
		if (!((safe[i] >= 'a' && safe[i] <= 'z') ||
		      (safe[i] >= 'A' && safe[i] <= 'Z') ||
		      (safe[i] >= '0' && safe[i] <= '9') || safe[i] == '.' ||
		      safe[i] == '-'))
			safe[i] = '_';
	if (safe[0] == '.')
		safe[0] = '_';
	hex_encode(hex, digest, SHA256_LEN);
	if (slash != NULL)
		snprintf(out, cap, "%.*s/%s.%zu.%.12s.manifest.json",
			 (int)(slash - bundle), bundle, safe, k, hex);
	else
		snprintf(out, cap, "%s.%zu.%.12s.manifest.json", safe, k, hex);
}

int
filelist_attach(json_t *obj, const struct digest_manifest *m,
		const char *bundle, const char *stem, size_t k, char *written,
		size_t cap, struct err *e)
{
	size_t n = digest_manifest_count(m), len;
	unsigned char d[SHA256_LEN];
	char *text = NULL, path[FILELIST_PATH_MAX];
	json_t *inl = NULL;
	const char *base;
	int rc;

	written[0] = '\0';
	if (jsonio_set(obj, "files", json_integer((json_int_t)n), NULL) != 0 ||
	    jsonio_set(obj, "bytes",
		       json_integer((json_int_t)digest_manifest_total_bytes(m)),
		       NULL) != 0)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	rc = digest_manifest_to_json(&text, &len, m, e);
	if (rc != 0)
		goto out;
	if (n <= FILELIST_INLINE_MAX_FILES) {
		rc = jsonio_load_object(&inl, text, len, "manifest", e);
		if (rc == 0 && jsonio_set(obj, "manifest", inl, NULL) != 0)
			rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	rc = hash_sha256(d, text, len, e);
	if (rc != 0)
		goto out;
	manifest_path(path, sizeof(path), bundle, stem, k, d);
	rc = file_write_atomic(path, text, len, 0644, 0, e);
	if (rc != 0)
		goto out;
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (jsonio_set(obj, "manifestRef", tree_rd_sha256(base, d), NULL) != 0)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	else
		snprintf(written, cap, "%s", path);
out:
	free(text);
	return rc;
}

int
filelist_present(const json_t *obj)
{
	return json_is_object(json_object_get(obj, "manifest")) ||
	       json_is_object(json_object_get(obj, "manifestRef"));
}

static int
load_inline(struct digest_manifest **out, const json_t *inl, const char *src,
	    struct err *e)
{
	char *dump = NULL;
	size_t len;
	int rc = jsonio_dump(&dump, &len, inl, JSONIO_FLAGS, e);

	if (rc == 0)
		rc = digest_manifest_from_json(out, dump, len, src, e);
	free(dump);
	return rc;
}

int
filelist_load(struct digest_manifest **out, const json_t *obj,
	      const char *bundle, const char *src, struct err *e)
{
	const json_t *inl = json_object_get(obj, "manifest");
	const json_t *ref = json_object_get(obj, "manifestRef");
	const char *name = jsonio_str(ref, "name");
	const char *slash = bundle ? strrchr(bundle, '/') : NULL;
	unsigned char *text = NULL, d[SHA256_LEN];
	char path[FILELIST_PATH_MAX], hex[SHA256_HEX_LEN + 1];
	json_t *want;
	size_t len;
	int rc;

	*out = NULL;
	if (inl != NULL)
		return load_inline(out, inl, src, e);
	if (name == NULL || strchr(name, '/') != NULL || name[0] == '.')
		return err_set(e, EXIT_REJECTED, "%s: bad manifestRef name",
			       src);
	snprintf(path, sizeof(path), "%.*s%s%s",
		 slash ? (int)(slash - bundle) : 0, bundle ? bundle : "",
		 slash ? "/" : "", name);
	rc = file_read(&text, &len, path, DIGEST_MAX_MANIFEST_BYTES, e);
	if (rc == 0)
		rc = hash_sha256(d, text, len, e);
	if (rc == 0) {
		hex_encode(hex, d, SHA256_LEN);
		want = json_pack("{s:s}", "sha256", hex);
		if (want == NULL)
			rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		else if (!digestset_match(json_object_get(ref, "digest"), want))
			rc = err_set(e, EXIT_REJECTED,
				     "%s: does not match the digest the "
				     "attestation records",
				     path);
		json_decref(want);
	}
	if (rc == 0)
		rc = digest_manifest_from_json(out, (char *)text, len, path, e);
	free(text);
	return rc;
}
