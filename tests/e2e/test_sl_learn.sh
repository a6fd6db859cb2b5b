# sl-learn through the real binary: bad input is exit 2 with one precise
# line, a good trace gives a policy `sandlock check` accepts, byte-identical
# on every run and in any order of traces, written atomically with -o; the
# policy enforces what the trace shows (cat may read its file, nothing
# else) and never grants a protected path.
#
# Traces are built here with python3's sqlite3 module from the schema that
# `sl-learn --print-schema` prints (the contract, schemas/trace.sql), so
# the rows are exactly what the recorder writes.
. "$(dirname "$0")/lib.sh"
SLL="$(dirname "$SL")/sl-learn"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)

# expect_exact NAME STATUS WANT_STDERR CMD...: the whole of stderr.
expect_exact() {
	local name=$1 want=$2 werr=$3; shift 3
	local out err rc
	out=$("$@" 2>"$WORK/.err" </dev/null); rc=$?
	err=$(cat "$WORK/.err")
	if [ "$rc" -ne "$want" ]; then
		not_ok "$name" "exit $rc, want $want" "stderr: $err"
	elif [ "$err" != "$werr" ]; then
		not_ok "$name" "stderr: $err" "want:   $werr"
	else
		ok "$name"
	fi
	LAST_OUT=$out
}

expect "help" 0 '' -- "$SLL" --help
grep -q '^usage: sl-learn \[-o POLICY.toml\]' <<<"$LAST_OUT" && ok "help text" ||
	not_ok "help text" "$LAST_OUT"
expect_exact "no trace is exit 2" 2 $'sl-learn: no trace given\n(run \'sl-learn --help\' for usage)' "$SLL"
expect "unknown option is exit 2" 2 "^sl-learn: unknown option '--bogus'" -- "$SLL" --bogus x.db
expect "bad collapse is exit 2" 2 "^sl-learn: invalid --collapse '0'" -- "$SLL" --collapse 0 x.db
expect "prefix needs collapse" 2 "^sl-learn: --collapse-prefix needs --collapse N" -- \
	"$SLL" --collapse-prefix /usr x.db
expect_exact "missing trace is exit 2" 2 \
	"sl-learn: cannot read trace '$WORK/none.db': No such file or directory" "$SLL" "$WORK/none.db"
head -c 8192 /dev/urandom >"$WORK/random.db"
expect_exact "random bytes are exit 2" 2 \
	"sl-learn: cannot read trace '$WORK/random.db': not a SQLite database" "$SLL" "$WORK/random.db"
: >"$WORK/empty.db"
expect_exact "empty file is exit 2" 2 \
	"sl-learn: cannot read trace '$WORK/empty.db': empty file, not a sandlock trace" \
	"$SLL" "$WORK/empty.db"
expect_exact "directory is exit 2" 2 \
	"sl-learn: cannot read trace '$WORK': not a regular file" "$SLL" "$WORK"

if ! command -v python3 >/dev/null || ! python3 -c 'import sqlite3' 2>/dev/null; then
	skip "traces built with python3" "python3 with sqlite3 is not installed"
	done_testing
fi
"$SLL" --print-schema >"$WORK/schema.sql"
cat >"$WORK/mktrace.py" <<'EOF'
# mktrace.py OUT SCHEMA SPEC...: a trace of one run whose events are the
# specs, in order, all by pid 4242 running $TRACE_EXE:
#   "path ACCESS PATH"  "deny ACCESS PATH"  "exec PATH"
#   "net PROTO ADDR PORT [HOST]"  "bind PORT"  "bulk N"  "peaks P MEM FILES"
import json, os, sqlite3, sys
out, schema, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
exe = os.environ.get("TRACE_EXE", "/usr/bin/cat")
db = sqlite3.connect(out)
db.executescript(open(schema).read())
db.execute("INSERT INTO runs (command, cwd, start_ns, end_ns, exit_status, sandlock_version,"
           " kernel, landlock_abi, mode) VALUES (?, '/', 1, 2, 0, 't', 't', 7, 'learn')",
           (json.dumps(["cat"]),))
