/* Predicate dataset/v1: build and validate (see dataset.h). */
#include "predicates/dataset.h"

#include <string.h>

#include "lib/ids.h"
#include "lib/jsonio.h"
#include "predicates/types.h"

const char *const dataset_classifications[] = {
    "public", "internal", "confidential", "restricted", NULL,
};

int
pred_dataset_classification_ok(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && dataset_classifications[i] != NULL; i++)
		if (strcmp(s, dataset_classifications[i]) == 0)
			return 1;
	return 0;
}

static int
set_opt_str(json_t *obj, const char *key, const char *val)
{
	if (val == NULL)
		return 0;
	return jsonio_set(obj, key, json_string(val), NULL);
}

int
pred_dataset_build(json_t **out, const struct dataset_info *info,
		   json_t *contents, struct err *e)
{
	json_t *p = json_object(), *sources = json_array();
	unsigned long long files = 0, bytes = 0;
	char now[RFC3339_LEN + 1];
	size_t i;
	json_t *c;

	*out = NULL;
	json_array_foreach(contents, i, c)
	{
		files += (unsigned long long)json_integer_value(
		    json_object_get(c, "files"));
		bytes += (unsigned long long)json_integer_value(
		    json_object_get(c, "bytes"));
	}
	ids_rfc3339(now, time(NULL));
	for (i = 0; i < info->nsources; i++)
		if (jsonio_append(sources,
				  json_pack("{s:s}", "uri", info->sources[i]),
				  NULL) != 0) {
			json_decref(sources);
			sources = NULL;
			break;
		}
	if (p == NULL || sources == NULL ||
	    jsonio_set(p, "name", json_string(info->name), NULL) != 0 ||
	    set_opt_str(p, "version", info->version) != 0 ||
	    set_opt_str(p, "license", info->license) != 0 ||
	    set_opt_str(p, "classification", info->classification) != 0 ||
	    jsonio_set(p, "pii", json_boolean(info->pii), NULL) != 0 ||
	    jsonio_set(p, "sources", json_incref(sources), NULL) != 0 ||
	    set_opt_str(p, "transform", info->transform) != 0 ||
	    jsonio_set(p, "files", json_integer((json_int_t)files), NULL) !=
		0 ||
	    jsonio_set(p, "bytes", json_integer((json_int_t)bytes), NULL) !=
		0 ||
	    jsonio_set(p, "hashing",
		       json_pack("{s:s, s:s, s:I, s:b}", "algorithm", "sha256",
				 "omsOrder", "path", "shardSize",
				 (json_int_t)info->shard_size, "allowSymlinks",
				 info->allow_symlinks),
		       NULL) != 0 ||
	    jsonio_set(p, "contents", json_incref(contents), NULL) != 0 ||
	    jsonio_set(p, "attestedOn", json_string(now), NULL) != 0 ||
	    (info->parents != NULL &&
	     jsonio_set(p, "parents", json_incref(info->parents), NULL) != 0) ||
	    (info->quality != NULL &&
	     jsonio_set(p, "quality", json_incref(info->quality), NULL) != 0) ||
	    (info->quality_rd != NULL &&
	     jsonio_set(p, "qualityReport", json_incref(info->quality_rd),
			NULL) != 0)) {
		json_decref(p);
		json_decref(sources);
		json_decref(contents);
		return err_set(e, EXIT_UNDECIDED,
			       "cannot build the dataset predicate");
	}
	json_decref(sources);
	json_decref(contents);
	*out = p;
	return 0;
}

static int
check_content(const json_t *c, size_t i, const char *src, struct err *e)
{
	json_t *v[6];
	json_error_t je;
	int rc;

	if (!json_is_object(c))
		return err_set(e, EXIT_REJECTED,
			       "%s: contents[%zu] is not an object", src, i);
	rc = json_unpack_ex((json_t *)c, &je, JSON_STRICT,
			    "{s?o, s?o, s?o, s?o, s?o, s?o}", "name", &v[0],
			    "digest", &v[1], "files", &v[2], "bytes", &v[3],
			    "manifest", &v[4], "manifestRef", &v[5]) == 0
		 ? 0
		 : pred_unpack_fail(&je, src, e);
	if (rc != 0)
		return rc;
	if (!json_is_string(json_object_get(c, "name")) ||
	    !json_is_object(json_object_get(c, "digest")) ||
	    !json_is_integer(json_object_get(c, "files")) ||
	    !json_is_integer(json_object_get(c, "bytes")))
		return err_set(e, EXIT_REJECTED,
			       "%s: contents[%zu] needs name, digest, files "
			       "and bytes",
			       src, i);
	if ((json_object_get(c, "manifest") != NULL) ==
	    (json_object_get(c, "manifestRef") != NULL))
		return err_set(e, EXIT_REJECTED,
			       "%s: contents[%zu] needs exactly one of "
			       "manifest and manifestRef",
			       src, i);
	return 0;
}

int
pred_dataset_check(const json_t *pred, const char *src, struct err *e)
{
	json_t *v[15];
	json_error_t je;
	const json_t *contents = json_object_get(pred, "contents");
	const char *cls = jsonio_str(pred, "classification");
	size_t i;
	int rc;

	if (!json_is_object(pred))
		return err_set(e, EXIT_REJECTED, "%s: no dataset predicate",
			       src);
	rc = json_unpack_ex((json_t *)pred, &je, JSON_STRICT,
			    "{s?o, s?o, s?o, s?o, s?o, s?o, s?o, s?o, s?o, "
			    "s?o, s?o, s?o, s?o, s?o, s?o}",
			    "name", &v[0], "version", &v[1], "license", &v[2],
			    "classification", &v[3], "pii", &v[4], "sources",
			    &v[5], "transform", &v[6], "files", &v[7], "bytes",
			    &v[8], "hashing", &v[9], "contents", &v[10],
			    "parents", &v[11], "quality", &v[12],
			    "qualityReport", &v[13], "attestedOn", &v[14]) == 0
		 ? 0
		 : pred_unpack_fail(&je, src, e);
	if (rc != 0)
		return rc;
	if (jsonio_str(pred, "name") == NULL)
		return err_set(e, EXIT_REJECTED, "%s: dataset has no name",
			       src);
	if (json_object_get(pred, "classification") != NULL &&
	    !pred_dataset_classification_ok(cls))
		return err_set(e, EXIT_REJECTED,
			       "%s: unknown dataset classification", src);
	if (!json_is_array(contents) || json_array_size(contents) == 0)
		return err_set(e, EXIT_REJECTED, "%s: dataset has no contents",
			       src);
	for (i = 0; i < json_array_size(contents); i++) {
		rc = check_content(json_array_get(contents, i), i, src, e);
		if (rc != 0)
			return rc;
	}
	return 0;
}
