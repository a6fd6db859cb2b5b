#!/usr/bin/env bash
# bench/learn_wall: wall time of a workload under `sandlock learn`, against
# the bare workload and against `strace -f -e trace=%file,%process,%network
# -o FILE` (the usual way people learn what a program touches), the three
# interleaved round by round so that machine noise hits every column alike.
#
# Workloads: python3 importing a dozen stdlib packages and writing a file;
# gcc compiling and running a small C program.  Each learn round writes a
# fresh trace (no --append), as a user would.
#
# usage: bench/learn_wall.sh SANDLOCK [-r ROUNDS] [--strict]
# Output is Markdown (bench/run.sh pastes it into bench/RESULTS.md).
set -u
TARGET_VS_BARE=1.25
TARGET_VS_STRACE=0.5

usage() { echo "usage: learn_wall.sh SANDLOCK [-r ROUNDS] [--strict]"; }
[ $# -ge 1 ] || { usage >&2; exit 2; }
SL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); shift
rounds=21 strict=0
while [ $# -gt 0 ]; do
	case $1 in
	-r|--rounds) rounds=${2:?}; shift 2 ;;
	-s|--strict) strict=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ -x "$SL" ] || { echo "learn_wall: '$SL' is not executable" >&2; exit 2; }
[ -n "${EPOCHREALTIME:-}" ] || { echo "learn_wall: needs bash 5 (EPOCHREALTIME)" >&2; exit 2; }
for tool in /usr/bin/python3 gcc strace; do
	command -v "$tool" >/dev/null || { echo "learn_wall: '$tool' is missing" >&2; exit 2; }
done

work=$(mktemp -d /tmp/learn-wall.XXXXXX) || exit 2
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
cat >imp.py <<'EOF'
import argparse, collections, csv, datetime, decimal, email.parser, fractions, http.client
import json, pathlib, re, statistics, textwrap, urllib.parse, xml.dom.minidom
open("out.txt", "w").write(json.dumps({"ok": True}))
EOF
printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' >h.c

# One timed run of "$@" in µs (stdout and stderr to /dev/null); dies on
# failure.  The clock is bash's own: the two `date` processes it replaces
# put about 6 ms of their own into every measurement here (the exit of the
# first, the fork and exec of the second), which flattered every ratio.
ms() {
	local start end
	start=${EPOCHREALTIME//[^0-9]/}
	"$@" >/dev/null 2>&1 || { echo "learn_wall: failed: $*" >&2; exit 1; }
	end=${EPOCHREALTIME//[^0-9]/}
	echo $((end - start))
}

median() { sort -n | awk '{v[NR] = $1} END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m / 1000}'; }

# bench NAME CMD...: fills $NAME.bare, .learn, .strace with one line per round.
bench() {
	local name=$1; shift
	for _ in 1 2; do # warm-up: page cache, Python's bytecode cache
		ms "$@" >/dev/null; ms "$SL" learn -o w.db -- "$@" >/dev/null
	done
	for ((i = 0; i < rounds; i++)); do
		ms "$@" >>"$name.bare"
		ms "$SL" learn -o "$name.db" -- "$@" >>"$name.learn"
		ms strace -f -e trace=%file,%process,%network -o "$name.strace.txt" "$@" >>"$name.strace"
	done
}

bench python /usr/bin/python3 imp.py
bench gcc /bin/sh -c 'gcc -o h h.c && ./h'

echo "learn_wall: $rounds rounds per command, interleaved (bare, sandlock learn, strace), after 2 warm-up rounds; wall time of the whole command"
echo
echo "| workload | bare ms | \`sandlock learn\` ms | \`strace -f -e trace=%file,%process,%network\` ms | learn / bare | learn / strace |"
echo "|---|---:|---:|---:|---:|---:|"
missed=0
verdicts=""
for w in python gcc; do
	b=$(median <"$w.bare") l=$(median <"$w.learn") s=$(median <"$w.strace")
	rb=$(awk -v l="$l" -v b="$b" 'BEGIN {printf "%.2f", l / b}')
	rs=$(awk -v l="$l" -v s="$s" 'BEGIN {printf "%.2f", l / s}')
	echo "| $w | $b | $l | $s | ${rb}× | ${rs}× |"
	for pair in "$rb $TARGET_VS_BARE bare" "$rs $TARGET_VS_STRACE strace"; do
		set -- $pair
		if awk -v m="$1" -v t="$2" 'BEGIN {exit !(m <= t)}'; then r=PASS; else r=MISS; missed=1; fi
		verdicts+="| $w: learn / $3 | $1× | ≤ $2× | $r |"$'\n'
	done
done
echo
echo "| ratio of medians | measured | target | result |"
echo "|---|---:|---:|---|"
printf '%s' "$verdicts"
[ "$strict" = 1 ] && [ "$missed" = 1 ] && exit 1
exit 0
