# learn -> sl-learn -> enforce on real programs nobody here wrote (issue 5):
# python3 with stdlib imports writing a file, git init/add/commit/log, gcc
# compiling and running a program, curl against a loopback http.server, and
# redis-server under redis-benchmark.  Each learned policy runs the same
# workload with the same output, and refuses a planted variant that reads
# ~/.ssh/id_rsa, writes outside its directory or connects to another port.
. "$(dirname "$0")/lib.sh"
SLL="$(dirname "$SL")/sl-learn"
PY=/usr/bin/python3
[ -x "$SLL" ] || { skip "round trips" "sl-learn not built"; done_testing; }
export HOME="$WORK/home" TMPDIR="$WORK/tmp"
mkdir -p "$HOME/.ssh" "$TMPDIR" "$WORK/elsewhere"
echo "PRIVATE KEY" >"$HOME/.ssh/id_rsa"

# learn NAME CMD...: records CMD into $WORK/NAME.db, synthesizes
# $WORK/NAME.toml, and checks the policy loads.
learn() {
	local name=$1; shift
	expect "$name: learn" 0 '' -- $SL learn -o "$WORK/$name.db" -- "$@"
	LEARNED=$LAST_OUT
	expect "$name: sl-learn" 0 '' -- "$SLL" -o "$WORK/$name.toml" "$WORK/$name.db"
	expect "$name: the learned policy loads" 0 '' -- $SL check -p "$WORK/$name.toml"
}
# enforce NAME LABEL STATUS CMD...: runs CMD under NAME's learned policy.
enforce() {
	local name=$1 label=$2 want=$3; shift 3
	expect "$name: $label (exit $want)" "$want" '' -- $SL enforce -p "$WORK/$name.toml" -- "$@"
}
same_output() {
	if [ "$LAST_OUT" = "$LEARNED" ]; then ok "$1: same output as when learned"
	else not_ok "$1: same output as when learned" "learned: $LEARNED" "enforced: $LAST_OUT"; fi
}

# ---- python3 ----
if [ -x "$PY" ]; then
	mkdir -p "$WORK/py/out"
	cat >"$WORK/py/job.py" <<'EOF2'
import csv, io, json, sqlite3, sys, urllib.parse, xml.dom.minidom
d = sys.argv[1]
rows = list(csv.reader(io.StringIO("a,1\nb,2\n")))
db = sqlite3.connect(":memory:"); db.execute("create table t(x)")
out = {"rows": rows, "q": urllib.parse.quote("a b"), "x": xml.dom.minidom.parseString("<a/>").documentElement.tagName}
open(d + "/out/result.json", "w").write(json.dumps(out, sort_keys=True))
if len(sys.argv) > 2:
    print(open(sys.argv[2]).read())
print(open(d + "/out/result.json").read())
EOF2
	learn python "$PY" "$WORK/py/job.py" "$WORK/py"
	rm -f "$WORK/py/out/result.json"
	enforce python "the same job" 0 "$PY" "$WORK/py/job.py" "$WORK/py"
	same_output python
	enforce python "a planted read of ~/.ssh/id_rsa is refused" 1 "$PY" "$WORK/py/job.py" "$WORK/py" "$HOME/.ssh/id_rsa"
else
	skip "python round trip" "python3 missing"
fi

# ---- git ----
if command -v git >/dev/null; then
	export GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z \
	       GIT_CONFIG_NOSYSTEM=1
	mkdir -p "$WORK/g"
	gitjob='set -e; cd "$1"; rm -rf repo; git init -q repo; cd repo; echo hi >f.txt
git add f.txt; git -c user.name=t -c user.email=t@e commit -q -m first; git log --oneline'
	learn git /bin/sh -c "$gitjob" sh "$WORK/g"
	enforce git "the same job" 0 /bin/sh -c "$gitjob" sh "$WORK/g"
	same_output git
	enforce git "a repository outside its directory is refused" 128 git init -q "$WORK/elsewhere/repo"
	[ ! -e "$WORK/elsewhere/repo" ] && ok "git: nothing created outside" ||
		not_ok "git: nothing created outside"
