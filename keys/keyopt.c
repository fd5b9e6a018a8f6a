/* Shared key-loading options and the secret-file reader (see keyopt.h). */
#include "keys/keyopt.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
keyopt_secret_free(char *s, size_t len)
{
	if (s != NULL)
		OPENSSL_cleanse(s, len + 1);
	free(s);
}

static int
read_fd(char *buf, size_t cap, size_t *len, int fd)
{
	size_t n = 0;
	ssize_t r;

	while (n < cap) {
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return 0;
}

int
keyopt_secret_read(char **out, size_t *len, const char *path, const char *what,
		   struct err *e)
{
	char *buf = NULL;
	struct stat st;
	size_t n = 0;
	int fd, rc = 0;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP)
		return err_set(e, EXIT_USAGE,
			       "%s %s: a symbolic link; name the file itself",
			       what, path);
	if (fd < 0)
		return err_sys(e, errno == ENOENT ? EXIT_USAGE : EXIT_UNDECIDED,
			       errno, "%s %s", what, path);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = err_set(e, EXIT_USAGE, "%s %s: not a regular file", what,
			     path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) { /* SPEC-KEY-5 */
		rc = err_set(e, EXIT_USAGE,
			     "%s %s: readable by others (mode %03o); chmod "
			     "600 it",
			     what, path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	buf = malloc(KEYOPT_MAX_SECRET + 2);
	if (buf == NULL) {
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	if (read_fd(buf, KEYOPT_MAX_SECRET + 1, &n, fd) != 0) {
		rc = err_sys(e, EXIT_UNDECIDED, errno, "%s %s", what, path);
		goto out;
	}
	if (n > KEYOPT_MAX_SECRET) {
		rc = err_set(e, EXIT_USAGE, "%s %s: longer than %zu bytes",
			     what, path, KEYOPT_MAX_SECRET);
		goto out;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n == 0 || memchr(buf, '\0', n) != NULL) {
		rc = err_set(e, EXIT_USAGE, "%s %s: empty or holds a NUL byte",
			     what, path);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	keyopt_secret_free(buf, KEYOPT_MAX_SECRET + 1);
	close(fd);
	return rc;
}
