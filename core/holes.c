/* The hole set and the hole decision (holes.h).  The first half is pure;
 * the second half builds the set from the filesystem and checks fds. */
#define _GNU_SOURCE
#include "holes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sys.h"
#include "banned.h"

/* ---- pure --------------------------------------------------------------- */

void holes_init(struct holes *h)
{
	*h = (struct holes){ .max_inodes = HOLES_MAX_INODES };
}

void holes_release(struct holes *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].path);
	free(h->v);
	free(h->inodes);
	free(h->ancestors);
	holes_init(h);
}

bool holes_path_normal(const char *path)
{
	const char *p = path;

	if (path[0] != '/')
		return false;
	if (strcmp(path, "/") == 0)
		return true;
	while (*p == '/') {
		const char *c = p + 1, *e = strchrnul(c, '/');
		size_t len = (size_t)(e - c);

		if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		p = e;
	}
	return true;
}

int holes_add_path(struct holes *h, const char *path, bool exists, struct policy_origin o,
		   size_t index)
{
	struct hole *v;
	char *copy;

	if (!holes_path_normal(path))
		return -EINVAL;
	v = reallocarray(h->v, h->n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	h->v = v;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	v[h->n] = (struct hole){ copy, o, index, exists };
	return (int)h->n++;
}

static int push_inode(struct holes_inode **a, size_t *n, size_t max, uint64_t dev, uint64_t ino,
		      uint32_t hole)
{
	struct holes_inode *v;

	if (*n >= max)
		return -E2BIG;
	/* Capacity is 16, then doubles at each power of two: a directory
	 * hole adds up to max entries one by one. */
	if (*n == 0 || (*n >= 16 && (*n & (*n - 1)) == 0)) {
		v = reallocarray(*a, *n ? *n * 2 : 16, sizeof(*v));
		if (!v)
			return -ENOMEM;
		*a = v;
	}
	(*a)[(*n)++] = (struct holes_inode){ dev, ino, hole };
	return 0;
}

int holes_add_inode(struct holes *h, uint64_t dev, uint64_t ino, uint32_t hole)
{
	size_t max = h->max_inodes ? h->max_inodes : HOLES_MAX_INODES;

	return push_inode(&h->inodes, &h->n_inodes, max, dev, ino, hole);
}

int holes_add_ancestor(struct holes *h, uint64_t dev, uint64_t ino, uint32_t hole)
{
	/* Bounded by path depth times the number of holes. */
	return push_inode(&h->ancestors, &h->n_ancestors, SIZE_MAX, dev, ino, hole);
}

static int cmp_inode(const void *a, const void *b)
{
	const struct holes_inode *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

/* Sorts and drops duplicates (the first recorded hole wins). */
static void seal(struct holes_inode *a, size_t *n)
{
	size_t out = 0;

	if (*n == 0)
		return;
	qsort(a, *n, sizeof(*a), cmp_inode);
	for (size_t i = 1; i < *n; i++)
		if (cmp_inode(&a[out], &a[i]) != 0)
			a[++out] = a[i];
	*n = out + 1;
}

void holes_seal(struct holes *h)
{
	seal(h->inodes, &h->n_inodes);
	seal(h->ancestors, &h->n_ancestors);
}

static int find(const struct holes_inode *a, size_t n, uint64_t dev, uint64_t ino)
{
	struct holes_inode key = { dev, ino, 0 };
	const struct holes_inode *hit = n ? bsearch(&key, a, n, sizeof(*a), cmp_inode) : NULL;

	return hit ? (int)hit->hole : -1;
}

int holes_find_inode(const struct holes *h, uint64_t dev, uint64_t ino)
{
	return find(h->inodes, h->n_inodes, dev, ino);
}

int holes_find_ancestor(const struct holes *h, uint64_t dev, uint64_t ino)
{
	return find(h->ancestors, h->n_ancestors, dev, ino);
}

/* Whether a is b or a directory above b ("/" is above everything). */
static bool at_or_above(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (strcmp(a, "/") == 0)
		return b[0] == '/';
	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

int holes_find_path(const struct holes *h, const char *path)
{
	for (size_t i = 0; path && i < h->n; i++)
		if (at_or_above(h->v[i].path, path))
			return (int)i;
	return -1;
}

int holes_find_below(const struct holes *h, const char *path)
{
	for (size_t i = 0; path && i < h->n; i++)
		if (strcmp(h->v[i].path, path) != 0 && at_or_above(path, h->v[i].path))
			return (int)i;
	return -1;
}

int holes_decide(const struct holes *h, const struct holes_obj *o, enum holes_op op)
{
	int i = holes_find_inode(h, o->dev, o->ino);

	if (i < 0)
		i = holes_find_path(h, o->path);
	if (i < 0 && op == HOLES_MOVE) {
		i = holes_find_ancestor(h, o->dev, o->ino);
		if (i < 0)
			i = holes_find_below(h, o->path);
	}
	return i;
}

int holes_decide_name(const struct holes *h, const struct holes_obj *dir, const char *name)
{
	char full[PATH_MAX * 2];
	int i = holes_decide(h, dir, HOLES_REACH);
	int n;

	if (i >= 0 || !dir->path)
		return i;
	n = snprintf(full, sizeof(full), "%s/%s", strcmp(dir->path, "/") ? dir->path : "", name);
	/* Cannot be longer than any hole path: nothing to match. */
	if (n < 0 || (size_t)n >= sizeof(full))
		return -1;
	return holes_find_path(h, full);
}

/* ---- shells: building the set ------------------------------------------- */

/* Records every inode beneath the directory open at dfd (taken: closed). */
static int scan_dir(struct holes *h, int dfd, uint32_t hole, const char *path, unsigned depth,
		    struct diag *d)
{
	DIR *dir;
	struct dirent *e;
	int r = 0;

	if (depth > HOLES_MAX_DEPTH) {
		close(dfd);
		return diag_err(d, -ELOOP, "cannot deny '%s': directories nested deeper than %d "
				"beneath it", h->v[hole].path, HOLES_MAX_DEPTH);
	}
	dir = fdopendir(dfd);
	if (!dir) {
		r = -errno;
		close(dfd);
		return diag_err(d, r, "cannot deny '%s': cannot read '%s': %s", h->v[hole].path,
				path, strerror(-r));
	}
	while (r == 0 && (errno = 0, e = readdir(dir))) {
		char sub[PATH_MAX];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		/* d_ino is not the inode stat reports on mount points and
		 * overlayfs: stat it. */
		if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = diag_err(d, -errno, "cannot deny '%s': cannot stat '%s': %s",
				     h->v[hole].path, sub, strerror(errno));
			break;
		}
		r = holes_add_inode(h, st.st_dev, st.st_ino, hole);
		if (r == -E2BIG)
			r = diag_err(d, r, "cannot deny '%s': more than %zu files and directories "
				     "in deny holes", h->v[hole].path, h->max_inodes);
		if (r == 0 && S_ISDIR(st.st_mode)) {
			int sfd = openat(dirfd(dir), e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sfd < 0)
				r = diag_err(d, -errno, "cannot deny '%s': cannot read '%s': %s",
					     h->v[hole].path, sub, strerror(errno));
			else
				r = scan_dir(h, sfd, hole, sub, depth + 1, d);
		}
	}
	if (r == 0 && errno)
		r = diag_err(d, -errno, "cannot deny '%s': cannot read '%s': %s", h->v[hole].path,
			     path, strerror(errno));
	closedir(dir);
	return r;
}

/* Drops empty and "." components (and so a trailing '/'); keeps "..",
 * which only the kernel can resolve.  in is absolute; out has size bytes. */
static int lexical(const char *in, char *out, size_t size)
{
	size_t len = 0;

	for (const char *p = in; *p;) {
		const char *e;

		while (*p == '/')
			p++;
		e = strchrnul(p, '/');
		if (e == p || (e - p == 1 && p[0] == '.')) {
			p = e;
			continue;
		}
		if (len + 1 + (size_t)(e - p) + 1 > size)
			return -ENAMETOOLONG;
		out[len++] = '/';
		memcpy(out + len, p, (size_t)(e - p));
		len += (size_t)(e - p);
		p = e;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return 0;
}

/* Splits off trailing components until the rest resolves: canon is the
 * resolved existing prefix plus the missing components.  Returns 1 if path
 * exists, 0 if not, or -errno. */
static int canonical(const char *path, char *canon, size_t size, struct diag *d)
{
	char prefix[PATH_MAX], *slash, *real;
	const char *missing = NULL;

	if (snprintf(prefix, sizeof(prefix), "%s", path) >= (int)sizeof(prefix))
		return diag_err(d, -ENAMETOOLONG, "cannot deny '%s': %s", path,
				strerror(ENAMETOOLONG));
	for (;;) {
		real = realpath(prefix, NULL);
		if (real || errno != ENOENT)
			break;
		slash = strrchr(prefix, '/');
		if (!slash || slash == prefix)
			break;
		*slash = '\0';
		missing = path + (slash - prefix) + 1;
	}
	if (!real)
		return diag_err(d, -errno, "cannot deny '%s': %s", path, strerror(errno));
	snprintf(canon, size, "%s%s%s", strcmp(real, "/") ? real : "", missing ? "/" : "",
		 missing ? missing : "");
	free(real);
	if (!missing)
		return 1;
	/* The kernel resolves ".." after a symlink physically; a lexical
	 * guess could name the wrong place. */
	if (!holes_path_normal(canon))
		return diag_err(d, -EINVAL, "cannot deny '%s': '.' or '..' after a missing "
				"directory", path);
	return 0;
}

/* Records the directories above canon (which is normal). */
static int add_ancestors(struct holes *h, const char *canon, uint32_t hole, struct diag *d)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", canon);
	while ((slash = strrchr(dir, '/'))) {
		slash[slash == dir] = '\0'; /* keep "/" itself */
		if (stat(dir, &st) == 0) {
			if (holes_add_ancestor(h, st.st_dev, st.st_ino, hole) < 0)
				return diag_err(d, -ENOMEM, "cannot deny '%s': %s", canon,
						strerror(ENOMEM));
		}
		if (strcmp(dir, "/") == 0)
			break;
	}
	return 0;
}

static int add_existing(struct holes *h, const char *path, const char *canon, uint32_t hole,
			struct diag *d)
{
	struct stat st, lst;
	int r;

	/* A symlink named as the hole is denied itself, by inode. */
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) &&
	    holes_add_inode(h, lst.st_dev, lst.st_ino, hole) < 0)
		return diag_err(d, -E2BIG, "cannot deny '%s': too many files in deny holes", path);
	if (stat(canon, &st) < 0)
		return diag_err(d, -errno, "cannot deny '%s': %s", path, strerror(errno));
	r = holes_add_inode(h, st.st_dev, st.st_ino, hole);
	if (r < 0)
		return diag_err(d, r, "cannot deny '%s': too many files in deny holes", path);
	if (!S_ISDIR(st.st_mode))
		return 0;
	r = open(canon, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r < 0)
		return diag_err(d, -errno, "cannot deny '%s': cannot read it: %s", path,
				strerror(errno));
	return scan_dir(h, r, hole, canon, 0, d);
}

