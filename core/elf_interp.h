/* Reading the ELF interpreter (PT_INTERP) of an executable. */
#ifndef SANDLOCK_ELF_INTERP_H
#define SANDLOCK_ELF_INTERP_H

#include <stddef.h>

/* Reads the PT_INTERP path of the 64-bit ELF file open at fd (readable).
 * Returns 1 and fills out (NUL-terminated) if there is one, 0 for a static
 * binary or a non-ELF file (a script), -errno on a read error, -EINVAL for a
 * malformed header or a path that does not fit in len. */
int elf_interp(int fd, char *out, size_t len);

#endif
