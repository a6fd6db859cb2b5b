/* Killing a whole sandboxed process tree without cgroups.
 *
 * sandlock makes itself a child subreaper, so a descendant that double-forks
 * or calls setsid() is reparented to us instead of init: every process the
 * sandbox starts stays our descendant, and walking /proc finds them all. */
#ifndef SANDLOCK_PROCTREE_H
#define SANDLOCK_PROCTREE_H

#include <sys/types.h>

/* One pass: scans /proc and sends SIGKILL to every descendant of `root`
 * (the caller) it finds, parents first, each through a pidfd after checking
 * it is still a descendant (a pid may be reused between the scan and the
 * kill).  A process forked during the scan, or one that could not be proven
 * ours this pass, is left for the next: the caller repeats until it has no
 * child left, which as a subreaper means no descendant left.  Returns the
 * number of processes signalled, or -errno (/proc unreadable, an entry
 * unreadable, ENOMEM, EMFILE...) after killing what it could; an error
 * never means "none left". */
int proctree_kill(pid_t root);

/* The live (not zombie) descendants of root, from one scan of /proc: a
 * snapshot, so a pid may be gone (or, for a caller that signals it, reused:
 * see proctree_kill) by the time it is used.  Returns the count with *out
 * owned (free()), or -errno; never "none" for a scan that failed. */
ssize_t proctree_list(pid_t root, pid_t **out);

/* What sandlock reads of /proc/PID/stat. */
struct proctree_stat {
	pid_t ppid;
	char state;       /* 'R', 'S', 'Z'... */
	unsigned threads; /* num_threads */
};

/* Reads /proc/PID/stat through procfd (an open "/proc").  Returns 0, -ESRCH
 * when the process is gone or unreadable, -EINVAL for text we cannot parse,
 * or another -errno. */
int proctree_read_stat(int procfd, pid_t pid, struct proctree_stat *st);

/* Parses the ppid out of the text of /proc/PID/stat (pure; the comm field
 * may contain spaces and parentheses).  Returns 0 or -EINVAL. */
int proctree_parse_stat(const char *buf, pid_t *ppid);

/* Reads the link /proc/PID/what (pid 0: /proc/self; what e.g. "cwd",
 * "fd/3", "exe") into buf, NUL-terminated (cut to size - 1 bytes).
 * Returns its length or -errno. */
ssize_t proctree_readlink(pid_t pid, const char *what, char *buf, size_t size);

#endif
