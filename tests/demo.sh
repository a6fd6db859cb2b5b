#!/usr/bin/env bash
# `make demo`: the bundled workload (tests/demo/workload.py) run bare, then
# confined by a policy, then with planted misbehaviour that the policy stops.
# learn -> policy and the audit report join this demo when `sandlock learn`
# (issue 5) and `sl-audit` (issue 6) land; until then the policy is written
# by hand below, exactly as sl-learn will be asked to produce it.
set -eu
build=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
SL="$build/sandlock"
py=/usr/bin/python3
demo=$(mktemp -d /tmp/sandlock-demo.XXXXXX)
trap 'rm -rf "$demo"; [ -n "${lpid:-}" ] && kill $lpid 2>/dev/null' EXIT
chmod 755 "$demo"
mkdir -p "$demo/out" "$demo/home/.ssh"
cp "$top/tests/demo/workload.py" "$top/tests/demo/orders.csv" "$demo/"
echo "-----BEGIN FAKE KEY-----" > "$demo/home/.ssh/id_rsa"

echo "sandlock demo: the learn -> policy and audit-report stages join when sandlock learn and sl-audit land (issues 5, 6); the policy below is hand-written."
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. the workload, unconfined"
"$py" "$demo/workload.py" "$demo/orders.csv" "$demo/out"

cat > "$demo/policy.toml" <<TOML
# What the workload needs, and nothing else.
[filesystem]
system = true
read = ["$demo/workload.py", "$demo/orders.csv"]
write = ["$demo/out"]

[exec]
allow = ["$py"]

[program]
clean_env = true
TOML
step "2. the policy ($demo/policy.toml), normalized by 'sandlock check'"
"$SL" check -p "$demo/policy.toml"

step "3. the workload under 'sandlock enforce'"
"$SL" enforce -p "$demo/policy.toml" -- "$py" "$demo/workload.py" "$demo/orders.csv" "$demo/out"
echo "exit status: $?"

# A listener outside the sandbox, standing in for an attacker's server.
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$py" -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1',$port)); s.listen(); time.sleep(30)" &
lpid=$!
sleep 0.3

step "4. planted misbehaviour, unconfined (every attempt succeeds)"
HOME="$demo/home" DEMO_MISBEHAVE=1 DEMO_PORT=$port "$py" "$demo/workload.py" "$demo/orders.csv" "$demo/out"
rm -f "$demo/planted"

step "5. the same misbehaviour under the policy (every attempt is blocked)"
cat >> "$demo/policy.toml" <<TOML
env = { HOME = "$demo/home", DEMO_MISBEHAVE = "1", DEMO_PORT = "$port" }
TOML
"$SL" enforce -p "$demo/policy.toml" -- "$py" "$demo/workload.py" "$demo/orders.csv" "$demo/out"
[ ! -e "$demo/planted" ] && echo "  (nothing was written outside $demo/out)"

step "6. a command outside [exec] allow is refused"
"$SL" enforce -p "$demo/policy.toml" -- /bin/sh -c 'echo never printed' || echo "exit status: $?"
