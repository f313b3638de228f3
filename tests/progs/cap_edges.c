/* cap_edges.c - the edges of a capture, one per argument:
 *   quick    1000 malloc/free pairs, then quick_exit (no destructor runs)
 *   onlyfree a forked child that only frees a block it inherited
 *   chdir    a child forked after a change of directory allocates
 *   threads  4100 threads one after another, each allocating
 * Prints nothing; exits 0 when every call succeeded. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int fork_and(void (*child)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		child(arg);
		_exit(0);
	}
	int status;
	return waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status);
}

static void child_free(void *p)
{
	free(p);
}

static void child_alloc(void *unused)
{
	(void)unused;
	free(malloc(123));
}

static void *thread_alloc(void *unused)
{
	(void)unused;
	free(malloc(16));
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	if (!strcmp(argv[1], "quick")) {
		for (int i = 1; i <= 1000; i++)
			free(malloc((size_t)i));
		quick_exit(0);
	}
	if (!strcmp(argv[1], "onlyfree")) {
		void *p = malloc(100);
		return fork_and(child_free, p);
	}
	if (!strcmp(argv[1], "chdir"))
		return chdir("/") || fork_and(child_alloc, NULL);
	if (!strcmp(argv[1], "threads")) {
		for (int i = 0; i < 4100; i++) {
			pthread_t t;
			if (pthread_create(&t, NULL, thread_alloc, NULL) || pthread_join(t, NULL))
				return 1;
		}
		return 0;
	}
	return 2;
}
