/*
 * Caller-owned error reports. Library code never prints or exits: it
 * fills a struct err (fixed buffer, no allocation) and returns a negative
 * code whose magnitude is the exit class the program should use.
 */
#ifndef MLATTEST_LIB_ERR_H
#define MLATTEST_LIB_ERR_H

#include <stddef.h>

/* Exit classes, frozen (spec/exit-codes.md). */
#define EXIT_PASS 0
#define EXIT_REJECTED 1
#define EXIT_USAGE 2
#define EXIT_UNDECIDED 3

#define ERR_MSG_MAX 512

struct err {
	int code; /* one of the EXIT_ classes, 0 when clear */
	char msg[ERR_MSG_MAX];
};

#define ERR_INIT                                                               \
	{                                                                      \
		0,                                                             \
		{                                                              \
			0                                                      \
		}                                                              \
	}

/* Clears e. */
void err_clear(struct err *e);

/*
 * Records code and a printf-style message in e (truncated to fit) and
 * returns -code, so callers can write `return err_set(e, ...)`.
 * A NULL e is allowed and records nothing.
 */
int err_set(struct err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Like err_set, then appends ": " and the first reason on OpenSSL's
 * error queue, and drains the queue.
 */
int err_ossl(struct err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like err_set, then appends ": " and strerror(errnum). */
int err_sys(struct err *e, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Prefixes the message already in e with "prefix: ", keeping the code.
 * Returns -e->code.
 */
int err_prefix(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
