/*
 * Dataset digest engine (see digest.h): a pool of threads hashes the files
 * (or shards) listed by walk.c, largest first, each thread with one
 * buffer and one EVP_MD_CTX; results land per entry of the manifest
 * (manifest.c), which stays in path order.
 */
#include "lib/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/manifest_int.h"
#include "lib/s3.h"
#include "lib/text.h"
#include "lib/walk.h"

#define SHOWN_MAX 256
#define PROGRESS_NS 100000000L
#define SCHED_BIG ((uint64_t)1 << 20)
/* Units this long or longer are hashed through mappings, without the
 * copy out of the page cache that pread makes; shorter ones through
 * pread into the worker's buffer, which costs fewer system calls. */
#define MAP_MIN ((uint64_t)4 << 20)
#define MAP_WINDOW ((uint64_t)16 << 20) /* address space per worker */
#define MAP_CHUNK ((size_t)8 << 10)

struct job {
	uint64_t len;
	uint32_t file;
	uint32_t shard;
};

struct pool {
	const struct walk *w;
	struct digest_manifest *m;
	const struct digest_opts *o;
	const struct job *jobs;
	size_t njobs;
	const EVP_MD *md;
	size_t buf_size;
	atomic_size_t next;
	atomic_int stop;
	atomic_ullong units_done, bytes_done;
	pthread_mutex_t lock;
	pthread_cond_t done;
	unsigned running;
	int failed;
	size_t fail_file;
	struct err err;
};

/*
 * SIGBUS while a worker reads a mapping (the file was truncated under it)
 * jumps back into that worker's hash_mapped. The handler is installed
 * while a pool that maps runs and the previous disposition restored
 * after it; a SIGBUS outside a mapping goes to that previous disposition.
 * A signal disposition is process-wide, hence the statics.
 */
static _Thread_local sigjmp_buf *volatile bus_jmp;
static pthread_mutex_t bus_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned bus_users;
static struct sigaction bus_old;

static void
on_bus(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *jb = bus_jmp;

	(void)uc;
	if (jb != NULL)
		siglongjmp(*jb, 1);
	/* Not ours. A fault repeats under the old disposition on return;
	 * a sent signal is sent again. */
	sigaction(sig, &bus_old, NULL);
	if (si == NULL || si->si_code <= 0)
		(void)raise(sig);
}

static int
bus_acquire(struct err *e)
{
	struct sigaction sa;
	int rc = 0;

	pthread_mutex_lock(&bus_lock);
	if (bus_users == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_bus;
		/* Not blocked in the handler, so jumping out of it leaves
		 * the mask as it was without saving it at each setjmp. */
		sa.sa_flags = SA_SIGINFO | SA_NODEFER;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGBUS, &sa, &bus_old) != 0)
			rc = err_sys(e, EXIT_UNDECIDED, errno, "sigaction");
	}
	if (rc == 0)
		bus_users++;
	pthread_mutex_unlock(&bus_lock);
	return rc;
}

static void
bus_release(void)
{
	pthread_mutex_lock(&bus_lock);
	if (--bus_users == 0)
		sigaction(SIGBUS, &bus_old, NULL);
	pthread_mutex_unlock(&bus_lock);
}

/* --- slices ------------------------------------------------------------ */