ids = {}
def sid(text):
    if text is None:
        return None
    if text not in ids:
        ids[text] = db.execute("INSERT INTO strings (text) VALUES (?)", (text,)).lastrowid
    return ids[text]
seq = 0
def event(kind, verdict="allow", syscall="openat", path=None, access=None, addr=None,
          port=None, proto=None, host=None):
    global seq
    seq += 1
    db.execute("INSERT INTO event_rows (run, seq, time_ns, pid, ppid, exe, kind, syscall, nr,"
               " path, access, addr, port, proto, host, verdict, rule, errno)"
               " VALUES (1, ?, ?, 4242, 1, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
               (seq, 1000 + seq, sid(exe), kind, sid(syscall), sid(path), access, addr, port,
                proto, sid(host), verdict, sid("learn")))
for spec in specs:
    w = spec.split(" ")
    if w[0] in ("path", "deny"):
        event("path", "allow" if w[0] == "path" else "deny", path=w[2], access=int(w[1]))
    elif w[0] == "exec":
        event("exec", syscall="execve", path=w[1])
    elif w[0] == "net":
        event("net", syscall="connect", proto=w[1], addr=w[2], port=int(w[3]),
              host=w[4] if len(w) > 4 else None)
    elif w[0] == "bind":
        event("net", syscall="bind", proto="tcp", addr="0.0.0.0", port=int(w[1]))
    elif w[0] == "bulk":
        for i in range(int(w[1])):
            event("path", path="/data/some/longer/name/file-%08d" % i, access=1)
    elif w[0] == "peaks":
        db.execute("UPDATE runs SET peak_processes = ?, peak_memory = ?, peak_open_files = ?",
                   tuple(int(x) for x in w[1:4]))
db.commit()
db.close()
EOF
mktrace() { python3 "$WORK/mktrace.py" "$1" "$WORK/schema.sql" "${@:2}"; }

python3 -c "import sqlite3; d = sqlite3.connect('$WORK/foreign.db');
d.execute('CREATE TABLE moz_places (id INTEGER, url TEXT)'); d.commit()"
expect_exact "foreign SQLite database is exit 2" 2 \
	"sl-learn: cannot read trace '$WORK/foreign.db': not a sandlock trace (no table 'runs')" \
	"$SLL" "$WORK/foreign.db"
mktrace "$WORK/newer.db" "path 1 /etc/hostname"
python3 -c "import sqlite3; d = sqlite3.connect('$WORK/newer.db');
d.execute('PRAGMA user_version = 9'); d.commit()"
expect_exact "newer schema is exit 2" 2 \
	"sl-learn: cannot read trace '$WORK/newer.db': schema version 9 is newer than this program reads (1)" \
	"$SLL" "$WORK/newer.db"
mktrace "$WORK/big.db" "bulk 20000"
python3 -c "import os; p = '$WORK/big.db'; os.truncate(p, os.path.getsize(p) // 2)"
expect "truncated trace is exit 2" 2 \
	"^sl-learn: cannot read trace '$WORK/big.db': corrupted \(" -- "$SLL" "$WORK/big.db"
[ "$(grep -c '' "$WORK/.err")" -eq 1 ] && ok "corruption is one line" ||
	not_ok "corruption is one line" "$(cat "$WORK/.err")"
expect "the first bad trace stops sl-learn" 2 "" -- "$SLL" "$WORK/newer.db" "$WORK/big.db"

# The trace of `cat $WORK/data/in.txt`, which also read ~/.ssh/id_rsa.
mkdir -p "$WORK/data" "$WORK/home/.ssh" && echo "learned content" >"$WORK/data/in.txt" &&
	echo "not for cat" >"$WORK/other.txt" && echo key >"$WORK/home/.ssh/id_rsa" &&
	chmod -R a+rX "$WORK"
