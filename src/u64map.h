/* u64map.h - a map from any 64-bit key (a block id, a pointer value, a
 * thread id) to a 64-bit value, for the trace builder, the importers and
 * capture's converter. Open addressing with linear probing and backward-shift
 * deletion, so that a long trace's inserts and removals leave no tombstones
 * to lengthen later probes; the hash is idhash keyed per table, so that no
 * choice of ids in a trace can pile them into one probe run. Key 0 marks an
 * empty entry, so it is kept beside the table. A zeroed struct is an empty
 * map. Invariants: the capacity (mask + 1) is a power of two, n <= cap / 2,
 * and every key sits at or cyclically after its home with no empty entry
 * between. */
#ifndef ALLOCSCOPE_U64MAP_H
#define ALLOCSCOPE_U64MAP_H

#include <stddef.h>
#include <stdint.h>

struct u64map_entry {
	uint64_t key, value;
};

struct u64map {
	struct u64map_entry *e; /* NULL until the first key */
	size_t mask, n;         /* capacity - 1; keys in the table */
	unsigned shift;         /* 64 - log2(capacity): the hash's top bits index */
	uint64_t seed;
	int has_zero;           /* key 0 is present, with zero_value */
	uint64_t zero_value;
};

/* The value of key, or NULL when absent. */
uint64_t *u64map_get(const struct u64map *m, uint64_t key);
/* The value of key; when key was absent it is added with value 0 and
 * *added is 1. NULL when out of memory. The pointer lasts until the next
 * change to the map. */
uint64_t *u64map_add(struct u64map *m, uint64_t key, int *added);
/* Sets key's value, adding it when absent; -1 when out of memory. */
int u64map_put(struct u64map *m, uint64_t key, uint64_t value);
/* Removes key: 1 (and its value in *value, when value is not NULL) if it
 * was there, else 0. */
int u64map_del(struct u64map *m, uint64_t key, uint64_t *value);
void u64map_free(struct u64map *m);

#endif
