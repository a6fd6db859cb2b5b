/* What this kernel can enforce, probed once and passed down (STYLE.md 6). */
#ifndef SANDLOCK_CAPS_H
#define SANDLOCK_CAPS_H

#include <stdbool.h>
#include <stdio.h>

struct caps {
	int landlock_abi;   /* 0: Landlock unavailable */
	bool user_notif;    /* SECCOMP_RET_USER_NOTIF */
	bool notif_addfd;   /* SECCOMP_IOCTL_NOTIF_ADDFD (5.9) */
	bool pidfd_getfd;   /* pidfd_getfd(2) (5.6) */
};

/* Probes the Landlock ABI only: the cheap part every run needs. */
void caps_probe_landlock(struct caps *c);
/* Probes everything (forks a short-lived child for the ADDFD probe). */
void caps_probe_all(struct caps *c);
/* Prints what `sandlock check` shows without a policy. */
void caps_print(const struct caps *c, FILE *out);

#endif
