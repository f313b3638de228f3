/* cmd_capture.c - `allocscope capture`: runs a program with
 * liballocscope_capture.so preloaded, then converts the raw file of each of
 * its processes to a YAML trace (capture_convert.c) and prints a summary. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture_convert.h"
#include "cli.h"
#include "fileio.h"
#include "timer.h"
#include "trace.h"

#define CAPTURE_LIB "liballocscope_capture.so"
#define MAX_PROCS 4096
#define PATH_CAP 4096 /* raw_dir and -o; longer derived paths get room */

struct capture_opts {
	const char *out;
	const char *name;        /* NULL: from the output file name */
	const char *description;
	const char *raw_dir;     /* where raw files go; NULL: next to out */
	int keep_raw;
	char **cmd;
};

/* One raw file found after the run. */
struct capture_proc {
	char raw[PATH_CAP + 512];
	struct capture_raw_header h;
};

static const char capture_usage[] =
	"usage: allocscope capture -o TRACE.yaml [--name NAME] [--description TEXT]\n"
	"                          [--raw-dir DIR] [--keep-raw] -- CMD [ARGS..]\n"
	"\n"
	"Runs CMD with liballocscope_capture.so preloaded and writes the allocations\n"
	"of its process to TRACE.yaml (format v1). Processes it forks or execs get\n"
	"their own traces in TRACE.d/PROG.PID.yaml.\n"
	"\n"
	"  -o, --output FILE      the trace of CMD's own process\n"
	"  -n, --name NAME        the trace's name (default: FILE without .yaml)\n"
	"  -d, --description TEXT the trace's description\n"
	"      --raw-dir DIR      where the raw capture files go while CMD runs\n"
	"                         (default: a temporary directory next to FILE)\n"
	"      --keep-raw         leave the raw files there\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 when CMD exited 0 and every trace was written, 1 when CMD\n"
	"failed or could not be run, 2 on bad usage.\n";

/* A trace name made of s, cut to fit cap; "_" for an empty s. */
static void name_sanitize(char *dst, size_t cap, const char *s)
{
	if (!trace_name_make(s, strlen(s), dst, cap))
		snprintf(dst, cap, "_");
}

/* TRACE.yaml -> TRACE (the stem names the default trace and TRACE.d/). */
static void out_stem(const char *out, char *stem, size_t cap)
{
	snprintf(stem, cap, "%s", out);
	size_t n = strlen(stem);
	if (n > 5 && !strcmp(stem + n - 5, ".yaml"))
		stem[n - 5] = '\0';
	else if (n > 4 && !strcmp(stem + n - 4, ".yml"))
		stem[n - 4] = '\0';
}

static int opts_parse(int argc, char **argv, struct capture_opts *o)
{
	enum { OPT_RAW_DIR = 256, OPT_KEEP_RAW };
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"name", required_argument, NULL, 'n'},
		{"description", required_argument, NULL, 'd'},
		{"raw-dir", required_argument, NULL, OPT_RAW_DIR},
		{"keep-raw", no_argument, NULL, OPT_KEEP_RAW},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "+o:n:d:h", longopts)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'n': o->name = optarg; break;
		case 'd': o->description = optarg; break;
		case OPT_RAW_DIR: o->raw_dir = optarg; break;
		case OPT_KEEP_RAW: o->keep_raw = 1; break;
		case 'h': cli_usage(capture_usage, 0); return EXIT_OK;
		default: cli_usage(capture_usage, 1); return EXIT_BAD_INPUT;
		}
	}
	if (!o->out) {
		error_msg("capture needs an output file (-o TRACE.yaml)");
		return EXIT_BAD_INPUT;
	}
	if (optind >= argc) {
		error_msg("capture needs a command to run after '--'");
		return EXIT_BAD_INPUT;
	}
	/* Before the program runs: a capture cannot be taken again. */
	if (fileio_check_target(o->out)) {
		error_msg("cannot write '%s': %s", o->out, strerror(errno));
		return EXIT_BAD_INPUT;
	}
	if (o->name && cli_check_trace_name(o->name))
		return EXIT_BAD_INPUT;
	o->cmd = argv + optind;
	return -1;
}

