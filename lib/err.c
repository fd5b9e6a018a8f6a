/* Error reports that need no allocation (see err.h). */
#include "lib/err.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
err_clear(struct err *e)
{
	if (e == NULL)
		return;
	e->code = 0;
	e->msg[0] = '\0';
}

static void
append(struct err *e, const char *tail)
{
	size_t used = strlen(e->msg);

	if (used < sizeof(e->msg) - 1)
		snprintf(e->msg + used, sizeof(e->msg) - used, ": %s", tail);
}

int
err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -code;
}

int
err_ossl(struct err *e, int code, const char *fmt, ...)
{
	char reason[256] = "unknown OpenSSL error";
	unsigned long ec = ERR_get_error();
	va_list ap;

	if (ec != 0)
		ERR_error_string_n(ec, reason, sizeof(reason));
	ERR_clear_error();
	if (e == NULL)
		return -code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	append(e, reason);
	return -code;
}

int
err_sys(struct err *e, int code, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	append(e, strerror(errnum));
	return -code;
}

int
err_prefix(struct err *e, const char *fmt, ...)
{
	char head[ERR_MSG_MAX];
	size_t hlen, mlen;
	va_list ap;

	if (e == NULL)
		return -EXIT_UNDECIDED;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head) - 2, fmt, ap);
	va_end(ap);
	memcpy(head + strlen(head), ": ", 3);
	hlen = strlen(head);
	mlen = strlen(e->msg);
	if (hlen + mlen >= sizeof(e->msg))
		mlen = sizeof(e->msg) - 1 - (hlen < sizeof(e->msg) ? hlen : 0);
	if (hlen >= sizeof(e->msg))
		hlen = sizeof(e->msg) - 1;
	memmove(e->msg + hlen, e->msg, mlen);
	memcpy(e->msg, head, hlen);
	e->msg[hlen + mlen < sizeof(e->msg) ? hlen + mlen
					    : sizeof(e->msg) - 1] = '\0';
	return -e->code;
}
