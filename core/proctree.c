#define _GNU_SOURCE
#include "proctree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"

/* More passes than this means something forks faster than we can kill,
 * which SIGKILL makes impossible; it bounds the loop against a bug. */
#define MAX_PASSES 1000

int proctree_parse_stat(const char *buf, pid_t *ppid)
{
	/* "pid (comm) state ppid ...": comm can hold ") ", so use the last ')'. */
	const char *rp = strrchr(buf, ')');
	char *end;
	long v;

	if (!rp || rp[1] != ' ' || !rp[2] || rp[3] != ' ')
		return -EINVAL;
	errno = 0;
	v = strtol(rp + 4, &end, 10);
	if (errno || end == rp + 4 || *end != ' ' || v < 0)
		return -EINVAL;
	*ppid = (pid_t)v;
	return 0;
}

struct pp {
	pid_t pid, ppid;
};

static pid_t read_ppid(int procfd, const char *name)
{
	char path[64], buf[1024];
	pid_t ppid;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/stat", name);
	/* A zombie cannot be killed again; counting it would never converge. */
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (proctree_parse_stat(buf, &ppid) < 0)
		return -1;
	return strrchr(buf, ')')[2] == 'Z' ? -1 : ppid;
}

/* Reads every (pid, ppid) pair; returns the count or -errno. */
static ssize_t scan(struct pp **out)
{
	DIR *dir = opendir("/proc");
	struct pp *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		pid_t ppid;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		ppid = read_ppid(dirfd(dir), de->d_name);
		if (ppid < 0)
			continue;
		if (n == cap) {
			struct pp *q = reallocarray(v, cap ? cap * 2 : 256, sizeof(*v));

			if (!q) {
				free(v);
				closedir(dir);
				return -ENOMEM;
			}
			v = q;
			cap = cap ? cap * 2 : 256;
		}
		v[n++] = (struct pp){ (pid_t)strtol(de->d_name, NULL, 10), ppid };
	}
	closedir(dir);
	*out = v;
	return (ssize_t)n;
}

static bool descends(const struct pp *v, size_t n, pid_t pid, pid_t root)
{
	/* Depth is bounded by n: a cycle cannot occur in a consistent snapshot,
	 * but a racy one could show one, so never loop more than n times. */
	for (size_t depth = 0; depth <= n && pid > 1; depth++) {
		size_t i;

		if (pid == root)
			return true;
		for (i = 0; i < n && v[i].pid != pid; i++)
			;
		if (i == n)
			return false;
		pid = v[i].ppid;
	}
	return pid == root;
}

int proctree_kill(pid_t root)
{
	int total = 0;

	for (int pass = 0; pass < MAX_PASSES; pass++) {
		struct pp *v = NULL;
		ssize_t n = scan(&v);
		int killed = 0;

		if (n < 0)
			return (int)n;
		for (size_t i = 0; i < (size_t)n; i++) {
			if (v[i].pid != root && descends(v, (size_t)n, v[i].pid, root) &&
			    kill(v[i].pid, SIGKILL) == 0)
				killed++;
		}
		free(v);
		if (!killed)
			return total;
		total += killed;
	}
	return -EAGAIN;
}
