/* intake/v1 predicates (see intake.h). */
#include "predicates/intake.h"

#include "lib/jsonio.h"
#include "predicates/approval.h"

const char *const intake_sourcings[] = {"open-weights", "api", "vendor",
					"internal", NULL};
const char *const intake_risk_tiers[] = {"low", "medium", "high", "critical",
					 NULL};

int
pred_intake_check(const json_t *pred, const char *src, struct err *e)
{
	static const char *const keys[] = {
	    "source",	   "sourcing",	 "riskTier", "license",
	    "evaluations", "reviewedOn", "reviewer", NULL};
	int rc;

	if (!json_is_object(pred))
		return err_set(e, EXIT_REJECTED, "%s: no intake predicate",
			       src);
	rc = jsonio_only_keys(pred, keys, src, e);
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
