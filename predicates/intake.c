/* intake/v1 predicates (see intake.h). */
#include "predicates/intake.h"

#include "lib/jsonio.h"
#include "predicates/types.h"
#include "predicates/approval.h"

const char *const intake_sourcings[] = {"open-weights", "api", "vendor",
					"internal", NULL};
const char *const intake_risk_tiers[] = {"low", "medium", "high", "critical",
					 NULL};

int
pred_intake_check(const json_t *pred, const char *src, struct err *e)
{
	json_t *v[7];
	json_error_t je;
	int rc;

	if (!json_is_object(pred))
		return err_set(e, EXIT_REJECTED, "%s: no intake predicate",
			       src);
	rc = json_unpack_ex((json_t *)pred, &je, JSON_STRICT,
			    "{s?o, s?o, s?o, s?o, s?o, s?o, s?o}", "source",
			    &v[0], "sourcing", &v[1], "riskTier", &v[2],
			    "license", &v[3], "evaluations", &v[4],
			    "reviewedOn", &v[5], "reviewer", &v[6]) == 0
		 ? 0
		 : pred_unpack_fail(&je, src, e);
	if (rc != 0)
		return rc;
	if (!pred_in_list(jsonio_str(pred, "sourcing"), intake_sourcings) ||
	    !pred_in_list(jsonio_str(pred, "riskTier"), intake_risk_tiers))
		return err_set(
		    e, EXIT_REJECTED,
		    "%s: intake needs a known sourcing and risk tier", src);
	if (!pred_time_ok(pred, "reviewedOn", 1))
		return err_set(e, EXIT_REJECTED,
			       "%s: reviewedOn must be RFC 3339", src);
	return 0;
}
