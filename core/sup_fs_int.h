/* Internal to the path handlers: sup_fs.c reads a request and answers it,
 * sup_fs_ops.c performs it in an opener thread.  Not installed. */
#ifndef SANDLOCK_SUP_FS_INT_H
#define SANDLOCK_SUP_FS_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "holes.h"
#include "opener.h"
#include "sup.h"

#define XATTR_NAME_LEN 256 /* XATTR_NAME_MAX + 1 */

enum fs_op {
	FS_OPEN, FS_MKDIR, FS_MKNOD, FS_SYMLINK, FS_LINK, FS_RENAME, FS_UNLINK,
	FS_TRUNCATE, FS_CHMOD, FS_CHOWN, FS_UTIME, FS_UTIMES, FS_UTIMENS,
	FS_SETXATTR, FS_GETXATTR, FS_LISTXATTR, FS_REMOVEXATTR,
	FS_READLINK, FS_STAT, FS_STATX, FS_ACCESS, FS_INOTIFY, FS_EXEC,
};

/* Where one syscall keeps its arguments (indexes into args[], -1: none). */
struct fs_sys {
	int nr;
	const char *name;
	enum fs_op op;
	int8_t dfd, path;   /* the path and the directory fd it is relative to */
	int8_t dfd2, path2; /* link, rename: the new name; symlink: the target */
	int8_t flags;       /* AT_* flags (open flags for open, RENAME_* for rename) */
	int fixed;          /* flags the syscall implies (lstat: AT_SYMLINK_NOFOLLOW) */
	int valid;          /* AT_* flags it takes; others are EINVAL (0: not checked) */
	int8_t x[4];        /* the op's own arguments (see decode_op) */
	bool xat;           /* *xattrat: value and size are in a struct xattr_args */
	bool stat;          /* metadata only: supervised with hide_stat */
};

/* One request, shared between the dispatcher that reads it and the opener
 * thread that performs it. */
struct fs_job {
	const struct sup_fs *fs;
	const struct fs_sys *sys;
	struct sup_call call; /* a copy: answered from another thread */
	bool answered;
	pid_t tid;
	struct opener_path a[2]; /* a[1]: symlink's target is only a string */
	int flags;         /* open flags, or AT_*, RENAME_* flags */
	uint64_t resolve;  /* openat2 */
	uint64_t x[4];     /* the op's register arguments, as decode_op took them */
	mode_t umask;      /* the caller's, for ops that create */
	int ifd;           /* inotify: our dup of the caller's instance */
	struct timespec ts[2];
	bool ts_null;      /* set times to now */
	char name[XATTR_NAME_LEN];
	char *buf;         /* in: xattr value, symlink target; out: what the caller gets */
	size_t buf_len;
	/* results */
	int64_t ret;       /* for the caller, or -errno */
	int fd;            /* FS_OPEN: the file to install, -1 */
	size_t out_len;    /* bytes of buf to copy to the caller */
	struct opener_verdict v; /* why denied, and the object's path for the event */
};

/* The table entry of path syscall nr, or NULL. */
const struct fs_sys *sup_fs_sys_of(int nr);

/* Performs j in the calling opener thread: resolves, judges (j->v says
 * why a denial) and acts; sets j->ret, and j->fd or j->out_len. */
void sup_fs_run(struct fs_job *j);

#endif
