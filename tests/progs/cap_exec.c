/* cap_exec.c - allocates, then forks a child that execs the program named
 * by argv[1] (with no arguments), waits for it and frees. Prints nothing. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	void *a = malloc(64);
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		execl(argv[1], argv[1], (char *)NULL);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	free(a);
	return 0;
}
