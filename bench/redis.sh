#!/usr/bin/env bash
# bench/redis: redis-server's throughput under `sandlock enforce` with the
# supervisor active, against the bare server and against bubblewrap, all
# measured in the same run.
#
# Three servers are started once, each on its own free port in the range
# bench/redis.toml lets sandlock's bind (16379-16399), all with the same
# arguments: a private temporary --dir, --save '' and --appendonly no.  The
# policy's hostname rule (localhost:6379) is there to make sandlock start its
# supervisor, which then serves connect, sendto, sendmsg and sendmmsg; the
# script checks that a seccomp listener really is open in sandlock before it
# measures, and reports "not measured" otherwise.  redis-benchmark runs
# outside every sandbox and is interleaved over the servers (bare, sandlock,
# bwrap, bare, ...) for ROUNDS rounds after one shorter warm-up round each;
# the table holds the median requests/s per mode and test, and the ratio of
# medians is what we track.  Beside it, the CPU time the server side used
# per request (schedstat of every thread of the server and of the sandbox
# process around it, supervisor included): it is what a sandbox adds, and
# it moves less than throughput when other work shares the machine.  Every
# server is shut down on any exit (trap).
#
# Servers and redis-benchmark share one CPU (the last, unless --cpu says
# otherwise): throughput is then the inverse of the CPU time a request costs
# client and server together, which is what a sandbox can add to, and it
# does not jump with where the scheduler happens to place the two (on two
# CPUs it swung by 2x between runs here).
#
# usage: bench/redis.sh SANDLOCK [-r ROUNDS] [-n REQUESTS] [-c CLIENTS]
#                       [--cpu N|none] [--strict]
# Output is Markdown (bench/run.sh pastes it into bench/RESULTS.md); notes
# and failures go to stderr.  Exit 0, also when redis is missing and cannot
# be installed (a loud skip); 1 if --strict and the target is missed; 2 on
# failure.
# shellcheck disable=SC2016 # Markdown backquotes in single quotes, not expansions
set -u

TARGET=0.97          # sandlock / bare, requests/s, for each test
PORT_LO=16379        # bench/redis.toml: allow_bind = ["16379-16399"]
PORT_HI=16399
TESTS=(SET GET)
MODES=(bare sandlock bwrap)

usage() {
	echo "usage: bench/redis.sh SANDLOCK [-r ROUNDS] [-n REQUESTS] [-c CLIENTS] [--cpu N|none] [--strict]"
}
die() { echo "redis: $*" >&2; exit 2; }
note() { printf '\n*** NOTE: %s ***\n\n' "$*" >&2; }

[ $# -ge 1 ] || { usage >&2; exit 2; }
case $1 in -h | --help) usage; exit 0 ;; esac
sandlock=$1; shift
# 15 rounds: with 7, the SET/GET medians still swung by ±8% between runs
# here while the server CPU per request did not.
rounds=15 requests=50000 clients=4 strict=false cpu=$(($(nproc) - 1))
while [ $# -gt 0 ]; do
	case $1 in
	-r | --rounds) rounds=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	-n | --requests) requests=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	-c | --clients) clients=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	--cpu) cpu=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
	-s | --strict) strict=true; shift ;;
	*) usage >&2; exit 2 ;;
	esac
done
for v in "$rounds:3:round count" "$requests:1000:request count" "$clients:1:client count"; do
	IFS=: read -r n min what <<<"$v"
	if ! [[ $n =~ ^[0-9]{1,7}$ ]] || [ "$n" -lt "$min" ]; then
		die "invalid $what '$n': want an integer from $min to 9999999"
	fi
done
[ -x "$sandlock" ] || die "cannot execute sandlock '$sandlock'"
pin=()
if [ "$cpu" != none ]; then
	[[ $cpu =~ ^[0-9]{1,4}$ ]] || die "invalid CPU '$cpu': want a CPU number or 'none'"
	command -v taskset >/dev/null || die "cannot pin to CPU $cpu: taskset is missing (util-linux), or use --cpu none"
	taskset -c "$cpu" true 2>/dev/null || die "cannot pin to CPU '$cpu': not an online CPU of ours"
	pin=(taskset -c "$cpu")
fi
here=$(cd "$(dirname "$0")" && pwd) || exit 2
policy=$here/redis.toml
[ -r "$policy" ] || die "cannot read the policy '$policy'"

