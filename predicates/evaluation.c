/* Metrics files, thresholds and the evaluation/v1 predicate. */
#include "predicates/evaluation.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fileio.h"
#include "lib/jsonio.h"
#include "predicates/types.h"
#include "lib/text.h"

const char *const eval_roles[] = {"test", "validation", "adversarial",
				  "fairness", NULL};

static const struct {
	const char *text;
	enum eval_op op;
} ops[] = {
    {">=", OP_GE}, {"<=", OP_LE}, {"==", OP_EQ}, {">", OP_GT}, {"<", OP_LT},
};

int
eval_role_ok(const char *role)
{
	size_t i;

	for (i = 0; role != NULL && eval_roles[i] != NULL; i++)
		if (strcmp(role, eval_roles[i]) == 0)
			return 1;
	return 0;
}

int
eval_metric_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > MAX_METRIC_NAME)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == ':' || c == '/' || c == '-'))
			return 0;
	}
	return 1;
}

int
eval_metrics_check(const json_t *m, const char *src, struct err *e)
{
	char shown[64], num[64];
	const char *key;
	json_t *v;

	if (!json_is_object(m))
		return err_set(e, EXIT_REJECTED,
			       "%s: metrics must be a JSON "
			       "object of name -> number",
			       src);
	if (json_object_size(m) == 0)
		return err_set(e, EXIT_REJECTED, "%s: no metrics", src);
	if (json_object_size(m) > MAX_METRICS)
		return err_set(e, EXIT_REJECTED, "%s: more than %d metrics",
			       src, MAX_METRICS);
	json_object_foreach((json_t *)m, key, v)
	{
		text_escape(shown, sizeof(shown), key);
		if (!eval_metric_name_ok(key))
			return err_set(e, EXIT_REJECTED,
				       "%s: bad metric name \"%s\" (use "
				       "A-Z a-z 0-9 _ . : / -, at most %d)",
				       src, shown, MAX_METRIC_NAME);
		if (!json_is_number(v))
			return err_set(e, EXIT_REJECTED,
				       "%s: metric \"%s\" is not a number", src,
				       shown);
		if (!isfinite(json_number_value(v)))
			return err_set(e, EXIT_REJECTED,
				       "%s: metric \"%s\" is not finite", src,
				       shown);
		/* SPEC-EVAL-1 keeps 15 digits: DBL_MAX rounds to inf. */
		snprintf(num, sizeof(num), "%.15g", json_number_value(v));
		if (!isfinite(strtod(num, NULL)))
			return err_set(e, EXIT_REJECTED,
				       "%s: metric \"%s\" overflows when "
				       "rounded to 15 digits",
				       src, shown);
	}
	return 0;
}

/*
 * SPEC-EVAL-1: values are kept at the 15 significant digits the signed
 * statement carries, so attest and verify compare the same numbers.
 */
static int
normalise(json_t *m, struct err *e)
{
	char buf[64];
	const char *key;
	json_t *v;
	double d;

	json_object_foreach(m, key, v)
	{
		snprintf(buf, sizeof(buf), "%.15g", json_number_value(v));
		d = strtod(buf, NULL);
		if (jsonio_set(m, key, json_real(d), e) != 0)
			return -EXIT_UNDECIDED;
	}
	return 0;
}

int
eval_metrics_load(json_t **out, const char *path, struct err *e)
{
	unsigned char *text = NULL;
	json_t *m = NULL;
	size_t len;
	int rc;

	*out = NULL;
	rc = file_read(&text, &len, path, MAX_METRICS_BYTES, e);
	if (rc == 0)
		rc = jsonio_load_object(&m, text, len, path, e);
	if (rc == 0)
		rc = eval_metrics_check(m, path, e);
	if (rc == 0)
		rc = normalise(m, e);
	free(text);
	if (rc != 0) {
		json_decref(m);
		return rc;
	}
	*out = m;
	return 0;
}

const char *
eval_op_str(enum eval_op op)
{
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].op == op)
			return ops[i].text;
	return "?";
}

int
eval_op_parse(enum eval_op *op, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].text, s) == 0) {
			*op = ops[i].op;
			return 0;
		}
	return -1;
}

