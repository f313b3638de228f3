/* cap_signal.c - a SIGUSR1 handler allocates a block (11 bytes), raised
 * twice around the main program's own calls; then everything is freed.
 * raise() runs the handler before it returns, so the order is fixed. */
#include <signal.h>
#include <stdlib.h>

static void *handler_blocks[2];
static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handler_blocks[handled] = malloc(11);
	handled = handled + 1;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) != 0)
		return 1;
	void *a = malloc(10);
	raise(SIGUSR1);
	void *b = calloc(3, 4);
	raise(SIGUSR1);
	if (handled != 2)
		return 1;
	free(handler_blocks[0]);
	free(a);
	free(handler_blocks[1]);
	free(b);
	return 0;
}
