/*
 * Reads a git work tree's code version without running git (see
 * gitinfo.h): repository discovery, HEAD through loose and packed refs,
 * the remote URL from the INI-like config, and the dirty state from the
 * index (versions 2 and 3). Work tree files are reached through directory
 * fds opened with O_NOFOLLOW, so an index path never leads out of the tree.
 */
#include "lib/gitinfo.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "lib/hex.h"

#define RAW_MAX 32
#define HASH_CHUNK 65536
#define REASON_MAX 160

#define CE_NAMEMASK 0x0fffu
#define CE_STAGEMASK 0x3000u
#define CE_EXTENDED 0x4000u
#define CE_SKIP_WORKTREE 0x4000u
#define CE_INTENT_TO_ADD 0x2000u

enum { SAME, DIFFERENT, UNSURE };

struct gitinfo {
	char commit[2 * RAW_MAX + 1];
	char *branch;
	char *remote_url;
	char *workdir;
	int dirty;
	char reason[REASON_MAX];
	char *dirty_paths[GITINFO_MAX_DIRTY_PATHS + 1];
	size_t ndirty;
};

struct repo {
	char *workdir;
	char *gitdir;	 /* HEAD, index, per-worktree refs */
	char *commondir; /* refs, packed-refs, config */
	size_t rawlen;	 /* object id bytes: 20 SHA-1, 32 SHA-256 */
	int filemode;
	int autocrlf;
	char *origin_url;
	char *first_url;
};

struct cfg {
	const char *start, *p, *end, *path;
	char section[64];
	char sub[256];
	char key[64];
	char *val;
	int has_val;
};

struct ientry {
	uint32_t ctime_s, ctime_ns, mtime_s, mtime_ns, ino, mode, size;
	unsigned flags, xflags;
	const unsigned char *oid;
	const char *name;
	size_t namelen;
};

struct index {
	const unsigned char *buf;
	size_t len; /* up to the trailing checksum */
	size_t pos;
	uint32_t version, count;
	size_t rawlen;
};

/* The work tree as the dirty check sees it. */
struct wt {
	const struct repo *r;
	const EVP_MD *md;
	int rootfd;
	int dirfd; /* cached parent of the last entry, or -1 */
	size_t dirlen;
	char dir[GITINFO_MAX_PATH + 1];
	unsigned char *chunk;
	struct timespec index_mtime;
	unsigned long long hashed;
	int eol;	 /* CRLF conversion may apply */
	int conversions; /* filters, ident or encodings may apply */
};

static char *
path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p;

	if (name[0] == '/')
		return strdup(name);
	p = malloc(a + b + 2);
	if (p == NULL)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

static int
oom(struct err *e)
{
	return err_set(e, EXIT_UNDECIDED, "git: out of memory");
}

static int
is_regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A small text file, NUL-free, trailing whitespace removed. */
static int
read_small(char **out, const char *path, struct err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = file_read(&buf, &len, path, GITINFO_MAX_REF_BYTES, e);
	if (rc != 0)
		return rc;
	if (memchr(buf, '\0', len) != NULL) {
		free(buf);
		return err_set(e, EXIT_UNDECIDED, "%s: contains a NUL byte",
			       path);
	}
	while (len > 0 && isspace(buf[len - 1]))
		buf[--len] = '\0';
	*out = (char *)buf;
	return 0;
}

/* ---- discovery ---- */

static int
gitfile_read(char **gitdir, const char *dotgit, const char *top, struct err *e)
{
	char *text = NULL;
	int rc;

	rc = read_small(&text, dotgit, e);
	if (rc != 0)
		return rc;
	if (strncmp(text, "gitdir: ", 8) != 0 || text[8] == '\0') {
		rc = err_set(e, EXIT_UNDECIDED, "%s: not a \"gitdir:\" file",
			     dotgit);
		goto out;
	}
	*gitdir = path_join(top, text + 8);
	if (*gitdir == NULL)
		rc = oom(e);
out:
	free(text);
	return rc;
}

static int
commondir_read(struct repo *r, struct err *e)
{
	char *path = NULL, *text = NULL;
	int rc = 0;

	path = path_join(r->gitdir, "commondir");
	if (path == NULL)
		return oom(e);
	if (!is_regular(path)) {
		r->commondir = strdup(r->gitdir);
	} else {
		rc = read_small(&text, path, e);
		if (rc != 0)
			goto out;
		r->commondir = path_join(r->gitdir, text);
	}
	if (r->commondir == NULL)
		rc = oom(e);
out:
	free(path);
	free(text);
	return rc;
}

