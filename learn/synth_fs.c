/* The OS-facing side of synthesis: the real file system behind struct
 * synth_fs, and writing the policy file atomically. */
#define _GNU_SOURCE
#include "synth.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_interp.h"
#include "banned.h"

/* As a grant resolves it: following symlinks (landlock.c opens grants
 * with O_PATH, no O_NOFOLLOW).  What cannot be looked up now cannot be
 * granted, whatever the reason. */
static enum synth_ftype host_type(void *ctx, const char *path)
{
	struct stat st;

	(void)ctx;
	if (stat(path, &st) < 0)
		return SYNTH_MISSING;
	return S_ISDIR(st.st_mode) ? SYNTH_DIR : S_ISREG(st.st_mode) ? SYNTH_FILE : SYNTH_OTHER;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char **host_list(void *ctx, const char *dir)
{
	DIR *d = opendir(dir); /* glibc opens it O_CLOEXEC */
	char **v = NULL, **q;
	size_t n = 0;
	struct dirent *e;

	(void)ctx;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		q = reallocarray(v, n + 2, sizeof(*v));
		if (!q || !(q[n] = strdup(e->d_name))) {
			free_names(q ? q : v, n);
			closedir(d);
			return NULL;
		}
		v = q;
		n++;
	}
	closedir(d);
	if (!v)
		v = calloc(1, sizeof(*v));
	else
		v[n] = NULL;
	return v;
}

/* "#!/bin/sh -e" gives "/bin/sh" (1); an ELF program its PT_INTERP (2).
 * Only an absolute #! interpreter counts: the kernel does not search PATH
 * either. */
static int host_interp(void *ctx, const char *path, char *buf, size_t len)
{
	char head[256];
	ssize_t n;
	size_t i = 2, k = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	(void)ctx;
	if (fd < 0)
		return 0;
	n = read(fd, head, sizeof(head) - 1);
	if (n >= 4 && memcmp(head, "\177ELF", 4) == 0) {
		int r = elf_interp(fd, buf, len);

		close(fd);
		return r == 1 ? 2 : 0;
	}
	close(fd);
	if (n < 3 || head[0] != '#' || head[1] != '!')
		return 0;
	head[n] = '\0';
	while (head[i] == ' ' || head[i] == '\t')
		i++;
	if (head[i] != '/')
		return 0;
	while (head[i] && head[i] != ' ' && head[i] != '\t' && head[i] != '\n' && k + 1 < len)
		buf[k++] = head[i++];
	buf[k] = '\0';
	return 1;
}

const struct synth_fs synth_fs_host = { NULL, host_type, host_list, host_interp };

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int synth_write_file(const char *path, const char *text, struct diag *d)
{
	char *tmp;
	mode_t mask = umask(0);
	int fd, r;

	umask(mask);
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return diag_err(d, -ENOMEM, "cannot write policy '%s': out of memory", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(tmp);
		return diag_err(d, r, "cannot write policy '%s': %s", path, strerror(-r));
	}
	r = write_all(fd, text, strlen(text));
	if (r == 0 && fchmod(fd, 0644 & ~mask) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		diag_err(d, r, "cannot write policy '%s': %s", path, strerror(-r));
	}
	free(tmp);
	return r;
}
