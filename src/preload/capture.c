/* capture.c - liballocscope_capture.so: an LD_PRELOAD interposer that records
 * every malloc-family call of an unmodified program as raw records
 * (capture_raw.h) in $ALLOCSCOPE_CAPTURE_DIR/PROG.PID.N.raw, for
 * `allocscope capture` to convert. Without that variable it only forwards.
 *
 * Cost: a call appends one record, mostly a single 8-byte word (raw
 * addresses; the converter turns them into block ids afterwards), to an
 * mmap'ed buffer that write(2) flushes to the file when full. No malloc
 * here: buffers come from mmap.
 *
 * Locking. One lock guards the buffer. The rule that keeps every block's
 * events in order across threads: an event is appended while its address
 * is still the caller's. So
 *  - malloc & co. append after the real call returns (nobody else can hold
 *    the new address before it is returned);
 *  - free appends before the real call (once the real free runs, another
 *    thread's malloc may return the same address and append it);
 *  - realloc appends REALLOC_BEGIN before the real call and REALLOC after
 *    (if another thread is handed the old address in between, its malloc
 *    lands between the two, after the old block was given up).
 * The lock is never held across a real call. Re-entry: a signal handler
 * that allocates while its thread holds the lock must not lock again
 * (deadlock): a per-thread flag says "inside"; such nested calls are
 * forwarded unrecorded and counted (a handler running anywhere else is
 * recorded normally).
 * fork: pthread_atfork holds the lock across fork; the child drops the
 * parent's unflushed records and file and starts its own file at its first
 * call (blocks inherited from the parent are unknown to its trace).
 * Flushing: when the buffer fills; at exit (a destructor, whichever thread
 * calls exit, or an at_quick_exit handler; calls made after it by other
 * threads are written through one by one); before exec* and _exit called by
 * the program. Lost: the unflushed buffer (at most BUF_WORDS words) on a
 * crash, a kill, or an exec/_exit made inside libc (posix_spawn children
 * allocate nothing).
 * Bootstrap: dlsym may allocate before the real functions are known; those
 * calls are served from a static arena that free/realloc recognise.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/single_threaded.h>
#include <time.h>
#include <unistd.h>

#include "capture_raw.h"

#define EXPORT __attribute__((visibility("default")))
#define TLS static __thread __attribute__((tls_model("initial-exec")))
#define unlikely(x) __builtin_expect(!!(x), 0)
#define likely(x) __builtin_expect(!!(x), 1)

/* ---- the real functions and the bootstrap arena ------------------------- */

static struct {
	void *(*malloc)(size_t);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void (*free)(void *);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
} real;

enum { REAL_NONE, REAL_RESOLVING, REAL_READY };
static int real_state;
TLS int tls_resolving;

/* Blocks carry their size in the 16 bytes before them (for realloc). */
#define BOOT_SIZE (64 * 1024)
static _Alignas(64) char boot_arena[BOOT_SIZE];
static size_t boot_used;

static void *boot_alloc(size_t size)
{
	size_t need = 16 + ((size + 15) & ~(size_t)15);
	size_t at = __atomic_fetch_add(&boot_used, need, __ATOMIC_RELAXED);
	if (size > BOOT_SIZE || at + need > BOOT_SIZE)
		return NULL;
	memcpy(boot_arena + at, &size, sizeof size);
	return boot_arena + at + 16;
}

static int boot_owns(const void *p)
{
	return (const char *)p >= boot_arena && (const char *)p < boot_arena + BOOT_SIZE;
}

static size_t boot_size(const void *p)
{
	size_t size;
	memcpy(&size, (const char *)p - 16, sizeof size);
	return size;
}

static void *real_sym(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/* Returns 0 when the real functions are usable, -1 when this thread is
 * inside dlsym (serve it from the arena). Other threads wait. */
static __attribute__((noinline, cold)) int real_resolve_slow(void)
{
	if (tls_resolving)
		return -1;
	int expect = REAL_NONE;
	if (!__atomic_compare_exchange_n(&real_state, &expect, REAL_RESOLVING, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&real_state, __ATOMIC_ACQUIRE) != REAL_READY)
			sched_yield();
		return 0;
	}
	tls_resolving = 1;
	real.malloc = real_sym("malloc");
	real.calloc = real_sym("calloc");
	real.realloc = real_sym("realloc");
	real.free = real_sym("free");
	real.posix_memalign = real_sym("posix_memalign");
	real.aligned_alloc = real_sym("aligned_alloc");
	real.memalign = real_sym("memalign");
	real.valloc = real_sym("valloc");
	real.pvalloc = real_sym("pvalloc");
	tls_resolving = 0;
	__atomic_store_n(&real_state, REAL_READY, __ATOMIC_RELEASE);
	return 0;
}

