/* The read-only system set: what a dynamically linked program needs to start
 * (loader, libraries, locale, timezone, name-service config) and the harmless
 * devices.  Granted by --system / [filesystem] system = true. */
#ifndef SANDLOCK_SYSSET_H
#define SANDLOCK_SYSSET_H

#include <stddef.h>

struct sysset_entry {
	const char *path;
	unsigned access; /* POLICY_READ or POLICY_READ | POLICY_WRITE */
};

extern const struct sysset_entry sysset[];
extern const size_t sysset_len;

#endif
