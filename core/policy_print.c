/* Normalized TOML for `sandlock check`: fixed section order, sorted rules,
 * one per line, strings escaped so policy_parse() reads it back equal. */
#define _GNU_SOURCE
#include "policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static void put_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints key = [ sorted strings ] (nothing for an empty list). */
static void put_list(FILE *out, const char *key, const char **v, size_t n)
{
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_str);
	fprintf(out, "%s = [\n", key);
	for (size_t i = 0; i < n; i++) {
		fputs("  ", out);
		put_str(out, v[i]);
		fputs(",\n", out);
	}
	fputs("]\n", out);
}

static size_t collect_paths(const struct policy_path *p, size_t n, unsigned want,
			    const char **v)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if ((p[i].access & (POLICY_READ | POLICY_WRITE)) == want)
			v[k++] = p[i].path;
	return k;
}

static size_t collect_ports(const struct policy_ports *r, size_t n, const char *prefix,
			    char (*buf)[32], const char **v)
{
	for (size_t i = 0; i < n; i++) {
		if (r[i].lo == r[i].hi)
			snprintf(buf[i], 32, "%s%u", prefix, r[i].lo);
		else
			snprintf(buf[i], 32, "%s%u-%u", prefix, r[i].lo, r[i].hi);
		v[i] = buf[i];
	}
	return n;
}

/* Prints the allow (deny false) or deny rules, normalized and sorted. */
static int print_rules(const struct policy *p, FILE *out, bool deny, const char **v)
{
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; i < p->n_net; i++) {
		if (p->net[i].deny != deny)
			continue;
		v[n] = policy_net_rule_str(&p->net[i]);
		if (!v[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	if (r == 0)
		put_list(out, deny ? "deny" : "allow", v, n);
	for (size_t i = 0; i < n; i++)
		free((char *)v[i]);
	return r;
}

static int print_network(const struct policy *p, FILE *out, const char **v, char (*buf)[32])
{
	size_t n;
	int r;

	fputs("\n[network]\n", out);
	r = print_rules(p, out, false, v);
	if (r == 0)
		r = print_rules(p, out, true, v);
	n = p->tcp_bind_any ? (v[0] = "*", 1) : collect_ports(p->bind, p->n_bind, "", buf, v);
	put_list(out, "allow_bind", v, n);
	return r;
}

static void print_rest(const struct policy *p, FILE *out, const char **v)
{
	fputs("\n[syscalls]\n", out);
	if (p->n_sys_deny) {
		memcpy(v, p->sys_deny, p->n_sys_deny * sizeof(*v));
		put_list(out, "extra_deny", v, p->n_sys_deny);
	}
	if (p->n_sys_allow) {
		memcpy(v, p->sys_allow, p->n_sys_allow * sizeof(*v));
		put_list(out, "extra_allow", v, p->n_sys_allow);
	}
	fputs("\n[limits]\n", out);
	if (p->open_files)
		fprintf(out, "open_files = %llu\n", (unsigned long long)p->open_files);
	if (p->timeout_sec)
		fprintf(out, "timeout = %llu\n", (unsigned long long)p->timeout_sec);
	if (p->max_memory)
		fprintf(out, "memory = %llu\n", (unsigned long long)p->max_memory);
	if (p->max_processes)
		fprintf(out, "processes = %llu\n", (unsigned long long)p->max_processes);
	fputs("\n[program]\n", out);
	fprintf(out, "clean_env = %s\n", p->clean_env ? "true" : "false");
	if (p->cwd) {
		fputs("cwd = ", out);
		put_str(out, p->cwd);
		fputc('\n', out);
	}
	if (p->n_env) {
		memcpy(v, p->env, p->n_env * sizeof(*v));
		qsort(v, p->n_env, sizeof(*v), cmp_str);
		fputs("\n[program.env]\n", out);
		for (size_t i = 0; i < p->n_env; i++) {
			const char *eq = strchr(v[i], '=');
			char *key = strndup(v[i], (size_t)(eq - v[i]));

			if (!key)
				continue;
			put_str(out, key);
			fputs(" = ", out);
			put_str(out, eq + 1);
			fputc('\n', out);
			free(key);
		}
	}
}

/* In the order given, not sorted: a hole's index is its rule id. */
static void print_deny(const struct policy *p, FILE *out)
{
	if (p->n_deny) {
		fputs("deny = [\n", out);
		for (size_t i = 0; i < p->n_deny; i++) {
			fputs("  ", out);
			put_str(out, p->deny[i].path);
			fputs(",\n", out);
		}
		fputs("]\n", out);
	}
	if (p->hide_stat)
		fputs("hide_stat = true\n", out);
}

int policy_print(const struct policy *p, FILE *out)
{
	size_t max = p->n_paths + p->n_exec + p->n_deny + p->n_net + p->n_bind + p->n_sys_deny +
		     p->n_sys_allow + p->n_env + p->n_deny_argv + 4;
	const char **v = calloc(max, sizeof(*v));
	char (*buf)[32] = calloc(p->n_bind + 1, sizeof(*buf));
	int r;

	if (!v || !buf) {
		free(v);
		free(buf);
		return -ENOMEM;
	}
	fputs("[filesystem]\n", out);
	fprintf(out, "system = %s\n", p->system_set ? "true" : "false");
	put_list(out, "read", v, collect_paths(p->paths, p->n_paths, POLICY_READ, v));
	put_list(out, "write", v,
		 collect_paths(p->paths, p->n_paths, POLICY_READ | POLICY_WRITE, v));
	print_deny(p, out);
	if (p->exec_restricted || p->n_deny_argv) {
		size_t n = collect_paths(p->exec, p->n_exec, POLICY_READ, v);

		fputs("\n[exec]\n", out);
		if (p->exec_restricted && !n)
			fputs("allow = []\n", out);
		put_list(out, "allow", v, n);
		/* In the order given, not sorted: a pattern's index is its
		 * rule id in decision events. */
		if (p->n_deny_argv) {
			fputs("deny_argv = [\n", out);
			for (size_t i = 0; i < p->n_deny_argv; i++) {
				fputs("  ", out);
				put_str(out, p->deny_argv[i]);
				fputs(",\n", out);
			}
			fputs("]\n", out);
		}
	}
	r = print_network(p, out, v, buf);
	if (r == 0)
		print_rest(p, out, v);
	free(v);
	free(buf);
	if (r < 0)
		return r;
	return ferror(out) ? -EIO : 0;
}
