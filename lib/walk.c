/*
 * Tree walk for the digest engine (see walk.h). A few threads take
 * directories from a shared stack; each directory is opened beneath the
 * root with openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS and must be the
 * inode its parent listed, and its entries are examined with fstatat
 * (AT_SYMLINK_NOFOLLOW) on its fd, so a path swapped under us cannot lead
 * out of the tree. Files are listed with their device and inode, which
 * the hashing workers check again when they open them.
 */
/* O_PATH: a link target is checked before it is opened for reading. */
#define _GNU_SOURCE
#include "lib/walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/dynbuf.h"
#include "lib/fileio.h"
#include "lib/text.h"

#if defined(__linux__) && defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#include <sys/syscall.h>
#define WALK_HAVE_OPENAT2 1
#endif
#endif

#define WALK_SHOWN_MAX 256

/* SPEC-TREE-5: model_signing's default ignores, then its signature. */
const char *const digest_meta_paths[DIGEST_N_META_PATHS] = {
    ".git", ".gitignore", ".gitattributes", ".github", DIGEST_META_SIGNATURE};
#define WALK_PROGRESS_EVERY 65536
#define WALK_BATCH 4096

struct qdir {
	size_t off; /* of its path in qpaths */
	uint64_t dev, ino;
	unsigned depth;
	int inside;
};

/* Shared by the walker threads: a stack of directories still to read. */
struct shared {
	struct walk *w;
	const struct digest_opts *o;
	const char **ignore; /* sorted copy of o->ignore */
	char *rootreal;	     /* realpath of the root, for symlinks */
	size_t rootreal_len; /* 0 when the root is "/" */
	char *linkreal;	     /* realpath of links_within, or NULL */
	size_t linkreal_len; /* 0 when it is "/" */
	int within_errno;    /* links_within does not exist (yet) */
	pthread_mutex_t lock;
	pthread_cond_t cv;
	struct qdir *q;
	size_t nq, capq;
	char *qpaths;
	size_t qlen, qcap;
	unsigned busy;
	int stop, failed;
	uint64_t reported;
	struct err err;
};

/* One per walker thread; files of the directory being read are batched
 * and appended to the walk under the lock. */
struct walker {
	struct shared *s;
	struct err e;
	struct walk_file *files;
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
	uint64_t bytes;
	unsigned depth;
	int caller; /* the calling thread, which reports progress */
	size_t len;
	char path[DIGEST_MAX_PATH + 1];
};

