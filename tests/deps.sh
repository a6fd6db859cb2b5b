#!/usr/bin/env bash
# Installs the Debian packages the build, tests and benchmarks need, when
# they are missing and we are root; otherwise says what to install.
set -eu
pkgs=(gcc make pkg-config libseccomp-dev libsqlite3-dev libzstd-dev libcmocka-dev
      python3 util-linux bubblewrap clang libclang-rt-dev git curl redis-server redis-tools)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq "${missing[@]}" >/dev/null