int holes_add(struct holes *h, const char *path, struct policy_origin o, size_t index,
	      struct diag *d)
{
	char clean[PATH_MAX], canon[PATH_MAX];
	int exists, idx, r;

	if (path[0] != '/')
		return diag_err(d, -EINVAL, "cannot deny '%s': not an absolute path", path);
	if (lexical(path, clean, sizeof(clean)) < 0)
		return diag_err(d, -ENAMETOOLONG, "cannot deny '%s': %s", path,
				strerror(ENAMETOOLONG));
	exists = canonical(clean, canon, sizeof(canon), d);
	if (exists < 0)
		return exists;
	if (strcmp(canon, "/") == 0)
		return diag_err(d, -EINVAL, "cannot deny '%s': it is the root directory", path);
	idx = holes_add_path(h, canon, exists, o, index);
	if (idx < 0)
		return diag_err(d, idx, "cannot deny '%s': %s", path, strerror(-idx));
	r = add_ancestors(h, canon, (uint32_t)idx, d);
	if (r == 0 && exists)
		r = add_existing(h, clean, canon, (uint32_t)idx, d);
	holes_seal(h);
	return r;
}

/* ---- shells: judging fds ------------------------------------------------ */

/* -errno for the checks below, which return -1 for "no hole": EPERM (-1)
 * must not read as that, so it is reported as EACCES. */
