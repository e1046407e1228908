#!/usr/bin/env bash
# Installs what the tests need when missing, runs every test of the solution, and ends with one line:
# "N passed, N failed[, N skipped]". Screenshots of the page tests are kept in TestResults/screenshots.
set -uo pipefail
cd "$(dirname "$0")"

need=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v git >/dev/null 2>&1 || need+=(git)
command -v hg >/dev/null 2>&1 || need+=(mercurial)
# IRC transport tests run a real ngircd (tests/Bot.Tests/Chat/Irc).
[ -x /usr/sbin/ngircd ] || need+=(ngircd)
# A host whose login shell is not POSIX (tests/Deployer.Tests/Transport/HostDriverTests.cs).
[ -x /bin/csh ] || need+=(csh)
# The status page tests drive Debian's chromium through Playwright (no browser download).
[ -x /usr/bin/chromium ] || need+=(chromium)
# The PostgreSQL store tests start their own server from Debian's binaries (tests/Deployer.Tests/Fixtures/PostgresFixture.cs).
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

results="$(mktemp -d)"
# Every temporary file of the tests (and of the bots, hosts and servers they start) goes in one directory, removed at
# the end: some fixtures keep theirs for a restart and cannot tell when the last one is done.
scratch="$(mktemp -d)"
chmod 755 "$scratch"
export TMPDIR="$scratch"
trap 'rm -rf "$results" "$scratch"' EXIT
dotnet test ChatOpsReconfig.sln --logger "trx" --results-directory "$results" "$@"
status=$?

passed=0; failed=0; skipped=0
for f in "$results"/*.trx; do
  [ -e "$f" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$f" | head -1)"
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  fl=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  nx=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${fl:-0})); skipped=$((skipped + ${nx:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "dotnet test exited $status (build or runner failure)"; fi

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