/* 1 when top holds a .git entry (r filled), 0 when not, or an error. */
static int
repo_at(struct repo *r, const char *top, struct err *e)
{
	char *dotgit = NULL, *head = NULL;
	struct stat st;
	int rc;

	dotgit = path_join(top, ".git");
	if (dotgit == NULL)
		return oom(e);
	if (stat(dotgit, &st) != 0) {
		rc = errno == ENOENT || errno == ENOTDIR
			 ? 0
			 : err_sys(e, EXIT_UNDECIDED, errno, "%s", dotgit);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		r->gitdir = dotgit;
		dotgit = NULL;
	} else if (S_ISREG(st.st_mode)) {
		rc = gitfile_read(&r->gitdir, dotgit, top, e);
		if (rc != 0)
			goto out;
	} else {
		rc = err_set(e, EXIT_UNDECIDED, "%s: not a git directory",
			     dotgit);
		goto out;
	}
	rc = commondir_read(r, e);
	if (rc != 0)
		goto out;
	head = path_join(r->gitdir, "HEAD");
	if (head == NULL) {
		rc = oom(e);
		goto out;
	}
	if (!is_regular(head)) {
		rc = err_set(e, EXIT_UNDECIDED,
			     "%s: not a git directory (no HEAD)", r->gitdir);
		goto out;
	}
	rc = 1;
out:
	free(dotgit);
	free(head);
	return rc;
}

static int
repo_find(struct repo *r, const char *dir, struct err *e)
{
	char *cur, *slash;
	int rc;

	cur = realpath(dir, NULL);
	if (cur == NULL)
		return err_sys(e, EXIT_UNDECIDED, errno, "%s", dir);
	for (;;) {
		rc = repo_at(r, cur, e);
		if (rc != 0)
			break;
		if (strcmp(cur, "/") == 0) {
			rc = err_set(e, EXIT_UNDECIDED,
				     "%s: not in a git repository (no .git "
				     "here or in any parent directory)",
				     dir);
			break;
		}
		slash = strrchr(cur, '/');
		slash[slash == cur ? 1 : 0] = '\0';
	}
	if (rc == 1) {
		r->workdir = cur;
		return 0;
	}
	free(cur);
	return rc;
}

static void
repo_release(struct repo *r)
{
	free(r->workdir);
	free(r->gitdir);
	free(r->commondir);
	free(r->origin_url);
	free(r->first_url);
}

/* ---- config ---- */

static int
cfg_bool(const char *v)
{
	if (v == NULL)
		return 1;
	return strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
	       strcasecmp(v, "on") == 0 || strcmp(v, "1") == 0;
}

static int
cfg_name(char *out, size_t cap, struct cfg *c, const char *extra)
{
	size_t n = 0;

	while (c->p < c->end && (isalnum((unsigned char)*c->p) ||
				 strchr(extra, *c->p) != NULL)) {
		if (n + 1 >= cap)
			return -1;
		out[n++] = (char)tolower((unsigned char)*c->p++);
	}
	out[n] = '\0';
	return n == 0 ? -1 : 0;
}

static int
cfg_header(struct cfg *c)
{
	size_t n = 0;
	char *dot;

	c->p++;
	c->sub[0] = '\0';
	if (cfg_name(c->section, sizeof(c->section), c, "-.") != 0)
		return -1;
	if (c->p < c->end && (*c->p == ' ' || *c->p == '\t')) {
		while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
			c->p++;
		if (c->p >= c->end || *c->p++ != '"')
			return -1;
		while (c->p < c->end && *c->p != '"') {
			if (*c->p == '\n' || n + 1 >= sizeof(c->sub))
				return -1;
			if (*c->p == '\\' && ++c->p >= c->end)
				return -1;
			c->sub[n++] = *c->p++;
		}
		if (c->p >= c->end)
			return -1;
		c->p++;
		c->sub[n] = '\0';
	} else if ((dot = strchr(c->section, '.')) != NULL) {
		snprintf(c->sub, sizeof(c->sub), "%s", dot + 1);
		*dot = '\0';
	}
	if (c->p >= c->end || *c->p != ']')
		return -1;
	c->p++;
	return 0;
}