# The Debian packages, installed when missing and we are root.
ensure_redis() {
	local t
	for t in redis-server redis-benchmark redis-cli; do
		command -v "$t" >/dev/null || break
	done
	command -v "$t" >/dev/null && return 0
	if [ "$(id -u)" -ne 0 ]; then
		note "redis: SKIPPED: '$t' is not installed and we are not root (apt-get install redis-server redis-tools)"
		echo "redis: skipped: '$t' is not installed (apt-get install redis-server redis-tools)"
		exit 0
	fi
	echo "redis: installing redis-server redis-tools" >&2
	{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq redis-server redis-tools; }; } >/dev/null ||
		die "failure installing redis-server and redis-tools with apt-get"
}
ensure_redis
redis_server=$(command -v redis-server)

tmp=$(mktemp -d /tmp/bench-redis.XXXXXX) || die "cannot make a temporary directory"
declare -A pid=() port=() enabled=() why=()

stop_one() { # mode
	local m=$1 p=${pid[$1]:-} i
	[ -n "$p" ] || return 0
	timeout 2 redis-cli -p "${port[$m]}" shutdown nosave >/dev/null 2>&1
	kill -TERM "$p" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "pid[$m]"
}
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	local m
	for m in "${MODES[@]}"; do stop_one "$m"; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_busy() { # port: something listens there, or we gave it out already
	local m
	for m in "${!port[@]}"; do [ "${port[$m]}" = "$1" ] && return 0; done
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The server's command line, by mode: the same redis arguments in each.
server_cmd() { # mode port dir
	local args=("$redis_server" --port "$2" --bind 127.0.0.1 --dir "$3"
		--save '' --appendonly no --daemonize no)
	case $1 in
	bare) cmd=("${args[@]}") ;;
	sandlock) cmd=("$sandlock" enforce -p "$policy" -- "${args[@]}") ;;
	bwrap) cmd=(bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp
		--bind "$3" "$3" --die-with-parent -- "${args[@]}") ;;
	esac
}

# Starts mode's server on a free port and waits until it answers PING.
# Returns 1 with why[mode] set when it does not come up.
start_one() { # mode
	local m=$1 dir=$tmp/$1 p i cmd
	mkdir -p "$dir" || die "cannot make '$dir'"
	for ((p = PORT_LO; p <= PORT_HI; p++)); do port_busy "$p" || break; done
	[ "$p" -le "$PORT_HI" ] || die "no free port in $PORT_LO-$PORT_HI"
	port[$m]=$p
	server_cmd "$m" "$p" "$dir"
	"${pin[@]}" "${cmd[@]}" </dev/null >"$dir/log" 2>&1 &
	pid[$m]=$!
	for ((i = 0; i < 100; i++)); do
		[ "$(redis-cli -p "$p" ping 2>/dev/null)" = PONG ] && return 0
		kill -0 "${pid[$m]}" 2>/dev/null || break
		sleep 0.1
	done
	why[$m]="it did not answer PING: $(grep -v '^[[:space:]]*$' "$dir/log" | tail -n 1)"
	stop_one "$m"
	return 1
}

