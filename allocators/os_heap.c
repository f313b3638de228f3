/* os_heap.c - reserve once, commit in steps: the sbrk-like heap of the
 * in-house strategies. The reservation is PROT_NONE address space, which the
 * kernel does not count; committing is mprotect to read-write, which it
 * counts as the memory it will have to provide, so a heap that would pass
 * what the machine can give fails to grow (the strategy returns NULL, as
 * glibc's mmap would) rather than being OOM-killed once its pages are
 * touched. A strategy's addresses never move and its extent is an exact
 * footprint.
 *
 * The extent (the footprint every figure uses) moves in `step` bytes, but
 * mprotect runs only once per OS_HEAP_COMMIT_CHUNK: a 4 KiB step would
 * otherwise cost one system call per page, a sixth of a large replay.
 * Pages between the extent and the committed end are never touched by the
 * strategy, so they hold no memory. */
#include "os_heap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define OS_HEAP_DEFAULT_RESERVE ((size_t)64 << 30)
#define OS_HEAP_MIN_RESERVE ((size_t)1 << 30)
#define OS_HEAP_COMMIT_CHUNK ((size_t)1 << 20)

static size_t page_size(void)
{
	static size_t cached;
	if (!cached)
		cached = (size_t)sysconf(_SC_PAGESIZE);
	return cached;
}

static size_t round_up(size_t n, size_t granule)
{
	return (n + granule - 1) / granule * granule;
}

int os_heap_init(struct os_heap *heap, size_t reserve, size_t step)
{
	if (!reserve)
		reserve = OS_HEAP_DEFAULT_RESERVE;
	if (!step)
		step = OS_HEAP_DEFAULT_STEP;
	step = round_up(step, page_size());
	reserve = round_up(reserve, step);
	void *base = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* Where address space is scarce (valgrind gives a client 64 GiB in all,
	 * ulimit -v), settle for less, down to 1 GiB. */
	while (base == MAP_FAILED && reserve / 2 >= OS_HEAP_MIN_RESERVE) {
		reserve = round_up(reserve / 2, step);
		base = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (base == MAP_FAILED)
		return -1;
	heap->base = base;
	heap->reserved = reserve;
	heap->extent = 0;
	heap->step = step;
	heap->committed = 0;
	return 0;
}

void os_heap_release(struct os_heap *heap)
{
	if (heap->base)
		munmap(heap->base, heap->reserved);
	heap->base = NULL;
	heap->extent = heap->reserved = 0;
}

int os_heap_prepare(struct os_heap *heap, size_t bytes)
{
	size_t grow = round_up(bytes ? bytes : 1, heap->step);
	if (grow < bytes || grow > heap->reserved - heap->extent)
		return -1;
	if (heap->extent + grow > heap->committed) {
		size_t commit = round_up(heap->extent + grow - heap->committed, OS_HEAP_COMMIT_CHUNK);
		if (commit > heap->reserved - heap->committed)
			commit = heap->reserved - heap->committed;
		if (mprotect(heap->base + heap->committed, commit, PROT_READ | PROT_WRITE) != 0)
			return -1;
		heap->committed += commit;
	}
	return 0;
}

void *os_heap_grow(struct os_heap *heap, size_t bytes)
{
	if (os_heap_prepare(heap, bytes) != 0)
		return NULL;
	char *old_end = heap->base + heap->extent;
	heap->extent += round_up(bytes ? bytes : 1, heap->step);
	return old_end;
}

int os_heap_parse_step(const char *value, size_t *step, char *err, size_t err_len)
{
	char *end = NULL;
	unsigned long long v = 0;
	errno = 0;
	/* strtoull would take " 4096" and "+4096"; a value is digits only */
	if (*value >= '0' && *value <= '9')
		v = strtoull(value, &end, 10);
	if (!end || errno || *end || v == 0 || v > ((size_t)1 << 30) ||
	    v % page_size() != 0) {
		snprintf(err, err_len,
			 "step '%s' must be a multiple of the page size (%zu) up to 1 GiB",
			 value, page_size());
		return -1;
	}
	*step = (size_t)v;
	return 0;
}
