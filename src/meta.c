/* meta.c - writes meta.yaml. Every string is emitted double-quoted with YAML
 * escapes, so a hostile path or command line cannot break the document. */
#include "meta.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "latency.h"
#include "version.h"
#include "yaml_quote.h"

static void put_field(FILE *f, const char *indent, const char *key, const char *value)
{
	fprintf(f, "%s%s: ", indent, key);
	yaml_quote_file(value ? value : "", f);
	fputc('\n', f);
}

static void cpu_model(char *buf, size_t len)
{
	char line[512];
	snprintf(buf, len, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':');
		if (colon && !strncmp(line, "model name", 10)) {
			colon += 2;
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(buf, len, "%s", colon);
			break;
		}
	}
	fclose(f);
}

static void write_host(FILE *f)
{
	char cpu[256], host[256] = "", kernel[600];
	struct utsname u;
	cpu_model(cpu, sizeof cpu);
	gethostname(host, sizeof host - 1);
	if (uname(&u) == 0)
		snprintf(kernel, sizeof kernel, "%s %s %s", u.sysname, u.release, u.machine);
	else
		snprintf(kernel, sizeof kernel, "unknown");
	fputs("host:\n", f);
	put_field(f, "  ", "name", host);
	put_field(f, "  ", "cpu", cpu);
	fprintf(f, "  cores: %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
	put_field(f, "  ", "kernel", kernel);
}

static void write_versions(FILE *f)
{
	char jemalloc[256];
	version_jemalloc(jemalloc, sizeof jemalloc);
	fputs("versions:\n", f);
	put_field(f, "  ", "allocscope", version_allocscope());
	put_field(f, "  ", "compiler", version_compiler());
	put_field(f, "  ", "glibc", version_glibc());
	put_field(f, "  ", "libyaml", version_libyaml());
	put_field(f, "  ", "jemalloc", jemalloc);
}

static void write_settings(FILE *f, const struct matrix_options *o)
{
	fputs("settings:\n", f);
	fprintf(f, "  reps: %u\n", o->reps);
	fprintf(f, "  touch: %s\n", replay_touch_name(o->touch));
	fprintf(f, "  size_scale: %llu\n", (unsigned long long)o->size_scale);
	fprintf(f, "  max_size: %llu\n", (unsigned long long)o->max_size);
	fprintf(f, "  timeout_s: %u\n", o->timeout_s);
	fputs("  clock: CLOCK_MONOTONIC around the whole replay loop\n", f);
	fprintf(f, "  latency_pass: %s\n", o->no_latency ? "false" : "true");
	fprintf(f, "  cache_pass: %s\n", o->no_cache ? "false" : "true");
	fprintf(f, "  cache_events: %llu\n", (unsigned long long)o->cache_events);
}

/* The latency timer as the replay processes found it, and where the cache
 * figures came from: what a reader needs to trust latency.csv and cache.csv. */
static void write_measure(FILE *f, const struct meta_measure *mm)
{
	fputs("latency:\n", f);
	if (mm->timer_passes) {
		put_field(f, "  ", "timer", mm->timer_kind);
		fprintf(f, "  ticks_per_ns: %.6f\n", mm->ticks_per_ns);
		/* What each pass subtracted is the mean of its own empty timings;
		 * their median (first pass) shows the shape of that cost. */
		fprintf(f, "  subtracted_ns_min: %.3f\n  subtracted_ns_max: %.3f\n",
			mm->cost_ns_min, mm->cost_ns_max);
		fprintf(f, "  first_pass_empty_median_ns: %.3f\n  passes: %u\n",
			mm->cost_median_ns, mm->timer_passes);
		fprintf(f, "  off_cpu_calls: %llu\n  off_cpu_ns: %llu\n",
			(unsigned long long)mm->off_cpu_calls, (unsigned long long)mm->off_cpu_ns);
		char method[512];
		snprintf(method, sizeof method, "each call timed alone (lfence; rdtsc; lfence "
			 "before it, lfence; rdtsc after, or clock_gettime), the mean cost of an "
			 "empty timing measured in each pass and subtracted from every sample; "
			 "touching outside; a call over %d us is recorded less its time off the "
			 "CPU: preempted, its vCPU stolen or asleep (off_cpu_calls, off_cpu_ns)",
			 LATENCY_SLOW_NS / 1000);
		put_field(f, "  ", "method", method);
	} else {
		put_field(f, "  ", "timer", "none (no latency pass ran)");
	}
	fputs("cache:\n", f);
	put_field(f, "  ", "source", mm->cache_source ? mm->cache_source : "off");
	put_field(f, "  ", "note", mm->cache_note);
	put_field(f, "  ", "failed", mm->cache_failed[0] ? mm->cache_failed : "none");
}

int meta_write(const struct results_dir *rd, const struct matrix_options *o,
	       const struct meta_workload *wl, const struct meta_strategy *ms,
	       const struct meta_measure *mm, int complete)
{
	char path[4200], tmp[4300], date[64];
	snprintf(path, sizeof path, "%s/meta.yaml", rd->path);
	FILE *f = fileio_fopen_temp(path, tmp, sizeof tmp);
	if (!f)
		return -1;
	time_t now = time(NULL);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", localtime(&now));

	fputs("# allocscope results: what produced the CSVs in this directory\n", f);
	put_field(f, "", "command", o->command);
	put_field(f, "", "date", date);
	fprintf(f, "complete: %s\n", complete ? "true" : "false");
	write_host(f);
	write_versions(f);
	write_settings(f, o);
	write_measure(f, mm);
	fputs("workloads:\n", f);
	for (size_t i = 0; i < o->n_workloads; i++) {
		put_field(f, "  - ", "name", wl[i].name);
		put_field(f, "    ", "file", wl[i].path);
		fprintf(f, "    events: %llu\n    peak_live_bytes: %llu\n",
			(unsigned long long)wl[i].events, (unsigned long long)wl[i].peak_live_bytes);
	}
	fputs("strategies:\n", f);
	for (size_t i = 0; i < o->n_strategies; i++) {
		put_field(f, "  - ", "strategy", ms[i].spec);
		put_field(f, "    ", "params", ms[i].params);
		/* A strategy that reports no version is one of ours (the build's
		 * commit above), or a plugin that does not say. */
		const char *unreported = strncmp(ms[i].spec, "plugin:", 7) ? "in-house"
									 : "not reported by the plugin";
		put_field(f, "    ", "version", ms[i].version[0] ? ms[i].version : unreported);
	}
	return fileio_fcommit_temp(f, tmp, 1);
}
