/*
 * Transparency log checkpoints (C2SP tlog-checkpoint) in signed notes
 * (C2SP signed-note): the text a log signs to commit to a tree size and
 * root hash. Parsing only; the signatures are checked by the caller with
 * the log's key (a line's key hint picks the key, never trusts it).
 */
#ifndef MLATTEST_LIB_CHECKPOINT_H
#define MLATTEST_LIB_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define CHECKPOINT_MAX_BYTES ((size_t)16 * 1024)
#define CHECKPOINT_MAX_SIGS 16
#define CHECKPOINT_MAX_NAME 256
#define CHECKPOINT_MAX_SIG 512 /* signature bytes after the key hint */
#define CHECKPOINT_HASH_LEN 32

struct checkpoint_sig {
	char name[CHECKPOINT_MAX_NAME];
	unsigned char hint[4];
	unsigned char sig[CHECKPOINT_MAX_SIG];
	size_t siglen;
};

/* A parsed checkpoint; body points into the text it was parsed from. */
struct checkpoint {
	char origin[CHECKPOINT_MAX_NAME];
	uint64_t size;
	unsigned char root[CHECKPOINT_HASH_LEN];
	const char *body; /* the signed text: every body line and its \n */
	size_t bodylen;
	struct checkpoint_sig sigs[CHECKPOINT_MAX_SIGS];
	size_t nsigs;
};

/*
 * Parses len bytes of text (not NUL-terminated) into *out: body lines
 * (origin, decimal size, base64 root hash, optional extension lines),
 * one empty line, then at least one "\u2014 name base64(hint||sig)"
 * line, every line ending in \n (SPEC-KL-13). Anything else, or past
 * the ceilings above, is EXIT_REJECTED naming what is wrong.
 */
int checkpoint_parse(struct checkpoint *out, const char *text, size_t len,
		     struct err *e);

#endif
