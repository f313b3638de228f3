/* fuzz_trace_load.c - libFuzzer harness for the YAML loader: trace_parse_yaml
 * on arbitrary bytes must give a trace or an error with a place, never a
 * crash; a trace it accepts must write back to YAML that loads to the same
 * counts (the writer and the loader agree). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

/* Small enough that every input runs in milliseconds. */
#define FUZZ_MAX_EVENTS 100000

static const struct trace_load_options fuzz_opt = {.no_cache = 1, .max_events = FUZZ_MAX_EVENTS};

static void fuzz_check_events(const struct trace *t)
{
	uint64_t n = 0;
	for (int op = 0; op < TRACE_OP_COUNT; op++)
		n += t->count[op];
	if (n != t->n_events)
		__builtin_trap();
	for (uint64_t i = 0; i < t->n_events; i++)
		if (t->events[i].slot >= t->n_slots || t->events[i].op >= TRACE_OP_COUNT)
			__builtin_trap();
}

static void fuzz_round_trip(const struct trace *t)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	int wrote = trace_write_yaml(t, f) == 0;
	if (fclose(f) || !wrote) {
		free(text);
		return;
	}
	struct trace back = {0};
	struct diag d;
	if (trace_parse_yaml("round-trip.yaml", text, len, &fuzz_opt, &back, &d))
		__builtin_trap(); /* the writer produced YAML the loader refuses */
	if (back.n_events != t->n_events || back.n_slots != t->n_slots ||
	    back.peak_live_bytes != t->peak_live_bytes ||
	    memcmp(back.count, t->count, sizeof t->count) || strcmp(back.name, t->name))
		__builtin_trap();
	trace_free(&back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace t = {0};
	struct diag d = {0};
	if (trace_parse_yaml("fuzz.yaml", (const char *)data, size, &fuzz_opt, &t, &d)) {
		if (!d.message[0] || strcmp(d.file, "fuzz.yaml"))
			__builtin_trap(); /* every error says what and where */
		return 0;
	}
	fuzz_check_events(&t);
	fuzz_round_trip(&t);
	trace_free(&t);
	return 0;
}