static int
utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0, k, n;
	unsigned long cp;

	while (i < len) {
		if (s[i] < 0x80) {
			if (s[i] < 0x20 || s[i] == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 1, cp = s[i] & 0x1f;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 2, cp = s[i] & 0x0f;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 3, cp = s[i] & 0x07;
		else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		/* C1 controls: U+009B is CSI on some terminals. */
		if (cp >= 0x80 && cp <= 0x9f)
			return 0;
		i += n + 1;
	}
	return 1;
}

static int
name_ok(const char *s, size_t len)
{
	if (len == 0 || memchr(s, '/', len) != NULL)
		return 0;
	if ((len == 1 && s[0] == '.') || (len == 2 && memcmp(s, "..", 2) == 0))
		return 0;
	return utf8_ok((const unsigned char *)s, len);
}

int
walk_path_ok(const char *p, size_t len)
{
	const char *end = p + len, *slash;

	if (len == 0 || len > DIGEST_MAX_PATH || memchr(p, '\0', len) != NULL)
		return 0;
	for (;;) {
		slash = memchr(p, '/', (size_t)(end - p));
		if (slash == NULL)
			return name_ok(p, (size_t)(end - p));
		if (!name_ok(p, (size_t)(slash - p)))
			return 0;
		p = slash + 1;
	}
}

/* "root/rel", escaped, for messages. */
static const char *
shown(char *buf, size_t cap, const char *root, const char *rel)
{
	size_t n;

	text_escape(buf, cap, root);
	if (rel == NULL || rel[0] == '\0')
		return buf;
	n = strlen(buf);
	if (n + 2 < cap) {
		if (!str_has_suffix(root, "/"))
			buf[n++] = '/';
		text_escape(buf + n, cap - n, rel);
	}
	return buf;
}

static const char *
here(struct walker *k, char *buf, size_t cap)
{
	return shown(buf, cap, k->s->w->root, k->path);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
check_list(const char *const *list, size_t n, const char *what, struct err *e)
{
	char buf[WALK_SHOWN_MAX];
	size_t i;

	if (n > DIGEST_MAX_LIST)
		return err_set(e, EXIT_USAGE, "more than %d %s paths",
			       DIGEST_MAX_LIST, what);
	for (i = 0; i < n; i++) {
		if (list[i] != NULL && walk_path_ok(list[i], strlen(list[i])))
			continue;
		text_escape(buf, sizeof(buf), list[i] ? list[i] : "(null)");
		return err_set(e, EXIT_USAGE,
			       "%s path %s is not a relative "
			       "path inside the tree",
			       what, buf);
	}
	return 0;
}

static int
meta_path(const char *name)
{
	size_t i;

	for (i = 0; i < DIGEST_N_META_PATHS; i++)
		if (strcmp(name, digest_meta_paths[i]) == 0)
			return 1;
	return 0;
}

static int
ignored(const struct walker *k)
{
	const char *key = k->path;

	return k->s->o->n_ignore > 0 &&
	       bsearch(&key, k->s->ignore, k->s->o->n_ignore,
		       sizeof(*k->s->ignore), cmp_str) != NULL;
}

/* 2: the path is listed in only (or only is empty); 1: it is a directory
 * on the way to a listed path; 0: neither. */
static int
only_match(const struct walker *k)
{
	const struct digest_opts *o = k->s->o;
	const char *p;
	size_t i, n;
	int best = 0;

	if (o->n_only == 0)
		return 2;
	for (i = 0; i < o->n_only; i++) {
		p = o->only[i];
		n = strlen(p);
		if (n == k->len && memcmp(p, k->path, n) == 0)
			return 2;
		if (n > k->len && p[k->len] == '/' &&
		    memcmp(p, k->path, k->len) == 0)
			best = 1;
	}
	return best;
}

/* Room for need elements of size bytes: at most DIGEST_MAX_ENTRIES of
 * them, or that many paths' bytes for a name buffer (size 1). */
static int
grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t max = size == 1
			 ? (size_t)DIGEST_MAX_ENTRIES * (DIGEST_MAX_PATH + 1)
			 : (size_t)DIGEST_MAX_ENTRIES;

	return dynarr_reserve(v, cap, need, size, max) == 0 ? 0 : -1;
}

static void
progress_maybe(struct walker *k, size_t n, uint64_t bytes)
{
	const struct digest_opts *o = k->s->o;

	if (k->caller && o->progress != NULL &&
	    n >= k->s->reported + WALK_PROGRESS_EVERY) {
		k->s->reported = n;
		o->progress(o->progress_arg, 0, 0, n, bytes);
	}
}

/* Appends the batch to the walk. */
static int
flush(struct walker *k)
{
	struct walk *w = k->s->w;
	size_t i, n = 0;
	uint64_t bytes = 0;
	int rc = 0;

	if (k->n == 0)
		return 0;
	pthread_mutex_lock(&k->s->lock);
	if (w->n + k->n > DIGEST_MAX_ENTRIES)
		rc = err_set(&k->e, EXIT_REJECTED, "%s: more than %d files",
			     w->root, DIGEST_MAX_ENTRIES);
	else if (grow((void **)&w->files, &w->cap, w->n + k->n,
		      sizeof(*w->files)) != 0 ||
		 grow((void **)&w->names, &w->names_cap,
		      w->names_len + k->names_len, 1) != 0)
		rc = err_set(&k->e, EXIT_UNDECIDED, "out of memory");
	if (rc == 0) {
		for (i = 0; i < k->n; i++) {
			k->files[i].u.off += w->names_len;
			w->files[w->n++] = k->files[i];
		}
		memcpy(w->names + w->names_len, k->names, k->names_len);
		w->names_len += k->names_len;
		w->bytes += k->bytes;
		n = w->n;
		bytes = w->bytes;
	}
	pthread_mutex_unlock(&k->s->lock);
	k->n = k->names_len = 0;
	k->bytes = 0;
	if (rc == 0)
		progress_maybe(k, n, bytes);
	return rc;
}

static int
add_file(struct walker *k, const struct stat *st, const char *target,
	 size_t tlen, int within)
{
	size_t need = k->names_len + k->len + 1 + (tlen ? tlen + 1 : 0);
	struct walk_file *f;

	if (grow((void **)&k->files, &k->cap, k->n + 1, sizeof(*f)) != 0 ||
	    grow((void **)&k->names, &k->names_cap, need, 1) != 0)
		return err_set(&k->e, EXIT_UNDECIDED, "out of memory");
	f = &k->files[k->n++];
	f->u.off = k->names_len;
	f->size = (uint64_t)st->st_size;
	f->dev = (uint64_t)st->st_dev;
	f->ino = (uint64_t)st->st_ino;
	f->path_len = (uint32_t)k->len;
	f->target_len = (uint32_t)tlen;
	f->within = within;
	memcpy(k->names + k->names_len, k->path, k->len + 1);
	k->names_len += k->len + 1;
	if (tlen) {
		memcpy(k->names + k->names_len, target, tlen + 1);
		k->names_len += tlen + 1;
	}
	k->bytes += f->size;
	return k->n >= WALK_BATCH ? flush(k) : 0;
}

/* *out = the realpath of the open fd; *len 0 for "/". */
static int
fd_realpath(char **out, size_t *len, int fd, const char *what, struct err *e)
{
	char proc[64], buf[WALK_SHOWN_MAX];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	*out = realpath(proc, NULL);
	if (*out == NULL)
		return err_sys(e, EXIT_UNDECIDED, errno,
			       "%s: cannot resolve (is /proc mounted?)",
			       shown(buf, sizeof(buf), what, NULL));
	*len = strcmp(*out, "/") == 0 ? 0 : strlen(*out);
	return 0;
}

/* *rel = real below base (len bytes), or 0 when it is not below. */
static int
below(const char **rel, const char *real, const char *base, size_t len)
{
	if (base == NULL || strncmp(real, base, len) != 0 || real[len] != '/' ||
	    real[len + 1] == '\0')
		return 0;
	*rel = real + len + 1;
	return 1;
}

static int open_beneath(int dfd, const char *rel, int flags);

/* Opens the resolved target rel beneath base without following links
 * (SPEC-LINK-8) and checks it is still the file real names. */
static int
open_target(struct walker *k, struct stat *st, int base, const char *rel,
	    const char *real)
{
	char buf[WALK_SHOWN_MAX], *again = NULL;
	size_t len;
	int fd, rc = 0;

	fd = open_beneath(base, rel, O_PATH | O_NOFOLLOW);
	if (fd < 0)
		return errno == ELOOP || errno == EXDEV || errno == ENOENT
			   ? err_set(&k->e, EXIT_UNDECIDED,
				     "%s: symbolic link target changed during "
				     "the walk",
				     here(k, buf, sizeof(buf)))
			   : err_sys(&k->e, EXIT_UNDECIDED, errno, "%s",
				     here(k, buf, sizeof(buf)));
	if (fstat(fd, st) != 0)
		rc = err_sys(&k->e, EXIT_UNDECIDED, errno, "%s",
			     here(k, buf, sizeof(buf)));
	else if (fd_realpath(&again, &len, fd, k->s->w->root, &k->e) != 0)
		rc = -EXIT_UNDECIDED;
	else if (strcmp(again, real) != 0)
		rc = err_set(&k->e, EXIT_UNDECIDED,
			     "%s: symbolic link target changed during the walk",
			     here(k, buf, sizeof(buf)));
	free(again);
	close(fd);
	return rc;
}

/* Allowed symlinks: hashed as their target when it is a regular file
 * under links_within (SPEC-LINK-7) or, with allow_symlinks, inside the
 * root, found by resolving the link through the root's fd. */
static int
add_link(struct walker *k)
{
	char proc[64 + DIGEST_MAX_PATH], buf[WALK_SHOWN_MAX];
	char dir[WALK_SHOWN_MAX];
	const struct shared *s = k->s;
	const char *target = NULL;
	char *real = NULL;
	struct stat st;
	int rc = 0, within;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", s->w->rootfd,
		 k->path);
	real = realpath(proc, NULL);
	if (real == NULL) {
		rc = errno == ENOENT || errno == ELOOP || errno == ENOTDIR
			 ? err_sys(&k->e, EXIT_REJECTED, errno,
				   "%s: symbolic link does not resolve",
				   here(k, buf, sizeof(buf)))
			 : err_sys(&k->e, EXIT_UNDECIDED, errno, "%s",
				   here(k, buf, sizeof(buf)));
		goto out;
	}
	within = below(&target, real, s->linkreal, s->linkreal_len);
	if (!within && !(s->o->allow_symlinks &&
			 below(&target, real, s->rootreal, s->rootreal_len))) {
		text_escape(dir, sizeof(dir),
			    s->linkreal ? s->o->links_within : "");
		rc = s->linkreal != NULL
			 ? err_set(&k->e, EXIT_REJECTED,
				   "%s: symbolic link points outside %s",
				   here(k, buf, sizeof(buf)), dir)
			 : err_set(&k->e, EXIT_REJECTED,
				   "%s: symbolic link points outside the tree "
				   "(--follow-links-within DIR follows links "
				   "into DIR, e.g. a Hugging Face cache)",
				   here(k, buf, sizeof(buf)));
		goto out;
	}
	rc = open_target(k, &st, within ? s->w->linkfd : s->w->rootfd, target,
			 real);
	if (rc != 0)
		goto out;
	if (!S_ISREG(st.st_mode) || !walk_path_ok(target, strlen(target))) {
		rc = err_set(&k->e, EXIT_REJECTED,
			     "%s: symbolic link to a %s refused",
			     here(k, buf, sizeof(buf)),
			     S_ISDIR(st.st_mode)   ? "directory"
			     : S_ISREG(st.st_mode) ? "file with a refused name"
						   : "special file");
		goto out;
	}
	rc = add_file(k, &st, target, strlen(target), within);
out:
	free(real);
	return rc;
}

