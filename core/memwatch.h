/* [limits] memory: a sandbox-wide limit without cgroups (memwatch.c says
 * how it is measured and enforced). */
#ifndef SANDLOCK_MEMWATCH_H
#define SANDLOCK_MEMWATCH_H

#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "event.h"

struct memwatch;

/* Starts watching the descendants of root (sandlock itself: a subreaper)
 * against limit bytes; sink (borrowed, may be NULL) gets an event per
 * kill.  Returns 0 and an owned handle, or -errno with d filled (also when
 * the kernel cannot report what we measure). */
int memwatch_start(pid_t root, uint64_t limit, struct event_sink *sink, struct memwatch **out,
		   struct diag *d);

/* Stops and frees w (NULL is a no-op); returns how many processes it
 * killed. */
unsigned memwatch_stop(struct memwatch *w);

#endif