/* Keeps the files of slice i of n in w, recording the listing first. */
static int
slice_walk(struct digest_manifest *m, struct walk *w, unsigned index,
	   unsigned count, struct err *e)
{
	struct manifest_sha s = {NULL, NULL};
	char *names = NULL;
	size_t i, kept = 0, len = 0, need;
	struct walk_file *f;
	unsigned which = 0;
	int rc = 0;

	if ((rc = manifest_sha_open(&s, e)) != 0)
		goto out;
	for (i = 0; i < w->n && rc == 0; i++)
		rc = manifest_listing_add(&s, w->files[i].u.path,
					  w->files[i].path_len,
					  w->files[i].size, e);
	if (rc != 0 || (rc = manifest_sha_final(&s, m->listing, e)) != 0)
		goto out;
	m->partial = 1;
	m->slice_index = index;
	m->slice_count = count;
	m->tree_files = w->n;
	m->tree_bytes = w->bytes;
	names = malloc(w->names_len ? w->names_len : 1);
	if (names == NULL) {
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	w->bytes = 0;
	for (i = 0; i < w->n; i++) {
		f = &w->files[i];
		rc = manifest_slice_of(&which, &s, f->u.path, f->path_len,
				       count, e);
		if (rc != 0)
			goto out;
		if (which != index)
			continue;
		need =
		    f->path_len + 1 + (f->target_len ? f->target_len + 1 : 0);
		memcpy(names + len, f->u.path, need);
		w->files[kept] = *f;
		w->files[kept++].u.path = names + len;
		w->bytes += f->size;
		len += need;
	}
	w->n = kept;
	free(w->names);
	w->names = names;
	w->names_len = len;
	names = NULL;
out:
	free(names);
	manifest_sha_close(&s);
	return rc;
}

/* --- hashing -------------------------------------------------------- */

/*
 * Big units go first, largest first, so no worker is left with a big one
 * at the end; the rest keep path order, so files of one directory come
 * in a row (see walk_dircache).
 */
static int
cmp_job(const void *a, const void *b)
{
	const struct job *x = a, *y = b;
	int xb = x->len >= SCHED_BIG, yb = y->len >= SCHED_BIG;

	if (xb != yb)
		return yb - xb;
	if (xb && x->len != y->len)
		return x->len < y->len ? 1 : -1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return (x->shard > y->shard) - (x->shard < y->shard);
}

static int
make_jobs(struct job **out, size_t *njobs, const struct digest_manifest *m,
	  struct err *e)
{
	size_t i, k = 0, total = m->shard_size ? m->nshards : m->n;
	uint64_t j, nsh;
	struct job *v;

	*out = NULL;
	v = calloc(total ? total : 1, sizeof(*v));
	if (v == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < m->n; i++) {
		if (m->shard_size == 0) {
			v[k++] = (struct job){m->v[i].size, (uint32_t)i, 0};
			continue;
		}
		nsh = manifest_shards_of(m->v[i].size, m->shard_size);
		for (j = 0; j < nsh; j++) {
			v[k].len = j + 1 < nsh
				       ? m->shard_size
				       : m->v[i].size - j * m->shard_size;
			v[k].file = (uint32_t)i;
			v[k++].shard = (uint32_t)j;
		}
	}
	qsort(v, total, sizeof(*v), cmp_job);
	*out = v;
	*njobs = total;
	return 0;
}

/* Adds n bytes read to the digest and to the progress. */
static int
hash_add(struct pool *p, EVP_MD_CTX *ctx, const void *data, size_t n,
	 struct err *e)
{
	if (EVP_DigestUpdate(ctx, data, n) != 1)
		return err_ossl(e, EXIT_UNDECIDED, "sha256");
	atomic_fetch_add_explicit(&p->bytes_done, (unsigned long long)n,
				  memory_order_relaxed);
	return 0;
}

static int
shrank(const struct pool *p, const struct job *j, struct err *e)
{
	char shown[SHOWN_MAX];

	walk_shown(shown, sizeof(shown), p->w, j->file);
	return err_set(e, EXIT_UNDECIDED, "%s: file shrank while being read",
		       shown);
}

static int
hash_read(struct pool *p, EVP_MD_CTX *ctx, unsigned char *buf, int fd,
	  const struct job *j, uint64_t off, uint64_t end, struct err *e)
{
	char shown[SHOWN_MAX];
	size_t want;
	ssize_t n;

	while (off < end) {
		if (atomic_load_explicit(&p->stop, memory_order_relaxed))
			return -EXIT_UNDECIDED;
		want =
		    end - off < p->buf_size ? (size_t)(end - off) : p->buf_size;
		n = pread(fd, buf, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return shrank(p, j, e);
		if (n < 0) {
			walk_shown(shown, sizeof(shown), p->w, j->file);
			return err_sys(e, EXIT_UNDECIDED, errno, "%s", shown);
		}
		if (hash_add(p, ctx, buf, (size_t)n, e) != 0)
			return -EXIT_UNDECIDED;
		off += (uint64_t)n;
	}
	return 0;
}

/*
 * Hashes n bytes at pos of fd through one read-only mapping: the page
 * cache is read without the copy pread makes. 1 when the mapping could
 * not be made (the caller reads instead). A file truncated under the
 * mapping faults with SIGBUS, which lands back here as "shrank".
 */
/*
 * Hashes a mapped range in chunks, asking the memory for the next chunk
 * meanwhile: the hardware prefetcher stops at every 4 KiB page of a
 * mapping, and without this SHA-256 reading the page cache through it
 * used 15% more CPU than reading pread's copy (bench/bench-digest.sh).
 */
static int
hash_chunks(EVP_MD_CTX *ctx, const unsigned char *d, size_t n, struct err *e)
{
	size_t off, k, len;

	for (off = 0; off < n; off += len) {
		len = n - off < MAP_CHUNK ? n - off : MAP_CHUNK;
		for (k = off + len; k < off + 2 * len && k < n; k += 64)
			__builtin_prefetch(d + k);
		if (EVP_DigestUpdate(ctx, d + off, len) != 1)
			return err_ossl(e, EXIT_UNDECIDED, "sha256");
	}
	return 0;
}

static int
hash_window(struct pool *p, EVP_MD_CTX *ctx, int fd, const struct job *j,
	    uint64_t pos, uint64_t n, struct err *e)
{
	uint64_t base = pos - pos % (uint64_t)sysconf(_SC_PAGESIZE);
	size_t len = (size_t)(pos - base + n);
	unsigned char *volatile map;
	sigjmp_buf jb;
	int rc;

	map = mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd,
		   (off_t)base);
	if (map == MAP_FAILED)
		return 1;
	madvise(map, len, MADV_SEQUENTIAL);
	if (sigsetjmp(jb, 0) != 0) {
		bus_jmp = NULL;
		munmap(map, len);
		return shrank(p, j, e);
	}
	bus_jmp = &jb;
	rc = hash_chunks(ctx, map + (pos - base), (size_t)n, e);
	bus_jmp = NULL;
	if (rc == 0)
		atomic_fetch_add_explicit(&p->bytes_done, (unsigned long long)n,
					  memory_order_relaxed);
	munmap(map, len);
	return rc;
}

/* [off, end) in windows of MAP_WINDOW bytes, so the address space stays
 * bounded; read where a file cannot be mapped. */
static int
hash_mapped(struct pool *p, EVP_MD_CTX *ctx, unsigned char *buf, int fd,
	    const struct job *j, uint64_t off, uint64_t end, struct err *e)
{
	uint64_t n;
	int rc;

	while (off < end) {
		if (atomic_load_explicit(&p->stop, memory_order_relaxed))
			return -EXIT_UNDECIDED;
		n = end - off < MAP_WINDOW ? end - off : MAP_WINDOW;
		rc = hash_window(p, ctx, fd, j, off, n, e);
		if (rc == 1)
			return hash_read(p, ctx, buf, fd, j, off, end, e);
		if (rc != 0)
			return rc;
		off += n;
	}
	return 0;
}

static int
hash_range(struct pool *p, EVP_MD_CTX *ctx, unsigned char *buf, int fd,
	   const struct job *j, unsigned char out[32], struct err *e)
{
	uint64_t off = (uint64_t)j->shard * p->m->shard_size;
	uint64_t end = off + j->len;
	int rc;

	if (EVP_DigestInit_ex(ctx, p->md, NULL) != 1)
		return err_ossl(e, EXIT_UNDECIDED, "sha256");
	if (j->len >= MAP_MIN)
		rc = hash_mapped(p, ctx, buf, fd, j, off, end, e);
	else
		rc = hash_read(p, ctx, buf, fd, j, off, end, e);
	if (rc != 0)
		return rc;
	if (EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		return err_ossl(e, EXIT_UNDECIDED, "sha256");
	return 0;
}

static int
hash_job(struct pool *p, const struct job *j, EVP_MD_CTX *ctx,
	 unsigned char *buf, struct walk_dircache *dc, struct err *e)
{
	struct entry *en = &p->m->v[j->file];
	unsigned char *out =
	    p->m->shard_size ? p->m->shards[en->shard0 + j->shard] : en->sha;
	char shown[SHOWN_MAX];
	struct timespec mt;
	struct stat st;
	int fd = -1, owned = 0, rc;

	rc = walk_open(&fd, &owned, &mt, p->w, j->file, dc, e);
	if (rc != 0)
		return rc;
	if (p->o->test_after_open != NULL)
		p->o->test_after_open(p->o->test_arg, en->path);
	if (j->len > p->buf_size)
		posix_fadvise(fd, (off_t)j->shard * (off_t)p->m->shard_size,
			      (off_t)j->len, POSIX_FADV_SEQUENTIAL);
	rc = hash_range(p, ctx, buf, fd, j, out, e);
	if (rc == 0 &&
	    (fstat(fd, &st) != 0 || (uint64_t)st.st_size != en->size ||
	     st.st_mtim.tv_sec != mt.tv_sec ||
	     st.st_mtim.tv_nsec != mt.tv_nsec)) {
		walk_shown(shown, sizeof(shown), p->w, j->file);
		rc = err_set(e, EXIT_UNDECIDED, "%s: changed while being read",
			     shown);
	}
	if (rc == 0)
		rc = walk_recheck(p->w, j->file, e);
	if (owned)
		close(fd);
	atomic_fetch_add_explicit(&p->units_done, 1, memory_order_relaxed);
	return rc;
}

static void
pool_fail(struct pool *p, size_t file, const struct err *e)
{
	pthread_mutex_lock(&p->lock);
	/* Keep the failure of the first file in path order when several
	 * workers fail, so the message does not depend on timing. */
	if (e->code != 0 && (!p->failed || file < p->fail_file)) {
		p->err = *e;
		p->fail_file = file;
		p->failed = 1;
	}
	pthread_mutex_unlock(&p->lock);
	atomic_store(&p->stop, 1);
}

static void *
worker(void *arg)
{
	struct pool *p = arg;
	struct err e = ERR_INIT;
	unsigned char *buf = NULL;
	EVP_MD_CTX *ctx = NULL;
	struct walk_dircache *dc;
	size_t i;

	buf = malloc(p->buf_size);
	ctx = EVP_MD_CTX_new();
	dc = malloc(sizeof(*dc));
	if (dc != NULL)
		*dc = (struct walk_dircache)WALK_DIRCACHE_INIT;
	if (buf == NULL || ctx == NULL || dc == NULL) {
		err_set(&e, EXIT_UNDECIDED, "out of memory");
		pool_fail(p, 0, &e);
		goto out;
	}
	while (!atomic_load_explicit(&p->stop, memory_order_relaxed)) {
		i = atomic_fetch_add(&p->next, 1);
		if (i >= p->njobs)
			break;
		if (hash_job(p, &p->jobs[i], ctx, buf, dc, &e) != 0) {
			pool_fail(p, p->jobs[i].file, &e);
			break;
		}
	}
out:
	if (dc != NULL)
		walk_dircache_clear(dc);
	free(dc);
	EVP_MD_CTX_free(ctx);
	free(buf);
	pthread_mutex_lock(&p->lock);
	if (--p->running == 0)
		pthread_cond_signal(&p->done);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void
progress(struct pool *p)
{
	if (p->o->progress != NULL)
		p->o->progress(p->o->progress_arg, atomic_load(&p->units_done),
			       atomic_load(&p->bytes_done), p->njobs,
			       p->m->bytes);
}

/* Waits for the workers, reporting progress from this thread. */
static void
pool_wait(struct pool *p)
{
	struct timespec until;

	pthread_mutex_lock(&p->lock);
	while (p->running > 0) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += PROGRESS_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->done, &p->lock, &until);
		if (p->running == 0)
			break;
		pthread_mutex_unlock(&p->lock);
		progress(p);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	progress(p);
}

static unsigned
default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > DIGEST_MAX_JOBS ? DIGEST_MAX_JOBS : (unsigned)n;
}

static int
run_pool(struct pool *p, unsigned jobs, struct err *e)
{
	pthread_t tid[DIGEST_MAX_JOBS];
	unsigned i, started = 0;
	int rc = 0;

	if (p->njobs == 0)
		return 0;
	if (jobs > p->njobs)
		jobs = (unsigned)p->njobs;
	p->running = jobs;
	for (i = 0; i < jobs; i++) {
		if (pthread_create(&tid[i], NULL, worker, p) != 0)
			break;
		started++;
	}
	pthread_mutex_lock(&p->lock);
	p->running -= jobs - started;
	pthread_mutex_unlock(&p->lock);
	if (started == 0)
		return err_set(e, EXIT_UNDECIDED, "cannot start threads");
	pool_wait(p);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	if (p->failed) {
		if (e != NULL)
			*e = p->err;
		rc = -p->err.code;
	}
	return rc;
}

static int
check_opts(const struct digest_opts *o, size_t *buf_size, struct err *e)
{
	*buf_size = o->buf_size ? o->buf_size : DIGEST_BUF_DEFAULT;
	if (*buf_size < DIGEST_BUF_MIN || *buf_size > DIGEST_BUF_MAX)
		return err_set(e, EXIT_USAGE,
			       "buffer size %zu out of range "
			       "%zu..%zu",
			       *buf_size, DIGEST_BUF_MIN, DIGEST_BUF_MAX);
	if (o->jobs > DIGEST_MAX_JOBS)
		return err_set(e, EXIT_USAGE, "more than %d jobs",
			       DIGEST_MAX_JOBS);
	if (o->slice_count > DIGEST_MAX_SLICES ||
	    (o->slice_count > 0 && o->slice_index >= o->slice_count) ||
	    (o->slice_count == 0 && o->slice_index != 0))
		return err_set(e, EXIT_USAGE, "bad slice %u/%u (n is 1..%d)",
			       o->slice_index, o->slice_count,
			       DIGEST_MAX_SLICES);
	if (o->shard_size > (1ULL << 62))
		return err_set(e, EXIT_USAGE, "shard size %llu too large",
			       o->shard_size);
	return 0;
}

/* Builds m's entries from the walk, stealing its names arena. */
static int
manifest_from_walk(struct digest_manifest **out, struct walk *w,
		   const struct digest_opts *o, struct err *e)
{
	struct digest_manifest *m = NULL, *tmp = NULL;
	uint64_t nshards = 0;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = manifest_alloc(&tmp, 0, 0, e)) != 0)
		return rc;
	if (o->slice_count > 0 &&
	    (rc = slice_walk(tmp, w, o->slice_index, o->slice_count, e)) != 0)
		goto out;
	for (i = 0; o->shard_size && i < w->n; i++)
		nshards += manifest_shards_of(w->files[i].size, o->shard_size);
	if (nshards > DIGEST_MAX_SHARDS) {
		rc = err_set(e, EXIT_USAGE,
			     "%s: %llu shards, more than %d; "
			     "use a larger shard size",
			     w->root, (unsigned long long)nshards,
			     DIGEST_MAX_SHARDS);
		goto out;
	}
	if ((rc = manifest_alloc(&m, w->n, (size_t)nshards, e)) != 0)
		goto out;
	m->partial = tmp->partial;
	m->slice_index = tmp->slice_index;
	m->slice_count = tmp->slice_count;
	m->tree_files = tmp->tree_files;
	m->tree_bytes = tmp->tree_bytes;
	memcpy(m->listing, tmp->listing, sizeof(m->listing));
	m->shard_size = o->shard_size;
	m->bytes = w->bytes;
	nshards = 0;
	for (i = 0; i < w->n; i++) {
		m->v[i].path = w->files[i].u.path;
		m->v[i].path_len = w->files[i].path_len;
		m->v[i].size = w->files[i].size;
		m->v[i].shard0 = nshards;
		if (o->shard_size)
			nshards +=
			    manifest_shards_of(m->v[i].size, o->shard_size);
	}
	m->names = w->names;
	w->names = NULL;
	*out = m;
	m = NULL;