static inline __attribute__((always_inline)) int real_resolve(void)
{
	if (likely(__atomic_load_n(&real_state, __ATOMIC_ACQUIRE) == REAL_READY))
		return 0;
	return real_resolve_slow();
}

/* ---- the recorder -------------------------------------------------------- */

#define BUF_WORDS ((size_t)1 << 17) /* 1 MiB of records between flushes */

enum { REC_PENDING, REC_UNSTARTED, REC_ACTIVE, REC_OFF };

/* A test-and-set lock: cheaper than a mutex for a critical section of a few
 * dozen instructions; a waiter yields the CPU after a short spin, since the
 * holder may be preempted or writing out the buffer. */
static int rec_lock_word;

static void rec_lock(void)
{
	while (__atomic_exchange_n(&rec_lock_word, 1, __ATOMIC_ACQUIRE)) {
		for (int spin = 0; __atomic_load_n(&rec_lock_word, __ATOMIC_RELAXED); spin++) {
			if (spin < 100)
				__builtin_ia32_pause();
			else
				sched_yield();
		}
	}
}

static void rec_unlock(void)
{
	__atomic_store_n(&rec_lock_word, 0, __ATOMIC_RELEASE);
}

static struct {
	int state;              /* REC_*; REC_OFF is final (read without the lock) */
	int write_through;      /* after the exit destructor: flush every record */
	int fd;
	pid_t owner;            /* the process whose file fd is */
	struct capture_raw_header hdr;
	uint64_t *buf;
	size_t n;               /* words in buf */
	unsigned last_thread;   /* the thread of the latest record (capture_put) */
	uint32_t generation;    /* bumped in a fork child: re-numbers threads */
	uint64_t nested_calls;  /* atomic: counted without the lock */
} rec = { .fd = -1, .generation = 1 };

/* The recorder's per-thread state, in one object so that the fast path
 * looks up its thread-local offset once rather than once per field. */
TLS struct {
	int in_recorder;
	int locked;          /* rec_enter took the lock */
	uint32_t generation; /* rec.generation when thread was numbered */
	uint16_t thread;
} tls;

static size_t str_copy(char *dst, size_t cap, size_t at, const char *src)
{
	while (*src && at + 1 < cap)
		dst[at++] = *src++;
	dst[at] = '\0';
	return at;
}

static size_t str_put_uint(char *dst, size_t cap, size_t at, unsigned long v)
{
	char digits[24];
	int n = 0;
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0 && at + 1 < cap)
		dst[at++] = digits[--n];
	dst[at] = '\0';
	return at;
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void hdr_fill(struct capture_raw_header *h)
{
	memset(h, 0, sizeof *h);
	memcpy(h->magic, CAPTURE_RAW_MAGIC, sizeof h->magic);
	h->word_size = sizeof *rec.buf;
	h->pid = getpid();
	h->ppid = getppid();
	h->start_realtime_ns = clock_ns(CLOCK_REALTIME);
	h->start_boot_ns = clock_ns(CLOCK_MONOTONIC);
	ssize_t n = readlink("/proc/self/exe", h->exe, sizeof h->exe - 1);
	h->exe[n > 0 ? n : 0] = '\0';
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, h->cmdline, sizeof h->cmdline - 1);
	close(fd);
	for (ssize_t i = 0; i < n; i++)
		if (h->cmdline[i] == '\0')
			h->cmdline[i] = ' ';
	while (n > 0 && h->cmdline[n - 1] == ' ')
		n--;
	h->cmdline[n > 0 ? n : 0] = '\0';
}

/* Opens DIR/PROG.PID.N.raw with the first free N (one process may exec
 * several programs under the same pid). */
