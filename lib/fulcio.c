/* Fulcio certificate identities (see fulcio.h). */
#include "lib/fulcio.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define OID_ISSUER_V2 "1.3.6.1.4.1.57264.1.8"
#define OID_ISSUER_V1 "1.3.6.1.4.1.57264.1.1"

static int
copy_name(char out[FULCIO_MAX_NAME], const unsigned char *p, int n,
	  const char *what, struct err *e)
{
	if (p == NULL || n <= 0 || n >= FULCIO_MAX_NAME ||
	    memchr(p, '\0', (size_t)n) != NULL)
		return err_set(e, EXIT_REJECTED,
			       "certificate %s is empty, too long or not "
			       "text",
			       what);
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	return 0;
}

static int
one_san(struct fulcio_names *out, const GENERAL_NAME *g, struct err *e)
{
	const ASN1_STRING *s = NULL;
	const ASN1_TYPE *v;

	if (g->type == GEN_URI || g->type == GEN_EMAIL) {
		s = g->d.ia5;
	} else if (g->type == GEN_OTHERNAME) {
		v = g->d.otherName->value;
		if (v == NULL || v->type != V_ASN1_UTF8STRING)
			return 0;
		s = v->value.utf8string;
	} else {
		return 0;
	}
	if (out->nsans == FULCIO_MAX_SANS)
		return err_set(e, EXIT_REJECTED,
			       "certificate has more than %d SANs",
			       FULCIO_MAX_SANS);
	return copy_name(out->san[out->nsans++], ASN1_STRING_get0_data(s),
			 ASN1_STRING_length(s), "SAN", e);
}

static int
issuer_ext(struct fulcio_names *out, X509 *x, const char *oid, int der,
	   struct err *e)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	const ASN1_OCTET_STRING *os;
	const unsigned char *p;
	ASN1_UTF8STRING *u = NULL;
	int i, rc;

	if (obj == NULL)
		return err_ossl(e, EXIT_UNDECIDED, "OID %s", oid);
	i = X509_get_ext_by_OBJ(x, obj, -1);
	ASN1_OBJECT_free(obj);
	if (i < 0)
		return 1;
	os = X509_EXTENSION_get_data(X509_get_ext(x, i));
	p = ASN1_STRING_get0_data(os);
	if (!der)
		return copy_name(out->issuer, p, ASN1_STRING_length(os),
				 "issuer", e);
	u = d2i_ASN1_UTF8STRING(NULL, &p, ASN1_STRING_length(os));
	if (u == NULL ||
	    p != ASN1_STRING_get0_data(os) + ASN1_STRING_length(os)) {
		ASN1_UTF8STRING_free(u);
		return err_ossl(e, EXIT_REJECTED,
				"certificate issuer (%s) is not a UTF8String",
				oid);
	}
	rc = copy_name(out->issuer, ASN1_STRING_get0_data(u),
		       ASN1_STRING_length(u), "issuer", e);
	ASN1_UTF8STRING_free(u);
	return rc;
}

int
fulcio_names(struct fulcio_names *out, X509 *x, struct err *e)
{
	GENERAL_NAMES *gens;
	int i, rc = 0, crit = 0;

	memset(out, 0, sizeof(*out));
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
	for (i = 0; rc == 0 && i < sk_GENERAL_NAME_num(gens); i++)
		rc = one_san(out, sk_GENERAL_NAME_value(gens, i), e);
	GENERAL_NAMES_free(gens);
	if (rc != 0)
		return rc;
	/* SPEC-KL-9: the newer issuer extension wins over the old one. */
	rc = issuer_ext(out, x, OID_ISSUER_V2, 1, e);
	if (rc == 1)
		rc = issuer_ext(out, x, OID_ISSUER_V1, 0, e);
	return rc < 0 ? rc : 0;
}

int
fulcio_match(const char *s, const char *want, const char *re)
{
	regmatch_t m[1];
	regex_t rx;
	size_t n;
	char *anchored;
	int rc;

	if (want != NULL)
		return strcmp(s, want) == 0;
	if (re == NULL)
		return 0;
	/* SPEC-KL-10: the whole value must match, never a prefix; the span
	 * is checked too, as "a)|(b" would unanchor the wrapped form. */
	n = strlen(re) + 5;
	anchored = malloc(n);
	if (anchored == NULL)
		return -1;
	snprintf(anchored, n, "^(%s)$", re);
	rc = regcomp(&rx, anchored, REG_EXTENDED);
	free(anchored);
	if (rc != 0)
		return -1;
	rc = regexec(&rx, s, 1, m, 0) == 0 && m[0].rm_so == 0 &&
	     (size_t)m[0].rm_eo == strlen(s);
	regfree(&rx);
	return rc;
}
