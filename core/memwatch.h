/* [limits] memory: a sandbox-wide limit without cgroups (memwatch.c says
 * how it is measured and enforced). */
#ifndef SANDLOCK_MEMWATCH_H
#define SANDLOCK_MEMWATCH_H

#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "event.h"

struct memwatch;

/* The largest values seen by the samples (learn mode's resource peaks). */
struct memwatch_peaks {
	uint64_t processes; /* processes of the sandbox at once */
	uint64_t memory;    /* bytes, as the limit counts them */
	uint64_t open_files; /* descriptors of the process with the most */
};

/* Starts watching the descendants of root (sandlock itself: a subreaper)
 * against limit bytes (0: no limit, only peaks, sampled every 100 ms);
 * sink (borrowed, may be NULL) gets an event per kill.  Returns 0 and an
 * owned handle, or -errno with d filled (also when the kernel cannot
 * report what we measure). */
int memwatch_start(pid_t root, uint64_t limit, struct event_sink *sink, struct memwatch **out,
		   struct diag *d);

/* Stops and frees w (NULL is a no-op); returns how many processes it
 * killed.  peaks, if not NULL, gets the peaks seen. */
unsigned memwatch_stop(struct memwatch *w, struct memwatch_peaks *peaks);

#endif
