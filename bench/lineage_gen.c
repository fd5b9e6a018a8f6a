/*
 * Benchmark generator for verify lineage (not a test): writes a bundle of
 * N signed attestations forming CHAINS lineages of fine-tunes, each
 * generation a dataset, a training provenance (the dataset and, after the
 * first, the previous generation's model as base model), an evaluation on
 * one shared test set and an approval; and the signer's public key.
 *   lineage_gen N CHAINS OUT.jsonl OUT.pub
 * Digests are SHA-256 of short labels ("d 3 7" is chain 3's dataset of
 * generation 7, "m 3 7" its model, "test" the test set), so a query can
 * name them: printf 'd 0 0' | sha256sum.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/key.h"
#include "keys/envelope.h"
#include "keys/keyset.h"
#include "lib/dsse.h"
#include "lib/fileio.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "lib/statement.h"
#include "predicates/types.h"

static void
label(char out[65], const char *kind, long c, long g)
{
	unsigned char d[SHA256_LEN];
	char s[64];

	if (c < 0)
		snprintf(s, sizeof(s), "%s", kind);
	else
		snprintf(s, sizeof(s), "%s %ld %ld", kind, c, g);
	hash_sha256(d, (const unsigned char *)s, strlen(s), NULL);
	hex_encode(out, d, SHA256_LEN);
}

static json_t *
statement(const char *type, const char *subject, json_t *pred)
{
	return json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:o}", "_type",
			 STATEMENT_V1, "subject", "name", "x", "digest",
			 "sha256", subject, "predicateType", type, "predicate",
			 pred);
}

static json_t *
gen_one(long c, long g, int which)
{
	char d[65], m[65], base[65], t[65];

	label(d, "d", c, g);
	label(m, "m", c, g);
	label(base, "m", c, g - 1);
	label(t, "test", -1, 0);
	switch (which) {
	case 0:
		return statement(PRED_DATASET, d,
				 json_pack("{s:s, s:[{s:{s:s}}]}", "name", "d",
					   "contents", "digest", "sha256", d));
	case 1:
		return statement(
		    PRED_SLSA_PROVENANCE, m,
		    json_pack(
			"{s:{s:[{s:{s:s}, s:{s:s}}, {s:{s:s}, s:{s:s}}]}}",
			"buildDefinition", "resolvedDependencies", "digest",
			"sha256", d, "annotations", "role", "dataset", "digest",
			"sha256", g > 0 ? base : d, "annotations", "role",
			g > 0 ? "base-model" : "dataset"));
	case 2:
		return statement(PRED_EVALUATION, m,
				 json_pack("{s:[{s:s, s:{s:s}}]}", "datasets",
					   "name", "test", "digest", "sha256",
					   t));
	default:
		return statement(PRED_APPROVAL, m,
				 json_pack("{s:s, s:s}", "stage", "production",
					   "decision", "approve"));
	}
}

static int
emit(FILE *f, const struct key *k, json_t *st, struct err *e)
{
	struct dsse_envelope *env = NULL;
	json_t *obj = NULL;
	char *body = NULL, *line = NULL;
	size_t len, llen;
	int rc;

	rc = jsonio_dump(&body, &len, st, JSONIO_FLAGS, e);
	if (rc == 0)
		rc = envelope_sign(&env, DSSE_INTOTO_TYPE,
				   (const unsigned char *)body, len, k, e);
	if (rc == 0 && (obj = dsse_to_json(env)) == NULL)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	if (rc == 0)
		rc = jsonio_dump(&line, &llen, obj, JSONIO_FLAGS, e);
	if (rc == 0 && (fwrite(line, 1, llen, f) != llen || fputc('\n', f) < 0))
		rc = err_set(e, EXIT_UNDECIDED, "write failed");
	free(line);
	json_decref(obj);
	dsse_free(env);
	free(body);
	return rc;
}

int
main(int argc, char **argv)
{
	struct err e = ERR_INIT;
	struct key *k = NULL;
	long n, chains, per, i;
	char *pem = NULL;
	size_t len;
	FILE *f;
	int rc;

	if (argc != 5 || (n = strtol(argv[1], NULL, 10)) < 4 ||
	    (chains = strtol(argv[2], NULL, 10)) < 1) {
		fprintf(stderr,
			"usage: lineage_gen N CHAINS OUT.jsonl OUT.pub\n");
		return 2;
	}
	per = n / chains;
	rc = key_generate(&k, KEY_ECDSA_P256, &e);
	if (rc == 0)
		rc = key_public_pem(&pem, &len, k, &e);
	if (rc == 0)
		rc = file_write_atomic(argv[4], pem, len, 0644, 0, &e);
	f = rc == 0 ? fopen(argv[3], "we") : NULL;
	if (rc == 0 && f == NULL)
		rc = err_set(&e, EXIT_UNDECIDED, "%s: cannot open", argv[3]);
	for (i = 0; rc == 0 && i < chains * per; i++) {
		json_t *st = gen_one(i / per, (i % per) / 4, (int)(i % 4));
		rc = st != NULL ? emit(f, k, st, &e)
				: err_set(&e, EXIT_UNDECIDED, "out of memory");
		json_decref(st);
	}
	if (f != NULL && fclose(f) != 0 && rc == 0)
		rc = err_set(&e, EXIT_UNDECIDED, "%s: write failed", argv[3]);
	free(pem);
	key_free(k);
	if (rc != 0)
		fprintf(stderr, "lineage_gen: %s\n", e.msg);
	return rc == 0 ? 0 : 1;
}
