/* Deny holes: paths inside the read and write grants that the sandbox must
 * not reach at all (`--deny PATH`, `[filesystem] deny`).  Landlock only
 * grants whole subtrees, so holes are enforced by the supervisor
 * (core/sup_fs.c), which performs every path operation for the sandbox and
 * judges the object the kernel actually reached, never the path string:
 * see schemas/holes.md for the security argument.
 *
 * A hole is identified two ways, because either alone has gaps:
 *   - by inode: (dev, ino) of the hole and, for a directory, of everything
 *     beneath it, recorded at start.  Catches pre-existing hardlinks, bind
 *     mounts, symlinks and every other name of the same inode.
 *   - by canonical path (symlinks resolved at start): the path the kernel
 *     reports for an opened object (/proc/self/fd/N) at or beneath it.
 *     Catches files created in a hole after start, and holes that did not
 *     exist at start.
 * The directories above each hole are recorded too (by inode and path): a
 * rename of one would move the hole.
 *
 * This header's decisions are pure (no syscalls, no globals); the build and
 * the fd checks at the end are the thin shells that do syscalls. */
#ifndef SANDLOCK_HOLES_H
#define SANDLOCK_HOLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "policy.h"

/* Beyond this many inodes in all directory holes together, holes_add fails:
 * the set is kept in memory and searched on every open. */
#define HOLES_MAX_INODES 100000
/* Directory nesting the scan follows before failing (one fd per level). */
#define HOLES_MAX_DEPTH 128

struct holes_inode {
	uint64_t dev, ino;
	uint32_t hole; /* index in holes.v */
};

struct hole {
	char *path;                  /* canonical, absolute; owned */
	struct policy_origin origin; /* borrowed from the policy */
	size_t index;                /* position in [filesystem] deny, for rule ids */
	bool exists;                 /* found at start; else matched by path only */
};

/* The hole set.  Owns every array and path string. */
struct holes {
	struct hole *v;
	size_t n;
	struct holes_inode *inodes;    /* sorted by (dev, ino); unique */
	size_t n_inodes;
	struct holes_inode *ancestors; /* directories above holes; sorted, unique */
	size_t n_ancestors;
	size_t max_inodes;             /* HOLES_MAX_INODES unless a test lowers it */
	/* Also supervise stat, lstat, newfstatat, statx, access, faccessat and
	 * faccessat2 so that they fail on holes (a supervisor round trip for
	 * every fstat of the sandbox: see schemas/holes.md). */
	bool hide_stat;
};

/* What an operation does to the object judged. */
enum holes_op {
	HOLES_REACH, /* open, read, write, stat, chmod...: the object itself */
	HOLES_MOVE,  /* rename, unlink, link source: also refused for a
		      * directory above a hole */
};

/* Facts about one object, as the kernel reported them. */
struct holes_obj {
	uint64_t dev, ino;
	const char *path; /* absolute kernel path (d_path), or NULL if it has none */
};

/* ---- pure --------------------------------------------------------------- */

/* An empty set (a zeroed struct is one too, with the default cap). */
void holes_init(struct holes *h);
void holes_release(struct holes *h);

/* Records a hole at the canonical path (copied).  Returns its index or
 * -ENOMEM / -EINVAL (path not absolute and normal: no "//", ".", ".."). */
int holes_add_path(struct holes *h, const char *path, bool exists, struct policy_origin o,
		   size_t index);
/* Records an inode of hole `hole` (in or of it), or of a directory above
 * it.  -E2BIG beyond max_inodes, -ENOMEM.  The set is sorted again by
 * holes_seal(), which must be called before any lookup. */
int holes_add_inode(struct holes *h, uint64_t dev, uint64_t ino, uint32_t hole);
int holes_add_ancestor(struct holes *h, uint64_t dev, uint64_t ino, uint32_t hole);
void holes_seal(struct holes *h);

/* Whether path is normal: absolute, no empty, "." or ".." component, no
 * trailing '/' (except "/" itself). */
bool holes_path_normal(const char *path);

/* The hole whose path is `path` or an ancestor of it, or -1.  path is a
 * kernel path: compared byte for byte. */
int holes_find_path(const struct holes *h, const char *path);
/* The hole strictly beneath path (path is a directory above it), or -1. */
int holes_find_below(const struct holes *h, const char *path);
/* The hole the inode belongs to, or -1. */
int holes_find_inode(const struct holes *h, uint64_t dev, uint64_t ino);
int holes_find_ancestor(const struct holes *h, uint64_t dev, uint64_t ino);

/* The decision: the hole that forbids op on o, or -1 when none does. */
int holes_decide(const struct holes *h, const struct holes_obj *o, enum holes_op op);
/* For creating (or removing, renaming onto) `name` in directory dir: the
 * hole that forbids it (dir is in a hole, or dir/name is a hole's path or
 * beneath one), or -1.  name is one component (no '/'). */
int holes_decide_name(const struct holes *h, const struct holes_obj *dir, const char *name);

/* ---- shells (syscalls) -------------------------------------------------- */

/* Adds the hole at path (absolute): resolves it to its canonical path,
 * records its inode, the inode of the symlink if path names one, every
 * inode beneath it (a directory; symlinks not followed, mount points
 * crossed), and the directories above it, then seals the set.  A path that
 * does not exist is a hole by path only (its existing ancestors resolved).
 * Returns 0 or -errno with d filled: more than max_inodes (-E2BIG), a
 * directory beneath it that cannot be read (-EACCES: the set would be
 * incomplete), too deep, or ".." after a missing component (-EINVAL). */
int holes_add(struct holes *h, const char *path, struct policy_origin o, size_t index,
	      struct diag *d);

/* Judges the object open at fd (any kind of fd, O_PATH included) for op:
 * the hole index, -1 for none, or -errno when it cannot be judged. */
int holes_check_fd(const struct holes *h, int fd, enum holes_op op);

/* For exec: judges the program image of pid, stopped after its exec and
 * before its first instruction: /proc/PID/exe and every file it maps (the
 * ELF interpreter included).  The hole index, -1 for none, or -errno when
 * it cannot be judged (deny then). */
int holes_check_image(const struct holes *h, pid_t pid);

#endif
