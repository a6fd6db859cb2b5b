# Malformed policies and command lines through the real binary: each must
# stop before the command starts with exit status 125 and exactly one line on
# stderr, the message the user sees (STYLE.md 11: lowercase, failure first,
# subject quoted, FILE:LINE:COL for input errors).  A few good inputs check
# that `sandlock check -p` prints the normalized policy.
#
# Policies are written into $WORK from the table below at test time, so the
# file names in messages are known: @F in an expected message stands for the
# case's policy file.
. "$(dirname "$0")/lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)

# expect_exact NAME STATUS WANT_STDERR [--] CMD...: exit status and the
# whole of stderr must match exactly.
expect_exact() {
	local name=$1 want=$2 werr=$3; shift 3
	local out err rc
	[ "$1" = -- ] && shift
	out=$("$@" 2>"$WORK/.err" </dev/null); rc=$?
	err=$(cat "$WORK/.err")
	if [ "$rc" -ne "$want" ]; then
		not_ok "$name" "exit $rc, want $want" "stderr: $err" "stdout: ${out:0:300}"
	elif [ "$err" != "$werr" ]; then
		not_ok "$name" "stderr: $err" "want:   $werr"
	else
		ok "$name"
	fi
	LAST_OUT=$out
}

# policy_case NAME WANT BODY: the policy must fail the same way under
# `enforce` (before anything runs) and under `check`.
policy_case() {
	local f="$WORK/$1.toml" want
	printf '%s' "$3" >"$f"
	want="sandlock: ${2//@F/"$f"}"
	expect_exact "policy $1 (enforce)" 125 "$want" -- "$SL" enforce -p "$f" -- /bin/true
	expect_exact "policy $1 (check)" 125 "$want" -- "$SL" check -p "$f"
}

