/* The one way verify's commands write their JSON reports (jsonout.h). */
#define _GNU_SOURCE /* dup3 */
#include "verify/jsonout.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "lib/jsonio.h"
#include "verify/verify.h"

int
jsonout_is_stdout(const char *path)
{
	return path != NULL &&
	       (strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0 ||
		strcmp(path, "/dev/fd/1") == 0);
}

/* The directory a report file goes into must already exist. */
static int
check_dir(const char *path, struct err *e)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st;

	if (path[0] == '\0')
		return err_set(e, EXIT_USAGE,
			       "--json: empty file name; use - "
			       "for standard output");
	if (slash == NULL || slash == path)
		return 0;
	if ((size_t)(slash - path) >= sizeof(dir))
		return err_set(e, EXIT_USAGE, "--json: path too long");
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return err_set(e, EXIT_USAGE,
			       "--json %s: no such directory %s; create it "
			       "first, or use --json - for standard output",
			       path, dir);
	return 0;
}

int
jsonout_open(struct jsonout *j, const char *path, struct err *e)
{
	struct stat st;

	j->path = NULL;
	j->fd = -1;
	if (path == NULL)
		return 0;
	if (!jsonout_is_stdout(path) && check_dir(path, e) != 0)
		return -EXIT_USAGE;
	if (!jsonout_is_stdout(path) && lstat(path, &st) == 0 &&
	    S_ISLNK(st.st_mode))
		return err_set(
		    e, EXIT_UNDECIDED,
		    "--json %s: refusing to write through a symlink; "
		    "--json - writes to standard output",
		    path);
	j->path = path;
	if (!jsonout_is_stdout(path))
		return 0;
	fflush(stdout);
	j->fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (j->fd < 0 || dup3(STDERR_FILENO, STDOUT_FILENO, O_CLOEXEC) < 0)
		return err_sys(e, EXIT_UNDECIDED, errno, "standard output");
	return 0;
}

int
jsonout_write(struct jsonout *j, const json_t *doc, struct err *e)
{
	char *text = NULL;
	size_t len;
	int rc;

	if (j->path == NULL)
		return 0;
	/* On standard output (a terminal, perhaps) the document is ASCII. */
	rc = jsonio_dump(
	    &text, &len, doc,
	    JSONIO_PRETTY_FLAGS | (j->fd >= 0 ? JSON_ENSURE_ASCII : 0), e);
	if (rc != 0)
		return rc;
	text[len] = '\n';
	if (j->fd >= 0) {
		fflush(stdout);
		if (file_write_all(j->fd, text, len + 1) != 0)
			rc = err_sys(e, EXIT_UNDECIDED, errno,
				     "standard output");
	} else {
		rc = file_write_atomic(j->path, text, len + 1, 0644, 0, e);
	}
	free(text);
	return rc;
}

int
jsonout_finish(struct jsonout *j, const char *path, int rc, const struct err *e,
	       const json_t *findings)
{
	int status = rc == 0 ? EXIT_PASS : e->code ? e->code : EXIT_UNDECIDED;
	struct err we = ERR_INIT;
	json_t *doc;

	fflush(stdout);
	if (rc != 0)
		verify_fail(e);
	if (j->path == NULL) {
		jsonout_close(j);
		return status;
	}
	doc = json_pack("{s:s, s:i, s:s, s:o}", "result",
			status == EXIT_PASS	  ? "pass"
			: status == EXIT_REJECTED ? "rejected"
			: status == EXIT_USAGE	  ? "usage"
						  : "undecided",
			"exitCode", status, "path", path, "findings",
			findings ? json_deep_copy(findings) : json_array());
	if (doc != NULL && status != EXIT_PASS &&
	    jsonio_set(doc, "error", json_string(e->msg[0] ? e->msg : "failed"),
		       NULL) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	if (doc == NULL)
		err_set(&we, EXIT_UNDECIDED, "out of memory");
	else
		jsonout_write(j, doc, &we);
	json_decref(doc);
	jsonout_close(j);
	if (we.code != 0) {
		verify_print(stderr, "verify: %s\n", we.msg);
		return EXIT_UNDECIDED;
	}
	return status;
}

void
jsonout_close(struct jsonout *j)
{
	if (j->fd < 0)
		return;
	fflush(stdout);
	/* stdout as it was: the real one, inherited as before. */
	dup3(j->fd, STDOUT_FILENO, 0);
	close(j->fd);
	j->fd = -1;
}
