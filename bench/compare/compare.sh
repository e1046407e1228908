#!/usr/bin/env bash
# Times the published `chatops deploy --yes --again` against parallel-ssh, ansible-playbook and fabric 2 on N loopback
# sshd hosts, each logged into as its own unprivileged user created here. See bench/README.md, "Rollout vs peers".
#   bench/compare/compare.sh N plain|heavy [RUNS]      (as root: creates users cbNNN and sshd processes; removes both)
set -euo pipefail
N=${1:?N}; VARIANT=${2:?plain or heavy}; RUNS=${3:-5}; PEERS=${PEERS:-pssh ansible fabric}
HERE="$(cd "$(dirname "$0")" && pwd)"; REPO="$(cd "$HERE/../.." && pwd)"
ROOT=/tmp/chatops-compare-$N-$VARIANT; OUT="$HERE/results"; mkdir -p "$OUT"
PUB=${PUB:-/tmp/chatops-compare-publish}   # published once; set PUB to compare two builds
command -v parallel-ssh >/dev/null || apt-get install -y -qq pssh
command -v ansible-playbook >/dev/null || apt-get install -y -qq ansible-core
/usr/bin/python3 -c "import fabric" 2>/dev/null || apt-get install -y -qq python3-fabric
[ -x "$PUB/chatops" ] || dotnet publish "$REPO/src/Bot" -c Release -o "$PUB" >/dev/null

cleanup() {
  for p in "$ROOT"/h*/sshd.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done
  for i in $(seq -f %03g 1 "$N"); do userdel "cb$i" 2>/dev/null || true; done
  rm -rf "$ROOT"
}
[ -n "${KEEP:-}" ] || trap cleanup EXIT
cleanup; mkdir -p "$ROOT"; chmod 755 "$ROOT"; mkdir -p /run/sshd

# Upstream: a production branch with two commits; hosts start on the first, every run checks out the second.
git init -q -b production "$ROOT/upstream"
git -C "$ROOT/upstream" -c user.name=b -c user.email=b@b commit -q --allow-empty -m one
FIRST=$(git -C "$ROOT/upstream" rev-parse HEAD)
git -C "$ROOT/upstream" -c user.name=b -c user.email=b@b commit -q --allow-empty -m two
REV=$(git -C "$ROOT/upstream" rev-parse HEAD)
chmod -R a+rX "$ROOT/upstream"

