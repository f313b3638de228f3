/* fileio.c - temporary-name-then-rename output, so that an interrupted run
 * never leaves a half-written CSV, trace or plot data file behind. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

int fileio_open_temp(const char *path, char *tmp, size_t tmp_len)
{
	if ((size_t)snprintf(tmp, tmp_len, "%s" FILEIO_TEMP_SUFFIX, path) >= tmp_len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkstemp(tmp);
	if (fd >= 0)
		fchmod(fd, 0644);
	return fd;
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

int fileio_commit_temp(int fd, const char *tmp, const char *path, int ok)
{
	int saved = 0;
	if (ok && fsync(fd) != 0) {
		ok = 0;
		saved = errno;
	}
	if (close(fd) != 0 && ok) {
		ok = 0;
		saved = errno;
	}
	if (ok && rename(tmp, path) == 0)
		return 0;
	if (!saved)
		saved = errno;
	unlink(tmp);
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
		unlink(tmp);
	}
	return f;
}

int fileio_fcommit_temp(FILE *f, const char *tmp, const char *path)
{
	int ok = fflush(f) == 0 && !ferror(f);
	int saved = errno;
	int fd = dup(fileno(f));
	fclose(f);
	if (fd < 0) {
		unlink(tmp);
		return -1;
	}
	errno = saved;
	return fileio_commit_temp(fd, tmp, path, ok);
}
