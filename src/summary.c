/* summary.c - a terminal table a reader can take in at a glance. */
#include "summary.h"

#include <stdlib.h>
#include <string.h>

#include "meta.h"
#include "strategy.h"

#define SUMMARY_STATUS_SHOWN 60

int summary_init(struct summary *s, size_t n_workloads, size_t n_strategies)
{
	s->n_workloads = n_workloads;
	s->n_strategies = n_strategies;
	s->cells = calloc(n_workloads * n_strategies + 1, sizeof *s->cells);
	return s->cells ? 0 : -1;
}

struct summary_cell *summary_cell(struct summary *s, size_t workload, size_t strategy)
{
	return &s->cells[workload * s->n_strategies + strategy];
}

void summary_release(struct summary *s)
{
	free(s->cells);
	s->cells = NULL;
}

/* Only an ok row's speed compares with another's: a strategy that returned
 * NULL (oom:N) skipped the work its callers would have done. */
static int comparable(const struct summary_cell *c)
{
	return c->has_ns && !strcmp(c->status, "ok");
}

static const struct summary_cell *system_cell(const struct summary *s, size_t wi,
					      const struct strategy *st)
{
	for (size_t si = 0; si < s->n_strategies; si++)
		if (!strcmp(st[si].spec, "system") && comparable(&s->cells[wi * s->n_strategies + si]))
			return &s->cells[wi * s->n_strategies + si];
	return NULL;
}

void summary_print(const struct summary *s, FILE *out, const struct meta_workload *wl,
		   const struct strategy *st)
{
	int width = 8;
	for (size_t si = 0; si < s->n_strategies; si++)
		if ((int)strlen(st[si].spec) > width)
			width = (int)strlen(st[si].spec);
	for (size_t wi = 0; wi < s->n_workloads; wi++) {
		const struct summary_cell *sys = system_cell(s, wi, st);
		fprintf(out, "\n%s (%llu events)\n", wl[wi].name, (unsigned long long)wl[wi].events);
		fprintf(out, "  %-*s %10s %14s %10s %10s  %s\n", width, "strategy", "ns/event",
			"spread", "vs system", "frag_peaks", "status");
		for (size_t si = 0; si < s->n_strategies; si++) {
			const struct summary_cell *c = &s->cells[wi * s->n_strategies + si];
			char ns[32] = "-", spread[48] = "-", rel[32] = "-", frag[32] = "-";
			if (c->has_ns) {
				snprintf(ns, sizeof ns, "%.1f", c->ns_median);
				snprintf(spread, sizeof spread, "%.1f-%.1f", c->ns_min, c->ns_max);
				if (sys && comparable(c) && c->ns_median > 0)
					snprintf(rel, sizeof rel, "%.2fx", sys->ns_median / c->ns_median);
			}
			if (c->has_frag)
				snprintf(frag, sizeof frag, "%.3f", c->frag_peaks);
			/* A long status (an invalid: reason) is cut where the eye
			 * stops; the CSVs hold it whole. */
			int cut = strlen(c->status) > SUMMARY_STATUS_SHOWN;
			fprintf(out, "  %-*s %10s %14s %10s %10s  %.*s%s\n", width, st[si].spec, ns,
				spread, rel, frag, cut ? SUMMARY_STATUS_SHOWN - 3 : SUMMARY_STATUS_SHOWN,
				c->status, cut ? "..." : "");
		}
	}
	fputs("\nvs system: system's ns/event over the strategy's (above 1 is faster), for\n"
	      "rows whose status is ok; frag_peaks: peak heap / peak live - 1\n", out);
}
