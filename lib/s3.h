/*
 * Trees in an S3-compatible object store: s3://BUCKET/PREFIX/ listed with
 * ListObjectsV2 (paged) and read with GET, several transfers in flight on
 * one libcurl multi handle, straight into the digest engine (ranged GETs,
 * one per OMS shard, in shard mode), so a prefix hashes to the manifest
 * and tree digests of a local copy of the same files (SPEC-STORE-1).
 * Requests are signed with AWS Signature Version 4 by libcurl. The
 * library never reads the environment or a credentials file on its own:
 * programs resolve the credentials (s3_creds_resolve) and pass them in.
 */
#ifndef MLATTEST_LIB_S3_H
#define MLATTEST_LIB_S3_H

#include <stddef.h>

#include "lib/digest.h"
#include "lib/err.h"

#define S3_URL_PREFIX "s3://"
#define S3_INFLIGHT_DEFAULT 8 /* transfers in flight */
#define S3_INFLIGHT_MAX 64
#define S3_KEY_MAX 1024	  /* bytes in an object key (AWS's limit) */
#define S3_CRED_MAX 256	  /* bytes in a key id or secret */
#define S3_TOKEN_MAX 4096 /* bytes in a session token */
#define S3_REGION_MAX 64
#define S3_CREDS_FILE_MAX ((size_t)1 << 20)
#define S3_DEFAULT_REGION "us-east-1"
#define S3_TRIES 3	  /* per request, on a broken connection or 5xx */
#define S3_BACKOFF_MS 500 /* doubles after each failed try */

/* Credentials and where to send requests. Secrets are wiped by
 * s3_config_clear. */
struct s3_config {
	char access_key_id[S3_CRED_MAX];
	char secret_access_key[S3_CRED_MAX];
	char session_token[S3_TOKEN_MAX]; /* "" for none */
	char region[S3_REGION_MAX];
	/* NULL: AWS (https://BUCKET.s3.REGION.amazonaws.com/). Else a base
	 * URL used path-style (ENDPOINT/BUCKET/KEY): https, or http to a
	 * loopback host only. Borrowed. */
	const char *endpoint;
	unsigned inflight; /* 0: S3_INFLIGHT_DEFAULT */
};

/* What the program found in its environment; every field may be NULL. */
struct s3_env {
	const char *access_key_id;     /* AWS_ACCESS_KEY_ID */
	const char *secret_access_key; /* AWS_SECRET_ACCESS_KEY */
	const char *session_token;     /* AWS_SESSION_TOKEN */
	const char *region;	       /* AWS_REGION, else AWS_DEFAULT_REGION */
	const char *shared_file;       /* AWS_SHARED_CREDENTIALS_FILE */
	const char *profile;	       /* AWS_PROFILE, else "default" */
	const char *home;	       /* HOME, for ~/.aws/credentials */
};

/*
 * Fills c (zeroed first) from env: the key id and secret from the
 * environment when both are set (with the session token), else from the
 * profile's aws_access_key_id, aws_secret_access_key and
 * aws_session_token in the shared credentials file. None found, a
 * profile missing from the file, or a value past its ceiling is
 * EXIT_USAGE naming the variables and file looked at (never a value).
 */
int s3_creds_resolve(struct s3_config *c, const struct s3_env *env,
		     struct err *e);

/*
 * For commands: when one of the n paths is an s3:// URL, resolves c from
 * env (s3_creds_resolve), sets its endpoint (borrowed) and d->s3 = c;
 * otherwise leaves c and d alone, so local runs never need
 * credentials. Release c with s3_config_clear either way.
 */
int s3_attach(struct digest_opts *d, struct s3_config *c,
	      const struct s3_env *env, const char *endpoint,
	      const char *const *paths, size_t n, struct err *e);

/* Wipes the secrets in c. */
void s3_config_clear(struct s3_config *c);

/* 1 when s names an object store tree (starts with S3_URL_PREFIX). */
int s3_is_url(const char *s);

/*
 * digest_tree for url = s3://BUCKET/ or s3://BUCKET/PREFIX/ (the prefix
 * ends in '/'; its components pass the path rules) through o->s3. The
 * keys below the prefix are the paths; zero-byte keys ending in '/'
 * (folder markers) are left out; every other key must pass
 * walk_path_ok (no "..", no absolute, no empty components) or is
 * EXIT_REJECTED naming it. Each GET must answer with the ETag and
 * length the listing gave (and is sent If-Match), else EXIT_UNDECIDED
 * "changed while being read". Errors from the store (HTTP 403, 404,
 * NoSuchBucket, a cut transfer) are EXIT_UNDECIDED naming the request
 * and the store's error code, never a credential. A bad URL or a
 * missing o->s3 is EXIT_USAGE.
 */
int s3_tree(struct digest_manifest **out, const char *url,
	    const struct digest_opts *o, struct err *e);

#endif