/* The capture library beside the allocscope binary. */
static int lib_find(char *buf, size_t cap)
{
	char self[4096];
	snprintf(self, sizeof self, "%s", cli_self_path());
	snprintf(buf, cap, "%s/" CAPTURE_LIB, dirname(self));
	if (access(buf, R_OK) != 0) {
		error_msg("cannot find the capture library '%s': %s (run 'make')", buf,
			  strerror(errno));
		return -1;
	}
	return 0;
}

/* LD_PRELOAD splits its list at spaces and colons and has no quoting, so a
 * capture library whose path holds either (a checkout under "My Projects")
 * is preloaded through a symlink in a directory of capture's own in /tmp,
 * removed by lib_alias_remove once the program has exited. Sets `dir` to ""
 * when the path needs no alias. */
static int lib_alias_make(char *lib, size_t cap, char *dir, size_t dir_cap)
{
	dir[0] = '\0';
	if (!strpbrk(lib, " :"))
		return 0;
	snprintf(dir, dir_cap, "/tmp/allocscope-capture.XXXXXX");
	char alias[128];
	if (!mkdtemp(dir)) {
		error_msg("cannot create a directory '%s': %s", dir, strerror(errno));
		dir[0] = '\0';
		return -1;
	}
	snprintf(alias, sizeof alias, "%s/" CAPTURE_LIB, dir);
	if (symlink(lib, alias) != 0) {
		error_msg("cannot link '%s' to '%s': %s", alias, lib, strerror(errno));
		rmdir(dir);
		dir[0] = '\0';
		return -1;
	}
	snprintf(lib, cap, "%s", alias);
	return 0;
}

static void lib_alias_remove(const char *dir)
{
	char alias[128];
	if (!dir[0])
		return;
	snprintf(alias, sizeof alias, "%s/" CAPTURE_LIB, dir);
	unlink(alias);
	rmdir(dir);
}

/* Prepends lib to LD_PRELOAD in the child's environment. */
static void child_env(const char *lib, const char *raw_dir)
{
	const char *old = getenv("LD_PRELOAD");
	char *v = NULL;
	if (old && *old && asprintf(&v, "%s:%s", lib, old) > 0)
		setenv("LD_PRELOAD", v, 1);
	else
		setenv("LD_PRELOAD", lib, 1);
	free(v);
	setenv(CAPTURE_DIR_ENV, raw_dir, 1);
}

/* Runs cmd; returns its wait status, or -1 when it could not be started
 * (the exec error comes back through a close-on-exec pipe). */
static int cmd_spawn_wait(char **cmd, const char *lib, const char *raw_dir, pid_t *pid_out)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		error_msg("cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		error_msg("cannot fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		child_env(lib, raw_dir);
		signal(SIGXFSZ, SIG_DFL); /* the harness's own choice (main.c), not the program's */
		execvp(cmd[0], cmd);
		int e = errno;
		if (write(pfd[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]);
	int exec_errno = 0;
	ssize_t n = read(pfd[0], &exec_errno, sizeof exec_errno);
	close(pfd[0]);
	/* Like system(): a ^C is for the program; we stay to convert. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (n == (ssize_t)sizeof exec_errno) {
		error_msg("cannot run '%s': %s", cmd[0], strerror(exec_errno));
		return -1;
	}
	*pid_out = pid;
	return status;
}

static int proc_cmp(const void *a, const void *b)
{
	const struct capture_proc *x = a, *y = b;
	return (x->h.start_boot_ns > y->h.start_boot_ns) - (x->h.start_boot_ns < y->h.start_boot_ns);
}

/* Reads the headers of every raw file in dir, oldest first. */
static int procs_list(const char *dir, struct capture_proc **out, size_t *n_out)
{
	DIR *dp = opendir(dir);
	if (!dp) {
		error_msg("cannot read '%s': %s", dir, strerror(errno));
		return -1;
	}
	struct capture_proc *v = NULL;
	size_t n = 0, cap = 0, left_out = 0;
	struct dirent *e;
	while ((e = readdir(dp))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".raw"))
			continue;
		if (n == MAX_PROCS) {
			left_out++;
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			struct capture_proc *nv = realloc(v, cap * sizeof *v);
			if (!nv) {
				error_msg("out of memory listing the raw files");
				closedir(dp);
				free(v);
				return -1;
			}
			v = nv;
		}
		struct diag d = { 0 };
		snprintf(v[n].raw, sizeof v[n].raw, "%s/%s", dir, e->d_name);
		if (capture_raw_header_read(v[n].raw, &v[n].h, &d) == 0)
			n++;
		else
			diag_print(&d);
	}
	closedir(dp);
	if (left_out)
		warn_msg("%zu processes past the first %d are not converted", left_out, MAX_PROCS);
	if (n > 1)
		qsort(v, n, sizeof *v, proc_cmp);
	*out = v;
	*n_out = n;
	return 0;
}

