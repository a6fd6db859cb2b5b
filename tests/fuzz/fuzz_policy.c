/* libFuzzer harness: arbitrary bytes as a policy file, through the TOML
 * parser and the policy model, then printed back.  Any crash, leak or
 * sanitizer report is a bug. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p;
	struct diag d;
	FILE *null = fopen("/dev/null", "w");

	policy_init(&p);
	if (policy_parse(&p, "fuzz.toml", (const char *)data, size, &d) == 0 && null)
		policy_print(&p, null);
	policy_release(&p);
	if (null)
		fclose(null);
	return 0;
}