else
	skip "git round trip" "git missing"
fi

# ---- gcc ----
if command -v gcc >/dev/null; then
	mkdir -p "$WORK/c"
	printf '#include <stdio.h>\nint main(void) { puts("hello from c"); return 0; }\n' >"$WORK/c/h.c"
	learn gcc /bin/sh -c 'gcc -o "$1/h" "$1/h.c" && "$1/h"' sh "$WORK/c"
	rm -f "$WORK/c/h"
	enforce gcc "the same job" 0 /bin/sh -c 'gcc -o "$1/h" "$1/h.c" && "$1/h"' sh "$WORK/c"
	same_output gcc
	enforce gcc "output outside its directory is refused" 1 gcc -o "$WORK/elsewhere/h" "$WORK/c/h.c"
	[ ! -e "$WORK/elsewhere/h" ] && ok "gcc: nothing written outside" ||
		not_ok "gcc: nothing written outside"
else
	skip "gcc round trip" "gcc missing"
fi

# ---- curl against http.server on loopback ----
ports() { "$PY" -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])'; }
if command -v curl >/dev/null && [ -x "$PY" ]; then
	read -r P1 P2 < <(ports)
	mkdir -p "$WORK/www" && echo "served file" >"$WORK/www/f.txt"
	for p in "$P1" "$P2"; do
		(cd "$WORK/www" && exec "$PY" -m http.server --bind 127.0.0.1 "$p" >/dev/null 2>&1) &
	done
	for _ in $(seq 100); do curl -s "http://127.0.0.1:$P2/f.txt" >/dev/null && break; sleep 0.05; done
	learn curl curl -s "http://127.0.0.1:$P1/f.txt"
	enforce curl "the same fetch" 0 curl -s "http://127.0.0.1:$P1/f.txt"
	same_output curl
	enforce curl "another port is refused" 7 curl -s "http://127.0.0.1:$P2/f.txt"
	kill %1 %2 2>/dev/null; wait 2>/dev/null
else
	skip "curl round trip" "curl or python3 missing"
fi

# ---- redis-server under redis-benchmark ----
# The server is the sandboxed workload; the benchmark and the shutdown run
# outside.  Learned: its port, its files; refused: binding another port.
redis_job() { # how port: runs the server under sandlock how, drives it, stops it
	local how=$1 port=$2 rc
	$how -- redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$WORK/redis" >"$WORK/redis.log" 2>&1 &
	local spid=$!
	for _ in $(seq 100); do [ "$(timeout 2 redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break; sleep 0.05; done
	timeout 60 redis-benchmark -p "$port" -n 1000 -t set,get -q >/dev/null 2>&1; rc=$?
	[ "$(timeout 10 redis-cli -p "$port" ping 2>/dev/null)" = PONG ] || rc=1
	timeout 10 redis-cli -p "$port" shutdown nosave >/dev/null 2>&1
	for _ in $(seq 200); do kill -0 "$spid" 2>/dev/null || break; sleep 0.05; done
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	return $rc
}
if command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null; then
	read -r R1 R2 < <(ports)
	mkdir -p "$WORK/redis"
	if redis_job "$SL learn -o $WORK/redis.db" "$R1"; then ok "redis: learn run served the benchmark"
	else not_ok "redis: learn run served the benchmark" "$(tail -5 "$WORK/redis.log")"; fi
	expect "redis: sl-learn" 0 '' -- "$SLL" -o "$WORK/redis.toml" "$WORK/redis.db"
	if redis_job "$SL enforce -p $WORK/redis.toml" "$R1"; then ok "redis: the learned policy serves the benchmark"
	else not_ok "redis: the learned policy serves the benchmark" "$(tail -5 "$WORK/redis.log")" "$(cat "$WORK/redis.toml")"; fi
	if redis_job "$SL enforce -p $WORK/redis.toml" "$R2"; then not_ok "redis: another port is refused"
	else ok "redis: another port is refused"; fi
else
	skip "redis round trip" "redis-server or redis-benchmark missing"
fi
done_testing
