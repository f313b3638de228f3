/* timeline.c - writes a memory pass's samples with write(2) alone: the
 * replay process's malloc is the allocator under test. */
#include "timeline.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"

int timeline_write(const char *path, const struct timeline_sample *s, size_t n)
{
	char tmp[4200], line[96];
	int fd = fileio_open_temp(path, tmp, sizeof tmp);
	if (fd < 0)
		return -1;
	int ok = fileio_write_all(fd, "event,live_bytes,heap_bytes\n", 28) == 0;
	for (size_t i = 0; ok && i < n; i++) {
		int len = snprintf(line, sizeof line, "%llu,%llu,%llu\n",
				   (unsigned long long)s[i].event,
				   (unsigned long long)s[i].live_bytes,
				   (unsigned long long)s[i].heap_bytes);
		ok = fileio_write_all(fd, line, (size_t)len) == 0;
	}
	return fileio_commit_temp(fd, tmp, path, ok);
}

void timeline_file_name(char *buf, size_t len, const char *workload, const char *strategy)
{
	snprintf(buf, len, "%s__%s.csv", workload, strategy);
	char *c = buf + strlen(workload) + 2;
	for (; *c && strcmp(c, ".csv"); c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9') && !strchr("._=-", *c))
			*c = '_';
}
