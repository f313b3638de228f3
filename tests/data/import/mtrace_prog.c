/* mtrace_prog.c - a tiny program whose allocations, recorded by glibc's
 * mtrace(), feed the mtrace importer's end-to-end test. Run it with
 * MALLOC_TRACE=FILE (and, on glibc >= 2.34, LD_PRELOAD=libc_malloc_debug.so). */
#include <mcheck.h>
#include <stdlib.h>

int main(void)
{
	mtrace();
	void *keep[8];
	for (int i = 0; i < 8; i++)
		keep[i] = malloc(16u << i);
	char *v = calloc(4, 25);
	for (size_t n = 32; n <= 4096; n *= 2)
		v = realloc(v, n);
	void *a = aligned_alloc(64, 192);
	for (int i = 0; i < 8; i += 2)
		free(keep[i]);
	free(v);
	free(a);
	free(NULL);
	muntrace();
	for (int i = 1; i < 8; i += 2)
		free(keep[i]);
	return 0;
}