static const char *
kind_name(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "FIFO";
	if (S_ISSOCK(mode))
		return "socket";
	if (S_ISCHR(mode))
		return "character device";
	if (S_ISBLK(mode))
		return "block device";
	return "special file";
}

static int
open_beneath(int dfd, const char *rel, int flags)
{
#ifdef WALK_HAVE_OPENAT2
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)(flags | O_CLOEXEC);
	how.resolve =
	    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
	/* Older kernels lack openat2; some sandboxes deny it. */
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return (int)fd;
#endif
	return openat(dfd, rel, flags | O_CLOEXEC);
}

/* Queues the directory at k->path for a walker. */
static int
push_dir(struct walker *k, const struct stat *st, int inside)
{
	struct shared *s = k->s;
	char buf[WALK_SHOWN_MAX];
	int rc = 0;

	if (k->depth + 1 > DIGEST_MAX_DEPTH)
		return err_set(&k->e, EXIT_REJECTED,
			       "%s: nested deeper than %d directories",
			       here(k, buf, sizeof(buf)), DIGEST_MAX_DEPTH);
	pthread_mutex_lock(&s->lock);
	if (grow((void **)&s->q, &s->capq, s->nq + 1, sizeof(*s->q)) != 0 ||
	    grow((void **)&s->qpaths, &s->qcap, s->qlen + k->len + 1, 1) != 0) {
		rc = err_set(&k->e, EXIT_UNDECIDED, "out of memory");
	} else {
		s->q[s->nq].off = s->qlen;
		s->q[s->nq].dev = (uint64_t)st->st_dev;
		s->q[s->nq].ino = (uint64_t)st->st_ino;
		s->q[s->nq].depth = k->depth + 1;
		s->q[s->nq++].inside = inside;
		memcpy(s->qpaths + s->qlen, k->path, k->len + 1);
		s->qlen += k->len + 1;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Takes the next directory into k->path; 0 when the walk is over. */
static int
pop_dir(struct walker *k, struct qdir *d)
{
	struct shared *s = k->s;
	int got = 0;

	pthread_mutex_lock(&s->lock);
	while (!s->stop && s->nq == 0 && s->busy > 0)
		pthread_cond_wait(&s->cv, &s->lock);
	if (!s->stop && s->nq > 0) {
		*d = s->q[--s->nq];
		k->len = strlen(s->qpaths + d->off);
		memcpy(k->path, s->qpaths + d->off, k->len + 1);
		if (s->nq == 0)
			s->qlen = 0;
		s->busy++;
		got = 1;
	}
	pthread_mutex_unlock(&s->lock);
	return got;
}

static void
done_dir(struct shared *s)
{
	pthread_mutex_lock(&s->lock);
	if (--s->busy == 0 && s->nq == 0)
		pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->lock);
}

static void
fail(struct walker *k)
{
	struct shared *s = k->s;

	pthread_mutex_lock(&s->lock);
	if (!s->failed)
		s->err = k->e;
	s->failed = 1;
	s->stop = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->lock);
}

