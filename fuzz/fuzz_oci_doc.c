/*
 * Registry manifests and indexes (oci_doc_parse). The first byte picks
 * the kind and the Content-Type given with it; the rest is the document.
 * Every accepted descriptor is well formed.
 */
#include "fuzz/fuzz.h"

#include "lib/oci.h"

static const char *const ctypes[] = {
    NULL,
    "",
    OCI_MANIFEST_MEDIA,
    OCI_INDEX_MEDIA,
    OCI_DOCKER_MANIFEST_MEDIA "; charset=utf-8",
};

static void
check_desc(const struct oci_desc *d)
{
	fuzz_check(strncmp(d->digest, "sha256:", 7) == 0 &&
		       strlen(d->digest) == 7 + SHA256_HEX_LEN,
		   "descriptor digest");
	fuzz_check(d->media_type[0] != '\0', "descriptor media type");
	fuzz_check(d->json != NULL, "descriptor json");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct oci_doc *d = NULL;
	enum oci_kind kind;
	const char *ctype;
	size_t i;
	int rc;

	if (size == 0)
		return 0;
	kind = (data[0] & 1) ? OCI_KIND_INDEX : OCI_KIND_MANIFEST;
	ctype = ctypes[(data[0] >> 1) % (sizeof(ctypes) / sizeof(ctypes[0]))];
	rc = oci_doc_parse(&d, kind, data + 1, size - 1, ctype, "fuzz", &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
		fuzz_check(d == NULL, "no document on failure");
		return 0;
	}
	fuzz_check(oci_doc_count(d) <= (kind == OCI_KIND_MANIFEST
					    ? OCI_MAX_LAYERS
					    : OCI_MAX_REFERRERS),
		   "item ceiling");
	for (i = 0; i < oci_doc_count(d); i++) {
		check_desc(oci_doc_get(d, i));
		(void)oci_blob_check(oci_doc_get(d, i), data, size, "blob", &e);
	}
	if (kind == OCI_KIND_MANIFEST) {
		fuzz_check(oci_doc_config(d) != NULL, "manifest has config");
		check_desc(oci_doc_config(d));
	}
	if (oci_doc_subject(d) != NULL)
		check_desc(oci_doc_subject(d));
	(void)oci_doc_artifact_type(d);
	oci_doc_free(d);
	return 0;
}
