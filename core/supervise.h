/* The supervisor: serves seccomp user notifications for what the static
 * layer cannot express (network destinations, exec arguments, process
 * counts), one decision event per verdict.
 *
 * It runs as threads of the sandlock process: a dispatcher that receives
 * every request, answers the quick ones itself and hands operations that
 * may block (a connect on the child's behalf) to a bounded pool of workers.
 * If sandlock dies the listener closes: the kernel then fails every
 * supervised syscall with ENOSYS, and the main child dies of its
 * parent-death signal; nothing supervised runs unchecked. */
#ifndef SANDLOCK_SUPERVISE_H
#define SANDLOCK_SUPERVISE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "decide_net.h"
#include "diag.h"
#include "event.h"
#include "notif.h"
#include "policy.h"

struct supervisor;

struct sup_opts {
	const struct policy *policy; /* borrowed; outlives the supervisor */
	struct event_sink *sink;     /* borrowed; NULL: no events */
	struct net_pins pins;        /* host rules' pinned addresses (borrowed) */
	const struct holes *holes;   /* deny holes (borrowed); NULL or empty: none */
	int ruleset_fd;              /* the sandbox's Landlock ruleset, for the
				      * opener's threads (borrowed); -1: none */
	bool learn;                  /* learn mode: observe (sup_learn.c) */
	bool have_hosts;             /* hosts_fd is set: host rules are pinned */
	int hosts_fd;                /* sealed memfd of the child's /etc/hosts
				      * (sup_hosts_memfd; borrowed) */
};

struct resolve_pin;
/* Writes the child's /etc/hosts for the pins into a sealed memfd.
 * Returns 0 with *out an owned fd, or -errno. */
int sup_hosts_memfd(const struct resolve_pin *pins, size_t n, int *out);

/* The native syscall numbers p needs supervised (learn: and what learn
 * mode observes), into nrs (room for NOTIF_MAX_SYSCALLS).  Returns how many; 0 means no supervisor at all, so
 * the run keeps the static layer's start-up cost. */
size_t sup_syscalls(const struct policy *p, bool learn, int *nrs);

/* Starts serving listener (taken: closed by sup_stop).  Returns 0 and an
 * owned handle, or -errno with d filled. */
int sup_start(int listener, const struct sup_opts *o, struct supervisor **out,
	      struct diag *d);

/* Stops the threads and closes the listener; call once the sandbox has
 * ended.  The caller still owns the sink (closing it reports write
 * errors). */
void sup_stop(struct supervisor *s);

#endif