/* The package whose file list holds `path`; 0 when one does. */
static int dpkg_owner(const char *path, char *pkg, size_t cap)
{
	char cmd[4600], line[512];
	snprintf(cmd, sizeof cmd, "dpkg-query -S '%s' 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	char fmt[32];
	snprintf(fmt, sizeof fmt, "%%%zu[^:, ]:", cap - 1);
	int got = fgets(line, sizeof line, p) && sscanf(line, fmt, pkg) == 1;
	pclose(p);
	return got ? 0 : -1;
}

/* "PACKAGE VERSION" owning path, for the programs Debian installed; other
 * paths are not looked up (dpkg -S scans every file list: 0.2 s). With /usr
 * merged, /bin is a link to /usr/bin, so the program found as /usr/bin/ls
 * may be listed by its package as /bin/ls: both are tried. */
static void package_of(const char *path, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (strncmp(path, "/usr/", 5) && strncmp(path, "/bin/", 5) && strncmp(path, "/sbin/", 6))
		return;
	if (strchr(path, '\'') || access("/usr/bin/dpkg-query", X_OK) != 0)
		return;
	char pkg[256], other[4200], cmd[4600], line[512];
	if (!strncmp(path, "/usr/", 5))
		snprintf(other, sizeof other, "%s", path + 4);
	else
		snprintf(other, sizeof other, "/usr%s", path);
	if (dpkg_owner(path, pkg, sizeof pkg) && dpkg_owner(other, pkg, sizeof pkg))
		return;
	snprintf(cmd, sizeof cmd, "dpkg-query -W -f '${Version}' '%s' 2>/dev/null", pkg);
	FILE *p = popen(cmd, "r");
	if (!p)
		return;
	if (!fgets(line, sizeof line, p))
		line[0] = '\0';
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	snprintf(buf, cap, "%s%s%s", pkg, *line ? " " : "", line);
}

static void date_of(uint64_t realtime_ns, char *buf, size_t cap)
{
	time_t t = (time_t)(realtime_ns / 1000000000u);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, cap, "%Y-%m-%d", &tm);
}

static void stats_print(const char *path, const struct capture_stats *st)
{
	fprintf(stderr, "  %s: %llu event%s (", path, (unsigned long long)st->events,
		cli_plural(st->events));
	for (int op = 0; op < TRACE_OP_COUNT; op++)
		fprintf(stderr, "%s%c %llu", op ? ", " : "", trace_op_letter((enum trace_op)op),
			(unsigned long long)st->count[op]);
	fprintf(stderr, "), %u thread%s, peak live %llu bytes, %llu unknown free%s\n",
		st->threads, cli_plural(st->threads), (unsigned long long)st->peak_live_bytes,
		(unsigned long long)st->unknown_frees, cli_plural(st->unknown_frees));
	if (st->nested_calls)
		fprintf(stderr, "    %llu calls from signal handlers inside the recorder "
			"were not recorded\n", (unsigned long long)st->nested_calls);
	if (st->truncated)
		fprintf(stderr, "    recording stopped early (out of space)\n");
	if (st->threads > CAPTURE_THREAD_MAX + 1)
		fprintf(stderr, "    threads past t%u (%u of them) are all written as t%u\n",
			CAPTURE_THREAD_MAX, st->threads - CAPTURE_THREAD_MAX - 1, CAPTURE_THREAD_MAX);
}

