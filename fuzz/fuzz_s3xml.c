/* ListObjectsV2 responses from an object store (s3xml_parse). */
#include "fuzz/fuzz.h"

#include "lib/s3xml.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct s3xml_page p;
	size_t i;
	int rc;

	rc = s3xml_parse(&p, (const char *)data, size, "fuzz", &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
	} else {
		fuzz_check(!p.truncated || p.next[0] != '\0',
			   "truncated page has a token");
		for (i = 0; i < p.n; i++)
			fuzz_check(strlen(s3xml_key(&p, i)) == p.v[i].key_len,
				   "key length");
	}
	s3xml_page_clear(&p);
	return 0;
}