out:
	digest_manifest_free(tmp);
	digest_manifest_free(m);
	return rc;
}

int
digest_tree(struct digest_manifest **out, const char *root,
	    const struct digest_opts *opts, struct err *e)
{
	static const struct digest_opts defaults = DIGEST_OPTS_INIT;
	const struct digest_opts *o = opts ? opts : &defaults;
	struct walk w = WALK_INIT;
	struct digest_manifest *m = NULL;
	struct job *jobs = NULL;
	struct pool *p = NULL;
	EVP_MD *md = NULL;
	size_t buf_size, njobs = 0;
	unsigned threads;
	int rc, mapping;

	*out = NULL;
	if (strncmp(root, S3_URL_PREFIX, strlen(S3_URL_PREFIX)) == 0)
		return s3_tree(out, root, o, e);
	if ((rc = check_opts(o, &buf_size, e)) != 0)
		goto out;
	threads = o->jobs ? o->jobs : default_jobs();
	if ((rc = walk_tree(&w, root, o, threads, e)) != 0 ||
	    (rc = manifest_from_walk(&m, &w, o, e)) != 0 ||
	    (rc = make_jobs(&jobs, &njobs, m, e)) != 0)
		goto out;
	md = EVP_MD_fetch(NULL, "SHA256", NULL);
	p = calloc(1, sizeof(*p));
	if (md == NULL || p == NULL) {
		rc = err_ossl(e, EXIT_UNDECIDED, "sha256");
		goto out;
	}
	p->w = &w;
	p->m = m;
	p->o = o;
	p->jobs = jobs;
	p->njobs = njobs;
	p->md = md;
	p->buf_size = buf_size;
	mapping = njobs > 0 && jobs[0].len >= MAP_MIN;
	if (mapping && (rc = bus_acquire(e)) != 0)
		goto out;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->done, NULL);
	rc = run_pool(p, threads, e);
	if (mapping)
		bus_release();
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	if (rc == 0) {
		*out = m;
		m = NULL;
	}
