# Deny holes through the real binary (ATTACKS.md 2 and 3): a file and a
# directory denied inside a write grant stay unreachable by every vector,
# while the rest of the tree works; a symlink swapped between an allowed
# and a denied target while it is opened never yields denied content.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || { skip "hole tests" "python3 missing"; done_testing; }
P="$WORK/proj"
mkdir -p "$P/keys" "$P/src"
echo SECRET-ENV >"$P/.env"
echo SECRET-KEY >"$P/keys/id"
echo public >"$P/src/a.txt"
ln "$P/.env" "$P/old-hardlink"          # made before the start: same inode
ln -s "$P/.env" "$P/old-symlink"
cp /bin/true "$P/keys/tool"
chmod -R a+rwX "$P"
S="$SL run -S -r $WORK -w $P --deny $P/.env --deny $P/keys"

cat >"$WORK/vectors.py" <<'EOF2'
import ctypes, errno, os, sys
P = sys.argv[1]
def attempt(name, fn):
    try:
        r = fn()
        print(name, "LEAK" if r is None or b"SECRET" in (r if isinstance(r, bytes) else b"") else "ok:" + repr(r)[:20])
    except OSError as e:
        print(name, errno.errorcode.get(e.errno, e.errno))
def read(p, flags=os.O_RDONLY):
    fd = os.open(p, flags)
    try: return os.read(fd, 100)
    finally: os.close(fd)
attempt("open", lambda: read(P + "/.env"))
attempt("open-dir-file", lambda: read(P + "/keys/id"))
attempt("list-dir", lambda: str(os.listdir(P + "/keys")).encode())
attempt("old-hardlink", lambda: read(P + "/old-hardlink"))
attempt("old-symlink", lambda: read(P + "/old-symlink"))
def new_symlink():
    os.symlink(P + "/.env", P + "/src/l1"); return read(P + "/src/l1")
attempt("new-symlink", new_symlink)
def chained():
    os.symlink(P + "/keys", P + "/src/l2"); os.symlink(P + "/src/l2/id", P + "/src/l3")
    return read(P + "/src/l3")
attempt("chained-symlink", chained)
attempt("new-hardlink", lambda: os.link(P + "/.env", P + "/src/h"))
attempt("rename-away", lambda: os.rename(P + "/.env", P + "/src/moved"))
attempt("rename-dir-away", lambda: os.rename(P + "/keys", P + "/src/k"))
def rename_onto():
    open(P + "/src/x", "w").write("x"); os.rename(P + "/src/x", P + "/.env")
attempt("rename-onto", rename_onto)
attempt("renameat2-exchange", lambda: ctypes.CDLL(None, use_errno=True).renameat2(-100, (P + "/src/a.txt").encode(), -100, (P + "/.env").encode(), 2) == 0 or (_ for _ in ()).throw(OSError(ctypes.get_errno(), "x")))
attempt("truncate", lambda: os.truncate(P + "/.env", 0))
attempt("unlink", lambda: os.unlink(P + "/.env"))
attempt("create-in-dir", lambda: open(P + "/keys/new", "w").write("x"))
def proc_fd():
    fd = os.open(P, os.O_RDONLY | os.O_DIRECTORY)
    return read("/proc/self/fd/%d/.env" % fd)
attempt("proc-self-fd", proc_fd)
def opath_upgrade():
    fd = os.open(P + "/.env", os.O_PATH)
    return read("/proc/self/fd/%d" % fd)
attempt("o_path-upgrade", opath_upgrade)
def openat_dirfd():
    d = os.open(P + "/keys", os.O_PATH | os.O_DIRECTORY)
    return read("id", 0) if False else os.read(os.open("id", os.O_RDONLY, dir_fd=d), 100)