int
eval_threshold_parse(struct threshold *t, const char *s, struct err *e)
{
	const char *p = s;
	char *end = NULL;
	size_t i, namelen;

	while (*p != '\0' && strchr("<>=", *p) == NULL)
		p++;
	namelen = (size_t)(p - s);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strncmp(p, ops[i].text, strlen(ops[i].text)) == 0)
			break;
	if (*p == '\0' || i == sizeof(ops) / sizeof(ops[0]) || namelen == 0 ||
	    namelen > MAX_METRIC_NAME)
		return err_set(e, EXIT_USAGE,
			       "--threshold: expected NAME>=X (ops >= > <= < "
			       "==), got \"%s\"",
			       s);
	memcpy(t->name, s, namelen);
	t->name[namelen] = '\0';
	t->op = ops[i].op;
	p += strlen(ops[i].text);
	/* Plain decimal only: no spaces, hex floats, inf or nan. */
	if (strspn(p, "0123456789+-.eE") != strlen(p))
		return err_set(e, EXIT_USAGE,
			       "--threshold: bad number in \"%s\"", s);
	errno = 0;
	t->value = strtod(p, &end);
	if (!eval_metric_name_ok(t->name) || errno != 0 || end == p ||
	    *end != '\0' || !isfinite(t->value))
		return err_set(e, EXIT_USAGE,
			       "--threshold: bad name or number in \"%s\"", s);
	return 0;
}

int
eval_compare(double observed, enum eval_op op, double value)
{
	switch (op) {
	case OP_GE:
		return observed >= value;
	case OP_GT:
		return observed > value;
	case OP_LE:
		return observed <= value;
	case OP_LT:
		return observed < value;
	case OP_EQ:
		return observed == value;
	}
	return 0;
}

static int
check_datasets(const json_t *ds, const char *src, struct err *e)
{
	size_t i;

	if (!json_is_array(ds) || json_array_size(ds) == 0)
		return err_set(e, EXIT_REJECTED,
			       "%s: evaluation names no dataset", src);
	for (i = 0; i < json_array_size(ds); i++) {
		const json_t *d = json_array_get(ds, i);
		if (!json_is_object(json_object_get(d, "digest")) ||
		    !eval_role_ok(
			jsonio_str(json_object_get(d, "annotations"), "role")))
			return err_set(e, EXIT_REJECTED,
				       "%s: datasets[%zu] needs a digest and a "
				       "role",
				       src, i);
	}
	return 0;
}

int
pred_eval_check(const json_t *pred, const char *src, struct err *e)
{
	json_t *v[10];
	json_error_t je;
	const char *result = jsonio_str(pred, "result");
	int rc;

	if (!json_is_object(pred))
		return err_set(e, EXIT_REJECTED, "%s: no evaluation predicate",
			       src);
	rc =
	    json_unpack_ex((json_t *)pred, &je, JSON_STRICT,
			   "{s?o, s?o, s?o, s?o, s?o, s?o, s?o, s?o, s?o, s?o}",
			   "model", &v[0], "datasets", &v[1], "harness", &v[2],
			   "metrics", &v[3], "thresholds", &v[4], "result",
			   &v[5], "startedOn", &v[6], "finishedOn", &v[7],
			   "command", &v[8], "exitStatus", &v[9]) == 0
		? 0
		: pred_unpack_fail(&je, src, e);
	if (rc == 0)
		rc = check_datasets(json_object_get(pred, "datasets"), src, e);
	if (rc == 0)
		rc = eval_metrics_check(json_object_get(pred, "metrics"), src,
					e);
	if (rc == 0 && (result == NULL || (strcmp(result, "PASSED") != 0 &&
					   strcmp(result, "FAILED") != 0)))
		rc = err_set(e, EXIT_REJECTED,
			     "%s: result must be PASSED or FAILED", src);
	if (rc == 0 && !json_is_object(json_object_get(pred, "model")))
		rc = err_set(e, EXIT_REJECTED, "%s: evaluation has no model",
			     src);
	return rc;
}