out:
	free(p);
	EVP_MD_free(md);
	free(jobs);
	walk_clear(&w);
	digest_manifest_free(m);
	return rc;
}

/* --- fed from elsewhere (lib/s3) ---------------------------------------- */

int
digest_listed(struct digest_manifest **out, struct walk *w,
	      const struct digest_opts *o, struct err *e)
{
	size_t buf_size;
	int rc;

	*out = NULL;
	if ((rc = check_opts(o, &buf_size, e)) != 0)
		return rc;
	return manifest_from_walk(out, w, o, e);
}

struct digest_feed {
	struct digest_manifest *m;
	struct job *jobs;
	size_t njobs;
	EVP_MD *md;
	struct feed_slot {
		EVP_MD_CTX *ctx;
		size_t unit;  /* the unit it hashes */
		uint64_t got; /* bytes fed so far */
	} * slot;
	unsigned slots;
};

void
digest_feed_free(struct digest_feed *f)
{
	unsigned i;

	if (f == NULL)
		return;
	for (i = 0; f->slot != NULL && i < f->slots; i++)
		EVP_MD_CTX_free(f->slot[i].ctx);
	free(f->slot);
	free(f->jobs);
	EVP_MD_free(f->md);
	free(f);
}

int
digest_feed_new(struct digest_feed **out, struct digest_manifest *m,
		unsigned slots, struct err *e)
{
	struct digest_feed *f = calloc(1, sizeof(*f));
	unsigned i;
	int rc;

	*out = NULL;
	if (f == NULL || slots == 0 || slots > DIGEST_MAX_JOBS) {
		free(f);
		return f == NULL
			   ? err_set(e, EXIT_UNDECIDED, "out of memory")
			   : err_set(e, EXIT_USAGE, "bad slot count %u", slots);
	}
	f->m = m;
	f->slots = slots;
	if ((rc = make_jobs(&f->jobs, &f->njobs, m, e)) != 0) {
		digest_feed_free(f);
		return rc;
	}
	f->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	f->slot = calloc(slots, sizeof(*f->slot));
	for (i = 0; f->slot != NULL && i < slots; i++)
		f->slot[i].ctx = EVP_MD_CTX_new();
	if (f->md == NULL || f->slot == NULL ||
	    f->slot[slots - 1].ctx == NULL) {
		digest_feed_free(f);
		return err_ossl(e, EXIT_UNDECIDED, "sha256");
	}
	*out = f;
	return 0;
}

