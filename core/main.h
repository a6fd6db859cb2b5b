/* Between the `sandlock` command's files (main.c, cmd_learn.c); not part
 * of libsandlock and not installed. */
#ifndef SANDLOCK_MAIN_H
#define SANDLOCK_MAIN_H

#include "cli.h"
#include "event.h"

/* Compiles c's policy and runs c's command in the sandbox, printing any
 * failure on stderr.  learn (borrowed, NULL: none): learn mode's recorder,
 * which every observed operation is sent to.  *stop_fd readable (NULL:
 * none) kills the sandbox with stop_why.  peaks (NULL: not measured) gets
 * the run's resource peaks.  Returns the exit status
 * sandlock should exit with. */
struct memwatch_peaks;
int main_run(const struct cli *c, struct event_sink *learn, const int *stop_fd,
	     const char *stop_why, struct memwatch_peaks *peaks);

/* `sandlock learn` (cmd_learn.c).  Returns the exit status. */
int cmd_learn(struct cli *c);

#endif
