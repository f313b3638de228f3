/* cap_fork.c - allocates, forks; the child allocates and frees a block of
 * its own and frees one inherited from the parent (unknown to the child's
 * trace), the parent waits, then allocates and frees. Prints nothing. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	void *a = malloc(100);
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		void *b = malloc(200);
		free(a);
		free(b);
		exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	void *c = malloc(300);
	free(a);
	free(c);
	return 0;
}
