/* cmd_run.c - `allocscope run`: replay traces against strategies. */
#include "cli.h"
#include "matrix.h"

static const char run_usage[] =
	"usage: allocscope run -a STRAT[,STRAT..] -w TRACE[,TRACE..] [options]\n"
	"\n"
	"Replays each trace against each strategy, every replay in a fresh process,\n"
	"and writes ROOT/YYYYMMDD-HHMMSS/ (throughput.csv, fragmentation.csv,\n"
	"latency.csv, cache.csv, timeline/, meta.yaml); ROOT/latest points at it\n"
	"once it is complete.\n"
	"\n"
	"  -a, --strategies LIST  strategies, e.g. system,jemalloc,first-fit:order=lifo\n"
	"  -w, --workloads LIST   trace files (YAML, format v1)\n"
	"  -n, --reps N           throughput repetitions, each in a fresh process (5)\n"
	"  -o, --output ROOT      results root (results)\n"
	"      --label TEXT       appended to the directory name\n"
	"      --touch MODE       write to new blocks: none, first, pages (default), all\n"
	"      --size-scale K     multiply every request by K, divide heap figures by K\n"
	"      --max-size BYTES   reject traces with a larger request (1 TiB)\n"
	"      --timeout SECONDS  per replay process; 0 for none (600)\n"
	"      --no-latency       skip the latency pass (no latency.csv)\n"
	"      --no-cache         skip the cache pass (no cache.csv)\n"
	"      --cache-events N   events replayed under callgrind where there are no\n"
	"                         hardware counters (20000)\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: 0 every row ok (or skipped: a baseline not installed here), 1 some\n"
	"row crashed, timed out, ran out of memory, was invalid or failed to set up\n"
	"(its status says which) or the run was interrupted, 2 bad usage or input.\n";

int cmd_run(int argc, char **argv)
{
	struct matrix_options o;
	matrix_options_init(&o);
	int rc = matrix_parse_args(&o, argc, argv, run_usage);
	if (rc)
		return rc < 0 ? EXIT_BAD_INPUT : EXIT_OK;
	return matrix_run(&o);
}
