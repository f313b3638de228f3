/* gen.h - the `generate:` form of a trace: a seeded, phase-by-phase
 * description expanded into explicit events, identically on every machine. */
#ifndef ALLOCSCOPE_GEN_H
#define ALLOCSCOPE_GEN_H

#include <yaml.h>

#include "diag.h"
#include "trace.h"

/* Bump whenever a spec's expansion changes (a new sampler, a fixed bug):
 * it is part of every trace cache key, so no cache made by an older
 * generator is ever mapped in its place. */
#define GEN_VERSION 2u

/* Called by the YAML loader right after it has read the `generate` key: reads
 * the spec (the value node, which it consumes whole) from `parser` and feeds
 * the expanded events to `b`. A spec that would expand to more than
 * `max_events` events (0: TRACE_DEFAULT_MAX_EVENTS), or whose events would
 * not fit in the memory available, is refused before expansion. Errors name
 * `file` and the node's line and column. Returns 0 or -1. */
int gen_expand_yaml(yaml_parser_t *parser, const char *file, uint64_t max_events,
		    struct trace_builder *b, struct diag *d);

#endif
