/* The child's /etc/hosts under host rules: the names of [network] rules are
 * resolved once at start and pinned (decide_net.h), and the child's own
 * lookups must find the same addresses, or it would connect to addresses
 * the pins do not allow.  So an open of /etc/hosts gets a sealed memfd
 * holding localhost and the pinned names (resolve_hosts_render), opened
 * afresh for each open (its own file offset) and installed with ADDFD.
 *
 * Every other open is continued.  That reads the path, but decides nothing
 * on it that matters for security: an open continued is judged by the
 * kernel (Landlock) exactly as without us, whatever the path says by then;
 * the path only chooses whether the caller gets our copy instead, which is
 * never more than a read of a file the sandbox may read anyway.  A caller
 * that swaps the path under us gets either file, both allowed. */
#define _GNU_SOURCE
#include "sup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "holes.h"
#include "resolve.h"
#include "banned.h"

#define HOSTS_PATH "/etc/hosts"

int sup_hosts_memfd(const struct resolve_pin *pins, size_t n, int *out)
{
	char *text = NULL;
	int fd, r = resolve_hosts_render(pins, n, &text);
	size_t len, done = 0;

	*out = -1;
	if (r < 0)
		return r;
	fd = memfd_create("sandlock-hosts", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		free(text);
		return -errno;
	}
	len = strlen(text);
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);

		if (w < 0) {
			r = -errno;
			break;
		}
		done += (size_t)w;
	}
	free(text);
	/* Sealed: nothing, the sandbox through a reopen included, can change
	 * what later opens read. */
	if (r == 0 && fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK |
					     F_SEAL_SEAL) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	*out = fd;
	return 0;
}

/* Whether c is a read-only open of /etc/hosts, read from the caller. */
static bool opens_hosts(struct sup_call *c)
{
	const __u64 *a = c->req.data.args;
	bool at = c->req.data.nr != SYS_open;
	int flags = (int)a[at ? 2 : 1];
	char path[sizeof(HOSTS_PATH) + 1];

	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_PATH | O_DIRECTORY)))
		return false;
	/* Longer than HOSTS_PATH fails with ENAMETOOLONG: not it. */
	if (notif_read_str((pid_t)c->req.pid, a[at ? 1 : 0], path, sizeof(path)) < 0)
		return false;
	return strcmp(path, HOSTS_PATH) == 0;
}

bool sup_hosts_try(struct sup_call *c)
{
	const struct sup_opts *o = &c->sup->o;
	int flags = (int)c->req.data.args[c->req.data.nr != SYS_open ? 2 : 1];
	char self[64];
	int fd;

	if (c->req.data.nr != SYS_openat
#ifdef SYS_open
	    && c->req.data.nr != SYS_open
#endif
	)
		return false;
	if (!o->have_hosts || !opens_hosts(c))
		return false;
	if (o->holes && holes_find_path(o->holes, HOSTS_PATH) >= 0)
		return false; /* a hole: the path handlers refuse it */
	if (notif_id_valid(c->sup->listener, c->req.id) < 0) {
		sup_deny(c, EPERM); /* the caller is gone */
		return true;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", o->hosts_fd);
	fd = open(self, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sup_fail(c, EACCES, "cannot open the pinned /etc/hosts");
		return true;
	}
	sup_return_fd(c, fd, (flags & O_CLOEXEC) ? O_CLOEXEC : 0);
	close(fd);
	if (sup_wants_events(c)) {
		struct event e = { .kind = EVENT_PATH, .verdict = EVENT_ALLOW,
				   .path = { .path = HOSTS_PATH, .access = EVENT_ACC_READ },
				   .rule = "network.hosts", .detail = "the pinned view of /etc/hosts" };

		sup_emit(c, &e);
	}
	return true;
}

static void on_open(struct sup_call *c)
{
	if (!sup_hosts_try(c))
		sup_continue(c); /* see the top of this file */
}

size_t sup_hosts_syscalls(const struct policy *p, int *nrs)
{
	size_t n = 0;
	bool hosts = false;

	for (size_t i = 0; i < p->n_net; i++)
		hosts |= p->net[i].kind == POLICY_NET_HOST;
	/* With deny holes the path handlers serve opens, and ask us first. */
	if (!hosts || p->n_deny)
		return 0;
#ifdef SYS_open
	nrs[n++] = SYS_open;
#endif
	nrs[n++] = SYS_openat;
	return n;
}

const struct sup_handler sup_hosts_handlers[] = {
#ifdef SYS_open
	{ SYS_open, "open", on_open, false },
#endif
	{ SYS_openat, "openat", on_open, false },
};
const size_t sup_hosts_handlers_len = sizeof(sup_hosts_handlers) / sizeof(sup_hosts_handlers[0]);
