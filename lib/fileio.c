/* Bounded reading and atomic writing of files (see fileio.h). */
/* mkostemp: temp files are close-on-exec from the start. */
#define _GNU_SOURCE
#include "lib/fileio.h"

#include "lib/dynbuf.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK 65536

static int
read_fd(unsigned char **out, size_t *len, int fd, const char *path, size_t max,
	struct err *e)
{
	unsigned char *buf = NULL;
	size_t cap = 0, used = 0;
	/* used stays <= max, so a chunk and a NUL always fit below this. */
	size_t ceiling =
	    max > SIZE_MAX - READ_CHUNK - 1 ? SIZE_MAX : max + READ_CHUNK + 1;
	ssize_t n;

	for (;;) {
		if (cap - used < READ_CHUNK + 1 &&
		    dynarr_reserve((void **)&buf, &cap, used + READ_CHUNK + 1,
				   1, ceiling) != 0) {
			free(buf);
			return err_set(e, EXIT_UNDECIDED, "%s: out of memory",
				       path);
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;
			free(buf);
			return err_sys(e, EXIT_UNDECIDED, saved, "%s", path);
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			free(buf);
			return err_set(e, EXIT_REJECTED,
				       "%s: larger than the %zu-byte limit",
				       path, max);
		}
	}
	if (buf == NULL) {
		buf = malloc(1);
		if (buf == NULL)
			return err_set(e, EXIT_UNDECIDED, "%s: out of memory",
				       path);
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return 0;
}

int
file_open_regular(int *fd, struct stat *st, const char *path, struct err *e)
{
	int flags;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	*fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (*fd < 0)
		return err_sys(e, EXIT_UNDECIDED, errno, "%s", path);
	if (fstat(*fd, st) != 0) {
		int saved = errno;
		close(*fd);
		*fd = -1;
		return err_sys(e, EXIT_UNDECIDED, saved, "%s", path);
	}
	if (!S_ISREG(st->st_mode)) {
		close(*fd);
		*fd = -1;
		return err_set(e, EXIT_UNDECIDED, "%s: %s", path,
			       S_ISDIR(st->st_mode) ? "is a directory"
						    : "not a regular file");
	}
	flags = fcntl(*fd, F_GETFL);
	if (flags < 0 || fcntl(*fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
		int saved = errno;
		close(*fd);
		*fd = -1;
		return err_sys(e, EXIT_UNDECIDED, saved, "%s", path);
	}
	return 0;
}

int
file_read(unsigned char **out, size_t *len, const char *path, size_t max,
	  struct err *e)
{
	struct stat st;
	int fd, rc;

	*out = NULL;
	*len = 0;
	if (strcmp(path, "-") == 0)
		return read_fd(out, len, STDIN_FILENO, "<stdin>", max, e);
	rc = file_open_regular(&fd, &st, path, e);
	if (rc != 0)
		return rc;
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		return err_set(e, EXIT_REJECTED,
			       "%s: larger than the %zu-byte limit", path, max);
	}
	rc = read_fd(out, len, fd, path, max, e);
	close(fd);
	return rc;
}

int
secret_read(unsigned char **out, size_t *len, const char *path, size_t max,
	    unsigned flags, struct err *e)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t size, used = 0;
	ssize_t n;
	int fd, rc;

