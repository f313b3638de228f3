/* fileio.c - temporary-name-then-rename output, so that an interrupted run
 * never leaves a half-written CSV, trace or plot data file behind. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

/* Where the output really goes: path, or the file its symbolic link(s)
 * name. Sets *in_place for a target that is there and not a regular file;
 * it is then opened by its own name (/dev/stdout's link may lead to a pipe
 * that has no path to resolve). */
static int resolve_target(const char *path, char *real, size_t real_len, int *in_place)
{
	struct stat st, lst;
	*in_place = 0;
	int exists = stat(path, &st) == 0;
	if (exists && S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	*in_place = exists && !S_ISREG(st.st_mode);
	if (*in_place || lstat(path, &lst) != 0 || !S_ISLNK(lst.st_mode)) {
		snprintf(real, real_len, "%s", path);
		return 0;
	}
	char buf[PATH_MAX];
	if (!realpath(path, buf))
		return -1;
	if ((size_t)snprintf(real, real_len, "%s", buf) >= real_len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int fileio_check_target(const char *path)
{
	char real[PATH_MAX], dir[PATH_MAX];
	int in_place;
	if (resolve_target(path, real, sizeof real, &in_place))
		return -1;
	if (in_place)
		return 0;
	snprintf(dir, sizeof dir, "%s", real);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		slash[slash == dir] = '\0'; /* "/x" keeps its "/" */
	struct stat st;
	if (stat(dir, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return access(dir, W_OK);
}

/* The pending list: slots written here, read by a signal handler. A slot's
 * path is complete before its flag is set and is not touched while set.
 * More writers at once than slots (there are at most two) would go
 * untracked, not wrong. */
#define PENDING_MAX 8
static char pending_path[PENDING_MAX][PATH_MAX + sizeof FILEIO_TEMP_SUFFIX];
static volatile sig_atomic_t pending_set[PENDING_MAX];

void fileio_pending_add(const char *tmp)
{
	for (int i = 0; i < PENDING_MAX; i++)
		if (!pending_set[i] && strlen(tmp) < sizeof pending_path[i]) {
			strcpy(pending_path[i], tmp);
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			pending_set[i] = 1;
			return;
		}
}

void fileio_pending_drop(const char *tmp)
{
	for (int i = 0; i < PENDING_MAX; i++)
		if (pending_set[i] && !strcmp(pending_path[i], tmp)) {
			pending_set[i] = 0;
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			return;
		}
}

void fileio_remove_pending(void)
{
	for (int i = 0; i < PENDING_MAX; i++)
		if (pending_set[i])
			unlink(pending_path[i]);
}

int fileio_open_temp(const char *path, char *tmp, size_t tmp_len)
{
	char real[PATH_MAX];
	int in_place;
	if (resolve_target(path, real, sizeof real, &in_place))
		return -1;
	if (in_place) {
		tmp[0] = '\0';
		return open(real, O_WRONLY | O_TRUNC | O_CLOEXEC);
	}
	if ((size_t)snprintf(tmp, tmp_len, "%s" FILEIO_TEMP_SUFFIX, real) >= tmp_len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkstemp(tmp);
	if (fd >= 0) {
		fileio_pending_add(tmp);
		mode_t mask = umask(0);
		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	return fd;
}

int fileio_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int fileio_make_dirs(const char *path)
{
	char buf[PATH_MAX];
	if (strlen(path) >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int fileio_is_temp_name(const char *name)
{
	const size_t suffix = sizeof FILEIO_TEMP_SUFFIX - 1, stem = sizeof ".tmp." - 1;
	size_t len = strlen(name);
	return len > suffix && !memcmp(name + len - suffix, FILEIO_TEMP_SUFFIX, stem);
}

int fileio_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fileio_commit_temp(int fd, const char *tmp, int ok)
{
	/* A caller that failed already has its reason in errno. */
	int saved = ok ? 0 : errno;
	/* Written in place: a device or pipe has nothing to sync or rename. */
	if (!tmp[0]) {
		if (close(fd) != 0 && ok) {
			ok = 0;
			saved = errno;
		}
		errno = saved;
		return ok ? 0 : -1;
	}
	if (ok && fsync(fd) != 0) {
		ok = 0;
		saved = errno;
	}
	if (close(fd) != 0 && ok) {
		ok = 0;
		saved = errno;
	}
	/* The temporary name is the resolved target's with the suffix added
	 * (fileio_open_temp), so the target is that name without it. */
	char target[PATH_MAX];
	size_t len = strlen(tmp) - (sizeof FILEIO_TEMP_SUFFIX - 1);
	snprintf(target, sizeof target, "%.*s", (int)len, tmp);
	if (ok && rename(tmp, target) == 0) {
		fileio_pending_drop(tmp);
		return 0;
	}
	if (!saved)
		saved = errno;
	unlink(tmp);
	fileio_pending_drop(tmp);
	errno = saved;
	return -1;
}

FILE *fileio_fopen_temp(const char *path, char *tmp, size_t tmp_len)
{
	int fd = fileio_open_temp(path, tmp, tmp_len);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		if (tmp[0]) {
			unlink(tmp);
			fileio_pending_drop(tmp);
		}
	}
	return f;
}

int fileio_fcommit_temp(FILE *f, const char *tmp, int ok)
{
	ok = fflush(f) == 0 && !ferror(f) && ok;
	int saved = errno;
	int fd = dup(fileno(f));
	fclose(f);
	if (fd < 0) {
		if (tmp[0]) {
			unlink(tmp);
			fileio_pending_drop(tmp);
		}
		return -1;
	}
	errno = saved;
	return fileio_commit_temp(fd, tmp, ok);
}
