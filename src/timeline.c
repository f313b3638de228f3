/* timeline.c - the heap-over-time files: their names, and their writing
 * with write(2) alone (the replay process's malloc is the allocator under
 * test). */
#include "timeline.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

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
	return fileio_commit_temp(fd, tmp, ok);
}

/* Bytes a file name holds as they are. Every other byte of a strategy's
 * spec (a plugin path's '/', '%' itself) is written %XX, so two strategies
 * never share a file and the plot can show the spec as it was typed. */
static int byte_is_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("._=:,+-", c));
}

void timeline_file_name(char name[TIMELINE_NAME_SIZE], const char *workload, const char *strategy)
{
	char enc[3 * 1024 + 1];
	size_t n = 0;
	for (const unsigned char *c = (const unsigned char *)strategy; *c && n + 3 < sizeof enc; c++)
		n += byte_is_plain(*c) ? (size_t)(enc[n] = (char)*c, 1)
				       : (size_t)snprintf(enc + n, 4, "%%%02X", *c);
	enc[n] = '\0';
	/* Past TIMELINE_NAME_MAX the spec is cut (never inside a %XX) and ends in '~' and
	 * a hash of all of it, which keeps long plugin paths apart. */
	size_t room = TIMELINE_NAME_SIZE - 1 - strlen(workload) - strlen("__.csv");
	if (n > room) {
		size_t keep = room - 17;
		while (keep > 0 && (enc[keep - 1] == '%' || (keep > 1 && enc[keep - 2] == '%')))
			keep--;
		snprintf(enc + keep, sizeof enc - keep, "~%016llx",
			 (unsigned long long)XXH3_64bits(strategy, strlen(strategy)));
	}
	snprintf(name, TIMELINE_NAME_SIZE, "%s__%s.csv", workload, enc);
}
