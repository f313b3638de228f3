/* counters.c - perf_event_open for the cache pass (counters.h). User space
 * only (exclude_kernel), so it works at perf_event_paranoid 2. */
#include "counters.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HW_CACHE(cache, op, result) \
	((cache) | (PERF_COUNT_HW_CACHE_OP_##op << 8) | (PERF_COUNT_HW_CACHE_RESULT_##result << 16))

static const struct {
	const char *name;
	uint32_t type;
	uint64_t config;
} members[COUNTER_COUNT] = {
	[COUNTER_INSTRUCTIONS] = {"instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
	[COUNTER_CYCLES] = {"cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
	[COUNTER_L1D_MISSES] = {"l1d_misses", PERF_TYPE_HW_CACHE,
				HW_CACHE(PERF_COUNT_HW_CACHE_L1D, READ, MISS)},
	/* The generic last-level event: every access that missed the LLC. */
	[COUNTER_LLC_MISSES] = {"llc_misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES},
	[COUNTER_DTLB_MISSES] = {"dtlb_misses", PERF_TYPE_HW_CACHE,
				 HW_CACHE(PERF_COUNT_HW_CACHE_DTLB, READ, MISS)},
};

const char *counter_name(enum counter_id id)
{
	return (unsigned)id < COUNTER_COUNT ? members[id].name : "unknown";
}

static int perf_open(uint32_t type, uint64_t config, int group_fd)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.size = sizeof attr;
	attr.type = type;
	attr.config = config;
	attr.disabled = group_fd < 0;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	attr.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED |
			   PERF_FORMAT_TOTAL_TIME_RUNNING;
	return (int)syscall(SYS_perf_event_open, &attr, 0, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
}

int counters_open(struct counters *c, char *why, size_t why_len)
{
	const char *off = getenv("ALLOCSCOPE_NO_HW_COUNTERS");
	int first_errno = 0;
	c->leader = -1;
	for (int i = 0; i < COUNTER_COUNT; i++)
		c->fd[i] = -1;
	if (off && *off && strcmp(off, "0")) {
		snprintf(why, why_len, "hardware counters turned off by ALLOCSCOPE_NO_HW_COUNTERS");
		return -1;
	}
	for (int i = 0; i < COUNTER_COUNT; i++) {
		c->fd[i] = perf_open(members[i].type, members[i].config, c->leader);
		if (c->fd[i] < 0) {
			if (!first_errno)
				first_errno = errno;
			continue;
		}
		if (ioctl(c->fd[i], PERF_EVENT_IOC_ID, &c->id[i]) != 0) {
			close(c->fd[i]);
			c->fd[i] = -1;
			continue;
		}
		if (c->leader < 0)
			c->leader = c->fd[i];
	}
	if (c->leader >= 0)
		return 0;
	snprintf(why, why_len, "perf_event_open: %s", strerror(first_errno ? first_errno : ENOENT));
	return -1;
}

void counters_start(struct counters *c)
{
	ioctl(c->leader, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
	ioctl(c->leader, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
}

void counters_stop(struct counters *c)
{
	ioctl(c->leader, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
}

/* PERF_FORMAT_GROUP | ID | TOTAL_TIME_ENABLED | TOTAL_TIME_RUNNING. */
struct group_read {
	uint64_t nr, time_enabled, time_running;
	struct {
		uint64_t value, id;
	} member[COUNTER_COUNT];
};

int counters_read(struct counters *c, struct counter_values *out)
{
	struct group_read g;
	memset(out, 0, sizeof *out);
	ssize_t n = read(c->leader, &g, sizeof g);
	if (n < (ssize_t)(3 * sizeof(uint64_t)) || g.nr > COUNTER_COUNT)
		return -1;
	/* A multiplexed group counted for time_running out of time_enabled. */
	double scale = g.time_running && g.time_running < g.time_enabled
		? (double)g.time_enabled / (double)g.time_running : 1.0;
	for (uint64_t k = 0; k < g.nr; k++)
		for (int i = 0; i < COUNTER_COUNT; i++)
			if (c->fd[i] >= 0 && c->id[i] == g.member[k].id) {
				out->value[i] = (uint64_t)((double)g.member[k].value * scale);
				out->have |= 1u << i;
			}
	return g.time_running ? 0 : -1;
}

void counters_close(struct counters *c)
{
	for (int i = 0; i < COUNTER_COUNT; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
	c->leader = -1;
}

void counters_missing(const struct counters *c, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < COUNTER_COUNT && used < len; i++)
		if (c->fd[i] < 0)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
						 members[i].name);
}