static int raw_open(const char *dir, const char *exe)
{
	char path[4096];
	const char *prog = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : "unknown";
	for (unsigned seq = 0; seq < 1000; seq++) {
		size_t at = str_copy(path, sizeof path, 0, dir);
		at = str_copy(path, sizeof path, at, "/");
		at = str_copy(path, sizeof path, at, prog);
		at = str_copy(path, sizeof path, at, ".");
		at = str_put_uint(path, sizeof path, at, (unsigned long)getpid());
		at = str_copy(path, sizeof path, at, ".");
		at = str_put_uint(path, sizeof path, at, seq);
		str_copy(path, sizeof path, at, ".raw");
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

static int write_all(const void *p, size_t len, off_t off)
{
	while (len) {
		ssize_t w = pwrite(rec.fd, p, len, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p = (const char *)p + w;
		len -= (size_t)w;
		off += w;
	}
	return 0;
}

/* Writes the buffered records, then the header that counts them. On a
 * write error recording stops for good (the file keeps a valid prefix). */
static void rec_flush(void)
{
	if (rec.state != REC_ACTIVE)
		return;
	off_t off = (off_t)(CAPTURE_RAW_DATA_OFFSET + rec.hdr.n_words * sizeof *rec.buf);
	int err = write_all(rec.buf, rec.n * sizeof *rec.buf, off);
	if (!err)
		rec.hdr.n_words += rec.n;
	rec.n = 0;
	rec.hdr.nested_calls = __atomic_load_n(&rec.nested_calls, __ATOMIC_RELAXED);
	rec.hdr.truncated = err != 0;
	if (write_all(&rec.hdr, sizeof rec.hdr, 0) != 0 || err)
		rec.state = REC_OFF;
}

static int rec_start(void)
{
	const char *dir = getenv(CAPTURE_DIR_ENV);
	if (!dir || !*dir)
		return -1;
	hdr_fill(&rec.hdr);
	rec.fd = raw_open(dir, rec.hdr.exe);
	if (rec.fd < 0)
		return -1;
	rec.owner = getpid();
	if (!rec.buf) {
		void *b = mmap(NULL, BUF_WORDS * sizeof *rec.buf, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b == MAP_FAILED)
			return -1;
		rec.buf = b;
	}
	rec.n = 0;
	rec.last_thread = 0;
	rec.state = REC_ACTIVE;
	rec_flush(); /* the header, so that even an empty run leaves a valid file */
	return 0;
}

static void fork_prepare(void)
{
	tls.in_recorder = 1;
	rec_lock();
}

static void fork_parent(void)
{
	rec_unlock();
	tls.in_recorder = 0;
}

/* The child keeps none of the parent's recording: the records in the
 * buffer are the parent's (it still has them), and so is the file. */
static void fork_child(void)
{
	rec_unlock(); /* the prepare handler's hold, now the child's only thread */
	if (rec.state == REC_ACTIVE) {
		close(rec.fd);
		rec.fd = -1;
		rec.state = REC_UNSTARTED;
	}
	rec.n = 0;
	rec.write_through = 0;
	rec.nested_calls = 0;
	rec.generation++;
	tls.in_recorder = 0;
}

/* Enters the recorder: returns 1 with the lock held when this call is to be
 * recorded, 0 when not (not capturing, libc not yet initialised, or
 * re-entered from a signal handler). */
static void rec_leave(void);

static int rec_enter(void)
{
	int state = __atomic_load_n(&rec.state, __ATOMIC_RELAXED);
	if (state == REC_OFF || (state == REC_PENDING && !environ))
		return 0;
	if (tls.in_recorder) {
		__atomic_fetch_add(&rec.nested_calls, 1, __ATOMIC_RELAXED);
		return 0;
	}
	tls.in_recorder = 1;
	/* While the process has one thread (glibc clears the flag before a
	 * second one starts, and this thread cannot start one in here), there
	 * is no one to exclude: skip the atomic. */
	tls.locked = !__libc_single_threaded;
	if (tls.locked)
		rec_lock();
	if (unlikely(rec.state == REC_UNSTARTED || rec.state == REC_PENDING) && rec_start() != 0)
		rec.state = REC_OFF;
	if (rec.state == REC_ACTIVE)
		return 1;
	rec_leave();
	return 0;
}

static void rec_leave(void)
{
	if (tls.locked)
		rec_unlock();
	tls.in_recorder = 0;
}

/* Flushes this process's records (before exec or _exit). A vfork child
 * shares our memory but is not the owner: it leaves the buffer alone. */
static void rec_flush_now(void)
{
	if (__atomic_load_n(&rec.state, __ATOMIC_RELAXED) == REC_ACTIVE && rec_enter()) {
		if (rec.owner == getpid())
			rec_flush();
		rec_leave();
	}
}

/* Recording starts at the first call made once libc has its environment
 * (before that getenv would wrongly say "not capturing", and the loader's
 * own few calls are forwarded unrecorded, their frees counted as unknown).
 * That is before this constructor when a library the program links runs
 * its constructors first, as libstdc++ does, allocating its 72 KiB
 * exception pool; here at the latest. */
static void rec_fini(void);

__attribute__((constructor)) static void rec_init(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	at_quick_exit(rec_fini); /* quick_exit runs no destructor */
	int pending = REC_PENDING;
	__atomic_compare_exchange_n(&rec.state, &pending, REC_UNSTARTED, 0, __ATOMIC_RELEASE,
				    __ATOMIC_RELAXED);
	if (rec_enter())
		rec_leave();
}

/* exit() or quick_exit(), from any thread. Threads still running go on
 * being recorded, written through record by record. */
__attribute__((destructor)) static void rec_fini(void)
{
	if (rec_enter()) {
		rec_flush();
		rec.write_through = 1;
		rec_leave();
	}
}

static unsigned rec_thread(void)
{
	if (tls.generation != rec.generation) {
		tls.generation = rec.generation;
		uint32_t n = rec.hdr.n_threads;
		tls.thread = (uint16_t)(n < CAPTURE_THREAD_MAX ? n : CAPTURE_THREAD_MAX);
		rec.hdr.n_threads = n + 1;
	}
	return tls.thread;
}

/* Appends a record and, for calloc and aligned kinds, its AUX record. */
static void rec_put(enum capture_op op, const void *ptr, uint64_t size, uint64_t aux)
{
	if (rec.n + CAPTURE_MAX_WORDS > BUF_WORDS)
		rec_flush();
	unsigned thread = rec_thread();
	rec.n += capture_put(rec.buf + rec.n, &rec.last_thread, op, thread, (uintptr_t)ptr, size);
	if (op == CAPTURE_CALLOC || op == CAPTURE_ALIGNED)
		rec.n += capture_put(rec.buf + rec.n, &rec.last_thread, CAPTURE_AUX, thread, aux, 0);
	if (rec.write_through)
		rec_flush();
}

static __attribute__((noinline, cold)) void record_slow(enum capture_op op, const void *ptr,
							 uint64_t size, uint64_t aux)
{
	if (rec_enter()) {
		rec_put(op, ptr, size, aux);
		rec_leave();
	}
}

/* The common case inline, which is most of the recorder's cost saved: the
 * recorder is on, the process has one thread (no lock needed), this thread
 * is not already inside (a signal handler's call), its thread number is
 * current and the previous record's, the record fits in one word and the
 * buffer has room. Everything else takes rec_enter. The flag is set before
 * the buffer is touched, with signal fences so that a handler interrupting
 * this thread sees it. Written as "if (likely(all fine)) { append }": with
 * the test the other way round GCC moved the append out of line into
 * malloc.cold, a jump away on every call. */
static inline __attribute__((always_inline)) void record(enum capture_op op, const void *ptr,
							 uint64_t size, uint64_t aux)
{
	if (likely(__atomic_load_n(&rec.state, __ATOMIC_RELAXED) == REC_ACTIVE &&
		   !tls.in_recorder && __libc_single_threaded &&
		   tls.generation == rec.generation && !rec.write_through &&
		   rec.n + 2 <= BUF_WORDS && tls.thread == rec.last_thread &&
		   capture_short_fits(op, (uintptr_t)ptr, size) &&
		   capture_short_fits(CAPTURE_AUX, aux, 0))) {
		tls.in_recorder = 1;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		uint64_t *w = rec.buf + rec.n;
		w[0] = capture_short(op, (uintptr_t)ptr, size);
		size_t n = 1;
		if (op == CAPTURE_CALLOC || op == CAPTURE_ALIGNED) {
			w[1] = capture_short(CAPTURE_AUX, aux, 0);
			n = 2;
		}
		rec.n += n;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		tls.in_recorder = 0;
		return;
	}
	record_slow(op, ptr, size, aux);
}

static inline __attribute__((always_inline)) void record_alloc(const void *p, enum capture_op op,
								uint64_t size, uint64_t aux)
{
	if (likely(p != NULL))
		record(op, p, size, aux);
}

/* glibc rounds a non-power-of-two alignment up; the trace wants the power. */
static uint64_t align_pow2(size_t align)
{
	uint64_t a = 1;
	while (a < align && a < ((uint64_t)1 << 63))
		a <<= 1;
	return a;
}

/* ---- the interposed functions ------------------------------------------- */

EXPORT void *malloc(size_t size)
{
	if (unlikely(real_resolve() != 0))
		return boot_alloc(size);
	void *p = real.malloc(size);
	record_alloc(p, CAPTURE_MALLOC, size, 0);
	return p;
}

EXPORT void *calloc(size_t nmemb, size_t size)
{
	if (unlikely(real_resolve() != 0)) {
		size_t total;
		return __builtin_mul_overflow(nmemb, size, &total) ? NULL : boot_alloc(total);
	}
	void *p = real.calloc(nmemb, size);
	record_alloc(p, CAPTURE_CALLOC, size, nmemb);
	return p;
}

EXPORT void free(void *p)
{
	if (!p || boot_owns(p))
		return;
	record(CAPTURE_FREE, p, 0, 0);
	real.free(p);
}

static void *realloc_boot(void *p, size_t size)
{
	void *q = malloc(size);
	if (q) {
		size_t old = boot_size(p);
		memcpy(q, p, old < size ? old : size);
	}
	return q;
}

EXPORT void *realloc(void *p, size_t size)
{
	if (!p)
		return malloc(size);
	if (boot_owns(p))
		return realloc_boot(p, size);
	record(CAPTURE_REALLOC_BEGIN, p, 0, 0);
	void *q = real.realloc(p, size);
	record(CAPTURE_REALLOC, q, size, 0);
	return q;
}

EXPORT void *reallocarray(void *p, size_t nmemb, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(nmemb, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	if (unlikely(real_resolve() != 0))
		return ENOMEM;
	int rc = real.posix_memalign(out, align, size);
	if (rc == 0)
		record_alloc(*out, CAPTURE_ALIGNED, size, align_pow2(align));
	return rc;
}

EXPORT void *aligned_alloc(size_t align, size_t size)
{
	if (unlikely(real_resolve() != 0))
		return NULL;
	void *p = real.aligned_alloc(align, size);
	record_alloc(p, CAPTURE_ALIGNED, size, align_pow2(align));
	return p;
}

EXPORT void *memalign(size_t align, size_t size)
{
	if (unlikely(real_resolve() != 0))
		return NULL;
	void *p = real.memalign(align, size);
	record_alloc(p, CAPTURE_ALIGNED, size, align_pow2(align));
	return p;
}

EXPORT void *valloc(size_t size)
{
	if (unlikely(real_resolve() != 0))
		return NULL;
	void *p = real.valloc(size);
	record_alloc(p, CAPTURE_ALIGNED, size, (uint64_t)sysconf(_SC_PAGESIZE));
	return p;
}

EXPORT void *pvalloc(size_t size)
{
	if (unlikely(real_resolve() != 0))
		return NULL;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p = real.pvalloc(size);
	record_alloc(p, CAPTURE_ALIGNED, (size + page - 1) & ~(page - 1), page);
	return p;
}

/* ---- flushing before the process image goes ------------------------------ */

typedef int exec_fn(const char *, char *const[], char *const[]);

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	rec_flush_now();
	return ((exec_fn *)real_sym("execve"))(path, argv, envp);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	rec_flush_now();
	return ((exec_fn *)real_sym("execvpe"))(file, argv, envp);
}

EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	rec_flush_now();
	return ((int (*)(int, char *const[], char *const[]))real_sym("fexecve"))(fd, argv, envp);
}

/* The execl family: the arguments up to the NULL become an argv on the
 * stack; execle's envp follows the NULL. */
#define ARGV_FROM_VARARGS(arg, argv, after_null)                              \
	size_t argc_ = 1;                                                     \
	va_list ap_;                                                          \
	va_start(ap_, arg);                                                   \
	while (va_arg(ap_, char *))                                           \
		argc_++;                                                      \
	va_end(ap_);                                                          \
	char *argv[argc_ + 1];                                                \
	argv[0] = (char *)(arg);                                              \
	va_start(ap_, arg);                                                   \
	for (size_t i_ = 1; i_ <= argc_; i_++)                                \
		argv[i_] = va_arg(ap_, char *);                               \
	after_null;                                                           \
	va_end(ap_)

EXPORT int execl(const char *path, const char *arg, ...)
{
	ARGV_FROM_VARARGS(arg, argv, (void)0);
	return execve(path, argv, environ);
}

EXPORT int execlp(const char *file, const char *arg, ...)
{
	ARGV_FROM_VARARGS(arg, argv, (void)0);
	return execvpe(file, argv, environ);
}

EXPORT int execle(const char *path, const char *arg, ...)
{
	char *const *envp;
	ARGV_FROM_VARARGS(arg, argv, envp = va_arg(ap_, char *const *));
	return execve(path, argv, envp);
}

EXPORT void _exit(int status)
{
	rec_flush_now();
	((void (*)(int))real_sym("_exit"))(status);
	__builtin_unreachable();
}

EXPORT void _Exit(int status)
{
	_exit(status);
}
