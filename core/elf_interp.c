#define _GNU_SOURCE
#include "elf_interp.h"

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"

/* Programs with more headers than this are not ones we were asked to run. */
#define MAX_PHDRS 256

static int read_at(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EINVAL;
}

int elf_interp(int fd, char *out, size_t len)
{
	Elf64_Ehdr eh;
	int r = read_at(fd, &eh, sizeof(eh), 0);

	if (r == -EINVAL || (r == 0 && memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0))
		return 0; /* shorter than a header, or not ELF: a script */
	if (r < 0)
		return r;
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum > MAX_PHDRS)
		return -EINVAL;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		r = read_at(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph)));
		if (r < 0)
			return r;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz < 2 || ph.p_filesz > len)
			return -EINVAL;
		r = read_at(fd, out, ph.p_filesz, (off_t)ph.p_offset);
		if (r < 0)
			return r;
		if (out[ph.p_filesz - 1] != '\0' || strlen(out) != ph.p_filesz - 1)
			return -EINVAL;
		return 1;
	}
	return 0;
}
