/*
 * in-toto Statement: statement_parse on the raw payload bytes. A parsed
 * statement names its own subjects, and the form attest sign emits
 * (JSONIO_FLAGS) must parse again, except for reals that overflow when
 * rounded, which attest refuses to sign (SPEC-STM-4).
 */
#include "fuzz/fuzz.h"

#include "lib/jsonio.h"
#include "lib/statement.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct statement *st = NULL, *again = NULL;
	const json_t *subs;
	char *text = NULL;
	size_t len;
	int rc;

	rc = statement_parse(&st, data, size, "fuzz", &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
		fuzz_check(st == NULL, "no statement on failure");
		return 0;
	}
	fuzz_check(statement_type(st) != NULL, "_type");
	fuzz_check(statement_predicate_type(st) != NULL, "predicateType");
	(void)statement_predicate(st);
	subs = statement_subjects(st);
	fuzz_check(json_array_size(subs) > 0, "subjects");
	fuzz_check(statement_has_subject(
		       st, json_object_get(json_array_get(subs, 0), "digest")),
		   "a statement names its own first subject");
	fuzz_check(
	    jsonio_dump(&text, &len, statement_json(st), JSONIO_FLAGS, &e) == 0,
	    "jsonio_dump");
	/* Only a real that 15 digits round past DBL_MAX may fail here;
	 * attest's emit_statement re-parses and refuses those. */
	rc = statement_parse(&again, text, len, "again", &e);
	if (rc != 0)
		fprintf(stderr, "re-serialised statement refused: %s\n", e.msg);
	fuzz_check(rc == 0 || strstr(e.msg, "real number overflow") != NULL,
		   "the emitted statement parses again");
	statement_free(again);
	free(text);
	statement_free(st);
	return 0;
}