static int
walk_entry(struct walker *k, int dfd, const char *name, int inside)
{
	size_t nlen = strlen(name), old = k->len;
	char buf[WALK_SHOWN_MAX];
	struct stat st;
	int rc = 0, match;

	if (old + (old ? 1 : 0) + nlen > DIGEST_MAX_PATH) {
		text_escape(buf, sizeof(buf), name);
		return err_set(&k->e, EXIT_REJECTED,
			       "%s: path longer than %d bytes under %s", buf,
			       DIGEST_MAX_PATH, k->s->w->root);
	}
	if (old)
		k->path[k->len++] = '/';
	memcpy(k->path + k->len, name, nlen + 1);
	k->len += nlen;
	match = inside ? 2 : only_match(k);
	if (match == 0 || ignored(k) || (old == 0 && meta_path(name)))
		goto out;
	if (!name_ok(name, nlen)) {
		rc = err_set(&k->e, EXIT_REJECTED,
			     "%s: name is not UTF-8 or has control characters",
			     here(k, buf, sizeof(buf)));
		goto out;
	}
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		rc = err_sys(&k->e, EXIT_UNDECIDED, errno, "%s",
			     here(k, buf, sizeof(buf)));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = push_dir(k, &st, match == 2);
	} else if (match != 2) {
		/* a file on the way to a listed path: not listed itself */
	} else if (S_ISREG(st.st_mode)) {
		rc = add_file(k, &st, NULL, 0, 0);
	} else if (S_ISLNK(st.st_mode) && k->s->within_errno != 0) {
		text_escape(buf, sizeof(buf), k->s->o->links_within);
		rc = err_sys(&k->e, EXIT_UNDECIDED, k->s->within_errno,
			     "--follow-links-within %s", buf);
	} else if (S_ISLNK(st.st_mode) &&
		   (k->s->o->allow_symlinks || k->s->linkreal != NULL)) {
		rc = add_link(k);
	} else if (S_ISLNK(st.st_mode)) {
		rc = err_set(&k->e, EXIT_REJECTED,
			     "%s: symbolic link refused (symlinks not allowed; "
			     "--follow-links-within DIR follows links into "
			     "DIR, e.g. a Hugging Face cache)",
			     here(k, buf, sizeof(buf)));
	} else {
		rc = err_set(&k->e, EXIT_REJECTED,
			     "%s: %s refused, only regular files are hashed",
			     here(k, buf, sizeof(buf)), kind_name(st.st_mode));
	}
