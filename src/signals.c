/* signals.c - the default ending for SIGINT, SIGTERM and SIGHUP: nothing left
 * running, nothing half written. See signals.h. */
#include "signals.h"

#include <signal.h>
#include <stddef.h>

#include "fileio.h"
#include "runner.h"

/* Only async-signal-safe work: kill(2), unlink(2), then the default action. */
static void on_fatal_signal(int sig)
{
	runner_kill_current();
	fileio_remove_pending();
	signal(sig, SIG_DFL);
	raise(sig);
}

void signals_guard(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction old;
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
			struct sigaction sa = {.sa_handler = on_fatal_signal};
			sigaction(sigs[i], &sa, NULL);
		}
	}
}