export HOME="$WORK/home"
libs=()
while read -r lib; do libs+=("path 1 $lib"); done < <(ldd /bin/cat 2>/dev/null |
	awk '$2 == "=>" && $3 ~ /^\// {print $3}')
cat_specs=("path 1 /etc/ld.so.cache" "${libs[@]}" "path 1 $WORK/data/in.txt"
	"path 1 $HOME/.ssh/id_rsa" "deny 2 $WORK/other.txt" "net tcp 127.0.0.1 8080"
	"net udp 10.0.0.53 53 resolver.example" "bind 9000" "peaks 3 10485760 8")
mktrace "$WORK/cat.db" "${cat_specs[@]}"
expect "synthesis succeeds" 0 "^sl-learn: skipped protected path '$HOME/.ssh/id_rsa' \(read" -- \
	"$SLL" "$WORK/cat.db"
first=$LAST_OUT
grep -q "\"$WORK/data/in.txt\", # 1 event, first by pid 4242 /usr/bin/cat" <<<"$first" &&
	ok "read grant with provenance" || not_ok "read grant with provenance" "$first"
! grep -q '\.ssh\|other.txt' <<<"$first" && ok "no protected or denied path" ||
	not_ok "no protected or denied path" "$first"
grep -q '"tcp://127.0.0.1:8080"' <<<"$first" && grep -q '"udp://resolver.example:53"' <<<"$first" &&
	ok "network rules by host, else address" || not_ok "network rules by host, else address" "$first"
expect "again" 0 '' -- "$SLL" "$WORK/cat.db"
[ "$LAST_OUT" = "$first" ] && ok "byte-identical output" || not_ok "byte-identical output"

expect "-o writes the file" 0 '' -- "$SLL" -o "$WORK/policy.toml" "$WORK/cat.db"
[ "$(cat "$WORK/policy.toml")" = "$first" ] && ok "-o holds the same policy" ||
	not_ok "-o holds the same policy"
ls "$WORK"/policy.toml.* >/dev/null 2>&1 && not_ok "no temporary file left" || ok "no temporary file left"
expect "sandlock check accepts it" 0 '' -- "$SL" check -p "$WORK/policy.toml"
expect "unwritable -o is exit 1" 1 "^sl-learn: cannot write policy '$WORK/nodir/p.toml': " -- \
	"$SLL" -o "$WORK/nodir/p.toml" "$WORK/cat.db"

# Two traces merge, in either order, to the same bytes.
TRACE_EXE=/usr/bin/head mktrace "$WORK/head.db" "path 1 $WORK/data/in.txt" "path 2 $WORK/data/in.txt"
expect "two traces" 0 '' -- "$SLL" "$WORK/cat.db" "$WORK/head.db"
ab=$LAST_OUT
expect "two traces, other order" 0 '' -- "$SLL" "$WORK/head.db" "$WORK/cat.db"
[ "$LAST_OUT" = "$ab" ] && ok "merge is order-independent" || not_ok "merge is order-independent"
grep -q "\"$WORK/data/in.txt\", # 3 events" <<<"$ab" && ok "write wins, events merged" ||
	not_ok "write wins, events merged" "$ab"

# The learned policy at work: cat reads its file and nothing else.
if [ ${#libs[@]} -eq 0 ]; then
	skip "enforce the learned policy" "ldd cannot list /bin/cat's libraries"
else
	sed -i '/^\[network\]/,$d' "$WORK/policy.toml" # no supervisor needed for cat
	expect "learned policy runs cat" 0 '' -- "$SL" enforce -p "$WORK/policy.toml" -- \
		/usr/bin/cat "$WORK/data/in.txt"
	expect_out "learned output" "learned content"
	expect "learned policy denies another file" 1 'Permission denied' -- \
		"$SL" enforce -p "$WORK/policy.toml" -- /usr/bin/cat "$WORK/other.txt"
	expect "learned policy denies another program" 126 'Permission denied' -- \
		"$SL" enforce -p "$WORK/policy.toml" -- /usr/bin/head "$WORK/data/in.txt"
fi
done_testing
