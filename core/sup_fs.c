/* Path syscalls when the policy has deny holes (holes.h, schemas/holes.md).
 *
 * Security argument.  A path string is only a request: between our look
 * and the kernel's, another thread can rewrite it and another process can
 * swap a symlink or rename a directory on the way.  So no path syscall is
 * continued because of its path (open and openat with O_PATH are let
 * through on their flags register: see o_path_open()).  Each is performed
 * for the caller by an opener thread
 * (opener.h), confined by the sandbox's own Landlock ruleset, with no
 * capabilities, starting from the caller's own objects (its cwd, its dirfd,
 * its fds: O_PATH descriptors sandlock opens through /proc/TID, which
 * nothing can swap afterwards), in two steps:
 *   1. resolve the path to an O_PATH descriptor (openat2 with
 *      RESOLVE_NO_MAGICLINKS: our /proc/self is not the caller's), and
 *      judge the object it holds: its inode and the path the kernel
 *      reports for it, against the holes;
 *   2. act on that descriptor only: reopen it through /proc/self/fd/N with
 *      the caller's flags (the kernel re-runs the DAC and Landlock checks of
 *      an open on the same file), or chmod/chown/stat/... it with
 *      AT_EMPTY_PATH or through /proc/self/fd/N.
 * What is opened is what was judged: symlinks, chained symlinks, symlinks
 * swapped while we work, hardlinks made before the start (same inode),
 * /proc/self/fd reopens and O_PATH upgrades (the reopened object is the
 * hole's inode) all end in a judged object.
 * Operations on names (create, unlink, rename, link) resolve the parent
 * directory to a descriptor, judge it and the name, and call the *at
 * syscall on that descriptor with a name that is one component: nothing is
 * resolved again except that last component, which such calls never
 * follow, and the sandbox cannot make it name a hole meanwhile, because
 * every operation that could move or link a hole's inode is refused.
 *
 * Every request follows STYLE.md 8: read the caller's memory once into our
 * buffers, check the request is still valid, open the caller's objects,
 * check again (the caller could have died and its tid been reused in
 * between), decide and act, answer.  Threads: the dispatcher reads the
 * request and opens the caller's objects (it does not block); an opener
 * thread performs the operation and answers (one wake-up of the caller);
 * the opener's unconfined helper copies results into the caller's memory
 * (ptrace access, which the sandbox's Landlock domain denies an opener
 * thread) and writes the event.  schemas/holes.md has the whole contract. */
#define _GNU_SOURCE
#include "sup_fs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "proctree.h"
#include "sys.h"
#include "banned.h"

/* Linux 6.6 and 6.13; glibc 2.36 does not name them.  The same numbers on
 * x86_64 and the asm-generic architectures. */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#define SYS_getxattrat 464
#define SYS_listxattrat 465
#define SYS_removexattrat 466
#endif
#define XATTR_VALUE_MAX 65536 /* XATTR_SIZE_MAX and XATTR_LIST_MAX */
#define XATTR_ARGS_SIZE 16    /* struct xattr_args, version 0 */
#define OPEN_HOW_MAX 4096     /* openat2 refuses larger structs with E2BIG */
/* Open flags the kernel knows (VALID_OPEN_FLAGS); openat2 refuses others. */
#define OPEN_VALID                                                                       \
	(O_RDONLY | O_WRONLY | O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
	 O_NONBLOCK | O_DSYNC | FASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | \
	 O_NOATIME | O_CLOEXEC | O_PATH | O_TMPFILE | O_SYNC)
#define OPEN_PATH_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
/* Whether open flags f create a file.  glibc's O_TMPFILE (and __O_TMPFILE)
 * include O_DIRECTORY: testing any of its bits would take every directory
 * open for a creation. */
#define OPEN_CREATES(f) (((f) & O_CREAT) || ((f) & O_TMPFILE) == O_TMPFILE)
#define RESOLVE_VALID                                                                    \
	(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | \
	 RESOLVE_IN_ROOT | RESOLVE_CACHED)
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* 6.9 */
#endif
#define AT_NOFOLLOW_EMPTY (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)

/* The supervised syscalls: E(name, op, dfd, path, dfd2, path2, flags,
 * fixed, valid, x0, x1, x2, x3, xat, stat). */
