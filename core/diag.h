/* Error messages for the user: one line, lowercase, failure first, subject
 * quoted, and "file:line:col: " in front for input errors (STYLE.md 11).
 * Pure code fills a struct diag; only main() prints it. */
#ifndef SANDLOCK_DIAG_H
#define SANDLOCK_DIAG_H

struct diag {
	char msg[512];
};

/* Formats into d->msg (truncating); returns -EINVAL so callers can write
 * `return diag_set(d, ...)`.  d may be NULL. */
int diag_set(struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, with a chosen negative errno as the return value. */
int diag_err(struct diag *d, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
