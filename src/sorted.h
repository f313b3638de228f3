/* sorted.h - sorting measured numbers in place and taking their median: the
 * one definition of "median" behind throughput.csv, selfbench, the timer's
 * calibration and its reference check (sorted.c), and the trimmed mean of
 * the timer's cost. */
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

/* Sorts v and returns the mean of all but its slowest (largest) 1%,
 * rounded to the nearest integer: the timer's cost (timer.h says why a
 * mean, and why without the top). 0 when n is 0. */
uint64_t sorted_mean_without_top_percent(uint64_t *v, size_t n);

#endif