/* Converts one process's raw file; main is CMD's own process. */
static int proc_convert(const struct capture_opts *o, const struct capture_proc *p, int main,
			const char *out, const char *name)
{
	char cmdline[4096], date[16], package[320];
	cli_join_command(NULL, o->cmd, INT_MAX, cmdline, sizeof cmdline);
	date_of(p->h.start_realtime_ns, date, sizeof date);
	package_of(p->h.exe, package, sizeof package);
	struct capture_meta meta = {
		.name = name,
		.description = main ? o->description : NULL,
		.command = main ? cmdline : p->h.cmdline,
		.date = date,
		.program = p->h.exe,
		.package = *package ? package : NULL,
	};
	struct capture_stats st;
	struct diag d = { 0 };
	if (capture_convert(p->raw, out, &meta, &st, &d) != 0) {
		diag_print(&d);
		return -1;
	}
	stats_print(out, &st);
	return 0;
}

/* The program's file name, made fit for a trace name and cut to 64
 * characters, so that a child's file and trace names stay within limits. */
#define PROG_NAME_CAP 65
static void proc_prog(const struct capture_proc *p, char *prog, size_t cap)
{
	const char *slash = strrchr(p->h.exe, '/');
	name_sanitize(prog, cap, slash ? slash + 1 : p->h.exe);
}

/* TRACE.d/PROG.PID.yaml for a process other than CMD's own; the seq-th
 * (from 0) of this capture's processes with that program and pid (one that
 * exec'ed the same program again) gets PROG.PID.SEQ.yaml. */
static int child_paths(const char *stem, const struct capture_proc *p, unsigned seq,
		       char *out, size_t cap, char *name, size_t name_cap)
{
	char dir[4096], prog[PROG_NAME_CAP], suffix[16] = "";
	proc_prog(p, prog, sizeof prog);
	snprintf(dir, sizeof dir, "%s.d", stem);
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		error_msg("cannot create '%s': %s", dir, strerror(errno));
		return -1;
	}
	if (seq)
		snprintf(suffix, sizeof suffix, ".%u", seq);
	snprintf(out, cap, "%s/%s.%d%s.yaml", dir, prog, (int)p->h.pid, suffix);
	/* The trace name is STEM.PROG.PID[.SEQ]; STEM gives way to fit. */
	char tail[PROG_NAME_CAP + 32], base[4096], stem_name[TRACE_NAME_MAX];
	snprintf(tail, sizeof tail, ".%s.%d%s", prog, (int)p->h.pid, suffix);
	snprintf(base, sizeof base, "%s", stem);
	name_sanitize(stem_name, TRACE_NAME_MAX - strlen(tail), basename(base));
	snprintf(name, name_cap, "%s%s", stem_name, tail);
	return 0;
}

/* How many of procs[0..i) other than the main one would have the file name
 * of procs[i]. */
static unsigned name_seq(const struct capture_proc *procs, size_t i, size_t main_i)
{
	char prog[PROG_NAME_CAP], other[PROG_NAME_CAP];
	unsigned seq = 0;
	proc_prog(&procs[i], prog, sizeof prog);
	for (size_t j = 0; j < i; j++) {
		if (j == main_i || !procs[j].h.n_words || procs[j].h.pid != procs[i].h.pid)
			continue;
		proc_prog(&procs[j], other, sizeof other);
		seq += !strcmp(prog, other);
	}
	return seq;
}

static int procs_convert(const struct capture_opts *o, struct capture_proc *procs, size_t n,
			 pid_t main_pid)
{
	char stem[4096], name[512], path[4600];
	out_stem(o->out, stem, sizeof stem);
	if (o->name)
		snprintf(name, sizeof name, "%s", o->name);
	else {
		char base[4096];
		snprintf(base, sizeof base, "%s", stem);
		name_sanitize(name, sizeof name, basename(base));
	}
	size_t main_i = n;
	for (size_t i = 0; i < n && main_i == n; i++)
		if (procs[i].h.pid == main_pid)
			main_i = i;
	if (main_i == n) {
		error_msg("no allocations were recorded in '%s' (a static binary, or "
			  "LD_PRELOAD cleared?)", o->cmd[0]);
		return -1;
	}
	int rc = proc_convert(o, &procs[main_i], 1, o->out, name);
	size_t others = 0;
	for (size_t i = 0; i < n; i++)
		others += i != main_i && procs[i].h.n_words;
	if (others)
		fprintf(stderr, "allocscope: traces of other processes:\n");
	for (size_t i = 0; i < n; i++) {
		if (i == main_i || procs[i].h.n_words == 0)
			continue; /* e.g. a fork child that went straight to exec */
		if (child_paths(stem, &procs[i], name_seq(procs, i, main_i), path, sizeof path,
				name, sizeof name) != 0 ||
		    proc_convert(o, &procs[i], 0, path, name) != 0)
			rc = -1;
	}
	return rc;
}

