#!/usr/bin/env bash
# Starts a throwaway PostgreSQL (Debian's binaries) on 127.0.0.1:${PORT:-55432} with fsync ON (as production would
# run it) and prints the connection string of an empty database; stop it with: pkill -f "$DIR/data"
set -euo pipefail
PORT="${PORT:-55432}"
DIR="$(mktemp -d /tmp/chatops-bench-pg.XXXX)"
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
chown postgres "$DIR"
runuser -u postgres -- "$BIN/initdb" -D "$DIR/data" -U chatops --auth=trust -E UTF8 >/dev/null
runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" -l "$DIR/log" -w start >/dev/null
runuser -u postgres -- "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U chatops bench
echo "Host=127.0.0.1;Port=$PORT;Username=chatops;Database=bench"