	*out = NULL;
	*len = 0;
	rc = file_open_regular(&fd, &st, path, e);
	if (rc != 0)
		return rc;
	if ((flags & SECRET_OWNER_ONLY) && (st.st_mode & 077) != 0) {
		rc = err_set(e, EXIT_USAGE,
			     "%s: readable by group or others (mode %04o); "
			     "chmod 600 it",
			     path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		rc = err_set(e, EXIT_REJECTED,
			     "%s: larger than the %zu-byte limit", path, max);
		goto out;
	}
	size = (size_t)st.st_size;
	buf = OPENSSL_malloc(size + 1);
	if (buf == NULL) {
		rc = err_set(e, EXIT_UNDECIDED, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		/* One byte past size: a file that grew is refused. */
		n = read(fd, buf + used, size + 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_sys(e, EXIT_UNDECIDED, errno, "%s", path);
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > size) {
			rc = err_set(e, EXIT_REJECTED,
				     "%s: changed while it was read", path);
			goto out;
		}
	}
	if (used != size) {
		rc = err_set(e, EXIT_REJECTED, "%s: changed while it was read",
			     path);
		goto out;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
out:
	if (buf != NULL)
		OPENSSL_clear_free(buf, size + 1);
	close(fd);
	return rc;
}

void
secret_free(unsigned char *buf, size_t len)
{
	if (buf != NULL)
		OPENSSL_clear_free(buf, len + 1);
}

int
file_write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
str_has_suffix(const char *path, const char *suffix)
{
	size_t a = strlen(path), b = strlen(suffix);

	return a >= b && memcmp(path + a - b, suffix, b) == 0;
}

/* Splits path into its directory (for the temp file and the fsync). */
static void
dir_of(char *dir, size_t cap, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, cap, ".");
	else if (slash == path)
		snprintf(dir, cap, "/");
	else
		snprintf(dir, cap, "%.*s", (int)(slash - path), path);
}

static int
refuse_symlink(const char *path, struct err *e)
{
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return err_set(e, EXIT_UNDECIDED,
			       "%s: refusing to write through a symlink", path);
	return 0;
}

static int
sync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd, rc;

	dir_of(dir, sizeof(dir), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Creates a unique temp file beside path; *fd and tmp are filled. */
static int
temp_beside(char *tmp, size_t cap, int *fd, const char *path, mode_t mode,
	    struct err *e)
{
	if ((size_t)snprintf(tmp, cap, "%s.tmp.XXXXXX", path) >= cap)
		return err_set(e, EXIT_UNDECIDED, "%s: path too long", path);
	*fd = mkostemp(tmp, O_CLOEXEC);
	if (*fd < 0)
		return err_sys(e, EXIT_UNDECIDED, errno, "%s", path);
	if (fchmod(*fd, mode) != 0) {
		int saved = errno;
		close(*fd);
		unlink(tmp);
		return err_sys(e, EXIT_UNDECIDED, saved, "%s", path);
	}
	return 0;
}

/* Writes the parts to a temp file and installs it at path. */
static int
install(const char *path, const void *a, size_t alen, const void *b,
	size_t blen, mode_t mode, int exclusive, struct err *e)
{
	char tmp[PATH_MAX];
	int fd = -1, rc;

	rc = refuse_symlink(path, e);
	if (rc != 0)
		return rc;
	rc = temp_beside(tmp, sizeof(tmp), &fd, path, mode, e);
	if (rc != 0)
		return rc;
	if (file_write_all(fd, a, alen) != 0 ||
	    file_write_all(fd, b, blen) != 0 || fsync(fd) != 0) {
		rc = err_sys(e, EXIT_UNDECIDED, errno, "%s", path);
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = err_sys(e, EXIT_UNDECIDED, errno, "%s", path);
		goto out;
	}
	fd = -1;
	if (exclusive) {
		/* link() fails if path exists: an atomic O_EXCL. */
		if (link(tmp, path) != 0) {
			rc = err_sys(e, EXIT_UNDECIDED, errno, "%s", path);
			goto out;
		}
		unlink(tmp);
	} else if (rename(tmp, path) != 0) {
		rc = err_sys(e, EXIT_UNDECIDED, errno, "%s", path);
		goto out;
	}
	if (sync_dir(path) != 0)
		return err_sys(e, EXIT_UNDECIDED, errno, "%s: directory sync",
			       path);
	return 0;
out:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

int
file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
		  int exclusive, struct err *e)
{
	return install(path, buf, len, "", 0, mode, exclusive, e);
}

static int
lock_dir(int *fd, const char *path, struct err *e)
{
	char dir[PATH_MAX];

	dir_of(dir, sizeof(dir), path);
	*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return err_sys(e, EXIT_UNDECIDED, errno, "%s", dir);
	while (flock(*fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			int saved = errno;
			close(*fd);
			*fd = -1;
			return err_sys(e, EXIT_UNDECIDED, saved, "%s: lock",
				       dir);
		}
	}
	return 0;
}

int
file_append_line(const char *path, const char *line, size_t len, struct err *e)
{
	unsigned char *old = NULL, *joined = NULL;
	size_t oldlen = 0, total;
	struct stat st;
	mode_t mode = 0644;
	int lockfd = -1, rc;

	rc = lock_dir(&lockfd, path, e);
	if (rc != 0)
		return rc;
	if (stat(path, &st) == 0) {
		mode = st.st_mode & 07777;
		rc = file_read(&old, &oldlen, path, MAX_BUNDLE_BYTES, e);
		if (rc != 0)
			goto out;
	} else if (errno != ENOENT) {
		rc = err_sys(e, EXIT_UNDECIDED, errno, "%s", path);
		goto out;
	}
	total = oldlen + 1 + len + 1;
	joined = malloc(total);
	if (joined == NULL) {
		rc = err_set(e, EXIT_UNDECIDED, "%s: out of memory", path);
		goto out;
	}
	total = 0;
	if (oldlen > 0) {
		memcpy(joined, old, oldlen);
		total = oldlen;
		if (old[oldlen - 1] != '\n')
			joined[total++] = '\n';
	}
	memcpy(joined + total, line, len);
	total += len;
	joined[total++] = '\n';
	rc = install(path, joined, total, "", 0, mode, 0, e);
out:
	free(old);
	free(joined);
	if (lockfd >= 0)
		close(lockfd);
	return rc;
}