# The supervisor lives in the sandlock process: its listener is an fd there.
has_listener() { # pid
	local i fd
	for ((i = 0; i < 20; i++)); do
		for fd in "/proc/$1/fd"/*; do
			[ "$(readlink "$fd" 2>/dev/null)" = 'anon_inode:seccomp notify' ] && return 0
		done
		sleep 0.05
	done
	return 1
}

start_all() {
	local m
	for m in "${MODES[@]}"; do
		enabled[$m]=true
		if [ "$m" = bwrap ] && ! command -v bwrap >/dev/null; then
			why[$m]="bubblewrap is not installed (apt-get install bubblewrap)"
		elif start_one "$m"; then
			[ "$m" != sandlock ] || has_listener "${pid[$m]}" && continue
			why[$m]="the policy's hostname rule did not start the supervisor (no seccomp listener in sandlock)"
			stop_one "$m"
		fi
		[ "$m" != bare ] || die "the bare server failed: ${why[$m]}"
		enabled[$m]=false
		note "$m: not measured (${why[$m]})"
	done
}

# CPU time (ns) of every thread of pid and of its descendants so far: the
# server, and for sandlock its supervisor's threads too.  Threads that
# have exited are not counted; redis's and the supervisor's live on.
tree_cpu_ns() { # pid
	local t c sum=0 run kids
	for t in /proc/"$1"/task/*; do
		read -r run _ <"$t/schedstat" 2>/dev/null && sum=$((sum + run))
		kids=()
		read -ra kids <"$t/children" 2>/dev/null # no newline at its end: status 1
		for c in "${kids[@]}"; do
			sum=$((sum + $(tree_cpu_ns "$c")))
		done
	done
	echo "$sum"
}

# One redis-benchmark run against mode's server; appends "mode test rps"
# for each test and "mode CPU ns-per-request" for the server side.
bench_one() { # mode requests
	local out cpu0
	cpu0=$(tree_cpu_ns "${pid[$1]}")
	out=$(timeout 600 "${pin[@]}" redis-benchmark -h 127.0.0.1 -p "${port[$1]}" -t set,get \
		-n "$2" -c "$clients" -P 1 --csv 2>&1) ||
		die "redis-benchmark against the $1 server failed: $(tail -n 1 <<<"$out")"
	awk -F'"' -v m="$1" '$2 == "SET" || $2 == "GET" { print m, $2, $4; n++ }
		END { exit n != 2 }' <<<"$out" >>"$tmp/samples" ||
		die "cannot read redis-benchmark's output: $out"
	echo "$1 CPU $((($(tree_cpu_ns "${pid[$1]}") - cpu0) / (2 * $2)))" >>"$tmp/samples"
}

measure() {
	local r m
	for m in "${MODES[@]}"; do
		[ "${enabled[$m]}" = true ] && bench_one "$m" $((requests / 10 + 1000)) </dev/null
	done
	: >"$tmp/samples"
	for ((r = 0; r < rounds; r++)); do
		for m in "${MODES[@]}"; do
			[ "${enabled[$m]}" = true ] && bench_one "$m" "$requests" </dev/null
		done
	done
}

median() { # mode test
	awk -v m="$1" -v t="$2" '$1 == m && $2 == t { print $3 }' "$tmp/samples" | sort -g |
		awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
			else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

label() {
	case $1 in
	bare) echo 'bare `redis-server`' ;;
	sandlock) echo '`sandlock enforce -p bench/redis.toml`' ;;
	bwrap) echo '`bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp`' ;;
	esac
}

report() {
	local m t ok=true row res
	declare -A med=()
	printf 'redis: %s; `redis-benchmark -t set,get -n %s -c %s -P 1` outside the sandbox, ' \
		"$("$redis_server" --version | sed -n "s/^Redis server v=\([^ ]*\).*/redis-server \1/p")" \
		"$requests" "$clients"
	printf '%s rounds interleaved (bare, sandlock, bwrap) after a warm-up round each; ' "$rounds"
	if [ ${#pin[@]} -ne 0 ]; then
		printf 'servers and redis-benchmark on CPU %s; ' "$cpu"
	fi
	printf 'medians per mode of requests/s and of the CPU time the server side '
	printf '(every thread of the server, and of sandlock or bwrap around it) used per request\n\n'
	printf '| mode | SET req/s | GET req/s | server CPU µs/request |\n|---|---:|---:|---:|\n'
	for m in "${MODES[@]}"; do
		if [ "${enabled[$m]}" != true ]; then
			printf '| %s | not measured | not measured | not measured |\n' "$(label "$m")"
			continue
		fi
		row="| $(label "$m") |"
		for t in "${TESTS[@]}"; do
			med[$m$t]=$(median "$m" "$t")
			row+=" ${med[$m$t]} |"
		done
		med[${m}CPU]=$(median "$m" CPU)
		echo "$row $(awk -v n="${med[${m}CPU]}" 'BEGIN { printf "%.2f", n / 1000 }') |"
	done
	printf '\n| ratio of medians | SET | GET | server CPU | target (SET, GET) | result |\n'
	printf '|---|---:|---:|---:|---:|---|\n'
	if [ "${enabled[sandlock]}" = true ]; then
		row="| sandlock / bare |"
		for t in "${TESTS[@]}"; do
			res=$(ratio "${med[sandlock$t]}" "${med[bare$t]}")
			row+=" ${res}× |"
			awk -v r="$res" -v g="$TARGET" 'BEGIN { exit !(r >= g) }' || ok=false
		done
		row+=" $(ratio "${med[sandlockCPU]}" "${med[bareCPU]}")× |"
		echo "$row ≥ ${TARGET}× | $($ok && echo PASS || echo MISS) |"
	else
		echo "| sandlock / bare | not measured | not measured | | ≥ ${TARGET}× | SKIP |"
	fi
	if [ "${enabled[bwrap]}" = true ]; then
		row="| bwrap / bare |"
		for t in "${TESTS[@]}" CPU; do
			row+=" $(ratio "${med[bwrap$t]}" "${med[bare$t]}")× |"
		done
		echo "$row | |"
	fi
	for m in sandlock bwrap; do
		[ "${enabled[$m]}" = true ] || printf '\n%s: not measured (%s)\n' "$m" "${why[$m]}"
	done
	$ok
}

start_all
measure
report
rc=$?
[ "$rc" -eq 0 ] || ! $strict || exit 1
exit 0
