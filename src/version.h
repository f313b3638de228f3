/* version.h - what allocscope is, and what it was built and run with:
 * `allocscope --version` and the versions block of meta.yaml. */
#ifndef ALLOCSCOPE_VERSION_H
#define ALLOCSCOPE_VERSION_H

#include <stddef.h>
#include <stdio.h>

const char *version_allocscope(void); /* "0.1.0 (commit abc123)" */
const char *version_compiler(void);
const char *version_libyaml(void);
const char *version_glibc(void);
/* jemalloc's own mallctl("version"), asked of a process that has it
 * preloaded; "not installed" when it cannot be. */
void version_jemalloc(char *buf, size_t len);

void print_version(FILE *out);

#endif
