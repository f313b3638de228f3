/* files.h - what the unit tests that write files ask of them: a small file's
 * text, how many entries a directory holds (a temporary file left behind
 * shows up there), and removing a scratch tree. Include after cmocka.h. */
#ifndef ALLOCSCOPE_TEST_FILES_H
#define ALLOCSCOPE_TEST_FILES_H

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>

/* The first 8 KiB of the file at path, as a string (static: one at a time). */
static inline const char *file_text(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* The entries of dir other than "." and "..". */
static inline int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static inline int dir_remove_entry(const char *path, const struct stat *st, int flag,
				   struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes the tree at dir (a test's scratch directory); 0 on success. */
static inline int dir_remove(const char *dir)
{
	return nftw(dir, dir_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
