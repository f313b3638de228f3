/* gen_yaml.h - a small tree of one YAML node read from a libyaml event stream,
 * so that the generator can look keys up and name each node's place in its
 * errors. Aliases are refused (a spec never needs them). */
#ifndef ALLOCSCOPE_GEN_YAML_H
#define ALLOCSCOPE_GEN_YAML_H

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "diag.h"

enum gen_node_type { GEN_NODE_SCALAR, GEN_NODE_SEQ, GEN_NODE_MAP };

/* A mapping's kids alternate key, value (keys are scalars, each distinct);
 * a sequence's are its items. line and column are 1-based. */
struct gen_node {
	enum gen_node_type type;
	unsigned long line, column;
	char *value;            /* scalar text */
	struct gen_node *kids;
	size_t n_kids;
};

/* Reads the next node (its first event not yet parsed) into *out. */
int gen_node_read(yaml_parser_t *parser, const char *file, struct gen_node *out,
		  struct diag *d);
void gen_node_free(struct gen_node *n);

/* Error helper: a diag at the node's place. */
int gen_node_error(const struct gen_node *n, const char *file, struct diag *d,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The value of `key` in a mapping, or NULL. */
const struct gen_node *gen_node_get(const struct gen_node *map, const char *key);

/* Rejects any key of `map` not in the NULL-terminated `allowed` list,
 * naming `what` (e.g. "a phase") in the message. */
int gen_node_check_keys(const struct gen_node *map, const char *const *allowed,
			const char *what, const char *file, struct diag *d);

/* Scalar conversions, each failing with a diag at the node:
 * an unsigned integer in [min, max]; a non-negative decimal (no exponent)
 * as Q32.32, at most max_q32; a boolean (true/false). */
int gen_node_u64(const struct gen_node *n, const char *file, uint64_t min, uint64_t max,
		 uint64_t *out, struct diag *d);
int gen_node_q32(const struct gen_node *n, const char *file, uint64_t max_q32,
		 uint64_t *out, struct diag *d);
int gen_node_bool(const struct gen_node *n, const char *file, int *out, struct diag *d);

#endif
