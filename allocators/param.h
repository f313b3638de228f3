/* param.h - reading the in-house strategies' numeric parameter values
 * (`buddy:min=64`, `tlsf:sl=16`). Values are plain decimal digits: no sign,
 * no blanks and no base prefix, all of which strtoul would quietly take. */
#ifndef ALLOCSCOPE_PARAM_H
#define ALLOCSCOPE_PARAM_H

#include <stddef.h>

/* A power of two in [lo, hi], stored as its log2. 0, or -1 with
 * "KEY 'VALUE' must be a power of two from LO to HI" in err. */
int param_parse_pow2(const char *key, const char *value, unsigned long lo, unsigned long hi,
		     unsigned *log2, char *err, size_t err_len);

#endif