out:
	k->len = old;
	k->path[old] = '\0';
	return rc;
}

/* Opens the queued directory d (at k->path), checking it is the one the
 * parent's walk saw. */
static int
open_dir(struct walker *k, const struct qdir *d, int *fd)
{
	const struct walk *w = k->s->w;
	char buf[WALK_SHOWN_MAX];
	struct stat st;

	*fd =
	    d->depth == 0
		? fcntl(w->rootfd, F_DUPFD_CLOEXEC, 0)
		: open_beneath(w->rootfd, k->path,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0)
		return err_sys(&k->e, EXIT_UNDECIDED, errno, "%s",
			       here(k, buf, sizeof(buf)));
	if (fstat(*fd, &st) != 0 || (uint64_t)st.st_dev != d->dev ||
	    (uint64_t)st.st_ino != d->ino) {
		close(*fd);
		*fd = -1;
		return err_set(&k->e, EXIT_UNDECIDED,
			       "%s: directory changed during the walk",
			       here(k, buf, sizeof(buf)));
	}
	return 0;
}

static int
walk_dir(struct walker *k, const struct qdir *q)
{
	char buf[WALK_SHOWN_MAX];
	struct dirent *de;
	DIR *d;
	int fd, rc;

	if ((rc = open_dir(k, q, &fd)) != 0)
		return rc;
	d = fdopendir(fd);
	if (d == NULL) {
		rc = err_sys(&k->e, EXIT_UNDECIDED, errno, "%s",
			     here(k, buf, sizeof(buf)));
		close(fd);
		return rc;
	}
	k->depth = q->depth;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				rc = err_sys(&k->e, EXIT_UNDECIDED, errno, "%s",
					     here(k, buf, sizeof(buf)));
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		rc = walk_entry(k, dirfd(d), de->d_name, q->inside);
		if (rc != 0)
			break;
	}
	closedir(d);
	return rc == 0 ? flush(k) : rc;
}

static void *
walker_main(void *arg)
{
	struct walker *k = arg;
	struct qdir d;

	while (pop_dir(k, &d)) {
		if (walk_dir(k, &d) != 0)
			fail(k);
		done_dir(k->s);
	}
	return NULL;
}

static void
walker_clear(struct walker *k)
{
	free(k->files);
	free(k->names);
}

