/* cap_aligned.c - aligned allocation, heavily: ROUNDS times one each of
 * posix_memalign, aligned_alloc and memalign with alignments cycling from
 * 16 to 4096 bytes, freeing the oldest third as it goes.
 * tests/e2e/test_capture.sh counts 3 * ROUNDS aligned events exactly. */
#include <malloc.h>
#include <stdlib.h>

#define ROUNDS 5000

static void *live[3 * ROUNDS];

int main(void)
{
	size_t n = 0, oldest = 0;
	for (int k = 0; k < ROUNDS; k++) {
		size_t align = (size_t)16 << (k % 9); /* 16 .. 4096 */
		size_t size = 24 + (size_t)(k % 300);
		if (posix_memalign(&live[n], align, size) != 0)
			return 1;
		live[++n] = aligned_alloc(align, align * 2);
		live[++n] = memalign(align, size);
		n++;
		if (k % 3 == 2)
			while (oldest < n / 3)
				free(live[oldest++]);
	}
	return 0;
}
