# Interactive programs keep a working terminal: the sandbox's process group
# is given the terminal (job control works, no "no job control" warning),
# Ctrl-C from the terminal reaches the sandboxed foreground job, and the
# exit status comes back; Ctrl-Z stops the sandboxed job and gives the
# shell its prompt back.  script(1) provides the pty.
. "$(dirname "$0")/lib.sh"
if ! command -v script >/dev/null; then skip "interactive terminal" "script(1) missing"; done_testing; fi

# Feeds the lines of $1 (with pauses) to `sandlock run -S -- bash -i`.
interact() {
	{ sleep 1; printf '%b' "$1"; } | timeout 30 script -qec "$SL run -S -- /bin/bash --norc -i" /dev/null \
		>"$WORK/tty.out" 2>&1
}

interact 'echo INSIDE-$((6*7))\nexit 3\n'
rc=$?
[ $rc -eq 3 ] && ok "interactive bash exit status" || not_ok "interactive bash exit status" "rc=$rc"
grep -q 'INSIDE-42' "$WORK/tty.out" && ok "interactive bash runs commands" ||
	not_ok "interactive bash runs commands" "$(cat "$WORK/tty.out")"
if grep -qiE 'no job control|cannot set terminal process group' "$WORK/tty.out"; then
	not_ok "bash has job control" "$(cat "$WORK/tty.out")"
else ok "bash has job control"; fi

# Ctrl-C (sent as the terminal's INTR character) interrupts the sandboxed
# foreground job; bash itself survives and reports 130.
# (bash drops the rest of an interrupted command line, so $? is read on the
# next one.)
{ sleep 1; echo 'sleep 20'; sleep 1; printf '\003'; sleep 0.5; echo 'echo AFTER-$?'; echo 'exit 0'; } |
	timeout 30 script -qec "$SL run -S -- /bin/bash --norc -i" /dev/null >"$WORK/tty.out" 2>&1
rc=$?
grep -q 'AFTER-130' "$WORK/tty.out" && ok "ctrl-c reaches the sandboxed job" ||
	not_ok "ctrl-c reaches the sandboxed job" "rc=$rc" "$(cat "$WORK/tty.out")"
[ $rc -eq 0 ] && ok "bash survives ctrl-c" || not_ok "bash survives ctrl-c" "rc=$rc"
# Ctrl-Z: the sandbox holds the terminal in its own process group, so ^Z
# stops it, not sandlock; sandlock must stop too or the shell (outside the
# sandbox here) waits forever.  Then: the shell's prompt is back and `jobs`
# says Stopped; `bg` continues it without the terminal (the shell still reads
# commands); `fg` hands the terminal back so ^C reaches it; a second job is
# stopped and ended with `kill %1`.  Each step prints a computed marker, so
# typed-ahead text echoed by the terminal cannot pass for output.
slp="sleep 3$$.5"
{ sleep 1; echo "$SL run -S -- $slp"; sleep 1; printf '\032'; sleep 0.5
  echo 'echo JOBS-$((1+1)); jobs'; sleep 0.5
  echo 'bg; sleep 0.3; echo BG-$((2+2)); jobs'; sleep 1
  echo 'fg'; sleep 1; printf '\003'; sleep 0.5; echo 'echo FG-$?'; sleep 0.3
  echo "$SL run -S -- $slp"; sleep 2; printf '\032'; sleep 0.5
  echo 'kill %1'; sleep 3.5; echo 'jobs'; sleep 0.5; echo 'exit 0'; } |
	timeout 30 script -qec "/bin/bash --norc -i" /dev/null >"$WORK/tty.out" 2>&1
rc=$?
# Without carriage returns and terminal escapes (bracketed paste mode).
sed -e 's/\r//g' -e 's/\x1b\[[?0-9;]*[a-zA-Z]//g' "$WORK/tty.out" > "$WORK/tty.txt"
# after MARKER PATTERN: a line matching PATTERN follows the MARKER line.
after() { awk -v m="$1" -v p="$2" '$0 == m {seen=1; next} seen && $0 ~ p {found=1} END {exit !found}' "$WORK/tty.txt"; }
if grep -qx 'JOBS-2' "$WORK/tty.txt"; then ok "ctrl-z gives the shell its prompt back"
else not_ok "ctrl-z gives the shell its prompt back" "rc=$rc" "$(cat "$WORK/tty.txt")"; fi
after JOBS-2 "Stopped +.*$slp" && ok "jobs lists the sandboxed job as Stopped" ||
	not_ok "jobs lists the sandboxed job as Stopped" "$(cat "$WORK/tty.txt")"
after BG-4 "Running +.*$slp" && ok "bg runs it in the background, the shell keeps the terminal" ||
	not_ok "bg runs it in the background, the shell keeps the terminal" "$(cat "$WORK/tty.txt")"
grep -qx 'FG-130' "$WORK/tty.txt" && ok "fg gives it the terminal back: ctrl-c reaches it" ||
	not_ok "fg gives it the terminal back: ctrl-c reaches it" "$(cat "$WORK/tty.txt")"
grep -qE "Exit 143 +.*$slp" "$WORK/tty.txt" && ok "kill %1 ends a stopped sandbox" ||
	not_ok "kill %1 ends a stopped sandbox" "$(cat "$WORK/tty.txt")"
[ $rc -eq 0 ] && ok "the shell exits normally" || not_ok "the shell exits normally" "rc=$rc"
if pgrep -f "$slp" >/dev/null; then
	not_ok "no sandboxed sleep is left" "$(pgrep -af "$slp")"; pkill -KILL -f "$slp"
else ok "no sandboxed sleep is left"; fi
done_testing
