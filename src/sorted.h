/* sorted.h - sorting measured numbers in place and taking their median: the
 * one definition of "median" behind throughput.csv, selfbench, the timer's
 * calibration and its reference check (sorted.c). */
#ifndef ALLOCSCOPE_SORTED_H
#define ALLOCSCOPE_SORTED_H

#include <stddef.h>
#include <stdint.h>

/* Ascending, in place; never allocates (usable in the replay process). */
void sorted_doubles(double *v, size_t n);
void sorted_u64(uint64_t *v, size_t n);

/* Sorts v and returns its median: the middle value, or the mean of the two
 * middle ones when n is even; 0 when n is 0. */
double sorted_median(double *v, size_t n);

#endif
