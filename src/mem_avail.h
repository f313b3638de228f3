/* mem_avail.h - how much more memory this process may take: the smaller of
 * the machine's MemAvailable and what RLIMIT_AS leaves of the address space.
 * Producers of large arrays (the trace builder, the generator) ask before
 * they allocate, so that a trace too large for the machine is refused with a
 * message instead of ending in an OOM kill. */
#ifndef ALLOCSCOPE_MEM_AVAIL_H
#define ALLOCSCOPE_MEM_AVAIL_H

#include <stddef.h>
#include <stdint.h>

/* Bytes that can still be allocated; UINT64_MAX when neither bound is known. */
uint64_t mem_avail_bytes(void);

/* 0 when `need` more bytes fit, else -1 with "WHAT needs N.N MiB of memory,
 * only M.M MiB are available" in err. */
int mem_avail_check(uint64_t need, const char *what, char *err, size_t err_len);

/* Gives the whole pages inside [p, p + len) back to the kernel (MADV_PAGEOUT)
 * while keeping their contents: a file mapping's pages read back from the
 * file when touched again. For a large input read once, front to back. */
void mem_avail_give_back(const void *p, size_t len);

#endif
