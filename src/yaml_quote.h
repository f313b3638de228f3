/* yaml_quote.h - any bytes as one YAML double-quoted scalar that libyaml
 * reads back: what the trace writer, the importers and capture all emit for
 * names, descriptions, paths and command lines. */
#ifndef ALLOCSCOPE_YAML_QUOTE_H
#define ALLOCSCOPE_YAML_QUOTE_H

#include <stddef.h>
#include <stdio.h>

/* Receives the quoted text piece by piece. */
typedef void yaml_quote_put(void *ctx, const char *bytes, size_t n);

/* Emits "s" through put: '"' and '\' escaped, \n and \t as such, valid UTF-8
 * kept as it is, and everything YAML may not hold in a document (other
 * control characters, C1 controls, U+FFFE/FFFF) as \xNN or \uNNNN. A byte
 * that is not valid UTF-8 becomes \xNN, which reads back as U+00NN: such a
 * string (a command line in another encoding) cannot round-trip exactly. */
void yaml_quote(const char *s, yaml_quote_put *put, void *ctx);

/* The same into buf at its current end (a C string), cut short rather than
 * overflowing len. */
void yaml_quote_append(const char *s, char *buf, size_t len);

/* The same onto a stdio stream (errors show in ferror). */
void yaml_quote_file(const char *s, FILE *f);

#endif