static int
walk_single(struct walker *k, const struct stat *st)
{
	const char *root = k->s->w->root, *base = strrchr(root, '/');
	char buf[WALK_SHOWN_MAX];
	int rc;

	base = base ? base + 1 : root;
	k->len = strlen(base);
	if (!name_ok(base, k->len)) {
		text_escape(buf, sizeof(buf), root);
		return err_set(
		    &k->e, EXIT_REJECTED,
		    "%s: name is not UTF-8 or has control characters", buf);
	}
	memcpy(k->path, base, k->len + 1);
	if (only_match(k) != 2 || ignored(k))
		return 0;
	rc = add_file(k, st, NULL, 0, 0);
	return rc == 0 ? flush(k) : rc;
}

static int
cmp_file(const void *a, const void *b)
{
	const struct walk_file *x = a, *y = b;
	size_t n = x->path_len < y->path_len ? x->path_len : y->path_len;
	int c = memcmp(x->u.path, y->u.path, n);

	if (c != 0)
		return c;
	return (x->path_len > y->path_len) - (x->path_len < y->path_len);
}

static void
finish(struct walk *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		w->files[i].u.path = w->names + w->files[i].u.off;
	qsort(w->files, w->n, sizeof(*w->files), cmp_file);
}

/* Walks the directory root with threads walkers, this thread among them. */
static int
walk_threads(struct shared *s, struct walker *k, unsigned threads,
	     const struct stat *st)
{
	pthread_t tid[DIGEST_MAX_JOBS];
	unsigned i, started = 0;

	s->q[0] =
	    (struct qdir){0, (uint64_t)st->st_dev, (uint64_t)st->st_ino, 0, 0};
	s->qpaths[0] = '\0';
	s->nq = 1;
	s->qlen = 1;
	for (i = 0; i < threads; i++) {
		k[i].s = s;
		k[i].caller = i == 0;
	}
	for (i = 1; i < threads; i++) {
		if (pthread_create(&tid[i], NULL, walker_main, &k[i]) != 0)
			break;
		started++;
	}
	walker_main(&k[0]);
	for (i = 1; i <= started; i++)
		pthread_join(tid[i], NULL);
	return s->failed ? -s->err.code : 0;
}

/* SPEC-LINK-7: the directory links may resolve into, and its realpath. */
static int
open_within(struct shared *s, struct err *e)
{
	const char *dir = s->o->links_within;
	char buf[WALK_SHOWN_MAX];
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
	/* A tree hashed before DIR exists (attest run's inputs) is fine as
	 * long as it holds no link. */
	if (fd < 0 && errno == ENOENT) {
		s->within_errno = errno;
		return 0;
	}
	if (fd < 0)
		return errno == ENOTDIR
			   ? err_set(e, EXIT_USAGE,
				     "--follow-links-within %s: not a "
				     "directory",
				     shown(buf, sizeof(buf), dir, NULL))
			   : err_sys(e, EXIT_UNDECIDED, errno,
				     "--follow-links-within %s",
				     shown(buf, sizeof(buf), dir, NULL));
	s->w->linkfd = fd;
	return fd_realpath(&s->linkreal, &s->linkreal_len, fd, dir, e);
}