#define FS_LEGACY(E)                                                                        \
	E(open, FS_OPEN, -1, 0, -1, -1, 1, 0, 0, 2, -1, -1, -1, 0, 0)                       \
	E(creat, FS_OPEN, -1, 0, -1, -1, -1, O_CREAT | O_WRONLY | O_TRUNC, 0, 1, -1, -1, -1, \
	  0, 0)                                                                             \
	E(mkdir, FS_MKDIR, -1, 0, -1, -1, -1, 0, 0, 1, -1, -1, -1, 0, 0)                    \
	E(mknod, FS_MKNOD, -1, 0, -1, -1, -1, 0, 0, 1, 2, -1, -1, 0, 0)                     \
	E(symlink, FS_SYMLINK, -1, 1, -1, 0, -1, 0, 0, -1, -1, -1, -1, 0, 0)                \
	E(link, FS_LINK, -1, 0, -1, 1, -1, 0, 0, -1, -1, -1, -1, 0, 0)                      \
	E(rename, FS_RENAME, -1, 0, -1, 1, -1, 0, 0, -1, -1, -1, -1, 0, 0)                  \
	E(unlink, FS_UNLINK, -1, 0, -1, -1, -1, 0, 0, -1, -1, -1, -1, 0, 0)                 \
	E(rmdir, FS_UNLINK, -1, 0, -1, -1, -1, AT_REMOVEDIR, 0, -1, -1, -1, -1, 0, 0)       \
	E(chmod, FS_CHMOD, -1, 0, -1, -1, -1, 0, 0, 1, -1, -1, -1, 0, 0)                    \
	E(chown, FS_CHOWN, -1, 0, -1, -1, -1, 0, 0, 1, 2, -1, -1, 0, 0)                     \
	E(lchown, FS_CHOWN, -1, 0, -1, -1, -1, AT_SYMLINK_NOFOLLOW, 0, 1, 2, -1, -1, 0, 0)  \
	E(utime, FS_UTIME, -1, 0, -1, -1, -1, 0, 0, 1, -1, -1, -1, 0, 0)                    \
	E(utimes, FS_UTIMES, -1, 0, -1, -1, -1, 0, 0, 1, -1, -1, -1, 0, 0)                  \
	E(futimesat, FS_UTIMES, 0, 1, -1, -1, -1, 0, 0, 2, -1, -1, -1, 0, 0)                \
	E(readlink, FS_READLINK, -1, 0, -1, -1, -1, AT_SYMLINK_NOFOLLOW, 0, -1, 1, 2, -1, 0, \
	  0)                                                                                \
	E(stat, FS_STAT, -1, 0, -1, -1, -1, 0, 0, -1, 1, -1, -1, 0, 1)                      \
	E(lstat, FS_STAT, -1, 0, -1, -1, -1, AT_SYMLINK_NOFOLLOW, 0, -1, 1, -1, -1, 0, 1)   \
	E(access, FS_ACCESS, -1, 0, -1, -1, -1, 0, 0, 1, -1, -1, -1, 0, 1)