static int
cfg_next_char(struct cfg *c)
{
	if (c->p >= c->end)
		return '\n';
	if (*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n')
		c->p++;
	return (unsigned char)*c->p++;
}

/* The value after '=', as git's parse_value reads it. */
static int
cfg_value(struct cfg *c)
{
	size_t n = 0, space = 0;
	int quote = 0, comment = 0, ch;

	for (;;) {
		ch = cfg_next_char(c);
		if (ch == '\n') {
			c->val[n] = '\0';
			return quote ? -1 : 0;
		}
		if (comment)
			continue;
		if (isspace(ch) && !quote) {
			space += n > 0;
			continue;
		}
		if (!quote && (ch == ';' || ch == '#')) {
			comment = 1;
			continue;
		}
		for (; space > 0; space--)
			c->val[n++] = ' ';
		if (ch == '\\') {
			ch = cfg_next_char(c);
			if (ch == '\n')
				continue;
			if (ch == 't')
				ch = '\t';
			else if (ch == 'b')
				ch = '\b';
			else if (ch == 'n')
				ch = '\n';
			else if (ch != '\\' && ch != '"')
				return -1;
		} else if (ch == '"') {
			quote = !quote;
			continue;
		}
		c->val[n++] = (char)ch;
	}
}

static int
cfg_key(struct cfg *c)
{
	if (cfg_name(c->key, sizeof(c->key), c, "-") != 0)
		return -1;
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
	c->has_val = 0;
	if (c->p >= c->end || *c->p == '\n' ||
	    (*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n'))
		return 0;
	if (*c->p++ != '=')
		return -1;
	c->has_val = 1;
	return cfg_value(c);
}

static int
cfg_keep(char **slot, const char *v, struct err *e)
{
	if (*slot != NULL)
		return 0;
	*slot = strdup(v);
	return *slot == NULL ? oom(e) : 0;
}

static int
cfg_entry(struct repo *r, const struct cfg *c, struct err *e)
{
	const char *v = c->has_val ? c->val : NULL;
	int rc = 0;

	if (strcmp(c->section, "remote") == 0 && c->sub[0] != '\0' &&
	    strcmp(c->key, "url") == 0 && v != NULL) {
		rc = cfg_keep(&r->first_url, v, e);
		if (rc == 0 && strcmp(c->sub, "origin") == 0)
			rc = cfg_keep(&r->origin_url, v, e);
	} else if (strcmp(c->section, "extensions") == 0 &&
		   strcmp(c->key, "objectformat") == 0) {
		if (v != NULL && strcasecmp(v, "sha256") == 0)
			r->rawlen = 32;
		else if (v != NULL && strcasecmp(v, "sha1") == 0)
			r->rawlen = 20;
		else
			rc = err_set(e, EXIT_UNDECIDED,
				     "%s: unsupported object format", c->path);
	} else if (strcmp(c->section, "extensions") == 0 &&
		   strcmp(c->key, "refstorage") == 0 &&
		   (v == NULL || strcasecmp(v, "files") != 0)) {
		rc =
		    err_set(e, EXIT_UNDECIDED,
			    "%s: ref storage other than files is not supported",
			    c->path);
	} else if (strcmp(c->section, "core") == 0 &&
		   strcmp(c->key, "filemode") == 0) {
		r->filemode = cfg_bool(v);
	} else if (strcmp(c->section, "core") == 0 &&
		   strcmp(c->key, "autocrlf") == 0) {
		r->autocrlf = cfg_bool(v) || strcasecmp(v, "input") == 0;
	}
	return rc;
}

static int
cfg_parse(struct repo *r, struct cfg *c, struct err *e)
{
	size_t line;
	int rc = 0, ch;

	if (c->end - c->p >= 3 && memcmp(c->p, "\xef\xbb\xbf", 3) == 0)
		c->p += 3;
	while (rc == 0 && c->p < c->end) {
		ch = (unsigned char)*c->p;
		if (isspace(ch)) {
			c->p++;
		} else if (ch == '#' || ch == ';') {
			while (c->p < c->end && *c->p != '\n')
				c->p++;
		} else if (ch == '[') {
			if (cfg_header(c) != 0)
				rc = -1;
		} else if (isalpha(ch) && c->section[0] != '\0') {
			if (cfg_key(c) != 0)
				rc = -1;
			else
				rc = cfg_entry(r, c, e);
		} else {
			rc = -1;
		}
	}
	if (rc == -1) {
		for (line = 1; c->start < c->p; c->start++)
			line += *c->start == '\n';
		rc = err_set(e, EXIT_UNDECIDED, "%s:%zu: bad config syntax",
			     c->path, line);
	}
	return rc;
}

static int
repo_config(struct repo *r, struct err *e)
{
	struct cfg c;
	unsigned char *buf = NULL;
	char *path = NULL;
	size_t len = 0;
	int rc = 0;

	r->rawlen = 20;
	r->filemode = 1;
	path = path_join(r->commondir, "config");
	if (path == NULL)
		return oom(e);
	if (!is_regular(path))
		goto out;
	rc = file_read(&buf, &len, path, GITINFO_MAX_CONFIG_BYTES, e);
	if (rc != 0)
		goto out;
	if (memchr(buf, '\0', len) != NULL) {
		rc =
		    err_set(e, EXIT_UNDECIDED, "%s: contains a NUL byte", path);
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.start = c.p = (const char *)buf;
	c.end = c.p + len;
	c.path = path;
	c.val = malloc(len + 1);
	if (c.val == NULL) {
		rc = oom(e);
		goto out;
	}
	rc = cfg_parse(r, &c, e);
	free(c.val);
out:
	free(buf);
	free(path);
	return rc;
}

/* ---- refs ---- */

static int
refname_ok(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	unsigned char prev = '/';
	size_t n = 0;

	if (strncmp(name, "refs/", 5) != 0)
		return 0;
	for (; *s != '\0'; prev = *s++, n++) {
		if (*s <= 0x20 || *s == 0x7f || strchr("~^:?*[\\", *s) != NULL)
			return 0;
		if ((*s == '.' && (prev == '/' || prev == '.')) ||
		    (*s == '/' && prev == '/') || (*s == '{' && prev == '@'))
			return 0;
	}
	return n < 1024 && prev != '/' && prev != '.' &&
	       !str_has_suffix(name, ".lock");
}

static int
oid_take(char *hex, const char *text, size_t rawlen, const char *src,
	 struct err *e)
{
	size_t i;

	if (strlen(text) != 2 * rawlen || !hex_is_valid(text))
		return err_set(e, EXIT_UNDECIDED,
			       "%s: not a %zu-digit object id", src,
			       2 * rawlen);
	for (i = 0; i <= 2 * rawlen; i++)
		hex[i] = (char)tolower((unsigned char)text[i]);
	return 0;
}

static int
packed_lookup(char **out, const struct repo *r, const char *ref, struct err *e)
{
	unsigned char *buf = NULL;
	char *path = NULL, *line, *nl, *sp;
	size_t len = 0, reflen = strlen(ref);
	int rc = 0;

	*out = NULL;
	path = path_join(r->commondir, "packed-refs");
	if (path == NULL)
		return oom(e);
	if (is_regular(path))
		rc = file_read(&buf, &len, path, GITINFO_MAX_PACKED_REFS_BYTES,
			       e);
	for (line = (char *)buf; rc == 0 && line != NULL && *line != '\0';
	     line = nl == NULL ? NULL : nl + 1) {
		nl = strchr(line, '\n');
		if (line[0] == '#' || line[0] == '^')
			continue;
		sp = strchr(line, ' ');
		if (sp == NULL || (nl != NULL && sp > nl))
			continue;
		if ((nl == NULL ? strlen(sp + 1) : (size_t)(nl - sp - 1)) !=
			reflen ||
		    memcmp(sp + 1, ref, reflen) != 0)
			continue;
		*out = strndup(line, (size_t)(sp - line));
		if (*out == NULL)
			rc = oom(e);
		break;
	}
	if (rc == 0 && *out == NULL)
		rc = err_set(e, EXIT_UNDECIDED,
			     "%s: HEAD names %s, which has no commit yet",
			     r->workdir, ref);
	free(buf);
	free(path);
	return rc;
}

static const char *
ref_base(const struct repo *r, const char *ref)
{
	static const char *const own[] = {"refs/worktree/", "refs/bisect/",
					  "refs/rewritten/"};
	size_t i;

	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strncmp(ref, own[i], strlen(own[i])) == 0)
			return r->gitdir;
	return r->commondir;
}

/* One step: text becomes the content of ref (loose or packed). */
static int
ref_read(char **text, const struct repo *r, const char *ref, struct err *e)
{
	char *path;
	int rc;

	path = path_join(ref_base(r, ref), ref);
	if (path == NULL)
		return oom(e);
	if (is_regular(path))
		rc = read_small(text, path, e);
	else
		rc = packed_lookup(text, r, ref, e);
	free(path);
	return rc;
}

static int
head_resolve(char *hex, char **branch, const struct repo *r, struct err *e)
{
	char *text = NULL, *path = NULL, *name;
	char ref[1024];
	int depth, rc;

	*branch = NULL;
	path = path_join(r->gitdir, "HEAD");
	if (path == NULL)
		return oom(e);
	rc = read_small(&text, path, e);
	for (depth = 0; rc == 0; depth++) {
		if (strncmp(text, "ref:", 4) != 0) {
			rc = oid_take(hex, text, r->rawlen, path, e);
			break;
		}
		for (name = text + 4; *name == ' ' || *name == '\t'; name++)
			;
		if (!refname_ok(name) || depth >= GITINFO_MAX_SYMREF_DEPTH) {
			rc = err_set(e, EXIT_UNDECIDED,
				     "%s: bad or too deep symbolic ref", path);
			break;
		}
		if (depth == 0 && strncmp(name, "refs/heads/", 11) == 0 &&
		    (*branch = strdup(name + 11)) == NULL) {
			rc = oom(e);
			break;
		}
		snprintf(ref, sizeof(ref), "%s", name);
		free(text);
		text = NULL;
		rc = ref_read(&text, r, ref, e);
	}
	if (rc != 0) {
		free(*branch);
		*branch = NULL;
	}
	free(text);
	free(path);
	return rc;
}

/* ---- URLs and paths ---- */

static int
scheme_drops_user(const char *url, size_t len)
{
	static const char *const s[] = {"http", "https", "ftp", "ftps"};
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (strlen(s[i]) == len && strncasecmp(url, s[i], len) == 0)
			return 1;
	return 0;
}

/* Length of url's scheme when it has the form scheme://, else 0. */
static size_t
scheme_len(const char *url)
{
	const char *sep = strstr(url, "://");
	size_t i;

	if (sep == NULL || !isalpha((unsigned char)url[0]))
		return 0;
	for (i = 1; url + i < sep; i++)
		if (!isalnum((unsigned char)url[i]) &&
		    strchr("+.-", url[i]) == NULL)
			return 0;
	return (size_t)(sep - url);
}

int
gitinfo_url_redact(char **out, const char *url, struct err *e)
{
	size_t slen = scheme_len(url), n = strlen(url);
	const char *auth, *end, *at = NULL, *cut = NULL, *rest;
	char *r;

	auth = url + slen + 3;
	end = slen == 0 ? auth : auth + strcspn(auth, "/?#");
	for (rest = auth; rest < end; rest++)
		if (*rest == '@')
			at = rest;
	if (at != NULL && scheme_drops_user(url, slen))
		cut = auth, rest = at + 1;
	else if (at != NULL)
		cut = memchr(auth, ':', (size_t)(at - auth)), rest = at;
	if (cut == NULL)
		cut = rest = url + n;
	r = malloc(n + 1);
	if (r == NULL)
		return oom(e);
	memcpy(r, url, (size_t)(cut - url));
	memcpy(r + (cut - url), rest, n - (size_t)(rest - url) + 1);
	*out = r;
	return 0;
}

int
gitinfo_path_ok(const char *path, size_t len)
{
	size_t i, start = 0, n;

	if (len == 0 || len > GITINFO_MAX_PATH ||
	    memchr(path, '\0', len) != NULL)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		n = i - start;
		if (n == 0 || (n == 1 && path[start] == '.') ||
		    (n == 2 && memcmp(path + start, "..", 2) == 0) ||
		    (n == 4 && strncasecmp(path + start, ".git", 4) == 0))
			return 0;
		start = i + 1;
	}
	return 1;
}

/* ---- index ---- */

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
set_reason(struct gitinfo *g, int dirty, const char *why)
{
	g->dirty = dirty;
	snprintf(g->reason, sizeof(g->reason), "%s", why);
}

static int
index_open(struct index *ix, const unsigned char *buf, size_t len,
	   const EVP_MD *md, size_t rawlen, const char **why)
{
	unsigned char sum[RAW_MAX], zero[RAW_MAX] = {0};

	*why = "the index is corrupt";
	if (len < 12 + rawlen || memcmp(buf, "DIRC", 4) != 0)
		return -1;
	ix->buf = buf;
	ix->len = len - rawlen;
	ix->pos = 12;
	ix->version = be32(buf + 4);
	ix->count = be32(buf + 8);
	ix->rawlen = rawlen;
	if (memcmp(buf + ix->len, zero, rawlen) != 0 &&
	    (EVP_Digest(buf, ix->len, sum, NULL, md, NULL) != 1 ||
	     memcmp(sum, buf + ix->len, rawlen) != 0))
		return -1;
	if (ix->version != 2 && ix->version != 3) {
		*why = "the index format version is not 2 or 3";
		return -1;
	}
	if (ix->count > GITINFO_MAX_INDEX_ENTRIES) {
		*why = "the index has too many entries";
		return -1;
	}
	return 0;
}

static int
index_next(struct ientry *ie, struct index *ix)
{
	const unsigned char *p = ix->buf + ix->pos, *nul;
	size_t left = ix->len - ix->pos, fixed = 40 + ix->rawlen + 2, size;

	if (left < fixed)
		return -1;
	ie->ctime_s = be32(p);
	ie->ctime_ns = be32(p + 4);
	ie->mtime_s = be32(p + 8);
	ie->mtime_ns = be32(p + 12);
	ie->ino = be32(p + 20);
	ie->mode = be32(p + 24);
	ie->size = be32(p + 36);
	ie->oid = p + 40;
	ie->flags = (unsigned)p[40 + ix->rawlen] << 8 | p[41 + ix->rawlen];
	ie->xflags = 0;
	if (ie->flags & CE_EXTENDED) {
		if (ix->version < 3 || left < fixed + 2)
			return -1;
		ie->xflags = (unsigned)p[fixed] << 8 | p[fixed + 1];
		fixed += 2;
	}
	nul = memchr(p + fixed, '\0', left - fixed);
	if (nul == NULL)
		return -1;
	ie->name = (const char *)(p + fixed);
	ie->namelen = (size_t)(nul - (p + fixed));
	if ((ie->flags & CE_NAMEMASK) != CE_NAMEMASK
		? ie->namelen != (ie->flags & CE_NAMEMASK)
		: ie->namelen < CE_NAMEMASK)
		return -1;
	size = (fixed + ie->namelen + 8) & ~(size_t)7;
	if (size > left)
		return -1;
	ix->pos += size;
	return 0;
}

/* After the entries: 1 when the cached root tree is valid, 0 when not. */
static int
index_extensions(struct index *ix, const char **why)
{
	const unsigned char *p;
	uint32_t size;
	int tree_valid = 0;

	while (ix->pos < ix->len) {
		p = ix->buf + ix->pos;
		if (ix->len - ix->pos < 8)
			return -1;
		size = be32(p + 4);
		if (size > ix->len - ix->pos - 8)
			return -1;
		if (memcmp(p, "TREE", 4) == 0)
			tree_valid = size >= 2 && p[8] == '\0' && p[9] != '-';
		else if (p[0] >= 'a' && p[0] <= 'z' && memcmp(p, "sdir", 4)) {
			*why = "the index is split or has an unknown "
			       "required extension";
			return -1;
		}
		ix->pos += 8 + (size_t)size;
	}
	return tree_valid;
}

/* ---- work tree ---- */

/* The directory holding name, opened component by component. */
static int
wt_parent(struct wt *w, const char *name, size_t len, const char **leaf)
{
	char buf[GITINFO_MAX_PATH + 1], *comp, *slash;
	size_t dlen;
	int fd, next, saved;

	for (dlen = len; dlen > 0 && name[dlen - 1] != '/'; dlen--)
		;
	*leaf = name + dlen;
	if (dlen == 0)
		return w->rootfd;
	dlen--;
	if (w->dirfd >= 0 && w->dirlen == dlen &&
	    memcmp(w->dir, name, dlen) == 0)
		return w->dirfd;
	if (w->dirfd >= 0)
		close(w->dirfd);
	w->dirfd = -1;
	memcpy(buf, name, dlen);
	buf[dlen] = '\0';
	fd = w->rootfd;
	for (comp = buf; comp != NULL; comp = slash) {
		slash = strchr(comp, '/');
		if (slash != NULL)
			*slash++ = '\0';
		next = openat(fd, comp,
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		saved = errno;
		if (fd != w->rootfd)
			close(fd);
		if (next < 0) {
			errno = saved;
			return -1;
		}
		fd = next;
	}
	memcpy(w->dir, name, dlen);
	w->dirlen = dlen;
	w->dirfd = fd;
	return fd;
}

static int
missing_errno(int err)
{
	return err == ENOENT || err == ENOTDIR || err == ELOOP;
}

/* Git blob id of fd's content (fd >= 0) or of buf. */
static int
blob_hash(unsigned char *out, int *had_cr, struct wt *w, int fd,
	  const void *buf, unsigned long long size)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned long long total = 0;
	char head[32];
	ssize_t n;
	int hl, rc = -1;

	hl = snprintf(head, sizeof(head), "blob %llu", size);
	if (ctx == NULL || EVP_DigestInit_ex(ctx, w->md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, head, (size_t)hl + 1) != 1)
		goto out;
	if (fd < 0 && EVP_DigestUpdate(ctx, buf, (size_t)size) != 1)
		goto out;
	total = fd < 0 ? size : 0;
	while (fd >= 0) {
		n = read(fd, w->chunk, HASH_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (unsigned long long)n;
		*had_cr |= memchr(w->chunk, '\r', (size_t)n) != NULL;
		if (EVP_DigestUpdate(ctx, w->chunk, (size_t)n) != 1)
			goto out;
	}
	if (total == size && EVP_DigestFinal_ex(ctx, out, NULL) == 1)
		rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int
content_compare(struct wt *w, const struct ientry *ie, int dirfd,
		const char *leaf, const struct stat *st)
{
	unsigned char got[RAW_MAX];
	struct stat fst;
	int fd, rc, had_cr = 0;
	ssize_t n;

	if ((unsigned long long)st->st_size >
	    GITINFO_MAX_HASH_BYTES - w->hashed)
		return UNSURE;
	w->hashed += (unsigned long long)st->st_size;
	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(dirfd, leaf, (char *)w->chunk, HASH_CHUNK);
		if (n < 0 || n == HASH_CHUNK)
			return UNSURE;
		rc = blob_hash(got, &had_cr, w, -1, w->chunk,
			       (unsigned long long)n);
	} else {
		fd = openat(dirfd, leaf,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
				O_NOCTTY);
		if (fd < 0)
			return missing_errno(errno) ? DIFFERENT : UNSURE;
		rc = fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode) ||
			     fst.st_ino != st->st_ino
			 ? -1
			 : blob_hash(got, &had_cr, w, fd, NULL,
				     (unsigned long long)fst.st_size);
		close(fd);
	}
	if (rc != 0)
		return UNSURE;
	if (memcmp(got, ie->oid, w->r->rawlen) == 0)
		return SAME;
	if (S_ISREG(st->st_mode) && (w->conversions || (w->eol && had_cr)))
		return UNSURE;
	return DIFFERENT;
}

static int
stat_same(const struct wt *w, const struct ientry *ie, const struct stat *st)
{
	int racy = ie->mtime_s > (uint32_t)w->index_mtime.tv_sec ||
		   (ie->mtime_s == (uint32_t)w->index_mtime.tv_sec &&
		    ie->mtime_ns >= (uint32_t)w->index_mtime.tv_nsec);

	return !racy && ie->mtime_s == (uint32_t)st->st_mtim.tv_sec &&
	       ie->mtime_ns == (uint32_t)st->st_mtim.tv_nsec &&
	       ie->ctime_s == (uint32_t)st->st_ctim.tv_sec &&
	       ie->ctime_ns == (uint32_t)st->st_ctim.tv_nsec &&
	       ie->ino == (uint32_t)st->st_ino &&
	       ie->size == (uint32_t)st->st_size;
}

/* A gitlink: the submodule's HEAD against the recorded commit. */
static int
submodule_compare(const struct wt *w, const struct ientry *ie)
{
	struct err e = ERR_INIT;
	struct repo sr;
	char want[2 * RAW_MAX + 1], got[2 * RAW_MAX + 1], *top, *branch = NULL;
	int rc;

	memset(&sr, 0, sizeof(sr));
	top = path_join(w->r->workdir, ie->name);
	if (top == NULL)
		return UNSURE;
	rc = repo_at(&sr, top, &e);
	if (rc == 0) {
		free(top);
		return SAME; /* not checked out: git reports no change */
	}
	sr.rawlen = w->r->rawlen;
	if (rc == 1)
		sr.workdir = top;
	else
		free(top);
	if (rc == 1 && head_resolve(got, &branch, &sr, &e) == 0) {
		hex_encode(want, ie->oid, w->r->rawlen);
		rc = strcmp(want, got) == 0 ? SAME : DIFFERENT;
	} else {
		rc = UNSURE;
	}
	free(branch);
	repo_release(&sr);
	return rc;
}

static int
entry_compare(struct wt *w, const struct ientry *ie)
{
	const char *leaf;
	struct stat st;
	unsigned type = ie->mode & 0170000;
	int dirfd;

	if (ie->flags & CE_STAGEMASK)
		return DIFFERENT; /* unmerged */
	if (ie->xflags & CE_SKIP_WORKTREE)
		return SAME;
	if (ie->xflags & CE_INTENT_TO_ADD)
		return DIFFERENT;
	dirfd = wt_parent(w, ie->name, ie->namelen, &leaf);
	if (dirfd < 0)
		return missing_errno(errno) ? DIFFERENT : UNSURE;
	if (fstatat(dirfd, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return missing_errno(errno) ? DIFFERENT : UNSURE;
	if (type == 0160000)
		return S_ISDIR(st.st_mode) ? submodule_compare(w, ie)
					   : DIFFERENT;
	if (type == 0100000) {
		if (!S_ISREG(st.st_mode))
			return DIFFERENT;
		if (w->r->filemode &&
		    !(ie->mode & 0100) != !(st.st_mode & S_IXUSR))
			return DIFFERENT;
	} else if (type == 0120000) {
		if (!S_ISLNK(st.st_mode))
			return DIFFERENT;
	} else {
		return UNSURE;
	}
	if (stat_same(w, ie, &st))
		return SAME;
	return content_compare(w, ie, dirfd, leaf, &st);
}

static void
attributes_scan(struct wt *w, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *t;
	size_t n;

	while (p < end) {
		p += strspn(p, " \t\r\n");
		if (p < end && *p == '#')
			p += strcspn(p, "\n");
		p += strcspn(p, " \t\r\n"); /* the pattern */
		while (p < end && (*p == ' ' || *p == '\t')) {
			p += strspn(p, " \t");
			t = p;
			n = strcspn(p, " \t\r\n");
			p += n;
			if ((n >= 7 && strncmp(t, "filter=", 7) == 0) ||
			    (n == 5 && strncmp(t, "ident", 5) == 0) ||
			    (n >= 22 &&
			     strncmp(t, "working-tree-encoding=", 22) == 0))
				w->conversions = 1;
			if ((n == 4 && strncmp(t, "text", 4) == 0) ||
			    (n >= 5 && strncmp(t, "text=", 5) == 0) ||
			    (n >= 4 && strncmp(t, "eol=", 4) == 0) ||
			    (n == 4 && strncmp(t, "crlf", 4) == 0))
				w->eol = 1;
		}
	}
}

/* A .gitattributes in the work tree, read without following links. */
static void
attributes_read(struct wt *w, const struct ientry *ie)
{
	const char *leaf;
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int dirfd, fd;

	dirfd = wt_parent(w, ie->name, ie->namelen, &leaf);
	if (dirfd < 0)
		return;
	fd = openat(dirfd, leaf,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > GITINFO_MAX_ATTRIBUTES_BYTES ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		w->conversions = 1; /* cannot tell: assume the worst */
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	attributes_scan(w, buf, strlen(buf));
out:
	free(buf);
	close(fd);
}

static void
note_path(struct gitinfo *g, const struct ientry *ie)
{
	if (g->ndirty < GITINFO_MAX_DIRTY_PATHS &&
	    (g->dirty_paths[g->ndirty] = strndup(ie->name, ie->namelen)) !=
		NULL)
		g->ndirty++;
}

/* Pass 1: every entry well formed and safe; attributes noted. */
static int
index_check(struct wt *w, struct index *ix, const char **why)
{
	const size_t k = sizeof(".gitattributes") - 1;
	struct ientry ie = {0};
	size_t base;
	uint32_t i;

	*why = "the index is corrupt";
	for (i = 0; i < ix->count; i++) {
		if (index_next(&ie, ix) != 0)
			return -1;
		if (!gitinfo_path_ok(ie.name, ie.namelen)) {
			*why = "the index names an unsafe path";
			return -1;
		}
		base = ie.namelen >= k ? ie.namelen - k : 0;
		if ((base == 0 || ie.name[base - 1] == '/') &&
		    strcmp(ie.name + base, ".gitattributes") == 0 &&
		    !(ie.xflags & CE_SKIP_WORKTREE))
			attributes_read(w, &ie);
	}
	return index_extensions(ix, why);
}

static void
index_compare(struct gitinfo *g, struct wt *w, struct index *ix, int tree_valid)
{
	struct ientry ie = {0};
	size_t changed = 0, unsure = 0;
	uint32_t i;
	int rc;

	ix->pos = 12;
	for (i = 0; i < ix->count && changed < GITINFO_MAX_DIRTY_PATHS; i++) {
		index_next(&ie, ix);
		rc = entry_compare(w, &ie);
		if (rc == SAME)
			continue;
		changed += rc == DIFFERENT;
		unsure += rc == UNSURE;
		note_path(g, &ie);
	}
	if (changed > 0)
		set_reason(g, 1, "tracked files differ from the index");
	else if (unsure > 0)
		set_reason(g, -1,
			   "tracked files may differ from the index "
			   "(filters, CRLF conversion, unreadable "
			   "files or too much to hash)");
	else if (!tree_valid)
		set_reason(g, -1,
			   "staged changes cannot be ruled out (the "
			   "index's cached root tree is invalid)");
	else
		set_reason(g, 0, "");
}

static void
wt_attributes_info(struct wt *w)
{
	unsigned char *buf = NULL;
	char *path;
	size_t len = 0;

	path = path_join(w->r->commondir, "info/attributes");
	if (path != NULL && is_regular(path)) {
		if (file_read(&buf, &len, path, GITINFO_MAX_ATTRIBUTES_BYTES,
			      NULL) == 0)
			attributes_scan(w, (char *)buf, strlen((char *)buf));
		else
			w->conversions = 1;
	}
	free(buf);
	free(path);
}

static void
dirty_check(struct gitinfo *g, const struct repo *r)
{
	struct wt w;
	struct index ix;
	struct stat st;
	unsigned char *buf = NULL;
	char *path;
	const char *why = "the index cannot be read";
	size_t len = 0;
	int tree_valid;

	memset(&w, 0, sizeof(w));
	w.r = r;
	w.md = r->rawlen == 32 ? EVP_sha256() : EVP_sha1();
	w.rootfd = w.dirfd = -1;
	w.eol = r->autocrlf;
	path = path_join(r->gitdir, "index");
	if (path == NULL || stat(path, &st) != 0 ||
	    file_read(&buf, &len, path, GITINFO_MAX_INDEX_BYTES, NULL) != 0)
		goto unknown;
	w.index_mtime = st.st_mtim;
	w.chunk = malloc(HASH_CHUNK);
	w.rootfd = open(r->workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.chunk == NULL || w.rootfd < 0)
		goto unknown;
	if (index_open(&ix, buf, len, w.md, r->rawlen, &why) != 0)
		goto unknown;
	wt_attributes_info(&w);
	tree_valid = index_check(&w, &ix, &why);
	if (tree_valid < 0)
		goto unknown;
	index_compare(g, &w, &ix, tree_valid);
	goto out;
unknown:
	set_reason(g, -1, why);
out:
	if (w.dirfd >= 0)
		close(w.dirfd);
	if (w.rootfd >= 0)
		close(w.rootfd);
	free(w.chunk);
	free(buf);
	free(path);
}

/* ---- public ---- */

int
gitinfo_read(struct gitinfo **out, const char *dir, struct err *e)
{
	struct gitinfo *g = NULL;
	struct repo r;
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return oom(e);
	rc = repo_find(&r, dir, e);
	if (rc == 0)
		rc = repo_config(&r, e);
	if (rc == 0)
		rc = head_resolve(g->commit, &g->branch, &r, e);
	if (rc == 0 && (r.origin_url != NULL || r.first_url != NULL))
		rc = gitinfo_url_redact(
		    &g->remote_url,
		    r.origin_url != NULL ? r.origin_url : r.first_url, e);
	if (rc != 0)
		goto out;
	dirty_check(g, &r);
	g->workdir = r.workdir;
	r.workdir = NULL;
	*out = g;
	g = NULL;
out:
	repo_release(&r);
	gitinfo_free(g);
	return rc;
}

const char *
gitinfo_commit(const struct gitinfo *g)
{
	return g->commit;
}

const char *
gitinfo_branch(const struct gitinfo *g)
{
	return g->branch;
}

const char *
gitinfo_remote_url(const struct gitinfo *g)
{
	return g->remote_url;
}

const char *
gitinfo_workdir(const struct gitinfo *g)
{
	return g->workdir;
}

int
gitinfo_dirty(const struct gitinfo *g)
{
	return g->dirty;
}

const char *
gitinfo_dirty_reason(const struct gitinfo *g)
{
	return g->dirty == 0 ? NULL : g->reason;
}

const char *const *
gitinfo_dirty_paths(const struct gitinfo *g)
{
	return (const char *const *)g->dirty_paths;
}

void
gitinfo_free(struct gitinfo *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->ndirty; i++)
		free(g->dirty_paths[i]);
	free(g->branch);
	free(g->remote_url);
	free(g->workdir);
	free(g);
}
