/* u64map.c - the one id and pointer map (u64map.h). */
#include "u64map.h"

#include <stdlib.h>
#include <string.h>

#include "idhash.h"

#define U64MAP_MIN_CAP 64u

static size_t home(const struct u64map *m, uint64_t key)
{
	return (size_t)(idhash(key, m->seed) >> m->shift);
}

/* The index holding key, or the empty index where it would go. */
static size_t probe(const struct u64map *m, uint64_t key)
{
	size_t i = home(m, key);
	while (m->e[i].key && m->e[i].key != key)
		i = (i + 1) & m->mask;
	return i;
}

/* A fresh table of cap entries (a power of two) holding m's keys, with a
 * new seed. */
static int rehash(struct u64map *m, size_t cap)
{
	struct u64map_entry *old = m->e;
	size_t old_cap = old ? m->mask + 1 : 0;
	m->e = calloc(cap, sizeof *m->e);
	if (!m->e) {
		m->e = old;
		return -1;
	}
	m->mask = cap - 1;
	m->shift = 64 - (unsigned)__builtin_ctzll(cap);
	m->seed = idhash_seed();
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			m->e[probe(m, old[i].key)] = old[i];
	free(old);
	return 0;
}

uint64_t *u64map_get(const struct u64map *m, uint64_t key)
{
	if (!key)
		return m->has_zero ? (uint64_t *)&m->zero_value : NULL;
	if (!m->e)
		return NULL;
	size_t i = probe(m, key);
	return m->e[i].key ? &m->e[i].value : NULL;
}

uint64_t *u64map_add(struct u64map *m, uint64_t key, int *added)
{
	*added = 0;
	if (!key) {
		if (!m->has_zero) {
			m->has_zero = 1;
			m->zero_value = 0;
			*added = 1;
		}
		return &m->zero_value;
	}
	if (!m->e && rehash(m, U64MAP_MIN_CAP))
		return NULL;
	size_t i = probe(m, key);
	if (m->e[i].key)
		return &m->e[i].value;
	if (m->n + 1 > (m->mask + 1) / 2) {
		if (rehash(m, 2 * (m->mask + 1)))
			return NULL;
		i = probe(m, key);
	}
	m->e[i] = (struct u64map_entry){key, 0};
	m->n++;
	*added = 1;
	return &m->e[i].value;
}

int u64map_put(struct u64map *m, uint64_t key, uint64_t value)
{
	int added;
	uint64_t *v = u64map_add(m, key, &added);
	if (!v)
		return -1;
	*v = value;
	return 0;
}

int u64map_del(struct u64map *m, uint64_t key, uint64_t *value)
{
	if (!key) {
		int had = m->has_zero;
		if (had && value)
			*value = m->zero_value;
		m->has_zero = 0;
		return had;
	}
	if (!m->e)
		return 0;
	size_t hole = probe(m, key);
	if (!m->e[hole].key)
		return 0;
	if (value)
		*value = m->e[hole].value;
	/* Backward shift: pull later members of the probe run into the hole,
	 * unless their home lies cyclically in (hole, j]. */
	for (size_t j = (hole + 1) & m->mask; m->e[j].key; j = (j + 1) & m->mask) {
		size_t k = home(m, m->e[j].key);
		if (((j - k) & m->mask) >= ((j - hole) & m->mask)) {
			m->e[hole] = m->e[j];
			hole = j;
		}
	}
	m->e[hole].key = 0;
	m->n--;
	return 1;
}

void u64map_free(struct u64map *m)
{
	free(m->e);
	memset(m, 0, sizeof *m);
}