#define NE AT_NOFOLLOW_EMPTY
#define FS_COMMON(E)                                                                        \
	E(openat, FS_OPEN, 0, 1, -1, -1, 2, 0, 0, 3, -1, -1, -1, 0, 0)                      \
	E(openat2, FS_OPEN, 0, 1, -1, -1, -1, 0, 0, 2, 3, -1, -1, 0, 0)                     \
	E(mkdirat, FS_MKDIR, 0, 1, -1, -1, -1, 0, 0, 2, -1, -1, -1, 0, 0)                   \
	E(mknodat, FS_MKNOD, 0, 1, -1, -1, -1, 0, 0, 2, 3, -1, -1, 0, 0)                    \
	E(symlinkat, FS_SYMLINK, 1, 2, -1, 0, -1, 0, 0, -1, -1, -1, -1, 0, 0)               \
	E(linkat, FS_LINK, 0, 1, 2, 3, 4, 0, AT_SYMLINK_FOLLOW | AT_EMPTY_PATH, -1, -1, -1, \
	  -1, 0, 0)                                                                         \
	E(renameat, FS_RENAME, 0, 1, 2, 3, -1, 0, 0, -1, -1, -1, -1, 0, 0)                  \
	E(renameat2, FS_RENAME, 0, 1, 2, 3, 4, 0, 0, -1, -1, -1, -1, 0, 0)                  \
	E(unlinkat, FS_UNLINK, 0, 1, -1, -1, 2, 0, AT_REMOVEDIR, -1, -1, -1, -1, 0, 0)      \
	E(truncate, FS_TRUNCATE, -1, 0, -1, -1, -1, 0, 0, 1, -1, -1, -1, 0, 0)              \
	E(fchmodat, FS_CHMOD, 0, 1, -1, -1, -1, 0, 0, 2, -1, -1, -1, 0, 0)                  \
	E(fchmodat2, FS_CHMOD, 0, 1, -1, -1, 3, 0, NE, 2, -1, -1, -1, 0, 0)                 \
	E(fchownat, FS_CHOWN, 0, 1, -1, -1, 4, 0, NE, 2, 3, -1, -1, 0, 0)                   \
	E(utimensat, FS_UTIMENS, 0, 1, -1, -1, 3, 0, NE, 2, -1, -1, -1, 0, 0)               \
	E(setxattr, FS_SETXATTR, -1, 0, -1, -1, -1, 0, 0, 1, 2, 3, 4, 0, 0)                 \
	E(lsetxattr, FS_SETXATTR, -1, 0, -1, -1, -1, AT_SYMLINK_NOFOLLOW, 0, 1, 2, 3, 4, 0, \
	  0)                                                                                \
	E(getxattr, FS_GETXATTR, -1, 0, -1, -1, -1, 0, 0, 1, 2, 3, -1, 0, 0)                \
	E(lgetxattr, FS_GETXATTR, -1, 0, -1, -1, -1, AT_SYMLINK_NOFOLLOW, 0, 1, 2, 3, -1, 0, \
	  0)                                                                                \
	E(listxattr, FS_LISTXATTR, -1, 0, -1, -1, -1, 0, 0, -1, 1, 2, -1, 0, 0)             \
	E(llistxattr, FS_LISTXATTR, -1, 0, -1, -1, -1, AT_SYMLINK_NOFOLLOW, 0, -1, 1, 2, -1, \
	  0, 0)                                                                             \
	E(removexattr, FS_REMOVEXATTR, -1, 0, -1, -1, -1, 0, 0, 1, -1, -1, -1, 0, 0)        \
	E(lremovexattr, FS_REMOVEXATTR, -1, 0, -1, -1, -1, AT_SYMLINK_NOFOLLOW, 0, 1, -1,   \
	  -1, -1, 0, 0)                                                                     \
	E(setxattrat, FS_SETXATTR, 0, 1, -1, -1, 2, 0, NE, 3, 4, 5, -1, 1, 0)               \
	E(getxattrat, FS_GETXATTR, 0, 1, -1, -1, 2, 0, NE, 3, 4, 5, -1, 1, 0)               \
	E(listxattrat, FS_LISTXATTR, 0, 1, -1, -1, 2, 0, NE, -1, 3, 4, -1, 0, 0)            \
	E(removexattrat, FS_REMOVEXATTR, 0, 1, -1, -1, 2, 0, NE, 3, -1, -1, -1, 0, 0)       \
	E(readlinkat, FS_READLINK, 0, 1, -1, -1, -1, AT_SYMLINK_NOFOLLOW, 0, -1, 2, 3, -1,  \
	  0, 0)                                                                             \
	E(inotify_add_watch, FS_INOTIFY, -1, 1, -1, -1, -1, 0, 0, 0, 2, -1, -1, 0, 0)       \
	E(newfstatat, FS_STAT, 0, 1, -1, -1, 3, 0, NE | AT_NO_AUTOMOUNT, -1, 2, -1, -1, 0,  \
	  1)                                                                                \
	E(statx, FS_STATX, 0, 1, -1, -1, 2, 0, NE | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE, 3, \
	  4, -1, -1, 0, 1)                                                                  \
	E(faccessat, FS_ACCESS, 0, 1, -1, -1, -1, 0, 0, 2, -1, -1, -1, 0, 1)                \
	E(faccessat2, FS_ACCESS, 0, 1, -1, -1, 3, 0, NE | AT_EACCESS, 2, -1, -1, -1, 0, 1)   \
	E(fstat, FS_STAT, 0, -1, -1, -1, -1, AT_EMPTY_PATH, 0, -1, 1, -1, -1, 0, 1)

