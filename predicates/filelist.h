/*
 * File lists of trees in predicates: the manifest of a dataset's contents
 * entry (dataset.md §3) and of a training output (training.md §3.2),
 * inline when small, else written beside the bundle and bound by its
 * SHA-256 (manifestRef). One writer and one reader for both.
 */
#ifndef MLATTEST_PREDICATES_FILELIST_H
#define MLATTEST_PREDICATES_FILELIST_H

#include <jansson.h>
#include <stddef.h>

#include "lib/digest.h"
#include "lib/err.h"

/* Manifests with at most this many files go inline; larger ones are
 * written beside the bundle and bound by digest. */
#define FILELIST_INLINE_MAX_FILES 1000
#define FILELIST_PATH_MAX 4096

/*
 * Sets "files", "bytes" and either "manifest" (inline) or "manifestRef"
 * ({"name": file name, "digest": {"sha256": …}}) on obj. A large manifest
 * is written atomically beside bundle (NULL: the current directory) as
 * STEM.K.HEX12.manifest.json, stem made safe for a file name; its path
 * goes to written (cap bytes), else written is "". Failures leave obj
 * as it was only in part: the caller drops obj.
 */
int filelist_attach(json_t *obj, const struct digest_manifest *m,
		    const char *bundle, const char *stem, size_t k,
		    char *written, size_t cap, struct err *e);

/*
 * The manifest recorded in obj (a contents entry or an outputFiles
 * entry): inline, or the file beside bundle that manifestRef names, whose
 * sha256 must equal the recorded one (else EXIT_REJECTED). A missing
 * file is EXIT_UNDECIDED naming the path expected. src names obj.
 */
int filelist_load(struct digest_manifest **out, const json_t *obj,
		  const char *bundle, const char *src, struct err *e);

/* 1 when obj records a file list (manifest or manifestRef). */
int filelist_present(const json_t *obj);

#endif
