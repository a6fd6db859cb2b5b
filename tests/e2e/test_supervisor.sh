# The supervisor through the real binary: [limits] processes against fork
# bombs and a wait that fails (ATTACKS.md 14), decision events as JSON lines,
# and the flags' bad input.
. "$(dirname "$0")/lib.sh"
S="$SL run -S"
PY=/usr/bin/python3
[ -x "$PY" ] || { skip "supervisor tests" "python3 missing"; done_testing; }

# ---- process limit ----
# A fork bomb: every fork beyond the limit fails EAGAIN inside; the host
# never sees more than the limit (counted from outside while it runs).
cat >"$WORK/bomb.py" <<'EOF'
import os, sys, time
made, refused = 0, 0
for i in range(200):
    try:
        pid = os.fork()
    except OSError as e:
        refused += 1
        assert e.errno == 11, e
        continue
    if pid == 0:
        time.sleep(2)
        os._exit(0)
    made += 1
print(made, refused)
sys.stdout.flush()
os._exit(0)
EOF
expect "fork bomb under -P 10 is refused with EAGAIN" 0 '' -- \
	timeout 60 $S -r "$WORK" -P 10 -- "$PY" "$WORK/bomb.py"
expect_out "fork bomb: 9 children made, 191 refused" "9 191"

# Threads count too (as the pids cgroup counts them).
cat >"$WORK/threads.py" <<'EOF'
import threading, time
ok, refused = 0, 0
ev = threading.Event()
for i in range(50):
    t = threading.Thread(target=ev.wait)
    try:
        t.start(); ok += 1
    except RuntimeError:
        refused += 1
print(ok, refused)
ev.set()
EOF
expect "threads beyond -P 8 are refused" 0 '' -- $S -r "$WORK" -P 8 -- "$PY" "$WORK/threads.py"
expect_out "threads: 7 started, 43 refused" "7 43"

# A wait that fails must not lower the count: children double-fork, so the
# grandchildren are reparented to sandlock and the parent's wait() fails
# with ECHILD; they still count against the limit.
cat >"$WORK/orphans.py" <<'EOF'
import os, time
for i in range(4):
    pid = os.fork()
    if pid == 0:
        if os.fork() == 0:
            time.sleep(3); os._exit(0)
        os._exit(0)
    os.waitpid(pid, 0)
try:
    os.wait()
    print("wait succeeded")
except ChildProcessError:
    pass
refused = 0
for i in range(10):
    try:
        if os.fork() == 0: time.sleep(3); os._exit(0)
    except OSError:
        refused += 1
print(refused)
EOF
expect "orphans keep counting after a failed wait" 0 '' -- \
	$S -r "$WORK" -P 6 -- "$PY" "$WORK/orphans.py"
expect_out "orphans: 1 fork allowed beyond python + 4 orphans" "9"

printf '[limits]\nprocesses = 4\n' >"$WORK/lim4.toml"
expect "a limit from the policy file merges with -P (smallest wins)" 0 '' -- \
	$S -r "$WORK" -p "$WORK/lim4.toml" -P 50 -- "$PY" "$WORK/bomb.py"
expect_out "policy limit 4 wins over -P 50" "3 197"

# Without a limit there is no supervisor: nothing refused.
expect "no limit: forks succeed" 0 '' -- $S -r "$WORK" -- "$PY" "$WORK/bomb.py"
expect_out "no limit: 200 children" "200 0"

# ---- memory limit (sandbox-wide, no cgroups) ----
cat >"$WORK/balloon.py" <<'EOF'
import sys, time
chunks = []
for i in range(int(sys.argv[1])):
    chunks.append(bytearray(10 * 1024 * 1024))
    time.sleep(0.005)
print("survived", len(chunks))
EOF
expect "a 4 GiB balloon under -m 200M is killed" 137 '' -- \
	timeout 60 $S -r "$WORK" -m 200M -- "$PY" "$WORK/balloon.py" 400
expect "100 MiB under -m 500M survives" 0 '' -- $S -r "$WORK" -m 500M -- "$PY" "$WORK/balloon.py" 10
expect_out "the process under the limit ran to the end" "survived 10"
# The limit is for the whole sandbox: five children of 80 MiB each do not
# fit in 200M together although each alone would.
cat >"$WORK/spread.py" <<'EOF'
import os, time
kids = []
for i in range(5):
    pid = os.fork()
    if pid == 0:
        b = bytearray(80 * 1024 * 1024)
        time.sleep(2)
        os._exit(0)
    kids.append(pid)
killed = 0
for pid in kids:
    _, st = os.waitpid(pid, 0)
    killed += os.WIFSIGNALED(st) and os.WTERMSIG(st) == 9