# Reads cases from stdin: "=== NAME", then the expected message (after
# "sandlock: "), then the policy text up to the next "===".
policy_table() {
	local name="" msg="" body="" line
	while IFS= read -r line; do
		if [[ $line == "=== "* ]]; then
			[ -n "$name" ] && policy_case "$name" "$msg" "$body"
			name=${line#=== }
			IFS= read -r msg
			body=""
		else
			body+="$line"$'\n'
		fi
	done
	[ -n "$name" ] && policy_case "$name" "$msg" "$body"
}

policy_table <<'EOF'
=== unknown-key
@F:2:1: unknown key 'wirte' in [filesystem]
[filesystem]
wirte = ["/tmp"]
=== unknown-section
@F:3:2: unknown section [filesytem]
# a typo in a section name

[filesytem]
read = []
=== unknown-top-level-key
@F:1:1: unknown top-level key 'read' (expected a section such as [filesystem])
read = ["/usr"]
=== section-not-a-table
@F:1:1: 'network' must be a section, not array
network = [":443"]
=== unknown-subtable
@F:1:13: unknown key 'extra' in [filesystem]
[filesystem.extra]
=== unknown-key-limits
@F:2:1: unknown key 'cpu' in [limits]
[limits]
cpu = 2
=== read-not-array
@F:2:8: 'read' must be an array of strings, not string
[filesystem]
read = "/usr"
=== read-int-element
@F:2:17: 'read' must contain strings, not integer
[filesystem]
read = ["/usr", 1]
=== system-string
@F:2:10: 'system' must be a boolean, not string
[filesystem]
system = "true"
=== exec-not-array
@F:2:9: 'allow' must be an array of strings, not string
[exec]
allow = "/bin/sh"
=== bind-bool
@F:2:15: 'allow_bind' must contain ports, not boolean
[network]
allow_bind = [true]
=== timeout-string
@F:2:11: 'timeout' must be an integer, not string
[limits]
timeout = "30s"
=== clean-env-int
@F:2:13: 'clean_env' must be a boolean, not integer
[program]
clean_env = 1
=== env-not-table
@F:2:7: 'env' must be a table of strings, not array
[program]
env = ["A=1"]
=== env-value-int
@F:3:5: env value 'B' must be a string, not integer
[program.env]
A = "1"
B = 2
=== env-key-with-equals
@F:2:9: invalid environment variable name 'A=B': names must be non-empty and contain no '='
[program]
env = { "A=B" = "c" }
=== env-key-empty
@F:2:1: invalid environment variable name '': names must be non-empty and contain no '='
[program.env]
"" = "c"
=== relative-read
@F:2:9: relative path 'home/user': paths must be absolute
[filesystem]
read = ["home/user"]
=== tilde-write
@F:2:10: relative path '~/work': paths must be absolute
[filesystem]
write = ["~/work"]
=== dotdot-write
@F:2:10: path '/tmp/../etc' contains '.' or '..'
[filesystem]
write = ["/tmp/../etc"]
=== dot-read
@F:2:9: path '/usr/./lib' contains '.' or '..'
[filesystem]
read = ["/usr/./lib"]
=== relative-exec
@F:2:10: relative path 'bin/sh': paths must be absolute
[exec]
allow = ["bin/sh"]
=== relative-cwd
@F:2:7: relative path 'src': 'cwd' must be absolute
[program]
cwd = "src"
=== open-files-zero
@F:2:14: 'open_files' must be a positive integer
[limits]
open_files = 0
=== timeout-negative
@F:2:11: 'timeout' must be a positive integer
[limits]
timeout = -1
=== duplicate-key
@F:3:1: duplicate key 'read'
[filesystem]
read = ["/usr"]
read = ["/etc"]
=== duplicate-table
@F:4:2: table 'filesystem' defined twice
[filesystem]
read = ["/usr"]

[filesystem]
write = ["/tmp"]
=== fs-deny-relative
@F:3:9: relative path 'home/.ssh': paths must be absolute
[filesystem]
read = ["/home"]
deny = ["home/.ssh"]
=== fs-hide-stat-type
@F:2:13: 'hide_stat' must be a boolean, not string
[filesystem]
hide_stat = "yes"
=== fs-workdir-later
@F:2:1: 'workdir' in [filesystem] is not supported yet
[filesystem]
workdir = "/tmp/w"
=== http-allow-later
@F:2:1: 'allow' in [http] is not supported yet
[http]
allow = ["GET api.example.com/*"]
=== http-ports-later
@F:2:1: 'ports' in [http] is not supported yet
[http]
ports = [80]
=== exec-deny-argv-empty-pattern
@F:2:14: invalid deny_argv pattern '': empty pattern
[exec]
deny_argv = ["", "rm -rf *"]
=== exec-deny-argv-bad-escape
@F:2:22: invalid deny_argv pattern 'curl \x': '\' must be followed by '*', '?' or '\'
[exec]
deny_argv = ["ok *", "curl \\x"]
=== exec-deny-argv-not-array
@F:2:13: 'deny_argv' must be an array of strings, not string
[exec]
deny_argv = "rm *"
=== limits-memory-bad-size
@F:2:10: invalid size '512Q' for 'memory': expected a positive number of bytes with an optional K, M, G or T suffix
[limits]
memory = "512Q"
=== limits-processes-zero
@F:2:13: 'processes' must be a positive integer
[limits]
processes = 0
=== limits-processes-string
@F:2:13: 'processes' must be an integer, not string
[limits]
processes = "10"
=== net-port-zero
@F:2:10: invalid network rule ':0': port 0 is not allowed (ports are 1-65535)
[network]
allow = [":0"]
=== net-port-too-big
@F:2:10: invalid network rule ':65536': port '65536' is out of range (ports are 1-65535)
[network]
allow = [":65536"]
=== net-range-reversed
@F:2:10: invalid network rule 'tcp://*:80-70': port range '80-70' is reversed (low port first)
[network]
allow = ["tcp://*:80-70"]
=== net-range-open
@F:2:10: invalid network rule 'example.com:8000-': port range '8000-' needs a port on each side of '-'
[network]
allow = ["example.com:8000-"]
=== net-empty-ports
@F:2:10: invalid network rule '*:': missing ports after ':'
[network]
allow = ["*:"]
=== net-trailing-comma
@F:2:10: invalid network rule ':80,': empty item in port list
[network]
allow = [":80,"]
=== net-port-name
@F:2:10: invalid network rule 'example.com:https': port 'https' is not a number
[network]
allow = ["example.com:https"]
=== net-star-mixed
@F:2:10: invalid network rule ':*,443': '*' cannot be combined with other ports
[network]
allow = [":*,443"]
=== net-scheme-only
@F:2:10: invalid network rule 'tcp://': expected [tcp://|udp://]TARGET[:PORTS]
[network]
allow = ["tcp://"]
=== net-unknown-scheme
@F:2:10: invalid network rule 'ftp://*:21': unknown scheme 'ftp' (expected tcp:// or udp://)
[network]
allow = ["ftp://*:21"]
=== net-unknown-scheme-deny
@F:3:17: invalid network rule 'quic://*:443': unknown scheme 'quic' (expected tcp:// or udp://)
[network]
allow = ["*"]
deny = ["*:25", "quic://*:443"]
=== net-cidr-prefix-v4
@F:2:9: invalid network rule '10.0.0.0/33': invalid prefix length '/33' (0-32 for IPv4)
[network]
deny = ["10.0.0.0/33"]
=== net-cidr-prefix-v6
@F:2:10: invalid network rule '[fd00::]/129:443': invalid prefix length '/129' (0-128 for IPv6)
[network]
allow = ["[fd00::]/129:443"]
=== net-cidr-host-bits
@F:2:10: invalid network rule '10.0.0.1/8:22': '10.0.0.1/8' has bits set past the prefix length (the network is '10.0.0.0/8')
[network]
allow = ["10.0.0.1/8:22"]
=== net-cidr-on-host
@F:2:10: invalid network rule 'example.com/24': a prefix length needs an IP address, not 'example.com'
[network]
allow = ["example.com/24"]
=== net-ipv6-unbracketed
@F:2:10: invalid network rule 'fd00::1:443': more than one ':' (IPv6 addresses go in brackets, as '[::1]:443')
[network]
allow = ["fd00::1:443"]
=== net-ipv6-unterminated
@F:2:10: invalid network rule '[::1:443': missing ']' after IPv6 address
[network]
allow = ["[::1:443"]
=== net-ipv6-invalid
@F:2:10: invalid network rule '[fd00::g]:80': invalid IPv6 address 'fd00::g'
[network]
allow = ["[fd00::g]:80"]
=== net-ipv6-zone
@F:2:10: invalid network rule '[fe80::1%eth0]:22': zone index in IPv6 address 'fe80::1%eth0' is not supported
[network]
allow = ["[fe80::1%eth0]:22"]
=== net-ipv4-in-brackets
@F:2:10: invalid network rule '[10.0.0.1]:22': '10.0.0.1' is not an IPv6 address (write IPv4 addresses without brackets)
[network]
allow = ["[10.0.0.1]:22"]
=== net-ipv4-octet
@F:2:10: invalid network rule '1.2.3.256:80': invalid IPv4 address '1.2.3.256' (four numbers 0-255 without leading zeros, separated by dots)
[network]
allow = ["1.2.3.256:80"]
=== net-ipv4-short
@F:2:9: invalid network rule '10.1': invalid IPv4 address '10.1' (four numbers 0-255 without leading zeros, separated by dots)
[network]
deny = ["10.1"]
=== net-host-empty-label
@F:2:10: invalid network rule 'api..example.com:443': empty label in host name
[network]
allow = ["api..example.com:443"]
=== net-host-label-too-long
@F:2:10: invalid network rule 'x.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com': label 2 of the host name is longer than 63 characters
[network]
allow = ["x.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com"]
=== net-host-too-long
@F:2:10: invalid network rule 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': host name is longer than 253 characters
[network]
allow = ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
=== net-host-bad-char
@F:2:10: invalid network rule 'my_host.example:80': invalid character '_' in host name (host names hold letters, digits, '-' and '.')
[network]
allow = ["my_host.example:80"]
=== net-host-wildcard
@F:2:10: invalid network rule '*.example.com:443': invalid character '*' in host name (wildcard host names are not supported)
[network]
allow = ["*.example.com:443"]
=== net-host-hyphen
@F:2:9: invalid network rule 'bad-.example.com': host name label 'bad-' begins or ends with '-'
[network]
deny = ["bad-.example.com"]
=== net-host-numeric
@F:2:10: invalid network rule '0x7f000001:80': host name '0x7f000001' reads as a number to the C library (write IPv4 addresses as four decimal numbers)
[network]
allow = ["0x7f000001:80"]
=== net-deny-not-array
@F:2:8: 'deny' must be an array of strings, not string
[network]
deny = "10.0.0.0/8"
=== net-deny-int
@F:2:17: 'deny' must contain strings, not integer
[network]
deny = ["*:25", 53]
=== bind-too-big
@F:2:15: invalid bind ports '70000': expected ports as p, p1,p2, lo-hi or * (0-65535)
[network]
allow_bind = [70000]
=== bind-reversed
@F:2:21: invalid bind ports '9-8': expected ports as p, p1,p2, lo-hi or * (0-65535)
[network]
allow_bind = [8080, "9-8"]
=== syscall-empty
@F:2:15: empty syscall name
[syscalls]
extra_deny = [""]
=== syscall-unknown-deny
@F:2:24: unknown syscall 'no_such_call' in [syscalls] extra_deny
[syscalls]
extra_deny = ["chmod", "no_such_call"]
=== syscall-unknown-allow
@F:2:16: unknown syscall 'frobnicate' in [syscalls] extra_allow
[syscalls]
extra_allow = ["frobnicate"]
=== syscall-not-relaxable
@F:2:16: syscall 'mount' cannot be relaxed: changes the mount tree that path rules rely on
[syscalls]
extra_allow = ["mount"]
=== syscall-pattern-not-relaxable
@F:2:16: syscall 'clone' cannot be relaxed: 'clone(CLONE_NEW*)' creates namespaces, exposing root-only kernel code
[syscalls]
extra_allow = ["clone"]
=== syscall-not-denied
@F:2:16: 'read' is not denied by default, nothing to allow
[syscalls]
extra_allow = ["read"]
=== toml-unterminated-string
@F:2:9: unterminated string
[filesystem]
read = ["/usr]
=== toml-unterminated-header
@F:1:12: expected ']' after table name 'filesystem'
[filesystem
read = []
=== toml-missing-equals
@F:2:8: expected '=' after key 'system'
[filesystem]
system true
=== toml-missing-value
@F:2:7: expected a value
[filesystem]
read =
=== toml-float
@F:2:11: floats are not supported
[limits]
timeout = 1.5
=== toml-date
@F:2:11: dates and times are not supported
[limits]
timeout = 1979-05-27
=== toml-array-of-tables
@F:1:1: arrays of tables are not supported
[[filesystem]]
read = []
=== toml-unterminated-array
@F:2:8: unterminated array
[filesystem]
read = ["/usr"
=== toml-missing-comma
@F:2:16: expected ',' or ']' in array
[filesystem]
read = ["/usr" "/etc"]
=== toml-inline-trailing-comma
@F:2:18: trailing comma is not allowed in inline table
[program]
env = { A = "1", }
=== toml-inline-multiline
@F:2:17: inline table must be on a single line
[program]
env = { A = "1",
  B = "2" }
=== toml-bad-escape
@F:2:12: invalid escape '\q'
[filesystem]
read = ["/a\q"]
=== toml-leading-zero
@F:2:11: leading zeros are not allowed
[limits]
timeout = 030
=== toml-int-overflow
@F:2:11: integer out of range
[limits]
timeout = 99999999999999999999
=== toml-trailing-garbage
@F:2:15: expected newline after value
[filesystem]
system = true false
=== toml-header-garbage
@F:1:14: expected newline after table header
[filesystem] read = []
=== toml-no-key
@F:1:1: expected a key
= 1
=== toml-inline-extended
@F:3:10: inline table 'program.env' cannot be extended
[program]
env = { A = "1" }
[program.env]
B = "2"
EOF

# Inputs the table cannot carry: bytes that are not text.
printf '[filesystem]\nread = ["\xff"]\n' >"$WORK/bad-utf8.toml"
expect_exact "policy invalid UTF-8" 125 "sandlock: $WORK/bad-utf8.toml:2:10: invalid UTF-8" \
	"$SL" check -p "$WORK/bad-utf8.toml"
printf '[filesystem]\nread = ["/a\0"]\n' >"$WORK/bad-nul.toml"
expect_exact "policy NUL byte" 125 "sandlock: $WORK/bad-nul.toml:2:12: NUL byte in input" \
	"$SL" enforce -p "$WORK/bad-nul.toml" -- /bin/true
printf '[filesystem]\nread = ["a\tb\001"]\n' >"$WORK/bad-ctl.toml"
expect_exact "policy control character" 125 \
	"sandlock: $WORK/bad-ctl.toml:2:13: control character in string" \
	"$SL" check -p "$WORK/bad-ctl.toml"

# The policy file itself.
expect_exact "nonexistent policy (enforce)" 125 \
	"sandlock: cannot read policy '$WORK/nope.toml': No such file or directory" \
	"$SL" enforce -p "$WORK/nope.toml" -- /bin/true
expect_exact "nonexistent policy (check)" 125 \
	"sandlock: cannot read policy '$WORK/nope.toml': No such file or directory" \
	"$SL" check -p "$WORK/nope.toml"
expect_exact "nonexistent profile (run)" 125 \
	"sandlock: cannot read policy '$WORK/nope.toml': No such file or directory" \
	"$SL" run -S -p "$WORK/nope.toml" -- /bin/true
mkdir -p "$WORK/dir.toml"
expect_exact "directory as policy" 125 \
	"sandlock: cannot read policy '$WORK/dir.toml': not a regular file under 4 MiB" \
	"$SL" enforce -p "$WORK/dir.toml" -- /bin/true
expect_exact "/dev/null as policy" 125 \
	"sandlock: cannot read policy '/dev/null': not a regular file under 4 MiB" \
	"$SL" check -p /dev/null
head -c $((4 * 1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >"$WORK/huge.toml"
expect_exact "policy over 4 MiB" 125 \
	"sandlock: cannot read policy '$WORK/huge.toml': not a regular file under 4 MiB" \
	"$SL" check -p "$WORK/huge.toml"
# A FIFO must be refused, not opened: open(2) would block until a writer
# comes, hanging sandlock (timeout turns a hang into exit 124 here).
mkfifo "$WORK/fifo.toml"
expect_exact "FIFO as policy" 125 \
	"sandlock: cannot read policy '$WORK/fifo.toml': not a regular file under 4 MiB" \
	timeout 5 "$SL" check -p "$WORK/fifo.toml"
if [ "$(id -u)" -ne 0 ]; then
	printf '[filesystem]\n' >"$WORK/unreadable.toml"; chmod 000 "$WORK/unreadable.toml"
	expect_exact "unreadable policy" 125 \
		"sandlock: cannot read policy '$WORK/unreadable.toml': Permission denied" \
		"$SL" check -p "$WORK/unreadable.toml"
fi
# The first bad file of several profiles is the one named.
printf '[filesystem]\nread = ["/usr"]\n' >"$WORK/ok.toml"
printf '[limits]\ntimeout = 0\n' >"$WORK/bad2.toml"
expect_exact "second profile is bad (run)" 125 \
	"sandlock: $WORK/bad2.toml:2:11: 'timeout' must be a positive integer" \
	"$SL" run -p "$WORK/ok.toml" -p "$WORK/bad2.toml" -- /bin/true

# A granted path that does not exist fails when the ruleset is built.
printf '[filesystem]\nsystem = true\nread = ["/nonexistent-sl/x"]\n' >"$WORK/missing-grant.toml"
expect_exact "missing granted path (enforce)" 125 \
	"sandlock: cannot grant '/nonexistent-sl/x': No such file or directory" \
	"$SL" enforce -p "$WORK/missing-grant.toml" -- /bin/true
expect_exact "missing granted path (run)" 125 \
	"sandlock: cannot grant '$WORK/none': No such file or directory" \
	"$SL" run -S -w "$WORK/none" -- /bin/true
expect_exact "missing granted path is a warning with --best-effort" 0 \
	"sandlock: warning: cannot grant '/nonexistent-sl/x': No such file or directory" \
	"$SL" enforce --best-effort -p "$WORK/missing-grant.toml" -- /bin/true

# Command lines.  flag_case NAME WANT ARGS...: sandlock ARGS fails with WANT.
flag_case() { local n=$1 w=$2; shift 2; expect_exact "flags $n" 125 "sandlock: $w" "$SL" "$@"; }
G=$FIX/good_minimal.toml
flag_case "no command" "missing command (see 'sandlock --help')"
flag_case "unknown command" "unknown command 'frob' (expected run, enforce, learn, check or help)" frob -- /bin/true
flag_case "option before command" "unknown command '-S' (expected run, enforce, learn, check or help)" -S run /bin/true
flag_case "help for unknown topic" "no help for 'frob' (expected run, enforce, learn or check)" help frob
flag_case "enforce without -p" "'sandlock enforce' needs a policy: -p POLICY.toml" enforce -- /bin/true
flag_case "enforce without command" "missing command to run: 'sandlock enforce [OPTIONS] -- CMD [ARGS...]'" enforce -p "$G"
flag_case "run without command" "missing command to run: 'sandlock run [OPTIONS] -- CMD [ARGS...]'" run -S --
flag_case "check with a command" "unexpected argument '/bin/true': 'sandlock check' runs no command" check -p "$G" /bin/true
flag_case "check with a command after --" "unexpected argument 'ls': 'sandlock check' runs no command" check -p "$G" -- ls
flag_case "check -p twice" "option '-p' given twice: 'sandlock check' takes one policy" check -p "$G" -p "$G"
flag_case "unknown long option" "unknown option '--bogus' for 'sandlock run' (see 'sandlock run --help')" run --bogus -- /bin/true
flag_case "unknown short option" "unknown option '-x' for 'sandlock run' (see 'sandlock run --help')" run -S -x -- /bin/true
flag_case "unknown option in a cluster" "unknown option '-q' for 'sandlock run' (see 'sandlock run --help')" run -Sq -- /bin/true
flag_case "unknown option after a long one" "unknown option '-x' for 'sandlock run' (see 'sandlock run --help')" run --system -xS -- /bin/true
flag_case "run flag given to enforce" "unknown option '-S' for 'sandlock enforce' (see 'sandlock enforce --help')" enforce -S -p "$G" -- /bin/true
flag_case "run flag given to check" "unknown option '--read' for 'sandlock check' (see 'sandlock check --help')" check --read /usr
flag_case "flag with an argument it does not take" "option '--system' takes no argument (see 'sandlock run --help')" run --system=1 -- /bin/true
flag_case "missing option argument (long)" "option '--read' needs an argument (see 'sandlock run --help')" run -S --read
flag_case "missing option argument (short)" "option '-t' needs an argument (see 'sandlock run --help')" run -S -t
flag_case "missing option argument (cluster)" "option '-r' needs an argument (see 'sandlock run --help')" run -Sr
flag_case "missing policy argument" "option '-p' needs an argument (see 'sandlock enforce --help')" enforce -p
flag_case "timeout zero" "invalid --timeout '0': expected whole seconds > 0" run -S -t 0 -- /bin/true
flag_case "timeout negative" "invalid --timeout '-1': expected whole seconds > 0" run -S --timeout=-1 -- /bin/true
flag_case "timeout with unit" "invalid --timeout '10s': expected whole seconds > 0" run -S --timeout 10s -- /bin/true
flag_case "timeout empty" "invalid --timeout '': expected whole seconds > 0" run -S --timeout= -- /bin/true
flag_case "timeout fraction" "invalid --timeout '0.5': expected whole seconds > 0" run -S -t 0.5 -- /bin/true
flag_case "timeout overflow" "invalid --timeout '99999999999999999999': expected whole seconds > 0" run -S -t 99999999999999999999 -- /bin/true
flag_case "timeout blank then minus" "invalid --timeout ' -5': expected whole seconds > 0" run -S -t ' -5' -- /bin/true
flag_case "max-open-files zero" "invalid --max-open-files '0': expected a positive integer" run -S --max-open-files 0 -- /bin/true
flag_case "max-open-files blank then minus" "invalid --max-open-files ' -1': expected a positive integer" run -S --max-open-files ' -1' -- /bin/true
flag_case "relative cwd" "relative path 'tmp': --cwd must be absolute" run -S --cwd tmp -- /bin/true
flag_case "relative read" "relative path 'usr': paths must be absolute" run -S -r usr -- /bin/true
flag_case "dotdot write" "path '/tmp/../etc' contains '.' or '..'" run -S -w /tmp/../etc -- /bin/true
flag_case "relative exec" "relative path 'true': paths must be absolute" run -S --exec true -- /bin/true
flag_case "net bad host" "invalid network rule 'example..com:443': empty label in host name" run -S --net-allow example..com:443 -- /bin/true
flag_case "net bad port" "invalid network rule ':0': port 0 is not allowed (ports are 1-65535)" run -S --net-allow :0 -- /bin/true
flag_case "net deny bad cidr" "invalid network rule '10.0.0.0/40': invalid prefix length '/40' (0-32 for IPv4)" run -S --net-deny 10.0.0.0/40 -- /bin/true
flag_case "net deny unbracketed IPv6" "invalid network rule '::1': more than one ':' (IPv6 addresses go in brackets, as '[::1]:443')" run -S --net-deny=::1 -- /bin/true
flag_case "net deny needs an argument" "option '--net-deny' needs an argument (see 'sandlock run --help')" run -S --net-deny
flag_case "bind bad port" "invalid bind ports '65536': expected ports as p, p1,p2, lo-hi or * (0-65535)" run -S --net-allow-bind 65536 -- /bin/true
flag_case "env without =" "invalid environment entry 'FOO': expected KEY=VALUE" run -S --env FOO -- /bin/true
flag_case "env empty key" "invalid environment entry '=x': expected KEY=VALUE" run -S --env =x -- /bin/true

# A timeout too large to represent must mean "no practical limit", not fire
# at once: the deadline arithmetic must not overflow.
expect_exact "huge --timeout does not fire at once" 0 "" \
	"$SL" run -S -t 18446744073709551615 -- /bin/sleep 0.2
printf '[filesystem]\nsystem = true\n[limits]\ntimeout = 9223372036854775807\n' >"$WORK/huge-timeout.toml"
expect_exact "huge [limits] timeout does not fire at once" 0 "" \
	"$SL" enforce -p "$WORK/huge-timeout.toml" -- /bin/sleep 0.2

# Good inputs: `check -p` prints the normalized policy exactly and exits 0.
check_prints() { # NAME FILE WANT_FILE [OPTIONS...]
	local name=$1 f=$2 want=$3 rc; shift 3
	"$SL" check "$@" -p "$f" >"$WORK/out" 2>"$WORK/err" </dev/null; rc=$?
	if [ "$rc" -ne 0 ]; then not_ok "$name" "exit $rc" "stderr: $(cat "$WORK/err")"
	elif ! cmp -s "$WORK/out" "$want"; then not_ok "$name" "output differs:" "$(diff "$want" "$WORK/out" | head -20)"
	elif grep -qv '^sandlock: note: ' "$WORK/err"; then not_ok "$name" "stderr: $(cat "$WORK/err")"
	else ok "$name"; fi
}
check_prints "check prints good_full normalized" "$FIX/good_full.toml" "$FIX/good_full.out"
check_prints "check --best-effort prints the same" "$FIX/good_full.toml" "$FIX/good_full.out" --best-effort
check_prints "check prints good_minimal normalized" "$FIX/good_minimal.toml" "$FIX/good_minimal.out"
check_prints "check prints good_network normalized" "$FIX/good_network.toml" "$FIX/good_network.out"
cp "$FIX/good_network.out" "$WORK/printed-net.toml"
check_prints "normalized network rules are a fixed point" "$WORK/printed-net.toml" "$FIX/good_network.out"
[ -s "$WORK/err" ] && not_ok "good_minimal: stderr is empty" "stderr: $(cat "$WORK/err")" || ok "good_minimal: stderr is empty"
cp "$FIX/good_full.out" "$WORK/printed.toml"
check_prints "normalized output is a fixed point" "$WORK/printed.toml" "$FIX/good_full.out"
: >"$WORK/empty.toml"
printf '[filesystem]\nsystem = false\n\n[network]\n\n[syscalls]\n\n[limits]\n\n[program]\nclean_env = false\n' >"$WORK/empty.out"
check_prints "empty policy" "$WORK/empty.toml" "$WORK/empty.out"
expect_exact "good policy runs under enforce" 0 "" "$SL" enforce -p "$G" -- /bin/true
done_testing