attempt("openat-o_path-dirfd", openat_dirfd)
attempt("exec", lambda: os.execv(P + "/keys/tool", ["tool"]))
print("allowed", read(P + "/src/a.txt").decode().strip())
open(P + "/src/new.txt", "w").write("fine")
print("created", open(P + "/src/new.txt").read())
EOF2
expect "vectors against two holes" 0 '' -- $S -- "$PY" "$WORK/vectors.py" "$P"
want="open EACCES
open-dir-file EACCES
list-dir EACCES
old-hardlink EACCES
old-symlink EACCES
new-symlink EACCES
chained-symlink EACCES
new-hardlink EACCES
rename-away EACCES
rename-dir-away EACCES
rename-onto EACCES
renameat2-exchange EACCES
truncate EACCES
unlink EACCES
create-in-dir EACCES
proc-self-fd EACCES
o_path-upgrade EACCES
openat-o_path-dirfd EACCES
exec EACCES
allowed public
created fine"
expect_out "every vector refused, the rest of the tree works" "$want"
if [ "$(cat "$P/.env")" = SECRET-ENV ] && [ "$(cat "$P/keys/id")" = SECRET-KEY ] &&
   [ ! -e "$P/keys/new" ] && [ ! -e "$P/src/h" ]; then
	ok "the holes are unchanged on the host"
else
	not_ok "the holes are unchanged on the host" "$(ls -la "$P" "$P/keys")"
fi

# ATTACKS.md 3: one process flips a symlink between an allowed and a denied
# target (rename over it, atomic) while another opens it in a loop.
cat >"$WORK/swap.py" <<'EOF2'
import os, sys
P, N = sys.argv[1], int(sys.argv[2])
link = P + "/src/sw"
os.symlink(P + "/src/a.txt", link)
pid = os.fork()
if pid == 0:
    i = 0
    while True:
        tmp = P + "/src/tmp%d" % (i % 2)
        try:
            os.symlink(P + ("/.env" if i % 2 else "/src/a.txt"), tmp)
            os.rename(tmp, link)
        except OSError:
            pass
        i += 1
got = {"public": 0, "denied": 0, "other": 0}
for _ in range(N):
    try:
        data = open(link, "rb").read()
    except PermissionError:
        got["denied"] += 1
        continue
    except OSError:
        got["other"] += 1
        continue
    if b"SECRET" in data:
        print("LEAK"); break
    got["public"] += 1
os.kill(pid, 9)
print(got["public"] > 0 and got["denied"] > 0, got)
EOF2
expect "symlink swapped between allowed and denied targets, 3000 opens" 0 '' -- \
	timeout 120 $S -- "$PY" "$WORK/swap.py" "$P" 3000
case $LAST_OUT in
True*) ok "never denied content, both outcomes seen (${LAST_OUT#True })" ;;
*) not_ok "never denied content, both outcomes seen" "$LAST_OUT" ;;
esac

# Decision events name the hole's rule and where it was written.
printf '[filesystem]\nsystem = true\nwrite = ["%s"]\ndeny = [\n  "%s/.env",\n]\n' "$P" "$P" >"$WORK/h.toml"
expect "policy file holes, decision log" 1 '' -- \
	$SL enforce -p "$WORK/h.toml" --log-decisions "$WORK/ev.jsonl" -- /bin/cat "$P/.env"
if grep -q '"kind":"path","path":"'"$P"'/.env".*"verdict":"deny","rule":"filesystem.deny\[0\]","origin":"[^"]*h.toml:5:3"' "$WORK/ev.jsonl"; then
	ok "the denial names filesystem.deny[0] and its line"
else
	not_ok "the denial names filesystem.deny[0] and its line" "$(cat "$WORK/ev.jsonl")"
fi

# Nested Landlock would bind the sandbox but not the supervisor acting for it.
expect "no nested Landlock domain under holes" 0 '' -- $S -- "$PY" -c '
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(444, None, 0, 1)
print(r, errno.errorcode[ctypes.get_errno()])'
expect_out "landlock_create_ruleset fails EOPNOTSUPP (ENOTSUP)" "-1 ENOTSUP"

expect "a hole that cannot be scanned is an error at start" 125 "cannot deny" -- \
	$SL run -S -r / --deny /proc/1/fdinfo -- /bin/true
expect "the root cannot be a hole" 125 "cannot deny '/'" -- \
	$SL run -S --deny / -- /bin/true
done_testing
