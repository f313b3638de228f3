/* sorted.c - the sorts and the median behind sorted.h. A heapsort rather
 * than qsort: glibc's qsort (2.36) mallocs a copy of any array over 1 KiB,
 * and the timer sorts its 64 KiB of samples inside the replay process,
 * whose malloc is the allocator under test. In place, O(n log n), no
 * allocation. */
#include "sorted.h"

/* One heapsort per element type: the sift-down is the same text. */
#define DEFINE_HEAPSORT(name, type)                                         \
	static void name##_sift(type *v, size_t root, size_t n)             \
	{                                                                   \
		for (;;) {                                                  \
			size_t child = 2 * root + 1;                        \
			if (child >= n)                                     \
				return;                                     \
			if (child + 1 < n && v[child] < v[child + 1])       \
				child++;                                    \
			if (!(v[root] < v[child]))                          \
				return;                                     \
			type t = v[root];                                   \
			v[root] = v[child];                                 \
			v[child] = t;                                       \
			root = child;                                       \
		}                                                           \
	}                                                                   \
	void name(type *v, size_t n)                                        \
	{                                                                   \
		for (size_t i = n / 2; i-- > 0;)                            \
			name##_sift(v, i, n);                               \
		for (size_t end = n; end > 1; end--) {                      \
			type t = v[0];                                      \
			v[0] = v[end - 1];                                  \
			v[end - 1] = t;                                     \
			name##_sift(v, 0, end - 1);                         \
		}                                                           \
	}

DEFINE_HEAPSORT(sorted_doubles, double)
DEFINE_HEAPSORT(sorted_u64, uint64_t)

double sorted_median(double *v, size_t n)
{
	if (!n)
		return 0;
	sorted_doubles(v, n);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

uint64_t sorted_mean_without_top_percent(uint64_t *v, size_t n)
{
	sorted_u64(v, n);
	size_t kept = n - n / 100;
	uint64_t sum = 0;
	for (size_t i = 0; i < kept; i++)
		sum += v[i];
	return kept ? (sum + kept / 2) / kept : 0;
}