print("killed", killed)
EOF
expect "five 80 MiB children under -m 200M" 0 '' -- $S -r "$WORK" -m 200M -- "$PY" "$WORK/spread.py"
case "$LAST_OUT" in "killed 3"|"killed 4"|"killed 5") ok "the sandbox-wide sum killed the excess children ($LAST_OUT)" ;;
*) not_ok "the sandbox-wide sum killed the excess children" "$LAST_OUT" ;; esac
expect "memory kill is logged" 137 '"kind":"mem","bytes":[0-9]+,"limit":209715200,"verdict":"deny","rule":"limits.memory"' -- \
	$S -r "$WORK" -m 200M --log-decisions - -- "$PY" "$WORK/balloon.py" 400
expect "-m 0" 125 "^sandlock: invalid --max-memory '0': expected a size such as 512M or 2G$" -- \
	$S -m 0 -- /bin/true
expect "-m 12X" 125 "invalid --max-memory '12X'" -- $S -m 12X -- /bin/true
expect "-m overflow" 125 "invalid --max-memory '99999999999T'" -- $S -m 99999999999T -- /bin/true
printf '[limits]\nmemory = "lots"\n' >"$WORK/m1.toml"
expect "memory = \"lots\"" 125 "m1.toml:2:10: invalid size 'lots' for 'memory'" -- $SL check -p "$WORK/m1.toml"
printf '[limits]\nmemory = true\n' >"$WORK/m2.toml"
expect "memory = true" 125 "m2.toml:2:10: 'memory' must be a size" -- $SL check -p "$WORK/m2.toml"
printf '[limits]\nmemory = "1GiB"\n' >"$WORK/m3.toml"
expect "memory = \"1GiB\" normalizes to bytes" 0 '' -- $SL check -p "$WORK/m3.toml"
grep -q '^memory = 1073741824$' <<<"$LAST_OUT" && ok "memory printed in bytes" || not_ok "memory printed in bytes" "$LAST_OUT"

# ---- ATTACKS.md 15: the supervisor under a flood, and its death ----
# 32 threads hammer fork under -P 33 (the threads fill it): every attempt is judged (EAGAIN), the
# supervisor answers them all, and sandlock's own memory stays bounded.
cat >"$WORK/flood.py" <<'EOF'
import os, threading, time
errs = {}
lock = threading.Lock()
go = threading.Event()
def hammer():
    go.wait()  # all threads exist first: they fill the limit
    for i in range(50):
        try:
            pid = os.fork()
            if pid == 0: os._exit(0)
            os.waitpid(pid, 0)
            e = 0
        except OSError as ex:
            e = ex.errno
        with lock: errs[e] = errs.get(e, 0) + 1
t0 = time.time()
ts = [threading.Thread(target=hammer) for _ in range(32)]
for t in ts: t.start()
go.set()
for t in ts: t.join()
print(sorted(errs.items()), "%.1f" % (time.time() - t0))
EOF
$S -r "$WORK" -P 33 -- "$PY" "$WORK/flood.py" >"$WORK/flood.out" 2>&1 &
fpid=$!
peak=0
while kill -0 $fpid 2>/dev/null; do
	rss=$(awk '/^VmRSS:/ {print $2}' /proc/$fpid/status 2>/dev/null)
	[ -n "$rss" ] && [ "$rss" -gt "$peak" ] && peak=$rss
	sleep 0.05
done
wait $fpid; rc=$?
out=$(cat "$WORK/flood.out")
# Threads that finish free their slots, so late forks may pass: every one of
# the 1600 attempts must have been answered, with success or EAGAIN only.
if [ $rc -eq 0 ] && "$PY" -c 'import sys, ast; l = ast.literal_eval(sys.argv[1].rsplit(" ", 1)[0]); d = dict(l); assert set(d) <= {0, 11} and sum(d.values()) == 1600 and d.get(11, 0) > 800, d' "$out"
then ok "flood: 1600 forks from 32 threads all answered, success or EAGAIN ($out)"
else not_ok "flood: 1600 forks from 32 threads all answered, success or EAGAIN" "rc=$rc" "$out"; fi
[ "$peak" -gt 0 ] && [ "$peak" -lt 65536 ] && ok "flood: sandlock's RSS stayed bounded (peak ${peak} KiB)" ||
	not_ok "flood: sandlock's RSS stayed bounded" "peak ${peak} KiB"

# The supervisor dies (sandlock is SIGKILLed): the main child dies with it,
# and a surviving descendant's supervised syscall fails (ENOSYS) instead of
# running unchecked.
cat >"$WORK/orphan_fork.py" <<'EOF'
import os, sys, time
if os.fork() == 0:
    os.setsid()
    open(sys.argv[1] + ".ready", "w").close()
    time.sleep(1.5)
    try:
        pid = os.fork()
        if pid == 0: os._exit(0)
        res = "forked"
    except OSError as e:
        res = "errno %d" % e.errno
    open(sys.argv[1], "w").write(res)
    os._exit(0)
