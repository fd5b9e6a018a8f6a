/*
 * Predicate dataset/v1 (spec/predicates/dataset.md): what a data steward
 * signs when a dataset version is frozen.
 */
#ifndef MLATTEST_PREDICATES_DATASET_H
#define MLATTEST_PREDICATES_DATASET_H

#include <jansson.h>

#include "lib/digest.h"
#include "lib/err.h"
#include "predicates/filelist.h"

/* Manifests with at most this many files go inline in the predicate;
 * larger ones are written beside the bundle and bound by digest. */
#define DATASET_INLINE_MAX_FILES FILELIST_INLINE_MAX_FILES

extern const char *const dataset_classifications[];

struct dataset_info {
	const char *name;
	const char *version;	    /* NULL: unset */
	const char *license;	    /* SPDX id, NULL: unset */
	const char *classification; /* NULL: unset */
	int pii;
	const char *const *sources;
	size_t nsources;
	const char *transform; /* NULL: unset */
	json_t *parents;       /* array of RDs, borrowed, may be NULL */
	json_t *quality;       /* object, borrowed, may be NULL */
	json_t *quality_rd;    /* RD of the quality file, may be NULL */
	unsigned long long shard_size;
	int allow_symlinks;
};

/*
 * A new dataset/v1 predicate. contents is an array (stolen) with one
 * object per dataset subject: {"name","digest","files","bytes",
 * "manifest"|"manifestRef"}.
 */
int pred_dataset_build(json_t **out, const struct dataset_info *info,
		       json_t *contents, struct err *e);

/* Validates a dataset/v1 predicate read from a verified statement. */
int pred_dataset_check(const json_t *pred, const char *src, struct err *e);

/* 1 when s is one of dataset_classifications. */
int pred_dataset_classification_ok(const char *s);

#endif
