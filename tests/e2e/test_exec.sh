# [exec] deny_argv through the real binary (ATTACKS.md 13): denied command
# lines fail with EACCES and nothing runs, the main command included; the
# decision is made on a frozen sandbox, so a thread rewriting argv while the
# exec is judged never gets a denied command line run; interpreters' command
# lines are judged too; every verdict is an event.
. "$(dirname "$0")/lib.sh"
S="$SL run -S"
PY=/usr/bin/python3

expect "an exec no pattern matches runs" 0 '' -- $S --deny-argv 'curl *' -- /bin/echo hello
expect_out "its output" "hello"

expect "a denied main command: 126, nothing runs" 126 "cannot execute '/bin/echo': Permission denied" -- \
	$S --deny-argv 'echo *' -- /bin/echo hello
expect_out "no output" ""

expect "a denied exec inside the sandbox fails with EACCES, the shell goes on" 0 '' -- \
	$S --deny-argv 'curl *' -- /bin/sh -c '/usr/bin/curl --version >/dev/null 2>&1; echo "curl=$?"; /bin/echo after'
expect_out "curl refused (126), the rest ran" "curl=126
after"

# argv[0] is the caller's choice; the path is what runs (exec.md candidates 3-4).
if [ -x "$PY" ]; then
	expect "a disguised argv[0] does not hide the path" 0 '' -- \
		$S --deny-argv 'echo *' -- "$PY" -c '
import os
try:
    os.execv("/bin/echo", ["innocent", "x"])
except PermissionError:
    print("denied")'
	expect_out "denied by the path's basename" "denied"
fi

# The policy file form, with the event naming the rule and its line.
cat >"$WORK/p.toml" <<'EOF2'
[filesystem]
system = true
read = ["/tmp"]

[exec]
deny_argv = [
  "* --upload-file *",
]
EOF2
# (In a script: `sh -c '... --upload-file ...'` would itself be denied.)
printf '/bin/echo a --upload-file b || echo refused\n' >"$WORK/up.sh"
expect "policy deny_argv, decision log" 0 '' -- \
	$SL enforce -p "$WORK/p.toml" --log-decisions "$WORK/ev.jsonl" -- /bin/sh "$WORK/up.sh"

expect_out "the matching exec refused" "refused"
if grep -q '"verdict":"deny","rule":"exec.deny_argv\[0\]","origin":"[^"]*p.toml:7:3"' "$WORK/ev.jsonl" &&
   grep -q '"argv":\["/bin/echo","a","--upload-file","b"\]' "$WORK/ev.jsonl" &&
   grep -q '"path":"/bin/sh".*"verdict":"allow"' "$WORK/ev.jsonl"; then
	ok "events: the allowed shell and the denied echo with its rule and line"
else
	not_ok "events: the allowed shell and the denied echo with its rule and line" "$(cat "$WORK/ev.jsonl")"
fi

# An interpreter's command line is judged once the kernel has built it: the
# script's own argv does not match, the interpreter's does; it is killed
# before its first instruction.
printf '#!/bin/sh\necho script-ran\n' >"$WORK/s.sh"
chmod 755 "$WORK/s.sh"
expect "a #! script whose interpreter line is denied is killed" 0 '' -- \
	$S -r "$WORK" --deny-argv '/bin/sh /*' -- /bin/sh -c "'$WORK/s.sh'; echo status=\$?"
expect_out "it never ran" "status=137"

# The same from a thread whose process's main thread has already exited
# (a zombie leader): the exec is reported under the process id, which the
# check must watch too, or the new image would run unchecked.
if [ -x "$PY" ]; then
	expect "the check holds when a thread execs after the main thread exited" 0 '' -- \
		$S -r "$WORK" --deny-argv '/bin/sh /*' -- /bin/sh -c "$PY -c '
import ctypes, os, threading, time
def run():
    time.sleep(0.3)
    os.execv(\"$WORK/s.sh\", [\"s.sh\"])
threading.Thread(target=run).start()
ctypes.CDLL(None).syscall(60, 0)'; echo status=\$?"
	expect_out "killed before the script ran" "status=137"
fi

# TOCTOU: a thread flips argv[1] between an allowed and a denied word while
# the main thread execs, hundreds of times.  A denied word must never be
# echoed; both outcomes of the race (denied, or the allowed word run) occur.
if [ -x "$PY" ]; then
	cat >"$WORK/race.py" <<'EOF2'
import ctypes, os, sys, threading
libc = ctypes.CDLL(None, use_errno=True)
N = int(sys.argv[1])
for i in range(N):
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        continue
    buf = ctypes.create_string_buffer(16)
    buf.value = b"public"
    prog = ctypes.c_char_p(b"/bin/echo")
    argv = (ctypes.c_char_p * 3)(prog, ctypes.cast(buf, ctypes.c_char_p), None)
    def flip():
        while True:
            ctypes.memmove(buf, b"SECRET\0", 7)
            ctypes.memmove(buf, b"public\0", 7)
    threading.Thread(target=flip, daemon=True).start()
    libc.execv(prog, argv)
    print("refused", flush=True)
    os._exit(0)
EOF2
	expect "argv rewritten by a thread during 300 execs" 0 '' -- \
		timeout 300 $S -r "$WORK" --deny-argv '*SECRET*' -- "$PY" "$WORK/race.py" 300
	if grep -q SECRET <<<"$LAST_OUT"; then
		not_ok "no denied command line ever ran" "$(grep -c SECRET <<<"$LAST_OUT") runs echoed SECRET"
	elif [ "$(grep -c '' <<<"$LAST_OUT")" -lt 280 ]; then
		not_ok "no denied command line ever ran" "only $(grep -c '' <<<"$LAST_OUT") outcomes of 300"
	else
		ok "no denied command line ever ran ($(grep -c public <<<"$LAST_OUT") allowed, $(grep -c refused <<<"$LAST_OUT") refused)"
	fi
fi

expect "a bad pattern is refused before anything runs" 125 "invalid deny_argv pattern" -- \
	$S --deny-argv 'a\x' -- /bin/true
done_testing