/* The directory is capture's own (mkdtemp), so everything in it goes,
 * including raw files that could not be read or were left out. */
static void raw_dir_remove(const char *dir)
{
	DIR *dp = opendir(dir);
	if (dp) {
		for (struct dirent *e; (e = readdir(dp));)
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(dp), e->d_name, 0);
		closedir(dp);
	}
	if (rmdir(dir) != 0)
		warn_msg("cannot remove '%s': %s", dir, strerror(errno));
}

static void exit_status_print(int status)
{
	if (WIFEXITED(status))
		fprintf(stderr, "allocscope: the program exited with status %d\n",
			WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		fprintf(stderr, "allocscope: the program was killed by signal %d (%s)%s\n",
			WTERMSIG(status), strsignal(WTERMSIG(status)),
			WCOREDUMP(status) ? ", core dumped" : "");
}

static int raw_dir_make(const struct capture_opts *o, char *buf, size_t cap)
{
	char base[4096];
	snprintf(base, sizeof base, "%s", o->out);
	if (o->raw_dir)
		snprintf(buf, cap, "%s/allocscope-raw.XXXXXX", o->raw_dir);
	else
		snprintf(buf, cap, "%s/.allocscope-raw.XXXXXX", dirname(base));
	if (!mkdtemp(buf)) {
		error_msg("cannot create a directory '%s': %s", buf, strerror(errno));
		return -1;
	}
	/* The program and its children find the directory by this path: a
	 * relative one would lead a child that changed directory astray. */
	char abs[PATH_MAX];
	if (!realpath(buf, abs))
		error_msg("cannot resolve the directory '%s': %s", buf, strerror(errno));
	else if (strlen(abs) >= cap)
		error_msg("the directory '%s' has too long a path", abs);
	else {
		memcpy(buf, abs, strlen(abs) + 1);
		return 0;
	}
	rmdir(buf);
	return -1;
}

int cmd_capture(int argc, char **argv)
{
	struct capture_opts o = { 0 };
	int rc = opts_parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	char lib[PATH_CAP + 64], raw_dir[PATH_CAP], alias_dir[64];
	if (lib_find(lib, sizeof lib) != 0 ||
	    lib_alias_make(lib, sizeof lib, alias_dir, sizeof alias_dir) != 0)
		return EXIT_RUN_FAILED;
	/* Where raw files go is the user's choice (--raw-dir, or -o's
	 * directory): one that cannot take them is bad input, like -o. */
	if (raw_dir_make(&o, raw_dir, sizeof raw_dir) != 0) {
		lib_alias_remove(alias_dir);
		return EXIT_BAD_INPUT;
	}
	pid_t pid = 0;
	double t0 = (1e-9 * (double)timer_clock_read());
	int status = cmd_spawn_wait(o.cmd, lib, raw_dir, &pid);
	double t1 = (1e-9 * (double)timer_clock_read());
	lib_alias_remove(alias_dir);
	struct capture_proc *procs = NULL;
	size_t n = 0;
	rc = EXIT_OK;
	if (status < 0 || procs_list(raw_dir, &procs, &n) != 0)
		rc = EXIT_RUN_FAILED;
	else {
		fprintf(stderr, "allocscope: ran '%s' in %.3f s; traces:\n", o.cmd[0], t1 - t0);
		if (procs_convert(&o, procs, n, pid) != 0)
			rc = EXIT_RUN_FAILED;
		fprintf(stderr, "allocscope: conversion to YAML took %.3f s\n", (1e-9 * (double)timer_clock_read()) - t1);
		exit_status_print(status);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = EXIT_RUN_FAILED;
	}
	if (o.keep_raw)
		fprintf(stderr, "allocscope: raw files kept in '%s'\n", raw_dir);
	else
		raw_dir_remove(raw_dir);
	free(procs);
	return rc;
}
