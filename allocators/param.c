/* param.c - numeric strategy parameters (param.h). */
#include "param.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int param_parse_pow2(const char *key, const char *value, unsigned long lo, unsigned long hi,
		     unsigned *log2, char *err, size_t err_len)
{
	char *end = NULL;
	unsigned long v = 0;
	errno = 0;
	if (*value >= '0' && *value <= '9')
		v = strtoul(value, &end, 10);
	if (!end || errno || *end || v < lo || v > hi || (v & (v - 1))) {
		snprintf(err, err_len, "%s '%s' must be a power of two from %lu to %lu", key,
			 value, lo, hi);
		return -1;
	}
	*log2 = (unsigned)__builtin_ctzl(v);
	return 0;
}
