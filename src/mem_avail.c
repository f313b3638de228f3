/* mem_avail.c - the memory a process may still allocate (mem_avail.h), from
 * /proc/meminfo's MemAvailable and from RLIMIT_AS minus the address space
 * already mapped (/proc/self/statm); and pages given back once read. */
#include "mem_avail.h"

#include <inttypes.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define MIB (1024.0 * 1024.0)

/* MemAvailable in bytes, or UINT64_MAX when /proc/meminfo says nothing. */
static uint64_t mem_avail_machine(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[256];
	uint64_t kib = 0, bytes = UINT64_MAX;
	if (!f)
		return bytes;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %" SCNu64 " kB", &kib) == 1) {
			bytes = kib * 1024;
			break;
		}
	fclose(f);
	return bytes;
}

/* What RLIMIT_AS leaves, or UINT64_MAX when unlimited. */
static uint64_t mem_avail_address_space(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_AS, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return UINT64_MAX;
	FILE *f = fopen("/proc/self/statm", "re");
	uint64_t pages = 0;
	if (!f)
		return UINT64_MAX;
	int ok = fscanf(f, "%" SCNu64, &pages) == 1;
	fclose(f);
	uint64_t mapped = ok ? pages * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
	return rl.rlim_cur > mapped ? rl.rlim_cur - mapped : 0;
}

uint64_t mem_avail_bytes(void)
{
	uint64_t machine = mem_avail_machine(), space = mem_avail_address_space();
	return machine < space ? machine : space;
}

int mem_avail_check(uint64_t need, const char *what, char *err, size_t err_len)
{
	uint64_t avail = mem_avail_bytes();
	if (need <= avail)
		return 0;
	snprintf(err, err_len, "%s needs %.1f MiB of memory, only %.1f MiB are available",
		 what, (double)need / MIB, (double)avail / MIB);
	return -1;
}

void mem_avail_give_back(const void *p, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t hi = ((uintptr_t)p + len) & ~(page - 1);
	/* Only a hint: where the kernel declines (anonymous memory without swap),
	 * the pages simply stay. */
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_PAGEOUT);
}
