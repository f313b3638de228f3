/* os_heap.h - the one OS-memory layer under every in-house strategy.
 *
 * A contiguous heap that grows at its end in fixed steps, like sbrk: a large
 * range of address space is reserved up front (PROT_NONE, no swap charge) and
 * committed step by step. The committed extent is the strategy's footprint,
 * so heap bytes are exact and change only when the heap grows (it never
 * shrinks).
 * In-house strategies never call malloc; they carve everything from here.
 */
#ifndef ALLOCSCOPE_OS_HEAP_H
#define ALLOCSCOPE_OS_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define OS_HEAP_DEFAULT_STEP 4096u

struct os_heap {
	char *base;        /* start of the reservation, page aligned */
	size_t reserved;   /* bytes of address space reserved */
	/* Bytes committed: [base, base + extent) is usable. It only grows, so
	 * it is also its own high-water mark. */
	size_t extent;
	size_t step;       /* growth granule, a multiple of the page size */
	size_t committed;  /* bytes made read-write: >= extent, see os_heap.c */
};

/* Reserves address space for a heap of at most `reserve` bytes (0: a default
 * of 64 GiB) growing in `step` bytes (rounded up to the page size). Returns 0,
 * or -1 when the reservation fails. */
int os_heap_init(struct os_heap *heap, size_t reserve, size_t step);
void os_heap_release(struct os_heap *heap);

/* Extends the heap by at least `bytes` (rounded up to the step) and returns
 * the old end, which is where the new memory starts; NULL when the
 * reservation is exhausted. The new memory reads as zero. */
void *os_heap_grow(struct os_heap *heap, size_t bytes);

/* Commits what growing by `bytes` needs without moving the extent, so that
 * the next os_heap_grow of up to that many bytes cannot fail. Returns 0, or
 * -1 (the extent unchanged) where os_heap_grow would return NULL. A strategy
 * that grows two heaps together prepares both first: a refusal then leaves
 * neither grown, and the footprint does not count a growth that failed. */
int os_heap_prepare(struct os_heap *heap, size_t bytes);

static inline char *os_heap_end(const struct os_heap *heap)
{
	return heap->base + heap->extent;
}

/* Parses the `step=` parameter shared by every in-house strategy. Returns 0,
 * or -1 with a message in err. */
int os_heap_parse_step(const char *value, size_t *step, char *err, size_t err_len);

#endif
