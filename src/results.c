/* results.c - the results directory and its CSV files. A run never reuses
 * an earlier run's directory; a CSV only grows, rewritten whole under a
 * temporary name, so no reader ever sees half a file or loses a row. */
#include "results.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"

static int write_small_file(const char *path, const char *text)
{
	char tmp[4200];
	int fd = fileio_open_temp(path, tmp, sizeof tmp);
	if (fd < 0)
		return -1;
	return fileio_commit_temp(fd, tmp, fileio_write_all(fd, text, strlen(text)) == 0);
}

/* When a run started, in ns since the epoch, from its RESULTS_STARTED_FILE;
 * 0 when the directory has none (a run of an older allocscope). */
static uint64_t run_started_ns(const char *dir)
{
	char path[4400];
	unsigned long long ns = 0;
	snprintf(path, sizeof path, "%s/%s", dir, RESULTS_STARTED_FILE);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

int results_create(struct results_dir *rd, const char *root, const char *label,
		   struct diag *d)
{
	char stamp[64];
	time_t now = time(NULL);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
	/* Every file of a run lies at ROOT/NAME/timeline/FILE: a root too long
	 * for that would be cut short, somewhere else. */
	if (strlen(root) + 1 + sizeof rd->name + sizeof "/timeline/" + NAME_MAX >= PATH_MAX)
		return diag_set(d, root, 0, 0, "the results root's path is too long (%zu bytes)",
				strlen(root));
	snprintf(rd->root, sizeof rd->root, "%s", root);
	if (fileio_make_dirs(root))
		return diag_set(d, root, 0, 0, "cannot create results root: %s", strerror(errno));
	/* ROOT/latest is replaced at the end: said now if it is the user's. */
	char latest[4200];
	struct stat st;
	snprintf(latest, sizeof latest, "%s/latest", root);
	if (lstat(latest, &st) == 0 && !S_ISLNK(st.st_mode))
		return diag_set(d, latest, 0, 0, "exists and is not a symbolic link: a run "
				"points 'latest' at itself when it completes; move it away");
	/* mkdir is the lock: a name another run took in the same second gets -2, -3.. */
	for (int n = 1; n < 1000; n++) {
		char suffix[16] = "";
		if (n > 1)
			snprintf(suffix, sizeof suffix, "-%d", n);
		snprintf(rd->name, sizeof rd->name, "%s%s%s%s", stamp, label ? "-" : "",
			 label ? label : "", suffix);
		snprintf(rd->path, sizeof rd->path, "%s/%s", root, rd->name);
		if (mkdir(rd->path, 0755) == 0) {
			char sub[4200], text[32];
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			rd->started_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
			snprintf(sub, sizeof sub, "%s/%s", rd->path, RESULTS_STARTED_FILE);
			snprintf(text, sizeof text, "%llu\n", (unsigned long long)rd->started_ns);
			if (write_small_file(sub, text))
				return diag_set(d, sub, 0, 0, "cannot write: %s", strerror(errno));
			snprintf(sub, sizeof sub, "%s/timeline", rd->path);
			if (mkdir(sub, 0755) != 0)
				return diag_set(d, sub, 0, 0, "cannot create: %s", strerror(errno));
			snprintf(sub, sizeof sub, "%s/%s", rd->path, RESULTS_INCOMPLETE_MARK);
			if (write_small_file(sub, "running\n"))
				return diag_set(d, sub, 0, 0, "cannot write: %s", strerror(errno));
			return 0;
		}
		if (errno != EEXIST)
			return diag_set(d, rd->path, 0, 0, "cannot create results directory: %s",
					strerror(errno));
	}
	return diag_set(d, root, 0, 0, "no free results directory name for %s", stamp);
}

int results_complete(struct results_dir *rd, struct diag *d)
{
	char mark[4200], link_tmp[4200], link_path[4200];
	snprintf(mark, sizeof mark, "%s/%s", rd->path, RESULTS_INCOMPLETE_MARK);
	if (unlink(mark) != 0 && errno != ENOENT)
		return diag_set(d, mark, 0, 0, "cannot remove: %s", strerror(errno));
	snprintf(link_tmp, sizeof link_tmp, "%s/.latest.%d", rd->root, (int)getpid());
	snprintf(link_path, sizeof link_path, "%s/latest", rd->root);
	/* latest is the newest run: one started later that finished first keeps
	 * it. Start times, not names, decide: names are local time, which a
	 * different TZ or a DST change can order the other way, and runs of one
	 * second differ only in their -N. */
	/* Runs finishing together take turns: the check and the rename are one
	 * step under a lock on the root. */
	int lock = open(rd->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock >= 0)
		while (flock(lock, LOCK_EX) != 0 && errno == EINTR)
			;
	int rc = 0;
	if (run_started_ns(link_path) <= rd->started_ns) {
		unlink(link_tmp);
		if (symlink(rd->name, link_tmp) != 0 || rename(link_tmp, link_path) != 0) {
			rc = diag_set(d, link_path, 0, 0, "cannot point at %s: %s", rd->name,
				      strerror(errno));
			unlink(link_tmp);
		}
	}
	if (lock >= 0)
		close(lock);
	return rc;
}

int results_mark_interrupted(struct results_dir *rd, const char *why)
{
	char mark[4200], text[512];
	snprintf(mark, sizeof mark, "%s/%s", rd->path, RESULTS_INCOMPLETE_MARK);
	snprintf(text, sizeof text, "%s\n", why);
	return write_small_file(mark, text);
}

static void remove_temps_in(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		char path[4400];
		if (fileio_is_temp_name(e->d_name) &&
		    (size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < sizeof path)
			unlink(path);
	}
	closedir(d);
}

void results_remove_temps(struct results_dir *rd)
{
	char timeline[4200];
	remove_temps_in(rd->path);
	snprintf(timeline, sizeof timeline, "%s/timeline", rd->path);
	remove_temps_in(timeline);
}

static int table_append(struct csv_table *t, const char *text)
{
	size_t n = strlen(text);
	if (t->len + n + 2 > t->cap) {
		size_t cap = (t->cap ? t->cap * 2 : 4096) + n;
		char *grown = realloc(t->text, cap);
		if (!grown)
			return -1;
		t->text = grown;
		t->cap = cap;
	}
	memcpy(t->text + t->len, text, n);
	t->len += n;
	t->text[t->len++] = '\n';
	t->text[t->len] = '\0';
	return 0;
}

static int table_flush(struct csv_table *t, struct diag *d)
{
	char tmp[4300];
	int fd = fileio_open_temp(t->path, tmp, sizeof tmp);
	if (fd < 0 || fileio_commit_temp(fd, tmp, fileio_write_all(fd, t->text, t->len) == 0))
		return diag_set(d, t->path, 0, 0, "cannot write: %s", strerror(errno));
	return 0;
}

int csv_table_init(struct csv_table *t, const struct results_dir *rd,
		   const char *file_name, const char *header, struct diag *d)
{
	memset(t, 0, sizeof *t);
	snprintf(t->path, sizeof t->path, "%s/%s", rd->path, file_name);
	if (table_append(t, header))
		return diag_set(d, t->path, 0, 0, "out of memory");
	return table_flush(t, d);
}

int csv_table_add(struct csv_table *t, const char *row, struct diag *d)
{
	if (table_append(t, row))
		return diag_set(d, t->path, 0, 0, "out of memory");
	return table_flush(t, d);
}

void csv_table_release(struct csv_table *t)
{
	free(t->text);
	t->text = NULL;
}

void csv_append(char *buf, size_t len, const char *field)
{
	size_t used = strlen(buf);
	int quote = strpbrk(field, ",\"\n\r") != NULL;
	if (used && used < len - 1)
		buf[used++] = ',';
	if (quote && used < len - 1)
		buf[used++] = '"';
	for (const char *c = field; *c && used < len - 2; c++) {
		if (*c == '"')
			buf[used++] = '"';
		buf[used++] = *c;
	}
	if (quote && used < len - 1)
		buf[used++] = '"';
	buf[used < len ? used : len - 1] = '\0';
}
