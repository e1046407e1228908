#!/bin/bash
# usage: bench/hg-count/run.sh tests/Deployer.Tests LOG [dotnet test options]: one built test project with every hg
# start logged to LOG; then python3 bench/hg-count/analyze.py LOG. The sshd hosts' hg does not see this PATH (see
# bench/README.md).
set -u
here=$(cd "$(dirname "$0")" && pwd)
export HGCOUNT_LOG=$(realpath -m "$2"); : > "$HGCOUNT_LOG"
export TMPDIR=$(mktemp -d); chmod 755 "$TMPDIR"
export PATH=$here/bin:$PATH
cd "$here/../.."
dotnet test "$1" --no-build "${@:3}"
# The chg servers left (idle timeouts of 60-300 s) are stopped, so that their CPU is logged.
for pid in $(pgrep -f "cmdserver chgunix --address $TMPDIR"); do
  tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null | grep -q '^/usr/bin/python3 ' && kill "$pid"
done
sleep 3
rm -rf "$TMPDIR"
