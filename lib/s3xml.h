/*
 * The one XML document this project reads: an S3 ListObjectsV2 response
 * (ListBucketResult). A strict parser for just that: an optional XML
 * declaration, elements, attributes on them, text with the five named
 * entities and numeric character references. Comments, processing
 * instructions after the declaration, CDATA, DOCTYPE (and so any entity
 * definition) and mixed content in the elements read are refused.
 * Elements it does not need (Owner, StorageClass, ...) are skipped, so
 * fields a server adds do not break it.
 */
#ifndef MLATTEST_LIB_S3XML_H
#define MLATTEST_LIB_S3XML_H

#include <stddef.h>

#include "lib/dynbuf.h"
#include "lib/err.h"

#define S3XML_MAX_BYTES ((size_t)32 << 20) /* one response */
#define S3XML_MAX_OBJECTS 100000	   /* Contents in one page */
#define S3XML_MAX_DEPTH 16		   /* element nesting */
#define S3XML_MAX_TEXT 4096		   /* bytes in one text value */
#define S3XML_ETAG_MAX 256

struct s3xml_object {
	size_t key_off; /* into s3xml_page.keys, NUL-terminated */
	size_t key_len;
	unsigned long long size;
	char etag[S3XML_ETAG_MAX]; /* as sent, quotes included */
};

struct s3xml_page {
	struct s3xml_object *v;
	size_t n, cap;
	struct dynbuf keys;
	int truncated;		   /* IsTruncated was "true" */
	char next[S3XML_MAX_TEXT]; /* NextContinuationToken, or "" */
};

/*
 * Parses one ListBucketResult (len bytes at buf, no NUL needed) into *out
 * (cleared first; release with s3xml_page_clear, also on failure). Every
 * Contents needs exactly one Key, Size (decimal) and ETag; IsTruncated is
 * "true" or "false"; a truncated page needs a NextContinuationToken. Key
 * may hold any bytes the entities decode to except NUL; the caller checks
 * them as paths. Malformed documents are EXIT_REJECTED naming src and the
 * byte offset.
 */
int s3xml_parse(struct s3xml_page *out, const char *buf, size_t len,
		const char *src, struct err *e);

/* Key of object i, borrowed from p. */
const char *s3xml_key(const struct s3xml_page *p, size_t i);

void s3xml_page_clear(struct s3xml_page *p);

#endif
