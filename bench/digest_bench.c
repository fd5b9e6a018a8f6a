/*
 * Benchmark driver for the digest engine (not a test): hashes one tree
 * with the given threads, shard size and buffer size, and prints the OMS
 * root, file and byte counts and the wall time of digest_tree alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/digest.h"
#include "lib/hex.h"

struct bench_opts {
	unsigned jobs;
	unsigned long long shard;
	size_t buf;
	const char *root;
};

static int
parse_num(unsigned long long *out, const char *s)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	*out = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		*out <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		*out <<= 20, end++;
	else if (*end == 'G' || *end == 'g')
		*out <<= 30, end++;
	return *end == '\0' ? 0 : -1;
}

static int
parse_args(struct bench_opts *o, int argc, char **argv)
{
	unsigned long long v;
	int c;

	while ((c = getopt(argc, argv, "j:s:b:")) != -1) {
		if (parse_num(&v, optarg) != 0)
			return -1;
		if (c == 'j' && v <= DIGEST_MAX_JOBS)
			o->jobs = (unsigned)v;
		else if (c == 's')
			o->shard = v;
		else if (c == 'b')
			o->buf = (size_t)v;
		else
			return -1;
	}
	if (optind + 1 != argc)
		return -1;
	o->root = argv[optind];
	return 0;
}

int
main(int argc, char **argv)
{
	struct bench_opts bo = {0, 0, 0, NULL};
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	struct timespec t0, t1;
	unsigned char root[32];
	char hex[65];
	double secs;

	if (parse_args(&bo, argc, argv) != 0) {
		fprintf(stderr, "usage: digest_bench [-j jobs] [-s shard_size] "
				"[-b buf_size] root\n");
		return 2;
	}
	o.jobs = bo.jobs;
	o.shard_size = bo.shard;
	o.buf_size = bo.buf;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (digest_tree(&m, bo.root, &o, &e) != 0 ||
	    digest_manifest_oms_root(root, m, DIGEST_ORDER_PATH, &e) != 0) {
		fprintf(stderr, "digest_bench: %s\n", e.msg);
		digest_manifest_free(m);
		return e.code;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	hex_encode(hex, root, 32);
	printf("root=%s files=%zu bytes=%llu seconds=%.6f\n", hex,
	       digest_manifest_count(m), digest_manifest_total_bytes(m), secs);
	digest_manifest_free(m);
	return 0;
}
