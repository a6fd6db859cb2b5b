/* Killing a whole sandboxed process tree without cgroups.
 *
 * sandlock makes itself a child subreaper, so a descendant that double-forks
 * or calls setsid() is reparented to us instead of init: every process the
 * sandbox starts stays our descendant, and walking /proc finds them all. */
#ifndef SANDLOCK_PROCTREE_H
#define SANDLOCK_PROCTREE_H

#include <sys/types.h>

/* Sends SIGKILL to every descendant of `root` until a scan of /proc finds
 * none left (a process forking during a scan is caught by the next one).
 * Returns the number of processes signalled, or -errno. */
int proctree_kill(pid_t root);

/* Parses the ppid out of the text of /proc/PID/stat (pure; the comm field
 * may contain spaces and parentheses).  Returns 0 or -EINVAL. */
int proctree_parse_stat(const char *buf, pid_t *ppid);

#endif
