/* Everything the supervisor needs, prepared in the parent before fork:
 * which syscalls to route to it (the notification filter), the pinned
 * addresses of host rules, and the decision sink.  A policy that needs no
 * supervisor gets none of it (notif.len == 0) and keeps the static
 * layer's start-up cost. */
#ifndef SANDLOCK_SUP_SETUP_H
#define SANDLOCK_SUP_SETUP_H

#include <stdbool.h>

#include "decide_net.h"
#include "event.h"
#include "holes.h"
#include "resolve.h"
#include "seccomp_filter.h"
#include "supervise.h"

struct sup_setup {
	struct seccomp_filter notif;  /* len 0: no supervisor */
	struct resolve_addrs *addrs;  /* per p->net rule (host rules filled) */
	struct net_pin *pins;         /* per p->net rule, pointing into addrs */
	struct event_sink *sink;      /* NULL: no --log-decisions */
	struct holes holes;           /* [filesystem] deny, resolved at start */
	int hosts_fd;                 /* opts.have_hosts: the pinned /etc/hosts */
	bool traps_exec;              /* execve is supervised (spawn_opts.notif_fork) */
	struct sup_opts opts;         /* what spawn hands sup_start() */
};

/* Prepares s for p (borrowed; it must outlive s).  log_path: the
 * --log-decisions file or NULL.  sink (borrowed), when not NULL, is learn
 * mode's recorder: every observed operation is routed to the supervisor
 * and sent there (log_path must then be NULL).  ruleset_fd: the sandbox's Landlock
 * ruleset (borrowed, -1: none), which confines the threads that perform
 * path syscalls for it when the policy has deny holes.  Checks the kernel can serve what the
 * policy needs, and resolves every host rule (an unresolvable name is an
 * error: an allow rule that allows nothing or a deny rule that denies
 * nothing is never silent).  Returns 0 or -errno with d filled. */
int sup_setup_prepare(struct sup_setup *s, const struct policy *p, int ruleset_fd,
		      const char *log_path, struct event_sink *sink, struct diag *d);

/* Frees s; returns the sink's first write error (0 if none), so a decision
 * log that lost lines is reported. */
int sup_setup_release(struct sup_setup *s);

#endif
