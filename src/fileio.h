/* fileio.h - whole files only: every output is written under a temporary name
 * in its directory and renamed over the target once complete and flushed.
 * The target is what a user means by the name: a symbolic link's file is
 * replaced (the link stays), and a device, FIFO or socket (-o /dev/null,
 * -o /dev/stdout) is written in place, never replaced by a regular file. */
#ifndef ALLOCSCOPE_FILEIO_H
#define ALLOCSCOPE_FILEIO_H

#include <stddef.h>
#include <stdio.h>

/* Opens a fresh temporary file next to `path` (its name goes to tmp):
 * `path` (a link's target, for a symbolic link) followed by
 * FILEIO_TEMP_SUFFIX, the X's made unique by mkstemp, mode 0666 less the
 * umask. For a target that is not a regular file, opens the target itself
 * and leaves tmp empty. A directory is refused (EISDIR), as is a link to
 * nothing (ENOENT). */
#define FILEIO_TEMP_SUFFIX ".tmp.XXXXXX"
int fileio_open_temp(const char *path, char *tmp, size_t tmp_len);

/* Whether an output could be written at path, checked before the work that
 * makes it: its directory exists and is writable, and it is not a directory
 * itself. 0, or -1 with errno. */
int fileio_check_target(const char *path);

/* Temporary files being written, kept so that a signal ending the process
 * can remove them (signals.c): fileio_open_temp and fileio_commit_temp keep
 * the list themselves; other writers of temporary files (the trace cache)
 * add and drop theirs. fileio_remove_pending is async-signal-safe. */
void fileio_pending_add(const char *tmp);
void fileio_pending_drop(const char *tmp);
void fileio_remove_pending(void);

/* 1 when both paths exist and name the same file (links followed), else 0:
 * an output that is the command's own input would replace it. */
int fileio_same_file(const char *a, const char *b);

/* mkdir -p, mode 0755: 0 when path and every directory above it exist (or
 * were made), else -1 with errno. */
int fileio_make_dirs(const char *path);

/* Whether a file name (no directory) has the form of a temporary name. */
int fileio_is_temp_name(const char *name);

/* write(2) until done; 0 or -1 (errno). */
int fileio_write_all(int fd, const void *buf, size_t len);

/* Closes fd; when ok, fsyncs and renames tmp over the target it was opened
 * for (tmp less its suffix), else removes tmp. A target written in place
 * (tmp empty) is only closed. Returns 0 on a successful commit, -1 otherwise
 * (errno). */
int fileio_commit_temp(int fd, const char *tmp, int ok);

/* The same for stdio: opens a FILE on a temporary name; commits it when ok
 * and fflush/ferror report no error, else discards it. */
FILE *fileio_fopen_temp(const char *path, char *tmp, size_t tmp_len);
int fileio_fcommit_temp(FILE *f, const char *tmp, int ok);

#endif
