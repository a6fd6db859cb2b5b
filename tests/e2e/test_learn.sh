# `sandlock learn` through the real binary: record a workload into a SQLite
# trace, synthesize a policy (--policy-out), enforce it; the workload cannot
# touch its own trace (ATTACKS.md 19); a killed sandlock leaves a readable
# trace; bad output paths are refused.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || { skip "learn tests" "python3 missing"; done_testing; }
W="$WORK/w"
mkdir -p "$W/in" "$W/out" "$WORK/secret"
echo "alpha,1" >"$W/in/data.csv"
echo "do not read" >"$WORK/secret/key"
cat >"$W/job.py" <<'EOF2'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1] + "/in/data.csv")))
json.dump(rows, open(sys.argv[1] + "/out/result.json", "w"))
if len(sys.argv) > 2:
    print(open(sys.argv[2]).read().strip())
print("rows", len(rows))
EOF2
# What a trace holds, through Python's sqlite3 (sqlite3(1) may be missing).
q() { "$PY" -c 'import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for r in c.execute(sys.argv[2]): print(*r)' "$@"; }

expect "learn records a run and keeps the command's output and status" 0 '' -- \
	$SL learn -o "$WORK/t.db" --policy-out "$WORK/p.toml" -- "$PY" "$W/job.py" "$W"
expect_out "the workload's own output" "rows 1"
[ "$(stat -c %a "$WORK/t.db")" = 600 ] && ok "trace created mode 0600" ||
	not_ok "trace created mode 0600" "$(stat -c %a "$WORK/t.db")"
expect "the trace holds the run and its file events" 0 '' -- q "$WORK/t.db" "
select (select count(*) from runs),
       (select count(*) from events where path = '$W/in/data.csv' and access & 1),
       (select count(*) from events where path = '$W/out/result.json' and access & 2),
       (select count(*) from events where kind = 'exec')"
case $LAST_OUT in
"1 "[1-9]*" "[1-9]*" "[1-9]*) ok "run, read of the input, write of the output, the exec recorded" ;;
*) not_ok "run, read of the input, write of the output, the exec recorded" "$LAST_OUT" ;;
esac
expect "the exit status is the command's" 3 '' -- $SL learn -o "$WORK/st.db" -- /bin/sh -c 'exit 3'

# The synthesized policy loads, runs the same workload, and refuses a
# planted variant that also reads a secret.
expect "the learned policy loads" 0 '' -- $SL check -p "$WORK/p.toml"
rm -f "$W/out/result.json"
expect "the workload runs under the learned policy" 0 '' -- \
	$SL enforce -p "$WORK/p.toml" -- "$PY" "$W/job.py" "$W"
expect_out "same output" "rows 1"
expect "a planted read of a secret is refused" 1 'Permission denied' -- \
	$SL enforce -p "$WORK/p.toml" -- "$PY" "$W/job.py" "$W" "$WORK/secret/key"

# ATTACKS.md 19: the trace is the workload's to leave alone.
expect "the workload cannot write, remove or rename its trace" 0 '' -- \
	$SL learn -o "$WORK/a.db" -- /bin/sh -c "
echo x >'$WORK/a.db' 2>/dev/null || echo w-refused
rm -f '$WORK/a.db-wal' 2>/dev/null; [ -e '$WORK/a.db-wal' ] && echo rm-refused
mv '$WORK/a.db' '$WORK/b.db' 2>/dev/null || echo mv-refused
ln '$WORK/a.db' '$WORK/c.db' 2>/dev/null || echo ln-refused"
expect_out "each attempt refused" "w-refused
rm-refused
mv-refused
ln-refused"
expect "the trace is intact" 0 '' -- q "$WORK/a.db" "pragma integrity_check"
expect_out "integrity_check ok" "ok"

# --append adds a run; without it the trace is replaced.
expect "append a second run" 0 '' -- $SL learn -o "$WORK/t.db" --append -- /bin/true
expect "two runs" 0 '' -- q "$WORK/t.db" "select count(*) from runs"
expect_out "two runs (output)" "2"

# kill -9 of sandlock mid-run: what was flushed stays, the file is sound.
$SL learn -o "$WORK/k.db" -- /bin/sh -c 'i=0; while [ $i -lt 100000 ]; do cat /dev/null; i=$((i+1)); done' &
lpid=$!
sleep 2
kill -9 "$lpid"; wait "$lpid" 2>/dev/null
pkill -KILL -f 'while \[ \$i -lt 100000 \]' 2>/dev/null
expect "a trace after kill -9 opens and checks" 0 '' -- q "$WORK/k.db" \
	"select (select count(*) from events) > 0, (select * from pragma_integrity_check)"
expect_out "events kept, integrity ok" "1 ok"

# A trace that cannot grow (RLIMIT_FSIZE here, a full disk alike) stops the
# workload with a clear error instead of dropping events.
expect "a trace that cannot be written stops the workload: 125" 125 \
	"cannot write the trace: killed the sandbox" -- /bin/sh -c "ulimit -f 200; exec $SL learn \
	-o '$WORK/full.db' -- /bin/sh -c 'i=0; while [ \$i -lt 20000 ]; do cat /dev/null; i=\$((i+1)); done; echo finished'"
case $LAST_OUT in *finished*) not_ok "the workload did not run to its end" ;; *) ok "the workload did not run to its end" ;; esac
grep -q "events not recorded" <<<"$LAST_ERR" && ok "the loss is counted" ||
	not_ok "the loss is counted" "$LAST_ERR"

# Bad output paths.
echo "precious" >"$WORK/notes.txt"
expect "an existing non-trace file is refused" 125 "notes.txt" -- \
	$SL learn -o "$WORK/notes.txt" -- /bin/true
[ "$(cat "$WORK/notes.txt")" = precious ] && ok "and left untouched" || not_ok "and left untouched"
expect "an unwritable trace location" 125 "" -- $SL learn -o /nonexistent/t.db -- /bin/true
expect "learn --help" 0 '' -- $SL learn --help
done_testing
