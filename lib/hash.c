/* SHA-256 helpers on OpenSSL EVP (see hash.h). */
#include "lib/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fileio.h"

#define HASH_BUF ((size_t)1024 * 1024)

int
hash_sha256(unsigned char out[SHA256_LEN], const void *buf, size_t len,
	    struct err *e)
{
	if (EVP_Digest(buf, len, out, NULL, EVP_sha256(), NULL) != 1)
		return err_ossl(e, EXIT_UNDECIDED, "sha256");
	return 0;
}

int
hash_file_sha256(unsigned char out[SHA256_LEN], unsigned long long *size,
		 const char *path, struct err *e)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *buf = NULL;
	unsigned long long total = 0;
	struct stat st;
	int fd, rc = 0;
	ssize_t n;

	rc = file_open_regular(&fd, &st, path, e);
	if (rc != 0)
		return rc;
	buf = malloc(HASH_BUF);
	ctx = EVP_MD_CTX_new();
	if (buf == NULL || ctx == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		rc = err_ossl(e, EXIT_UNDECIDED, "%s: sha256", path);
		goto out;
	}
	for (;;) {
		n = read(fd, buf, HASH_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_sys(e, EXIT_UNDECIDED, errno, "%s", path);
			goto out;
		}
		if (n == 0)
			break;
		total += (unsigned long long)n;
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
			rc = err_ossl(e, EXIT_UNDECIDED, "%s: sha256", path);
			goto out;
		}
	}
	if (EVP_DigestFinal_ex(ctx, out, NULL) != 1) {
		rc = err_ossl(e, EXIT_UNDECIDED, "%s: sha256", path);
		goto out;
	}
	if (size != NULL)
		*size = total;
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	close(fd);
	return rc;
}
