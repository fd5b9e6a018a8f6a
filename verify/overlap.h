/*
 * The held-out test of verify policy (SPEC-POL-3, SPEC-POL-10): is an
 * evaluation dataset the same data as a training input, one of its files,
 * a subtree of it, or a tree that holds it?
 */
#ifndef MLATTEST_VERIFY_OVERLAP_H
#define MLATTEST_VERIFY_OVERLAP_H

#include <jansson.h>
#include <stddef.h>

#include "lib/digest.h"

/*
 * 1 when the evaluation RD ev and the training RD tr overlap, with why
 * (cap bytes) saying how, names escaped; else 0. Equal on any shared
 * digest is overlap; with ev_m or tr_m (the signed manifests of each,
 * borrowed, may be NULL), so is one being a file or a subtree of the
 * other. Out of memory while building a subtree counts as overlap.
 */
int overlap_test(char *why, size_t cap, const json_t *ev,
		 const struct digest_manifest *ev_m, const json_t *tr,
		 const struct digest_manifest *tr_m);

#endif
