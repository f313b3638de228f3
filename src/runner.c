/* runner.c - fresh processes for every replay, so one strategy's state,
 * crash or leak never touches another's figures. */

#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "timer.h"

#define TEXT(x) #x
#define TEXT_OF(x) TEXT(x)

/* The children running now, for runner_kill_current; 0 marks a free slot. */
static volatile sig_atomic_t current_child[RUNNER_MAX_CHILDREN];

void runner_kill_current(void)
{
	for (int i = 0; i < RUNNER_MAX_CHILDREN; i++) {
		pid_t pid = current_child[i];
		if (pid > 0)
			kill(-pid, SIGKILL);
	}
}

static void child_track(pid_t old, pid_t new)
{
	for (int i = 0; i < RUNNER_MAX_CHILDREN; i++)
		if (current_child[i] == old) {
			current_child[i] = new;
			return;
		}
}

static void child_exec(char *const wrapper[], char *const args[], const char *preload,
		       int result_fd)
{
	char *argv[96];
	size_t n = 0;
	for (size_t i = 0; wrapper && wrapper[i] && n < 30; i++)
		argv[n++] = wrapper[i];
	argv[n++] = (char *)cli_self_path();
	argv[n++] = "__replay";
	for (size_t i = 0; args[i] && n < 90; i++)
		argv[n++] = args[i];
	argv[n++] = "--result-fd";
	argv[n++] = TEXT_OF(RUNNER_RESULT_FD);
	argv[n] = NULL;

	setpgid(0, 0); /* so a timeout kills whatever the strategy started too */
	if (result_fd != RUNNER_RESULT_FD) {
		dup2(result_fd, RUNNER_RESULT_FD);
		close(result_fd);
	}
	if (preload)
		setenv("LD_PRELOAD", preload, 1);
	else
		unsetenv("LD_PRELOAD");
	execvp(argv[0], argv);
	dprintf(RUNNER_RESULT_FD, "error cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(RUNNER_EXIT_SETUP_FAILED);
}

/* Appends what can be read from fd now; 0 at EOF or when nothing more is
 * there (EAGAIN, after the child's exit), 1 when there may be more. */
static int report_take(int fd, struct runner_result *res, size_t *used)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0 && errno == EINTR)
		return 1;
	if (n <= 0)
		return 0;
	size_t keep = (size_t)n;
	if (keep > sizeof res->report - 1 - *used)
		keep = sizeof res->report - 1 - *used;
	memcpy(res->report + *used, buf, keep);
	*used += keep;
	res->report[*used] = '\0';
	return 1;
}

/* Reads the report until the child has exited (or, where the kernel has no
 * pidfd, until EOF) or the deadline; 1 when the deadline passed with the
 * report unfinished. The exit, not EOF, ends it: a process the strategy
 * started may hold the pipe open long after the replay is done. Children
 * run side by side share a deadline, and the parent may come to one only
 * after waiting out another: what a child has already written to the end
 * is read even then, so a child that finished in time is never called a
 * timeout for its neighbour's sake. */
static int read_report(int fd, int pidfd, struct runner_result *res, int64_t deadline)
{
	size_t used = 0;
	for (;;) {
		int wait_ms = -1;
		if (deadline) {
			int64_t left = deadline - (int64_t)(timer_clock_read() / 1000000);
			wait_ms = left <= 0 ? 0 : left > 1000000 ? 1000000 : (int)left;
		}
		struct pollfd pfd[2] = {{.fd = fd, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
		int r = poll(pfd, pidfd >= 0 ? 2 : 1, wait_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 && wait_ms == 0)
			return 1;
		if (r == 0)
			continue;
		if (pfd[0].revents && !report_take(fd, res, &used))
			return 0;
		if (pidfd >= 0 && pfd[1].revents) {
			/* Exited: all it wrote is in the pipe now. */
			fcntl(fd, F_SETFL, O_NONBLOCK);
			while (report_take(fd, res, &used))
				;
			return 0;
		}
	}
}

static void set_status_from_exit(struct runner_result *res, int wstatus, int timed_out)
{
	char error[400];
	res->crashed = 1;
	if (timed_out) {
		snprintf(res->status, sizeof res->status, "timeout");
	} else if (WIFSIGNALED(wstatus)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(wstatus));
		snprintf(res->status, sizeof res->status, "crashed:SIG%s",
			 abbrev ? abbrev : "UNKNOWN");
	} else if (runner_get(res, "error", error, sizeof error) == 0) {
		snprintf(res->status, sizeof res->status, "failed:%s", error);
	} else if (WEXITSTATUS(wstatus) != 0 || runner_get(res, "status", error, sizeof error)) {
		snprintf(res->status, sizeof res->status, "crashed:exit%d", WEXITSTATUS(wstatus));
	} else if (runner_get(res, "invalid", error, sizeof error) == 0) {
		snprintf(res->status, sizeof res->status, "invalid:%s", error);
	} else {
		uint64_t oom = 0;
		runner_get_u64(res, "oom", &oom);
		res->crashed = 0;
		if (oom)
			snprintf(res->status, sizeof res->status, "oom:%llu", (unsigned long long)oom);
		else
			snprintf(res->status, sizeof res->status, "ok");
	}
}

int runner_replay(char *const args[], const char *preload, unsigned timeout_s,
		  struct runner_result *res)
{
	struct runner_child c;
	memset(res, 0, sizeof *res);
	if (runner_start(NULL, args, preload, timeout_s, &c))
		return -1;
	runner_wait(&c, res);
	return 0;
}

int runner_start(char *const wrapper[], char *const args[], const char *preload,
		 unsigned timeout_s, struct runner_child *c)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		int wfd = fcntl(fds[1], F_DUPFD, 10); /* clear of 3, and without CLOEXEC */
		child_exec(wrapper, args, preload, wfd);
	}
	child_track(0, pid);
	setpgid(pid, pid);
	close(fds[1]);
	c->pid = pid;
	c->fd = fds[0];
	c->deadline = timeout_s ? (int64_t)(timer_clock_read() / 1000000) + (int64_t)timeout_s * 1000 : 0;
	return 0;
}

void runner_wait(struct runner_child *c, struct runner_result *res)
{
	memset(res, 0, sizeof *res);
	int pidfd = pidfd_open(c->pid, 0); /* -1 on kernels before 5.3: EOF ends it */
	int timed_out = read_report(c->fd, pidfd, res, c->deadline);
	close(c->fd);
	if (pidfd >= 0)
		close(pidfd);
	/* A timeout ends the replay; after an exit this ends whatever the
	 * strategy started and left behind in the child's process group. */
	kill(-c->pid, SIGKILL);
	int wstatus = 0;
	while (waitpid(c->pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	child_track(c->pid, 0);
	set_status_from_exit(res, wstatus, timed_out);
}

int runner_get(const struct runner_result *res, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	for (const char *line = res->report; *line;) {
		const char *nl = strchr(line, '\n');
		size_t llen = nl ? (size_t)(nl - line) : strlen(line);
		if (llen > klen && !strncmp(line, key, klen) && line[klen] == ' ') {
			snprintf(buf, len, "%.*s", (int)(llen - klen - 1), line + klen + 1);
			return 0;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	return -1;
}

int runner_get_u64(const struct runner_result *res, const char *key, uint64_t *out)
{
	char buf[64], *end;
	if (runner_get(res, key, buf, sizeof buf))
		return -1;
	*out = strtoull(buf, &end, 10);
	return *end ? -1 : 0;
}