#define FS_SYS(n, op, d, p, d2, p2, f, fx, v, x0, x1, x2, x3, xat, st) \
	{ SYS_##n, #n, op, d, p, d2, p2, f, fx, v, { x0, x1, x2, x3 }, xat, st },
static const struct fs_sys fs_sys[] = {
#ifdef SYS_open
	FS_LEGACY(FS_SYS)
#endif
	FS_COMMON(FS_SYS)
};

const struct fs_sys *sup_fs_sys_of(int nr)
{
	for (size_t i = 0; i < sizeof(fs_sys) / sizeof(fs_sys[0]); i++)
		if (fs_sys[i].nr == nr)
			return &fs_sys[i];
	return NULL;
}

/* ---- on the dispatcher: reading the request ----------------------------- */

static int read_mem(const struct sup_call *c, uint64_t addr, void *buf, size_t len)
{
	return notif_read((pid_t)c->req.pid, addr, buf, len);
}

static int read_str(const struct sup_call *c, int idx, char *buf, size_t size)
{
	ssize_t n = notif_read_str((pid_t)c->req.pid, c->req.data.args[idx], buf, size);

	return n < 0 ? (int)n : 0;
}

/* openat2's struct open_how, checked as the kernel checks it. */
static int read_how(const struct sup_call *c, struct fs_job *j)
{
	uint64_t size = j->x[1];
	unsigned char how[OPEN_HOW_MAX];
	struct open_how h;
	int r;

	if (size < sizeof(h))
		return -EINVAL;
	if (size > sizeof(how))
		return -E2BIG;
	r = read_mem(c, j->x[0], how, size);
	for (size_t i = sizeof(h); r == 0 && i < size; i++)
		if (how[i])
			return -E2BIG;
	if (r < 0)
		return r;
	memcpy(&h, how, sizeof(h));
	if ((h.flags & ~(uint64_t)OPEN_VALID) || (h.resolve & ~(uint64_t)RESOLVE_VALID) ||
	    (h.mode & ~07777ULL) || (h.mode && !OPEN_CREATES(h.flags)) ||
	    ((h.flags & O_PATH) && (h.flags & ~(uint64_t)OPEN_PATH_FLAGS)) ||
	    (h.resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) == (RESOLVE_BENEATH | RESOLVE_IN_ROOT))
		return -EINVAL;
	/* The deny list refuses set-id modes to open, creat and mknod from
	 * their registers; openat2's is in memory, which BPF cannot read. */
	if (h.mode & (S_ISUID | S_ISGID))
		return -EPERM;
	j->flags = (int)h.flags;
	j->x[0] = h.mode;
	j->resolve = h.resolve;
	return 0;
}

/* open, openat, creat: unknown flags are ignored, O_PATH drops the others,
 * O_LARGEFILE is implied, the mode only counts when creating. */
static void legacy_open(struct fs_job *j)
{
	j->flags &= OPEN_VALID;
	if (j->flags & O_PATH)
		j->flags &= OPEN_PATH_FLAGS;
	else
		j->flags |= O_LARGEFILE;
	j->x[0] = OPEN_CREATES(j->flags) ? (j->x[0] & 07777) : 0;
}

/* utime, utimes, futimesat, utimensat: the times, as timespecs. */
static int read_times(const struct sup_call *c, struct fs_job *j)
{
	struct timeval tv[2];
	time_t t[2];
	int r;

	j->ts_null = j->x[0] == 0;
	if (j->ts_null)
		return 0;
	if (j->sys->op == FS_UTIMENS)
		return read_mem(c, j->x[0], j->ts, sizeof(j->ts));
	if (j->sys->op == FS_UTIME) {
		r = read_mem(c, j->x[0], t, sizeof(t)); /* struct utimbuf */
		j->ts[0] = (struct timespec){ t[0], 0 };
		j->ts[1] = (struct timespec){ t[1], 0 };
		return r;
	}
	r = read_mem(c, j->x[0], tv, sizeof(tv));
	for (int i = 0; r == 0 && i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		j->ts[i] = (struct timespec){ tv[i].tv_sec, tv[i].tv_usec * 1000 };
	}
	return r;
}

/* An xattr's name, and the value to set or the room to get. */
static int read_xattr(const struct sup_call *c, struct fs_job *j)
{
	uint64_t value = j->x[1], size = j->x[2];
	int r = 0;

	if (j->sys->x[0] >= 0) {
		r = read_str(c, j->sys->x[0], j->name, sizeof(j->name));
		if (r == -ENAMETOOLONG || (r == 0 && !j->name[0]))
			return -ERANGE;
	}
	if (r == 0 && j->sys->xat) { /* struct xattr_args { value, size, flags } */
		uint64_t args[2] = { 0, 0 };

		if (j->x[2] < XATTR_ARGS_SIZE)
			return -EINVAL;
		r = read_mem(c, j->x[1], args, sizeof(args));
		value = args[0];
		size = (uint32_t)args[1];
		j->x[3] = args[1] >> 32;
		j->x[1] = value;
	}
	if (r < 0 || j->sys->op == FS_REMOVEXATTR)
		return r;
	if (j->sys->op == FS_SETXATTR && size > XATTR_VALUE_MAX)
		return -E2BIG;
	j->buf_len = size > XATTR_VALUE_MAX ? XATTR_VALUE_MAX : size;
	j->buf = malloc(j->buf_len + 1);
	if (!j->buf)
		return -ENOMEM;
	return j->sys->op == FS_SETXATTR ? read_mem(c, value, j->buf, j->buf_len) : 0;
}

/* What each op reads beyond its paths. */
static int decode_op(const struct sup_call *c, struct fs_job *j)
{
	switch (j->sys->op) {
	case FS_OPEN:
		if (j->sys->nr == SYS_openat2)
			return read_how(c, j);
		legacy_open(j);
		return 0;
	case FS_UTIME:
	case FS_UTIMES:
	case FS_UTIMENS: return read_times(c, j);
	case FS_SETXATTR:
	case FS_GETXATTR:
	case FS_LISTXATTR:
	case FS_REMOVEXATTR: return read_xattr(c, j);
	case FS_READLINK:
		if ((int)j->x[2] <= 0)
			return -EINVAL;
		j->buf_len = j->x[2] > PATH_MAX ? PATH_MAX : j->x[2];
		break;
	case FS_STAT: j->buf_len = sizeof(struct stat); break;
	case FS_STATX:
		if ((j->flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
			return -EINVAL;
		j->buf_len = sizeof(struct statx);
		break;
	default: return 0;
	}
	j->buf = calloc(1, j->buf_len);
	return j->buf ? 0 : -ENOMEM;
}

/* Reads everything the request says, from the caller's memory. */
static int decode(const struct sup_call *c, struct fs_job *j)
{
	const struct fs_sys *s = j->sys;
	const __u64 *a = c->req.data.args;
	int r = 0;

	j->flags = s->flags >= 0 ? (int)a[s->flags] : s->fixed;
	if (s->valid && (j->flags & ~s->valid))
		return -EINVAL;
	for (int i = 0; i < 4; i++)
		j->x[i] = s->x[i] >= 0 ? a[s->x[i]] : 0;
	/* fstat(fd) and utimensat(fd, NULL, ...) act on fd itself. */
	if (s->path < 0 || (s->op == FS_UTIMENS && a[s->path] == 0 && (int)a[s->dfd] != AT_FDCWD))
		j->flags |= AT_EMPTY_PATH;
	else
		r = read_str(c, s->path, j->a[0].path, sizeof(j->a[0].path));
	if (r == 0 && s->path2 >= 0)
		r = read_str(c, s->path2, j->a[1].path, sizeof(j->a[1].path));
	return r < 0 ? r : decode_op(c, j);
}

/* ---- on the dispatcher: the caller's objects; answers ----------------- */

static bool pending(void *ctx)
{
	const struct sup_call *c = ctx;

	return notif_id_valid(c->sup->listener, c->req.id) == 0;
}

/* How a's path is resolved: see opener_path_setup(). */
static unsigned path_flags(const struct fs_job *j)
{
	const unsigned magic_off = RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
				   RESOLVE_NO_SYMLINKS;
	unsigned f = 0;

	switch (j->sys->op) {
	case FS_OPEN:
		if ((j->flags & O_NOFOLLOW) || (j->flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
			f |= OPENER_NOFOLLOW;
		return f | ((j->resolve & magic_off) ? OPENER_NO_MAGIC : 0);
	case FS_MKDIR:
	case FS_MKNOD:
	case FS_SYMLINK:
	case FS_UNLINK:
	case FS_RENAME: return OPENER_NOFOLLOW;
	case FS_INOTIFY: return (j->x[1] & IN_DONT_FOLLOW) ? OPENER_NOFOLLOW : 0;
	case FS_LINK: f = (j->flags & AT_SYMLINK_FOLLOW) ? 0 : OPENER_NOFOLLOW; break;
	default: f = (j->flags & AT_SYMLINK_NOFOLLOW) ? OPENER_NOFOLLOW : 0; break;
	}
	return f | ((j->flags & AT_EMPTY_PATH) ? OPENER_EMPTY_OK : 0);
}

static bool creates(const struct fs_job *j)
{
	return j->sys->op == FS_MKDIR || j->sys->op == FS_MKNOD ||
	       (j->sys->op == FS_OPEN && OPEN_CREATES(j->flags));
}

/* inotify_add_watch: the caller's instance itself (not an O_PATH view). */
static int caller_fd(pid_t tid, int fd, int *out)
{
	int pfd = sys_pidfd_open(tid, PIDFD_THREAD);

	if (pfd == -EINVAL) /* before 6.9; a leader's table is its threads' */
		pfd = sys_pidfd_open(tid, 0);
	if (pfd < 0)
		return pfd;
	*out = sys_pidfd_getfd(pfd, fd, 0);
	close(pfd);
	return *out < 0 ? *out : 0;
}

/* Opens what the request starts from, once its memory is read and before
 * the opener runs.  Returns 0, 1 when already done (j->ret), -errno for the
 * caller, or -errno with *why for a request that could not be judged. */
static int prepare(struct sup_call *c, struct fs_job *j, const char **why)
{
	const struct fs_sys *s = j->sys;
	const __u64 *a = c->req.data.args;
	int r = decode(c, j);
	ssize_t n;

	if (r < 0)
		return r;
	/* Everything below reads /proc/TID: the caller must be alive
	 * before (and after: the tid could be reused in between). */
	if (!pending(c))
		return -ENOENT;
	if (s->op == FS_READLINK && opener_readlink_magic(j->tid, j->a[0].path, j->buf,
							  j->buf_len, &n)) {
		j->ret = n;
		j->out_len = n > 0 ? (size_t)n : 0;
		return pending(c) ? 1 : -ENOENT;
	}
	r = opener_path_setup(&j->a[0], j->tid, s->dfd >= 0 ? (int)a[s->dfd] : AT_FDCWD,
			      path_flags(j));
	if (r == 0 && (s->op == FS_LINK || s->op == FS_RENAME))
		r = opener_path_setup(&j->a[1], j->tid, s->dfd2 >= 0 ? (int)a[s->dfd2] : AT_FDCWD,
				      OPENER_NOFOLLOW);
	if (r < 0 && r != -EBADF && r != -ENOENT && r != -ENAMETOOLONG && r != -ENOTDIR)
		*why = "cannot open the caller's working directory or file descriptor";
	if (r == 0 && creates(j) && opener_umask(j->tid, &j->umask) < 0) {
		r = -EPERM;
		*why = "cannot read the caller's umask";
	}
	if (r == 0 && s->op == FS_INOTIFY)
		r = caller_fd(j->tid, (int)j->x[0], &j->ifd);
	/* Only when something was read through /proc/TID. */
	if (r == 0 && (j->a[0].base >= 0 || j->a[1].base >= 0 || creates(j) || j->ifd >= 0) &&
	    !pending(c))
		r = -ENOENT;
	return r;
}

/* Copies j->out_len bytes of j->buf to the caller.  The request is still
 * pending: the caller is blocked in the syscall and cannot free its
 * buffer; another thread could unmap it, which fails the write (EFAULT),
 * as it would have failed the kernel's. */
static int copy_out(const struct sup_call *c, const struct fs_job *j)
{
	struct iovec local = { j->buf, j->out_len };
	struct iovec remote = { (void *)(uintptr_t)j->x[1], j->out_len };
	ssize_t n = process_vm_writev((pid_t)c->req.pid, &local, 1, &remote, 1, 0);

	return n == (ssize_t)j->out_len ? 0 : -EFAULT;
}

/* The event's access bits (event.h): learn mode records them. */
static unsigned access_of(const struct fs_job *j)
{
	unsigned acc;

	switch (j->sys->op) {
	case FS_OPEN:
		acc = (j->flags & O_ACCMODE) == O_RDONLY ? EVENT_ACC_READ
		      : (j->flags & O_ACCMODE) == O_WRONLY ? EVENT_ACC_WRITE
							    : EVENT_ACC_READ | EVENT_ACC_WRITE;
		if (OPEN_CREATES(j->flags))
			acc |= EVENT_ACC_WRITE | EVENT_ACC_CREATE;
		if (j->flags & O_TRUNC)
			acc |= EVENT_ACC_WRITE | EVENT_ACC_TRUNC;
		if (j->flags & O_DIRECTORY)
			acc |= EVENT_ACC_DIR;
		return acc;
	case FS_GETXATTR:
	case FS_LISTXATTR:
	case FS_INOTIFY: return EVENT_ACC_READ;
	case FS_READLINK:
	case FS_STAT:
	case FS_STATX:
	case FS_ACCESS: return 0; /* lookups: no right reads them */
	case FS_EXEC: return EVENT_ACC_READ | EVENT_ACC_EXEC;
	case FS_MKDIR: return EVENT_ACC_WRITE | EVENT_ACC_CREATE | EVENT_ACC_DIR;
	case FS_MKNOD:
	case FS_SYMLINK:
	case FS_LINK: return EVENT_ACC_WRITE | EVENT_ACC_CREATE;
	case FS_RENAME:
	case FS_UNLINK: return EVENT_ACC_WRITE | EVENT_ACC_REMOVE;
	case FS_TRUNCATE: return EVENT_ACC_WRITE | EVENT_ACC_TRUNC;
	default: return EVENT_ACC_WRITE | EVENT_ACC_META;
	}
}

/* The event's path: the judged object's kernel name, else the caller's
 * path made absolute from the object it started at. */
static const char *event_path(const struct fs_job *j, char *buf, size_t size)
{
	char what[32];
	ssize_t n;

	if (j->v.path[0] == '/')
		return j->v.path;
	if (j->a[0].path[0] == '/' || j->a[0].base < 0)
		return j->a[0].path;
	snprintf(what, sizeof(what), "fd/%d", j->a[0].base);
	n = proctree_readlink(0, what, buf, size);
	if (n < 0)
		return j->a[0].path;
	snprintf(buf + n, size - (size_t)n, "%s%s", n == 1 ? "" : "/", j->a[0].rest);
	return buf;
}

static void emit(struct sup_call *c, const struct fs_job *j, int err)
{
	char buf[PATH_MAX * 2];
	const char *path = event_path(j, buf, sizeof(buf));
	struct event e = { .kind = EVENT_PATH, .verdict = EVENT_ALLOW, .err = err,
			   .path = { .path = path, .access = access_of(j) } };
	char rule[48];

	if (j->v.hole >= 0) {
		const struct hole *h = &j->fs->holes->v[j->v.hole];

		snprintf(rule, sizeof(rule), "filesystem.deny[%zu]", h->index);
		e.verdict = EVENT_DENY;
		e.rule = rule;
		e.origin = h->origin;
		e.detail = "inside a deny hole";
	} else if (j->v.why) {
		e.verdict = EVENT_DENY;
		e.rule = "supervisor";
		e.detail = j->v.why;
	}
	sup_emit(c, &e);
}

/* Answers the caller.  Only an unconfined thread may copy data out:
 * process_vm_writev() is a ptrace access, which the sandbox's Landlock
 * domain forbids an opener thread. */
static void reply(struct fs_job *j)
{
	struct sup_call *c = &j->call;

	if (j->ret >= 0 && j->out_len && copy_out(c, j) < 0)
		j->ret = -EFAULT;
	if (j->ret >= 0 && j->sys->op == FS_OPEN)
		sup_return_fd(c, j->fd, (j->flags & O_CLOEXEC) ? O_CLOEXEC : 0);
	else if (j->ret >= 0)
		sup_return(c, j->ret);
	else
		sup_deny(c, (int)-j->ret);
	j->answered = true;
}

static struct fs_job *job_new(const struct sup_fs *fs, const struct fs_sys *s,
			      const struct sup_call *c)
{
	struct fs_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	*j = (struct fs_job){ .fs = fs, .sys = s, .call = *c, .tid = (pid_t)c->req.pid, .fd = -1,
			      .ifd = -1, .v = { .hole = -1 } };
	j->a[0].base = j->a[1].base = AT_FDCWD;
	return j;
}

static void job_free(struct fs_job *j)
{
	opener_path_release(&j->a[0]);
	opener_path_release(&j->a[1]);
	if (j->fd >= 0)
		close(j->fd);
	if (j->ifd >= 0)
		close(j->ifd);
	free(j->buf);
	free(j);
}

/* A response buffer for each opener and helper thread, freed when the
 * thread exits (opener_stop). */
static pthread_key_t buf_key;
static pthread_once_t buf_once = PTHREAD_ONCE_INIT;

static void buf_free(void *p)
{
	notif_buf_free(p);
	free(p);
}

static void buf_key_init(void)
{
	pthread_key_create(&buf_key, buf_free);
}

static struct notif_buf *thread_buf(void)
{
	struct notif_buf *b;

	pthread_once(&buf_once, buf_key_init);
	b = pthread_getspecific(buf_key);
	if (!b && (b = calloc(1, sizeof(*b)))) {
		if (notif_buf_alloc(b) < 0 || pthread_setspecific(buf_key, b) != 0) {
			buf_free(b);
			b = NULL;
		}
	}
	return b;
}

static int run_sync(void *arg)
{
	sup_fs_run(arg);
	return 0;
}

static bool job_pending(void *arg)
{
	return pending(&((struct fs_job *)arg)->call);
}

/* In an opener thread: the operation, and the answer when it copies
 * nothing out (the common case: one thread wakes the caller). */
static void run_async(void *arg)
{
	struct fs_job *j = arg;

	sup_fs_run(j);
	j->call.buf = thread_buf();
	if (!j->out_len && j->call.buf)
		reply(j);
}

/* In the opener's helper (unconfined): the rest, and the event. */
static void finish_async(void *arg)
{
	struct fs_job *j = arg;

	j->call.buf = thread_buf();
	if (!j->answered && j->call.buf)
		reply(j);
	if (sup_wants_events(&j->call))
		emit(&j->call, j, j->ret < 0 ? (int)-j->ret : 0);
	job_free(j);
}

/* open and openat with O_PATH are the one path syscall let through, on
 * the flags register alone (registers cannot change after the trap; the
 * path is never read).  The kernel cannot install an O_PATH file for the
 * caller (ADDFD refuses them), and an O_PATH descriptor, whatever it
 * names, reads and writes nothing: every use that reaches content goes
 * through a syscall judged here (openat on it as a dirfd, a reopen through
 * /proc/self/fd, linkat and the *at calls with AT_EMPTY_PATH) or through
 * exec, whose image the exec handler checks.  What it still gives is
 * fstat(2) and fstatfs(2) metadata, and fchdir(2): schemas/holes.md. */
static bool o_path_open(const struct sup_call *c, const struct fs_sys *s)
{
	return s->op == FS_OPEN && s->flags >= 0 && (c->req.data.args[s->flags] & O_PATH);
}

void sup_fs_judge(struct sup_call *c, const struct sup_fs *fs)
{
	const struct fs_sys *s = sup_fs_sys_of(c->req.data.nr);
	const char *why = NULL;
	struct fs_job *j;
	int r;

	if (s && o_path_open(c, s)) {
		sup_continue(c);
		return;
	}
	j = s ? job_new(fs, s, c) : NULL;
	if (!j) {
		sup_fail(c, s ? ENOMEM : ENOSYS, s ? "out of memory" : "not a path syscall");
		return;
	}
	r = prepare(c, j, &why);
	if (r == 0)
		r = opener_submit(fs->opener, run_async, job_pending, finish_async, j);
	if (r == 0) {
		sup_defer(c); /* the opener thread answers, exactly once */
		return;
	}
	if (r == -EAGAIN && !why)
		why = "supervisor busy: no confined thread free";
	if (r < 0 && why) {
		sup_fail(c, -r, why);
	} else {
		if (r < 0)
			j->ret = r;
		reply(j);
		if (sup_wants_events(c))
			emit(c, j, j->ret < 0 ? (int)-j->ret : 0);
	}
	job_free(j);
}

int sup_fs_exec_check(struct sup_call *c, const struct sup_fs *fs)
{
	static const struct fs_sys execve_sys = { SYS_execve, "execve", FS_EXEC, -1, 0, -1, -1,
						  -1, 0, 0, { -1, -1, -1, -1 }, 0, 0 };
	static const struct fs_sys execveat_sys = { SYS_execveat, "execveat", FS_EXEC, 0, 1, -1,
						    -1, 4, 0, AT_NOFOLLOW_EMPTY,
						    { -1, -1, -1, -1 }, 0, 0 };
	bool at = c->req.data.nr == SYS_execveat;
	struct fs_job *j = job_new(fs, at ? &execveat_sys : &execve_sys, c);
	const char *why = NULL;
	int r = j ? prepare(c, j, &why) : -ENOMEM;

	if (r == 0)
		r = opener_call(fs->opener, run_sync, j, pending, c);
	if (r == 0 && (j->v.hole >= 0 || j->v.why)) {
		/* Only a hole answers here: any other outcome is the kernel's
		 * to give, when it runs the exec. */
		sup_deny(c, EACCES);
		if (sup_wants_events(c))
			emit(c, j, EACCES);
		r = -EACCES;
	} else {
		r = 0;
	}
	if (j)
		job_free(j);
	return r;
}

int sup_fs_syscalls(const struct holes *h, int *nrs, size_t room)
{
	size_t n = 0;

	if (h->n == 0)
		return 0;
	for (size_t i = 0; i < sizeof(fs_sys) / sizeof(fs_sys[0]); i++) {
		if (fs_sys[i].stat && !h->hide_stat)
			continue;
		if (n == room)
			return -ENOSPC;
		nrs[n++] = fs_sys[i].nr;
	}
	return (int)n;
}

/* The supervisor's path state, set up by sup_start when the policy has
 * deny holes; without it every supervised path syscall is refused. */
static const struct sup_fs *fs_of(const struct supervisor *s)
{
	return s->fs.opener ? &s->fs : NULL;
}

size_t sup_fs_policy_syscalls(const struct policy *p, int *nrs, size_t room)
{
	struct holes h = { .n = p->n_deny, .hide_stat = p->hide_stat };
	int n = sup_fs_syscalls(&h, nrs, room);

	/* room is NOTIF_MAX_SYSCALLS less the other modules' few: enough. */
	return n > 0 ? (size_t)n : 0;
}

static void on_path(struct sup_call *c)
{
	const struct sup_fs *fs = fs_of(c->sup);

	if (sup_fs_sys_of(c->req.data.nr) && sup_fs_sys_of(c->req.data.nr)->op == FS_OPEN &&
	    sup_hosts_try(c))
		return;
	if (fs)
		sup_fs_judge(c, fs);
	else
		sup_fail(c, EPERM, "path supervision is not set up");
}

/* On the dispatcher: reading the request and opening the caller's objects
 * do not block; the operation, which may, runs on an opener thread. */
#define FS_HANDLER(n, ...) { SYS_##n, #n, on_path, false },
const struct sup_handler sup_fs_handlers[] = {
#ifdef SYS_open
	FS_LEGACY(FS_HANDLER)
#endif
	FS_COMMON(FS_HANDLER)
};
const size_t sup_fs_handlers_len = sizeof(sup_fs_handlers) / sizeof(sup_fs_handlers[0]);
