/*
 * RFC 7512 PKCS#11 URIs as KEYREFs (spec/keys.md, SPEC-KEY-1..3):
 * "pkcs11:" path attributes separated by ';', then optionally '?' and
 * query attributes separated by '&', values percent-encoded.
 */
#ifndef MLATTEST_KEYS_P11URI_H
#define MLATTEST_KEYS_P11URI_H

#include <stddef.h>

#include "lib/err.h"

#define P11URI_MAX 4096	     /* the whole URI */
#define P11URI_FIELD_MAX 256 /* one decoded value (labels are 32 bytes) */
#define P11URI_ID_MAX 128    /* CKA_ID bytes */

struct p11uri {
	/* Path attributes; an empty string is "not given". */
	char token[P11URI_FIELD_MAX];
	char manufacturer[P11URI_FIELD_MAX];
	char serial[P11URI_FIELD_MAX];
	char model[P11URI_FIELD_MAX];
	char object[P11URI_FIELD_MAX];
	char type[P11URI_FIELD_MAX];
	char slot_description[P11URI_FIELD_MAX];
	char slot_manufacturer[P11URI_FIELD_MAX];
	char library_manufacturer[P11URI_FIELD_MAX];
	char library_description[P11URI_FIELD_MAX];
	char slot_id[P11URI_FIELD_MAX];
	unsigned char id[P11URI_ID_MAX];
	size_t idlen; /* 0: no id given */
	int has_id;
	/* Query attributes. */
	char module_path[P11URI_FIELD_MAX];
	char module_name[P11URI_FIELD_MAX];
	char pin_source[P11URI_FIELD_MAX]; /* the FILE of file:FILE */
};

/* 1 when ref starts with "pkcs11:" (case-insensitive scheme). */
int p11uri_is(const char *ref);

/*
 * Parses s into *out. Refused with EXIT_USAGE, naming the attribute: a
 * malformed or too long URI, bad percent-encoding, a value with a NUL
 * byte (except id), an unknown or repeated attribute, a type other than
 * "private", pin-value (a PIN never comes from argv), a pin-source that
 * is not "file:". No allocation; *out is zeroed first.
 */
int p11uri_parse(struct p11uri *out, const char *s, struct err *e);

#endif