static int check_err(int e)
{
	return e == EPERM ? -EACCES : -e;
}

int holes_check_fd(const struct holes *h, int fd, enum holes_op op)
{
	char link[64], path[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return check_err(errno);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return check_err(errno);
	path[n] = '\0';
	return holes_decide(h, &(struct holes_obj){ st.st_dev, st.st_ino,
						    path[0] == '/' ? path : NULL }, op);
}

/* One line of /proc/PID/maps: "start-end perms offset MAJ:MIN inode path".
 * Returns the hole the mapped file belongs to, by inode or by path, or -1.
 * The path column is the kernel's name for the mapped file (d_path). */
static int check_map_line(const struct holes *h, char *line)
{
	unsigned maj, min;
	uint64_t ino;
	int at = 0, i;

	if (sscanf(line, "%*x-%*x %*s %*x %x:%x %" SCNu64 " %n", &maj, &min, &ino, &at) != 3 ||
	    ino == 0)
		return -1;
	i = holes_find_inode(h, makedev(maj, min), ino);
	if (i < 0 && at > 0 && line[at] == '/') {
		line[strcspn(line, "\n")] = '\0';
		i = holes_find_path(h, line + at);
	}
	return i;
}

int holes_check_image(const struct holes *h, pid_t pid)
{
	char path[64], line[PATH_MAX + 128];
	int fd, r;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	fd = sys_open(path, O_PATH);
	if (fd < 0)
		return check_err(-fd);
	r = holes_check_fd(h, fd, HOLES_REACH);
	close(fd);
	if (r != -1)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return check_err(errno);
	while (r == -1 && fgets(line, sizeof(line), f))
		r = check_map_line(h, line);
	if (r == -1 && ferror(f))
		r = -EIO;
	fclose(f);
	return r;
}
