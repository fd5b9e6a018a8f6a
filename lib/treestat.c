/* Stat snapshots of a tree for change detection (see treestat.h). */
#include "lib/treestat.h"

#include "lib/dynbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct snap {
	EVP_MD_CTX *md;
	unsigned long entries;
	const char *root;
};

struct names {
	char *buf;
	size_t len, cap;
	size_t *off;
	size_t n, ncap;
	const char **sorted; /* into buf, in bytewise order */
};

static uint64_t
ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

static int
record(struct snap *s, const char *rel, const struct stat *st, struct err *e)
{
	uint64_t f[7];

	if (++s->entries > TREESTAT_MAX_ENTRIES)
		return err_set(e, EXIT_UNDECIDED, "%s: more than %lu entries",
			       s->root, TREESTAT_MAX_ENTRIES);
	f[0] = (uint64_t)(st->st_mode & S_IFMT);
	f[1] = (uint64_t)st->st_dev;
	f[2] = (uint64_t)st->st_ino;
	f[3] = (uint64_t)st->st_size;
	f[4] = ns(&st->st_mtim);
	f[5] = ns(&st->st_ctim);
	f[6] = (uint64_t)st->st_nlink;
	if (EVP_DigestUpdate(s->md, rel, strlen(rel) + 1) != 1 ||
	    EVP_DigestUpdate(s->md, f, sizeof(f)) != 1)
		return err_ossl(e, EXIT_UNDECIDED, "sha256");
	return 0;
}

static int
names_add(struct names *n, const char *name, struct err *e)
{
	size_t len = strlen(name) + 1;

	if (n->len + len > TREESTAT_MAX_NAMES_BYTES)
		return err_set(e, EXIT_UNDECIDED, "directory too large");
	/* Each name takes at least two bytes, so the names bound the count. */
	if (dynarr_reserve((void **)&n->buf, &n->cap, n->len + len, 1,
			   TREESTAT_MAX_NAMES_BYTES) != 0 ||
	    dynarr_reserve((void **)&n->off, &n->ncap, n->n + 1,
			   sizeof(*n->off), TREESTAT_MAX_NAMES_BYTES / 2) != 0)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	memcpy(n->buf + n->len, name, len);
	n->off[n->n++] = n->len;
	n->len += len;
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int walk_dir(struct snap *s, int fd, char *rel, size_t rlen,
		    unsigned depth, struct err *e);

static int
read_names(struct names *n, int fd, const char *rel, const struct snap *s,
	   struct err *e)
{
	struct dirent *d;
	DIR *dir;
	size_t i;
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0), rc = 0;

	if (dup_fd < 0 || (dir = fdopendir(dup_fd)) == NULL) {
		if (dup_fd >= 0)
			close(dup_fd);
		return err_sys(e, EXIT_UNDECIDED, errno, "%s/%s", s->root, rel);
	}
	errno = 0;
	while (rc == 0 && (d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			rc = names_add(n, d->d_name, e);
		errno = 0;
	}
	if (rc == 0 && errno != 0)
		rc = err_sys(e, EXIT_UNDECIDED, errno, "%s/%s", s->root, rel);
	closedir(dir);
	if (rc == 0 && n->n > 0 &&
	    (n->sorted = calloc(n->n, sizeof(*n->sorted))) == NULL)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; rc == 0 && i < n->n; i++)
		n->sorted[i] = n->buf + n->off[i];
	if (rc == 0 && n->n > 1)
		qsort(n->sorted, n->n, sizeof(*n->sorted), by_name);
	return rc;
}

static int
visit(struct snap *s, int fd, const char *name, char *rel, size_t rlen,
      unsigned depth, struct err *e)
{
	size_t nlen = strlen(name);
	struct stat st;
	int sub, rc;

	if (rlen + 1 + nlen >= 4096)
		return err_set(e, EXIT_UNDECIDED, "%s: path too long", s->root);
	if (rlen > 0)
		rel[rlen++] = '/';
	memcpy(rel + rlen, name, nlen + 1);
	rlen += nlen;
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return err_sys(e, EXIT_UNDECIDED, errno, "%s/%s", s->root, rel);
	rc = record(s, rel, &st, e);
	if (rc != 0 || !S_ISDIR(st.st_mode))
		return rc;
	sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return err_sys(e, EXIT_UNDECIDED, errno, "%s/%s", s->root, rel);
	rc = walk_dir(s, sub, rel, rlen, depth + 1, e);
	close(sub);
	return rc;
}

static int
walk_dir(struct snap *s, int fd, char *rel, size_t rlen, unsigned depth,
	 struct err *e)
{
	struct names n = {NULL, 0, 0, NULL, 0, 0, NULL};
	size_t i;
	int rc;

	if (depth > TREESTAT_MAX_DEPTH)
		return err_set(e, EXIT_UNDECIDED,
			       "%s: nested deeper than %d directories", s->root,
			       TREESTAT_MAX_DEPTH);
	rc = read_names(&n, fd, rel, s, e);
	for (i = 0; rc == 0 && i < n.n; i++) {
		rc = visit(s, fd, n.sorted[i], rel, rlen, depth, e);
		rel[rlen] = '\0';
	}
	free(n.buf);
	free(n.off);
	free(n.sorted);
	return rc;
}

int
treestat_take(unsigned char out[TREESTAT_LEN], int *exists, const char *path,
	      struct err *e)
{
	struct snap s = {NULL, 0, path};
	char rel[4096] = "";
	unsigned int len = 0;
	struct stat st;
	int fd = -1, rc;

	memset(out, 0, TREESTAT_LEN);
	*exists = 0;
	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, EXIT_UNDECIDED, errno, "%s", path);
	}
	*exists = 1;
	if ((s.md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(s.md, EVP_sha256(), NULL) != 1) {
		rc = err_ossl(e, EXIT_UNDECIDED, "sha256");
		goto out;
	}
	rc = record(&s, "", &st, e);
	if (rc == 0 && S_ISDIR(st.st_mode)) {
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			rc = err_sys(e, EXIT_UNDECIDED, errno, "%s", path);
		else
			rc = walk_dir(&s, fd, rel, 0, 0, e);
	}
	if (rc == 0 && EVP_DigestFinal_ex(s.md, out, &len) != 1)
		rc = err_ossl(e, EXIT_UNDECIDED, "sha256");
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(s.md);
	return rc;
}
