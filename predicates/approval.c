/* approval/v1 predicates and the list helpers (see approval.h). */
#include "predicates/approval.h"

#include <string.h>

#include "lib/ids.h"
#include "lib/jsonio.h"
#include "predicates/types.h"

const char *const approval_stages[] = {"staging", "production", "retired",
				       NULL};
const char *const approval_decisions[] = {"approve", "reject", NULL};

int
pred_in_list(const char *s, const char *const *list)
{
	size_t i;

	for (i = 0; s != NULL && list[i] != NULL; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

int
pred_in_list_json(const char *s, const json_t *arr)
{
	size_t i;

	for (i = 0; s != NULL && i < json_array_size(arr); i++)
		if (json_is_string(json_array_get(arr, i)) &&
		    strcmp(s, json_string_value(json_array_get(arr, i))) == 0)
			return 1;
	return 0;
}

int
pred_time_ok(const json_t *pred, const char *key, int required)
{
	const char *s = jsonio_str(pred, key);
	time_t t;

	if (s == NULL)
		return !required && json_object_get(pred, key) == NULL;
	return ids_parse_rfc3339(&t, s) == 0;
}

int
pred_approval_check(const json_t *pred, const char *src, struct err *e)
{
	json_t *v[6];
	json_error_t je;
	int rc;

	if (!json_is_object(pred))
		return err_set(e, EXIT_REJECTED, "%s: no approval predicate",
			       src);
	rc = json_unpack_ex((json_t *)pred, &je, JSON_STRICT,
			    "{s?o, s?o, s?o, s?o, s?o, s?o}", "stage", &v[0],
			    "decision", &v[1], "reason", &v[2], "approver",
			    &v[3], "approvedOn", &v[4], "expiresOn", &v[5]) == 0
		 ? 0
		 : pred_unpack_fail(&je, src, e);
	if (rc != 0)
		return rc;
	if (!pred_in_list(jsonio_str(pred, "stage"), approval_stages) ||
	    !pred_in_list(jsonio_str(pred, "decision"), approval_decisions))
		return err_set(e, EXIT_REJECTED,
			       "%s: approval needs a known stage and decision",
			       src);
	if (!pred_time_ok(pred, "approvedOn", 1) ||
	    !pred_time_ok(pred, "expiresOn", 0))
		return err_set(e, EXIT_REJECTED,
			       "%s: approval times must be RFC 3339", src);
	return 0;
}