time.sleep(60)
EOF
mkdir -m 777 "$WORK/death"
$S -w "$WORK/death" -r "$WORK" -P 10 -- "$PY" "$WORK/orphan_fork.py" "$WORK/death/res" &
spid=$!
for _ in $(seq 100); do [ -e "$WORK/death/res.ready" ] && break; sleep 0.05; done
main=$(pgrep -P $spid -f orphan_fork.py | head -1)
kill -9 $spid; wait $spid 2>/dev/null
for _ in $(seq 60); do [ -s "$WORK/death/res" ] && break; sleep 0.1; done
sleep 0.2
if [ -n "$main" ] && ! alive "$main"; then ok "supervisor death: the main child died with sandlock"
else not_ok "supervisor death: the main child died with sandlock" "main=$main"; fi
res=$(cat "$WORK/death/res" 2>/dev/null)
[ "$res" = "errno 38" ] && ok "supervisor death: a survivor's fork fails ENOSYS, never unchecked" ||
	not_ok "supervisor death: a survivor's fork fails ENOSYS, never unchecked" "got '$res'"
pkill -f "$WORK/orphan_fork.py" 2>/dev/null

# ---- decision events ----
expect "decisions logged as JSON lines" 0 '' -- \
	$S -r "$WORK" -P 3 --log-decisions "$WORK/dec.jsonl" -- "$PY" "$WORK/bomb.py"
expect "every decision line is valid JSON with the documented fields" 0 '' -- "$PY" -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 200, len(lines)
keys = ["v","time_ns","pid","ppid","exe","syscall","nr","kind","count","limit",
        "verdict","rule","origin","errno","detail"]
allow = deny = 0
for l in lines:
    e = json.loads(l)
    assert list(e) == keys, list(e)
    assert e["kind"] == "proc" and e["rule"] == "limits.processes" and e["limit"] == 3
    assert e["exe"].endswith("python3") or "python" in e["exe"], e["exe"]
    if e["verdict"] == "allow": allow += 1; assert e["errno"] == 0
    else: deny += 1; assert e["errno"] == 11 and e["count"] >= 3
print(allow, deny)' "$WORK/dec.jsonl"
expect_out "2 allowed and 198 denied decisions logged" "2 198"
ls -l "$WORK/dec.jsonl" | grep -q '^-rw-------' && ok "decision log created mode 0600" ||
	not_ok "decision log created mode 0600" "$(ls -l "$WORK/dec.jsonl")"

printf '[filesystem]\nsystem = true\n[limits]\nprocesses = 2\n' >"$WORK/lim.toml"
expect "decisions to stderr with '-', origin names the policy line" 0 \
	'"origin":"[^"]*lim.toml:4:1"' -- \
	$SL enforce -p "$WORK/lim.toml" --log-decisions - -- /bin/sh -c '/bin/true; /bin/true'
expect "decision log appends" 0 '' -- \
	$S -r "$WORK" -P 3 --log-decisions "$WORK/dec.jsonl" -- "$PY" "$WORK/bomb.py"
n=$(wc -l <"$WORK/dec.jsonl")
[ "$n" -eq 400 ] && ok "second run appended 200 lines" || not_ok "second run appended 200 lines" "$n lines"

# ---- bad input ----
expect "unwritable decision log" 125 \
	"^sandlock: cannot open decision log '/nonexistent/d.jsonl': No such file or directory$" -- \
	$S --log-decisions /nonexistent/d.jsonl -- /bin/true
expect "empty decision log name" 125 "invalid --log-decisions ''" -- \
	$S --log-decisions '' -- /bin/true
expect "check takes no decision log" 125 "'--log-decisions' is for 'sandlock run'" -- \
	$SL check -p "$WORK/lim.toml" --log-decisions x
expect "-P 0" 125 "^sandlock: invalid --max-processes '0': expected a positive integer$" -- \
	$S -P 0 -- /bin/true
expect "-P needs a number" 125 "invalid --max-processes 'many'" -- $S -P many -- /bin/true
expect "processes = 0 in a policy" 125 'lim0.toml:2:13: .processes. must be a positive integer' -- \
	sh -c "printf '[limits]\nprocesses = 0\n' >'$WORK/lim0.toml'; $SL check -p '$WORK/lim0.toml'"
expect "check prints the limit" 0 '' -- $SL check -p "$WORK/lim.toml"
grep -q '^processes = 2$' <<<"$LAST_OUT" && ok "normalized policy keeps processes = 2" ||
	not_ok "normalized policy keeps processes = 2" "$LAST_OUT"

done_testing