static int
walk_start(struct shared *s, struct walker *k, unsigned threads, struct err *e)
{
	const char *root = s->w->root;
	char buf[WALK_SHOWN_MAX];
	struct stat st;
	int fd, rc;

	fd = open(root, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = err_sys(e, EXIT_UNDECIDED, errno, "%s",
			     shown(buf, sizeof(buf), root, NULL));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (S_ISREG(st.st_mode)) {
		s->w->filefd = fd;
		k->s = s;
		rc = walk_single(k, &st);
		if (rc != 0 && e != NULL)
			*e = k->e;
		return rc;
	}
	if (!S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(e, EXIT_REJECTED,
			       "%s: not a directory or a regular file",
			       shown(buf, sizeof(buf), root, NULL));
	}
	s->w->rootfd = fd;
	if (s->o->allow_symlinks &&
	    (rc = fd_realpath(&s->rootreal, &s->rootreal_len, fd, root, e)) !=
		0)
		return rc;
	if (s->o->links_within != NULL && (rc = open_within(s, e)) != 0)
		return rc;
	rc = walk_threads(s, k, threads, &st);
	if (rc != 0 && e != NULL)
		*e = s->err;
	return rc;
}

int
walk_tree(struct walk *w, const char *root, const struct digest_opts *o,
	  unsigned threads, struct err *e)
{
	struct shared s;
	struct walker *k = NULL;
	unsigned i;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	w->root = root;
	s.w = w;
	s.o = o;
	if ((rc = check_list(o->ignore, o->n_ignore, "ignore", e)) != 0 ||
	    (rc = check_list(o->only, o->n_only, "only", e)) != 0)
		return rc;
	threads = threads < 1 ? 1 : threads;
	k = calloc(threads, sizeof(*k));
	s.ignore = calloc(o->n_ignore ? o->n_ignore : 1, sizeof(char *));
	s.q = malloc(sizeof(*s.q));
	s.qpaths = malloc(1);
	if (k == NULL || s.ignore == NULL || s.q == NULL || s.qpaths == NULL) {
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	s.capq = s.qcap = 1;
	if (o->n_ignore > 0) {
		memcpy(s.ignore, o->ignore, o->n_ignore * sizeof(char *));
		qsort(s.ignore, o->n_ignore, sizeof(char *), cmp_str);
	}
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cv, NULL);
	rc = walk_start(&s, k, threads, e);
	pthread_cond_destroy(&s.cv);
	pthread_mutex_destroy(&s.lock);
	if (rc == 0)
		finish(w);
out:
	for (i = 0; k != NULL && i < threads; i++)
		walker_clear(&k[i]);
	free(k);
	free(s.ignore);
	free(s.rootreal);
	free(s.linkreal);
	free(s.q);
	free(s.qpaths);
	return rc;
}

void
walk_clear(struct walk *w)
{
	free(w->files);
	free(w->names);
	if (w->rootfd >= 0)
		close(w->rootfd);
	if (w->filefd >= 0)
		close(w->filefd);
	if (w->linkfd >= 0)
		close(w->linkfd);
	w->files = NULL;
	w->names = NULL;
	w->n = w->cap = w->names_len = w->names_cap = 0;
	w->rootfd = w->filefd = w->linkfd = -1;
}

void
walk_dircache_clear(struct walk_dircache *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}

/* Opens rel beneath the root, through c's directory when it has one. */
static int
open_file(const struct walk *w, const char *rel, struct walk_dircache *c)
{
	int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	const char *slash = strrchr(rel, '/');
	size_t len;

	if (slash == NULL || c == NULL)
		return open_beneath(w->rootfd, rel, flags);
	len = (size_t)(slash - rel);
	if (c->fd < 0 || c->len != len || memcmp(c->path, rel, len) != 0) {
		walk_dircache_clear(c);
		memcpy(c->path, rel, len);
		c->path[len] = '\0';
		c->fd = open_beneath(w->rootfd, c->path,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					 O_CLOEXEC);
		if (c->fd < 0)
			return -1;
		c->len = len;
	}
	return open_beneath(c->fd, slash + 1, flags);
}

void
walk_shown(char *buf, size_t cap, const struct walk *w, size_t i)
{
	shown(buf, cap, w->root, w->filefd >= 0 ? NULL : w->files[i].u.path);
}

int
walk_open(int *fd, int *owned, struct timespec *mtime, const struct walk *w,
	  size_t i, struct walk_dircache *c, struct err *e)
{
	const struct walk_file *f = &w->files[i];
	char buf[WALK_SHOWN_MAX];
	struct stat st;
	int rc = 0;

	*owned = w->filefd < 0;
	if (!*owned) {
		*fd = w->filefd;
	} else {
		/* A link's target is opened by its resolved path beneath
		 * the directory it was found under (SPEC-LINK-8). */
		*fd = f->target_len
			  ? open_beneath(f->within ? w->linkfd : w->rootfd,
					 f->u.path + f->path_len + 1,
					 O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
					     O_NOCTTY)
			  : open_file(w, f->u.path, c);
		if (*fd < 0) {
			walk_shown(buf, sizeof(buf), w, i);
			return err_sys(e, EXIT_UNDECIDED, errno, "%s", buf);
		}
	}
	if (fstat(*fd, &st) != 0) {
		walk_shown(buf, sizeof(buf), w, i);
		rc = err_sys(e, EXIT_UNDECIDED, errno, "%s", buf);
	} else if (!S_ISREG(st.st_mode) || (uint64_t)st.st_dev != f->dev ||
		   (uint64_t)st.st_ino != f->ino ||
		   (uint64_t)st.st_size != f->size) {
		walk_shown(buf, sizeof(buf), w, i);
		rc = err_set(e, EXIT_UNDECIDED, "%s: changed since the walk",
			     buf);
	}
	if (rc != 0 && *owned) {
		close(*fd);
		*fd = -1;
	}
	if (rc == 0)
		*mtime = st.st_mtim;
	return rc;
}

int
walk_recheck(const struct walk *w, size_t i, struct err *e)
{
	const struct walk_file *f = &w->files[i];
	char buf[WALK_SHOWN_MAX];
	struct stat st;

	if (f->target_len == 0)
		return 0;
	/* SPEC-LINK-8: still a link, still resolving to the inode read. */
	if (fstatat(w->rootfd, f->u.path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode) && fstatat(w->rootfd, f->u.path, &st, 0) == 0 &&
	    (uint64_t)st.st_dev == f->dev && (uint64_t)st.st_ino == f->ino)
		return 0;
	walk_shown(buf, sizeof(buf), w, i);
	return err_set(e, EXIT_UNDECIDED,
		       "%s: symbolic link changed during hashing", buf);
}

/* --- listings (lib/s3) ------------------------------------------------ */

/* 1 when p or one of its parent directories is in list. */
static int
listed_under(const char *p, size_t len, const char *const *list, size_t n)
{
	size_t i, l;

	for (i = 0; i < n; i++) {
		l = strlen(list[i]);
		if (l <= len && memcmp(p, list[i], l) == 0 &&
		    (l == len || p[l] == '/'))
			return 1;
	}
	return 0;
}

static int
skipped(const char *p, size_t len, const struct digest_opts *o)
{
	size_t top = strcspn(p, "/");
	char first[DIGEST_MAX_PATH + 1];

	memcpy(first, p, top);
	first[top] = '\0';
	if (meta_path(first))
		return 1;
	if (listed_under(p, len, o->ignore, o->n_ignore))
		return 1;
	return o->n_only > 0 && !listed_under(p, len, o->only, o->n_only);
}

/* SPEC-STORE-4: keys pass the rules of local names. */
int
walk_add_listed(struct walk *w, const char *path, size_t len, uint64_t size,
		const struct digest_opts *o, struct err *e)
{
	char buf[WALK_SHOWN_MAX];
	struct walk_file *f;

	if (!walk_path_ok(path, len))
		return err_set(
		    e, EXIT_REJECTED,
		    "%s: not a relative path inside the tree (empty, "
		    "\".\" or \"..\" components, control characters "
		    "or not UTF-8)",
		    shown(buf, sizeof(buf), w->root, path));
	if (skipped(path, len, o))
		return 0;
	if (w->n >= DIGEST_MAX_ENTRIES)
		return err_set(e, EXIT_REJECTED, "%s: more than %d files",
			       w->root, DIGEST_MAX_ENTRIES);
	if (grow((void **)&w->files, &w->cap, w->n + 1, sizeof(*f)) != 0 ||
	    grow((void **)&w->names, &w->names_cap, w->names_len + len + 1,
		 1) != 0)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	f = &w->files[w->n++];
	memset(f, 0, sizeof(*f));
	f->u.off = w->names_len;
	f->size = size;
	f->path_len = (uint32_t)len;
	memcpy(w->names + w->names_len, path, len);
	w->names[w->names_len + len] = '\0';
	w->names_len += len + 1;
	w->bytes += size;
	return 0;
}

static int
cmp_path_key(const void *key, const void *elem)
{
	const struct walk_file *x = key, *y = elem;

	return cmp_file(x, y);
}

/* A name that is a file and, by a longer key, a directory too. */
static int
also_directory(const struct walk *w, size_t i)
{
	const struct walk_file *f = &w->files[i];
	struct walk_file probe;
	size_t k;

	for (k = 0; k < f->path_len; k++) {
		if (f->u.path[k] != '/')
			continue;
		probe.u.path = f->u.path;
		probe.path_len = (uint32_t)k;
		if (bsearch(&probe, w->files, w->n, sizeof(*w->files),
			    cmp_path_key) != NULL)
			return 1;
	}
	return 0;
}

int
walk_finish_listed(struct walk *w, const struct digest_opts *o, struct err *e)
{
	char buf[WALK_SHOWN_MAX];
	size_t i;
	int rc;

	if ((rc = check_list(o->ignore, o->n_ignore, "ignore", e)) != 0 ||
	    (rc = check_list(o->only, o->n_only, "only", e)) != 0)
		return rc;
	finish(w);
	for (i = 0; i < w->n; i++) {
		if (i > 0 && cmp_file(&w->files[i - 1], &w->files[i]) == 0)
			return err_set(e, EXIT_REJECTED, "%s: listed twice",
				       shown(buf, sizeof(buf), w->root,
					     w->files[i].u.path));
		if (also_directory(w, i))
			return err_set(e, EXIT_REJECTED,
				       "%s: a directory of the listing is "
				       "also a file",
				       shown(buf, sizeof(buf), w->root,
					     w->files[i].u.path));
	}
	return 0;
}
