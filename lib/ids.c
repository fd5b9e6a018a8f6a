/* UUIDs, RFC 3339 times and durations (see ids.h). */
#include "lib/ids.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "lib/hex.h"

int
ids_uuid(char out[UUID_STR_LEN + 1], struct err *e)
{
	unsigned char b[16];
	char hex[33];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return err_ossl(e, EXIT_UNDECIDED, "random bytes");
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	hex_encode(hex, b, sizeof(b));
	snprintf(out, UUID_STR_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", hex,
		 hex + 8, hex + 12, hex + 16, hex + 20);
	return 0;
}

void
ids_rfc3339(char out[RFC3339_LEN + 1], time_t t)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, RFC3339_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) !=
		RFC3339_LEN)
		out[0] = '\0';
}

/* Reads exactly n digits at *p. */
static int
digits(int *out, const char **p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int
expect(const char **p, char c)
{
	if (**p != c && !(c == 'T' && **p == 't'))
		return -1;
	(*p)++;
	return 0;
}

/* Days in month mo (1..12) of year y, Gregorian. */
static int
month_days(int y, int mo)
{
	static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return n[mo - 1] +
	       (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

int
ids_parse_rfc3339(time_t *out, const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	const char *p = s;

	if (digits(&y, &p, 4) || expect(&p, '-') || digits(&mo, &p, 2) ||
	    expect(&p, '-') || digits(&d, &p, 2) || expect(&p, 'T') ||
	    digits(&h, &p, 2) || expect(&p, ':') || digits(&mi, &p, 2) ||
	    expect(&p, ':') || digits(&sec, &p, 2))
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (digits(&oh, &p, 2) || expect(&p, ':') || digits(&om, &p, 2))
			return -1;
	} else {
		return -1;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) ||
	    h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = timegm(&tm) - (time_t)sign * (oh * 3600 + om * 60);
	return 0;
}

int
ids_parse_duration(long long *out, const char *s)
{
	long long total = 0, v;
	const char *p = s;
	int any = 0;

	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			return -1;
		v = 0;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (*p - '0');
			if (v > 10LL * 366 * 86400)
				return -1;
			p++;
		}
		switch (*p++) {
		case 'd':
			v *= 86400;
			break;
		case 'h':
			v *= 3600;
			break;
		case 'm':
			v *= 60;
			break;
		case 's':
			break;
		default:
			return -1;
		}
		total += v;
		any = 1;
		if (total > 10LL * 366 * 86400)
			return -1;
	}
	if (!any || total == 0)
		return -1;
	*out = total;
	return 0;
}