size_t
digest_feed_units(const struct digest_feed *f)
{
	return f->njobs;
}

void
digest_feed_unit(const struct digest_feed *f, size_t k, size_t *file,
		 unsigned long long *off, unsigned long long *len)
{
	const struct job *j = &f->jobs[k];

	*file = j->file;
	*off = (unsigned long long)j->shard * f->m->shard_size;
	*len = j->len;
}

int
digest_feed_start(struct digest_feed *f, unsigned slot, size_t k, struct err *e)
{
	f->slot[slot].unit = k;
	f->slot[slot].got = 0;
	if (EVP_DigestInit_ex(f->slot[slot].ctx, f->md, NULL) != 1)
		return err_ossl(e, EXIT_UNDECIDED, "sha256");
	return 0;
}

int
digest_feed_bytes(struct digest_feed *f, unsigned slot, const void *p, size_t n)
{
	struct feed_slot *s = &f->slot[slot];
	const struct job *j = &f->jobs[s->unit];

	if (n > j->len - s->got)
		return -1;
	s->got += n;
	return EVP_DigestUpdate(s->ctx, p, n) == 1 ? 0 : -1;
}

int
digest_feed_end(struct digest_feed *f, unsigned slot, struct err *e)
{
	struct feed_slot *s = &f->slot[slot];
	const struct job *j = &f->jobs[s->unit];
	struct entry *en = &f->m->v[j->file];
	unsigned char *out =
	    f->m->shard_size ? f->m->shards[en->shard0 + j->shard] : en->sha;
	char shown[SHOWN_MAX];

	if (s->got != j->len) {
		text_escape(shown, sizeof(shown), en->path);
		return err_set(e, EXIT_UNDECIDED, "%s: %llu of %llu bytes read",
			       shown, (unsigned long long)s->got,
			       (unsigned long long)j->len);
	}
	if (EVP_DigestFinal_ex(s->ctx, out, NULL) != 1)
		return err_ossl(e, EXIT_UNDECIDED, "sha256");
	return 0;
}