ssh-keygen -q -t ed25519 -N '' -f "$ROOT/key"; cp "$ROOT/key.pub" "$ROOT/authorized_keys"; chmod 644 "$ROOT/authorized_keys"
SHELL_BIN=/bin/sh; [ "$VARIANT" = heavy ] && SHELL_BIN=/bin/bash
# About 0.15 s of CPU per bash start, like a virtualenv/pyenv/module init (calibrated below).
LOOPS=40000
: > "$ROOT/known_hosts"; : > "$ROOT/pssh_hosts"; echo "[hosts]" > "$ROOT/inventory"
for i in $(seq -f %03g 1 "$N"); do
  u=cb$i; h="$ROOT/h$i"; mkdir -p "$h/home"
  useradd -M -d "$h/home" -s "$SHELL_BIN" "$u"; usermod -p '*' "$u"
  [ "$VARIANT" = heavy ] && echo "i=0; while [ \$i -lt $LOOPS ]; do i=\$((i+1)); done" > "$h/home/.bashrc"
  git clone -q "$ROOT/upstream" "$h/home/basedir/repo" 2>/dev/null; git -C "$h/home/basedir/repo" checkout -q --detach "$FIRST"
  # The upstream belongs to root: git only serves another user's repo to those who list it as safe.
  printf '[safe]\n\tdirectory = %s/upstream/.git\n' "$ROOT" > "$h/home/.gitconfig"
  chown -R "$u" "$h/home"
  ssh-keygen -q -t ed25519 -N '' -f "$h/hostkey"
  port=$((20000 + 10#$i))
  cat > "$h/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $h/hostkey
PidFile $h/sshd.pid
AuthorizedKeysFile $ROOT/authorized_keys
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PrintMotd no
UseDNS no
MaxStartups 200
MaxSessions 50
CONF
  /usr/sbin/sshd -f "$h/sshd_config" -E "$h/sshd.log"
  echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$h/hostkey.pub")" >> "$ROOT/known_hosts"
  echo "$u@127.0.0.1:$port" >> "$ROOT/pssh_hosts"
  echo "h$i ansible_host=127.0.0.1 ansible_port=$port ansible_user=$u" >> "$ROOT/inventory"
done
chmod 644 "$ROOT/known_hosts"
if [ "$VARIANT" = heavy ]; then
  # Sourced directly: a `bash -c` started under su is a nested shell (SHLVL 2) and skips ~/.bashrc, so timing one
  # showed ~0.04 s; bash run by sshd does read it (`ssh cb001@… 'echo $i'` prints 40000).
  echo "bashrc cost (user+sys s): $( { /usr/bin/time -f '%U %S' su -s /bin/bash cb001 -c '. ~/.bashrc' ; } 2>&1 | tail -1)" | tee "$OUT/bashrc-$N.txt"
fi

STEP2="git -C {path:repo} fetch -q origin && git -C {path:repo} checkout -q --detach {rev:repo} && sleep 0.2"
python3 - "$ROOT" "$N" "$STEP2" <<'PY'
import json, sys
root, n, step2 = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cfg = {
  "dataDir": f"{root}/data",
  "chat": {"transport": "console", "channel": "releng", "consoleUser": "bench"},
  "permissions": {"deployers": ["*"], "admins": ["*"]},
  "repos": {"repo": {"kind": "git", "url": f"{root}/upstream", "branch": "production"}},
  "roles": {"r": {"repos": {"repo": {"path": "repo"}}, "steps": [
    {"name": "one", "timeoutSeconds": 60, "command": "sleep 0.2"},
    {"name": "update", "timeoutSeconds": 60, "command": step2},
    {"name": "three", "timeoutSeconds": 60, "command": "sleep 0.2"}]}},
  "hosts": [{"name": f"h{i:03d}", "role": "r", "transport": "ssh", "address": "127.0.0.1", "port": 20000 + i,
             "user": f"cb{i:03d}", "basedir": f"{root}/h{i:03d}/home/basedir"} for i in range(1, n + 1)],
  "ssh": {"keyFile": f"{root}/key", "knownHosts": f"{root}/known_hosts", "connectTimeoutSeconds": 60},
  "rollout": {"canaryCount": 0, "parallelism": n, "connectAttempts": 1},
}
json.dump(cfg, open(f"{root}/chatops.json", "w"), indent=1)
PY

CHAIN="sleep 0.2 && cd basedir/repo && git fetch -q origin && git checkout -q --detach $REV && sleep 0.2 && sleep 0.2"
SSHOPTS="-i $ROOT/key -o UserKnownHostsFile=$ROOT/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes"
cat > "$ROOT/ansible.cfg" <<CFG
[defaults]
inventory = $ROOT/inventory
forks = $N
host_key_checking = False
gathering = explicit
interpreter_python = /usr/bin/python3
private_key_file = $ROOT/key
[ssh_connection]
pipelining = True
ssh_args = -o UserKnownHostsFile=$ROOT/known_hosts -o ControlMaster=no
CFG
cat > "$ROOT/play.yml" <<PLAY
- hosts: all
  gather_facts: false
  tasks:
    - shell: sleep 0.2
    - shell: cd basedir/repo && git fetch -q origin && git checkout -q --detach $REV && sleep 0.2
    - shell: sleep 0.2
PLAY
cat > "$ROOT/fab.py" <<FAB
from fabric import ThreadingGroup
hosts = [l.strip() for l in open("$ROOT/pssh_hosts")]
g = ThreadingGroup(*hosts, connect_kwargs={"key_filename": "$ROOT/key"})
for cmd in ["sleep 0.2", "cd basedir/repo && git fetch -q origin && git checkout -q --detach $REV && sleep 0.2", "sleep 0.2"]:
    g.run(cmd, hide=True)
FAB

OURS="$PUB/chatops deploy --config $ROOT/chatops.json --yes --again"
declare -A PEER=(
  [pssh]="parallel-ssh -h $ROOT/pssh_hosts -p $N -t 0 -x '$SSHOPTS' '$CHAIN'"
  [ansible]="env ANSIBLE_CONFIG=$ROOT/ansible.cfg ansible-playbook $ROOT/play.yml"
  [fabric]="/usr/bin/python3 $ROOT/fab.py"
)
[ "${SETUP_ONLY:-}" ] && { echo "set up in $ROOT: $OURS"; exit 0; }
# Warm-up and a check that every side actually works (its exit status and the host revisions).
$OURS > "$ROOT/ours.log" 2>&1 || { echo "ours failed:"; tail -20 "$ROOT/ours.log"; exit 1; }
for p in $PEERS; do sh -c "${PEER[$p]}" > "$ROOT/$p.log" 2>&1 || { echo "$p failed:"; tail -20 "$ROOT/$p.log"; exit 1; }; done

# Server CPU: sshd listeners reap their per-connection children, so their cutime+cstime grows by what the side cost.
server_cpu() { local t=0; for p in "$ROOT"/h*/sshd.pid; do set -- $(cut -d')' -f2 "/proc/$(cat "$p")/stat"); t=$((t + ${14} + ${15})); done; echo "$t"; }
TICKS=$(getconf CLK_TCK)
{
  echo "# N=$N variant=$VARIANT runs=$RUNS $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
  for side in ours $PEERS; do
    cmd="$OURS"; [ "$side" = ours ] || cmd="${PEER[$side]}"
    before=$(server_cpu); sh -c "$cmd" >/dev/null 2>&1 || true; after=$(server_cpu)
    echo "server-cpu $side $(awk -v d=$((after - before)) -v t="$TICKS" 'BEGIN { printf "%.2f", d / t }') s"
  done
  for p in $PEERS; do
    echo "## ours vs $p (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
    farm-bench -n "$RUNS" --warmup 0 --timeout 3000 --vs "sh -c \"${PEER[$p]//\"/\\\"}\"" -- $OURS 2>&1
  done
} | tee "$OUT/compare-$N-$VARIANT.txt"
