/* Decision events as JSON (core/event.c): exact lines for each kind,
 * escaping of bytes that are not text, and truncation that stays valid. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "event.h"

static const uint8_t v4_10_0_0_1[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1 };

static void test_net_event_line(void **state)
{
	struct event e = {
		.time_ns = 5, .pid = 42, .ppid = 7, .exe = "/usr/bin/curl", .syscall = "connect",
		.nr = 42, .kind = EVENT_NET, .verdict = EVENT_DENY, .rule = "network.allow[1]",
		.origin = { "p.toml", 3, 9 }, .err = 13,
	};
	char buf[1024];
	size_t n;

	(void)state;
	e.net.proto = 1;
	memcpy(e.net.addr, v4_10_0_0_1, 16);
	e.net.port = 443;
	e.net.host = "example.com";
	n = event_to_json(&e, buf, sizeof(buf));
	assert_string_equal(buf,
			    "{\"v\":1,\"time_ns\":5,\"pid\":42,\"ppid\":7,\"exe\":\"/usr/bin/curl\","
			    "\"syscall\":\"connect\",\"nr\":42,\"kind\":\"net\",\"proto\":\"tcp\","
			    "\"addr\":\"10.0.0.1\",\"port\":443,\"host\":\"example.com\","
			    "\"verdict\":\"deny\",\"rule\":\"network.allow[1]\","
			    "\"origin\":\"p.toml:3:9\",\"errno\":13,\"detail\":null}\n");
	assert_int_equal(n, strlen(buf));
}

static void test_ipv6_and_flag_origin(void **state)
{
	struct event e = { .kind = EVENT_NET, .verdict = EVENT_ALLOW, .rule = "default",
			   .origin = { "<command line>", 0, 0 } };
	char buf[1024];

	(void)state;
	e.net.proto = 2;
	e.net.addr[15] = 1; /* ::1 */
	e.net.port = 53;
	event_to_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"proto\":\"udp\",\"addr\":\"::1\",\"port\":53,\"host\":null"));
	assert_non_null(strstr(buf, "\"origin\":\"<command line>\""));
	assert_non_null(strstr(buf, "\"exe\":null"));
}

static void test_exec_argv_escaped(void **state)
{
	const char *argv[] = { "sh", "-c", "echo \"hi\"\\\n\t", "caf\xc3\xa9", "bad\xff\x80" };
	struct event e = { .kind = EVENT_EXEC, .verdict = EVENT_ALLOW, .rule = "default" };
	char buf[1024];

	(void)state;
	e.exec.path = "/bin/sh";
	e.exec.argv = argv;
	e.exec.argc = 5;
	event_to_json(&e, buf, sizeof(buf));
	/* Quotes, backslash and controls escaped; valid UTF-8 kept; invalid
	 * bytes as \u00XX so no byte is lost and the line stays JSON. */
	assert_non_null(strstr(buf, "\"argv\":[\"sh\",\"-c\",\"echo \\\"hi\\\"\\\\\\u000a\\u0009\","
				    "\"caf\xc3\xa9\",\"bad\\u00ff\\u0080\"]"));
}

static void test_overlong_utf8_escaped(void **state)
{
	struct event e = { .kind = EVENT_PATH, .verdict = EVENT_DENY, .rule = "default" };
	char buf[512];

	(void)state;
	e.path.path = "/a\xc0\xaf" "b\xed\xa0\x80";
	e.path.access = POLICY_WRITE;
	event_to_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"path\":\"/a\\u00c0\\u00afb\\u00ed\\u00a0\\u0080\","
				    "\"access\":[\"write\"]"));
}

static void test_truncated_stays_valid(void **state)
{
	static char big[4000];
	const char *argv[] = { big };
	struct event e = { .time_ns = 9, .pid = 3, .kind = EVENT_EXEC, .verdict = EVENT_DENY,
			   .err = 13, .rule = "exec.deny_argv[0]" };
	char buf[256];
	size_t n;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	e.exec.argv = argv;
	e.exec.argc = 1;
	n = event_to_json(&e, buf, sizeof(buf));
	assert_string_equal(buf, "{\"v\":1,\"time_ns\":9,\"pid\":3,\"kind\":\"exec\","
				 "\"verdict\":\"deny\",\"errno\":13,\"truncated\":true}\n");
	assert_true(n < sizeof(buf));
}

static void test_tiny_buffer(void **state)
{
	struct event e = { .kind = EVENT_ERROR, .rule = "supervisor" };
	char buf[8] = "xxxxxxx";

	(void)state;
	assert_int_equal(event_to_json(&e, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void test_proc_and_error_kinds(void **state)
{
	struct event e = { .kind = EVENT_PROC, .verdict = EVENT_DENY, .err = 11,
			   .rule = "limits.processes" };
	char buf[512];

	(void)state;
	e.proc.count = 10;
	e.proc.limit = 10;
	event_to_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"kind\":\"proc\",\"count\":10,\"limit\":10,"));
	e = (struct event){ .kind = EVENT_ERROR, .verdict = EVENT_DENY, .err = 1,
			    .rule = "supervisor", .detail = "cannot read child memory" };
	event_to_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"kind\":\"error\",\"verdict\":\"deny\",\"rule\":\"supervisor\""));
	assert_non_null(strstr(buf, "\"detail\":\"cannot read child memory\"}\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_event_line),
		cmocka_unit_test(test_ipv6_and_flag_origin),
		cmocka_unit_test(test_exec_argv_escaped),
		cmocka_unit_test(test_overlong_utf8_escaped),
		cmocka_unit_test(test_truncated_stays_valid),
		cmocka_unit_test(test_tiny_buffer),
		cmocka_unit_test(test_proc_and_error_kinds),
	};
	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
