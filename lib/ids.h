/* Identifiers and times for provenance: random UUIDs and RFC 3339 UTC. */
#ifndef MLATTEST_LIB_IDS_H
#define MLATTEST_LIB_IDS_H

#include <stddef.h>
#include <time.h>

#include "lib/err.h"

#define UUID_STR_LEN 36
#define RFC3339_LEN 20

/* A random (version 4) UUID from OpenSSL's CSPRNG, lowercase. */
int ids_uuid(char out[UUID_STR_LEN + 1], struct err *e);

/*
 * t as "YYYY-MM-DDTHH:MM:SSZ"; the empty string (never a wrong date) when
 * t is not in the years 0 to 9999.
 */
void ids_rfc3339(char out[RFC3339_LEN + 1], time_t t);

/*
 * Parses an RFC 3339 timestamp ("Z" or a numeric offset, optional
 * fractional seconds, which are dropped) into *out. -1 when malformed.
 */
int ids_parse_rfc3339(time_t *out, const char *s);

/*
 * Parses a duration such as "720h", "30m", "45s", "7d" or "1h30m" into
 * seconds. -1 when malformed, zero or over ten years.
 */
int ids_parse_duration(long long *out, const char *s);

#endif
