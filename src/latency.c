/* latency.c - reading the latency histograms (latency.h): quantiles, the
 * summary a latency.csv row prints, and the mmap'ed histogram sets. */
#include "latency.h"

#include <math.h>
#include <sys/mman.h>

/* The midpoint of bucket i, in ticks (latency.h gives the layout). */
static double bucket_mid(unsigned i)
{
	if (i < LATENCY_SUB)
		return i;
	unsigned shift = (i >> LATENCY_SUB_BITS) - 1;
	uint64_t m = i - ((uint64_t)shift << LATENCY_SUB_BITS);
	uint64_t width = (uint64_t)1 << shift;
	return (double)(m << shift) + (double)(width - 1) / 2;
}

double latency_quantile(const struct latency_hist *h, double q)
{
	if (!h->count)
		return 0;
	/* Nearest rank; the epsilon keeps 0.999 * 1000 from rounding up to 1000. */
	double want = ceil(q * (double)h->count - 1e-9);
	uint64_t rank = want < 1 ? 1 : want > (double)h->count ? h->count : (uint64_t)want;
	uint64_t seen = 0;
	for (unsigned i = 0; i < LATENCY_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			double v = bucket_mid(i);
			return v > (double)h->max ? (double)h->max : v;
		}
	}
	return (double)h->max;
}

void latency_summarize(const struct latency_hist *h, double ns_per_tick,
		       struct latency_summary *out)
{
	out->count = h->count;
	out->mean = h->count && h->sum > 0 ? (double)h->sum / (double)h->count * ns_per_tick : 0;
	out->p50 = latency_quantile(h, 0.50) * ns_per_tick;
	out->p90 = latency_quantile(h, 0.90) * ns_per_tick;
	out->p99 = latency_quantile(h, 0.99) * ns_per_tick;
	out->p999 = latency_quantile(h, 0.999) * ns_per_tick;
	out->p9999 = latency_quantile(h, 0.9999) * ns_per_tick;
	out->max = (double)h->max * ns_per_tick;
}

struct latency_set *latency_set_map(void)
{
	void *p = mmap(NULL, sizeof(struct latency_set), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void latency_set_unmap(struct latency_set *set)
{
	if (set)
		munmap(set, sizeof *set);
}
