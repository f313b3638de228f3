/* fuzz_import.c - libFuzzer harness for one importer, chosen at build time
 * with -DFUZZ_IMPORT_FORMAT='"malloclab"' (or mtrace, android): arbitrary
 * bytes are imported or refused with an error naming a line, and an
 * imported trace is self-consistent. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "import.h"

#ifndef FUZZ_IMPORT_FORMAT
#error "build with -DFUZZ_IMPORT_FORMAT='\"malloclab\"' (or mtrace, android)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct import_format *fmt;
	if (!fmt && !(fmt = import_format_find(FUZZ_IMPORT_FORMAT)))
		__builtin_trap();
	FILE *in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	struct trace_builder b;
	struct import_report r = {0};
	struct diag d = {0};
	trace_builder_init(&b, 0);
	int rc = fmt->fn(in, "fuzz.in", &b, &r, &d);
	fclose(in);
	if (rc) {
		if (!d.message[0])
			__builtin_trap();
		trace_builder_discard(&b);
		return 0;
	}
	struct trace t;
	trace_builder_finish(&b, &t);
	for (uint64_t i = 0; i < t.n_events; i++)
		if (t.events[i].slot >= t.n_slots)
			__builtin_trap();
	trace_free(&t);
	return 0;
}
