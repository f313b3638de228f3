/* fuzz_gen.c - libFuzzer harness for the `generate:` spec: the input is the
 * spec node itself (what follows `generate:`). Every spec is expanded or
 * refused with a placed error, and expanding it twice gives the same events
 * (the generator is deterministic). */
#include <stdint.h>
#include <string.h>
#include <yaml.h>

#include "gen.h"

#define FUZZ_MAX_EVENTS 100000

/* Expands the spec in data; 0 with the trace, -1 when refused. */
static int fuzz_expand(const uint8_t *data, size_t size, struct trace *t)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct trace_builder b;
	struct diag d = {0};
	int rc = -1, started = 0;
	if (!yaml_parser_initialize(&parser))
		return -1;
	yaml_parser_set_input_string(&parser, data, size);
	/* STREAM-START, then DOCUMENT-START: the spec is the document's node. */
	for (int i = 0; i < 2; i++) {
		if (!yaml_parser_parse(&parser, &ev))
			goto out;
		started = ev.type == YAML_DOCUMENT_START_EVENT;
		yaml_event_delete(&ev);
	}
	if (!started)
		goto out;
	trace_builder_init(&b, 0);
	rc = gen_expand_yaml(&parser, "fuzz.yaml", FUZZ_MAX_EVENTS, &b, &d);
	if (rc) {
		if (!d.message[0] || !d.line)
			__builtin_trap(); /* every refusal names its node */
		trace_builder_discard(&b);
	} else {
		trace_builder_finish(&b, t);
	}
out:
	yaml_parser_delete(&parser);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace a = {0}, b = {0};
	if (fuzz_expand(data, size, &a))
		return 0;
	if (a.n_events > 2 * FUZZ_MAX_EVENTS)
		__builtin_trap(); /* free phases at most double the events */
	if (fuzz_expand(data, size, &b) || a.n_events != b.n_events ||
	    (a.n_events && memcmp(a.events, b.events, a.n_events * sizeof *a.events)))
		__builtin_trap();
	trace_free(&a);
	trace_free(&b);
	return 0;
}
