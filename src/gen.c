/* gen.c - placeholder until the generator lands (issue 4). */
#include "gen.h"

int gen_expand_yaml(yaml_parser_t *parser, const char *file,
		    struct trace_builder *b, struct diag *d)
{
	(void)b;
	return diag_set(d, file, parser->mark.line + 1, parser->mark.column + 1,
			"'generate:' traces are not supported yet");
}
