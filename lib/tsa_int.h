/*
 * What the timestamp units share (tsa.c, tsa_request.c): parsing a reply
 * and checking its status and nonce. Internal to lib/.
 */
#ifndef MLATTEST_LIB_TSA_INT_H
#define MLATTEST_LIB_TSA_INT_H

#include "lib/tsa.h"

#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "lib/fileio.h"
#include "lib/http.h"
#include "lib/url.h"

int tsa_parse_reply(TS_RESP **out, const unsigned char *der, size_t len,
		    struct err *e);

/* SPEC-TSA-2: status granted, imprint SHA-256(sig), our nonce. */
int tsa_check_resp(TS_RESP *resp, const unsigned char *sig, size_t siglen,
		   const unsigned char *nonce, size_t noncelen, struct err *e);

#endif
