#!/usr/bin/env bash
# Soak (issue 17; not in CI): the published `chatops run` (console chat, LiteDB) with 50 `local` hosts whose steps
# fail, hang past their timeout or flood output at random; `!deploy now --again` every 20 s for 10 minutes. Samples
# the bot's RSS, open file descriptors and threads after every rollout, and the store's size; reports drift after
# the warm-up. See bench/README.md, "Soak".
#   bench/soak/soak.sh [MINUTES=10] [HOSTS=50] [EVERY_SECONDS=20]      (PUB=DIR: the published chatops, else built)
#   WARMUP=SECONDS (default 120): the samples before it are left out of the drift.
#   SSH_HOSTS=/tmp/chatops-compare-50-plain bench/soak/soak.sh 10 50 20
#       the same over the loopback sshd hosts `KEEP=1 SETUP_ONLY=1 bench/compare/compare.sh 50 plain` left up (as root),
#       each step a real `git fetch` + `checkout` over ssh, and one host's sshd stopped before a rollout 1 time in 3.
set -euo pipefail
MINUTES=${1:-10}; HOSTS=${2:-50}; EVERY=${3:-20}; WARMUP=${WARMUP:-120}
HERE="$(cd "$(dirname "$0")" && pwd)"; REPO="$(cd "$HERE/../.." && pwd)"; OUT="$HERE/results"; mkdir -p "$OUT"
PUB=${PUB:-/tmp/chatops-soak-publish}
[ -x "$PUB/chatops" ] || dotnet publish "$REPO/src/Bot" -c Release -o "$PUB" >/dev/null
ROOT=$(mktemp -d /tmp/chatops-soak.XXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$ROOT"' EXIT

SSH_HOSTS=${SSH_HOSTS:-}
SUFFIX=""; [ -n "$SSH_HOSTS" ] && SUFFIX="-ssh"
python3 - "$PUB/chatops" "$ROOT" "$MINUTES" "$HOSTS" "$EVERY" "$SSH_HOSTS" "$WARMUP" <<'PY' | tee "$OUT/soak-$HOSTS-hosts-$MINUTES-min$SUFFIX.txt"
import json, os, queue, random, re, statistics, subprocess, sys, threading, time

chatops, root, minutes, hosts, every, ssh_hosts, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], int(sys.argv[7])
up = f"{ssh_hosts}/upstream" if ssh_hosts else f"{root}/upstream"
def git(*a): return subprocess.run(["git", "-C", up, "-c", "user.name=b", "-c", "user.email=b@b", *a], check=True, capture_output=True, text=True).stdout.strip()
if not ssh_hosts:
    os.makedirs(up)
    git("init", "-q", "-b", "production"); git("commit", "-q", "--allow-empty", "-m", "one")
    for i in range(1, hosts + 1): os.makedirs(f"{root}/hosts/h{i:03d}")

# Random faults, decided on the host by each step: 1 in 12 fails, 1 in 40 hangs past its 3 s timeout (killed),
# 1 in 20 floods 3 MB of output (cut to its tail).
roll = "r=$(od -An -N1 -tu1 /dev/urandom | tr -d ' ')"
step = (f"{roll}; if [ $r -lt 21 ]; then echo flaky step failed >&2; exit 3; fi; "
        f"if [ $r -gt 249 ]; then sleep 30; fi; if [ $r -gt 236 ] && [ $r -le 249 ]; then head -c 3000000 /dev/zero | tr '\\0' x; fi; "
        "echo {rev:tools} > rev.txt")
cfg = {
  "dataDir": f"{root}/data",
  "chat": {"transport": "console", "channel": "releng", "consoleUser": "soak"},
  "permissions": {"deployers": ["*"], "admins": ["*"]},
  "web": {"enabled": False},
  "repos": {"tools": {"kind": "git", "url": up, "branch": "production"}},
  "roles": {"box": {"repos": {"tools": {"path": ".", "revisionCommand": "cat rev.txt 2>/dev/null || echo none"}},
            "steps": [{"name": "update", "command": step, "timeoutSeconds": 3},
                      {"name": "reconfig", "command": "echo reconfigured {host}", "timeoutSeconds": 3}]}},
  "hosts": [{"name": f"h{i:03d}", "role": "box", "transport": "local", "basedir": f"{root}/hosts/h{i:03d}"} for i in range(1, hosts + 1)],
  "rollout": {"canaryCount": 0, "parallelism": hosts},
}
if ssh_hosts:
    # The compare.sh fleet (its users, sshd ports, keys and upstream), with the same random faults in a real update.
    fleet = json.load(open(f"{ssh_hosts}/chatops.json"))
    cfg["repos"], cfg["ssh"] = fleet["repos"], fleet["ssh"]
    cfg["hosts"] = fleet["hosts"][:hosts]
    update = step.replace("echo {rev:tools} > rev.txt", "git -C {path:repo} fetch -q origin && git -C {path:repo} checkout -q --detach {rev:repo}")
    cfg["roles"] = {"r": {"repos": {"repo": {"path": "repo"}},
                          "steps": [{"name": "update", "command": update, "timeoutSeconds": 10},
                                    {"name": "reconfig", "command": "echo reconfigured {host}", "timeoutSeconds": 10}]}}
    cfg["rollout"]["connectAttempts"] = 1
json.dump(cfg, open(f"{root}/chatops.json", "w"), indent=1)

def sshd(host, up_):
    """Stops (kills the listener) or starts one compare.sh host's OpenSSH server: a host that is down for a rollout."""
    d = f"{ssh_hosts}/{host}"
    if up_: subprocess.run(["/usr/sbin/sshd", "-f", f"{d}/sshd_config", "-E", f"{d}/sshd.log"], check=True)
    else: subprocess.run(["kill", open(f"{d}/sshd.pid").read().strip()], check=True)

bot = subprocess.Popen([chatops, "run", "--config", f"{root}/chatops.json"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                       stderr=open(f"{root}/bot.log", "w"), text=True, bufsize=1)
lines = queue.Queue()
threading.Thread(target=lambda: [lines.put((time.monotonic(), l.rstrip("\n"))) for l in bot.stdout], daemon=True).start()

def say(text): bot.stdin.write(text + "\n"); bot.stdin.flush()

def wait_for(pattern, seconds):
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0: raise SystemExit(f"no line matching {pattern!r} in {seconds} s; bot log: {root}/bot.log")
        try: _, line = lines.get(timeout=left)
        except queue.Empty: continue
        if re.search(pattern, line): return line

def sample():
    st = dict(l.split(":", 1) for l in open(f"/proc/{bot.pid}/status"))
    kb = lambda k: int(st[k].split()[0])
    fds = len(os.listdir(f"/proc/{bot.pid}/fd"))
    data = sum(os.path.getsize(f"{root}/data/{f}") for f in os.listdir(f"{root}/data") if f.startswith("chatops") and f.endswith(".db"))
    # Where the RSS is: anonymous memory (the GC heap, native allocations, stacks), JIT code (the runtime's W^X double
    # mapping) and mapped files (the runtime, assemblies, libraries): a leak grows the first, warm-up the other two.
    parts, kind = {"anon": 0, "code": 0, "files": 0}, "anon"
    for l in open(f"/proc/{bot.pid}/smaps"):
        f = l.split()
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", l):
            name = f[5] if len(f) > 5 else ""
            kind = "anon" if name in ("", "[heap]", "[stack]") else "code" if name == "/memfd:doublemapper" else "files"
        elif f and f[0] == "Rss:": parts[kind] += int(f[1])
    return kb("VmRSS"), fds, int(st["Threads"]), data, parts

def load(): return " ".join(open("/proc/loadavg").read().split()[:3])

try:
    wait_for(r"ChatOpsReconfig is here", 120)
    store0 = sample()[3]
    print(f"# soak: {hosts} {'loopback sshd' if ssh_hosts else 'local'} hosts, a rollout every {every} s for {minutes} min, "
          f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}; load {load()}")
    print(f"{'t (s)':>6} {'rollout':>8} {'outcome':<10} {'ok':>4} {'RSS MB':>7} {'fds':>4} {'thr':>4} {'store KB':>9} {'anon':>6} {'code':>5} {'files':>6}  load")
    start, rows, n = time.monotonic(), [], 0
    while time.monotonic() - start < minutes * 60:
        t0 = time.monotonic()
        git("commit", "-q", "--allow-empty", "-m", f"Bug 1040013 - soak {n}")
        down = random.choice(cfg["hosts"])["name"] if ssh_hosts and random.random() < 1 / 3 else None
        if down: sshd(down, False)
        say("!deploy now --again")
        summary = wait_for(r"^\[#releng\] (OK|FAILED|HALTED|CANCELLED): rollout #\d+", 300)
        if down: sshd(down, True)
        n += 1
        m = re.search(r"rollout #(\d+) (\w+).*?(\d+)/(\d+) ok", summary)
        rss, fds, threads, store, parts = sample()
        rows.append((time.monotonic() - start, rss, fds, threads, store, parts))
        print(f"{rows[-1][0]:6.0f} {('#' + m.group(1)) if m else '?':>8} {(m.group(2) if m else summary[:10]):<10} {(m.group(3) if m else '?'):>4} "
              f"{rss / 1024:7.1f} {fds:4d} {threads:4d} {store // 1024:9d} {parts['anon'] / 1024:6.1f} {parts['code'] / 1024:5.1f} {parts['files'] / 1024:6.1f}  {load()}", flush=True)
        time.sleep(max(0, every - (time.monotonic() - t0)))
    warm = [r for r in rows if r[0] >= warmup] or rows
    rss = [r[1] for r in warm]; fds = [r[2] for r in warm]; thr = [r[3] for r in warm]
    mb = lambda kb: kb / 1024
    # The GC's sawtooth moves single samples by tens of MB; the medians of the first and last five say where it sits.
    med = lambda xs: statistics.median(xs) / 1024
    part = lambda k: [r[5][k] for r in warm]
    print(f"after the warm-up, medians of the first and last 5 samples: RSS {med(rss[:5]):.1f} -> {med(rss[-5:]):.1f} MB "
          f"({med(rss[-5:]) - med(rss[:5]):+.1f}), anonymous {med(part('anon')[:5]):.1f} -> {med(part('anon')[-5:]):.1f}, "
          f"JIT code {mb(part('code')[0]):.1f} -> {mb(part('code')[-1]):.1f}, mapped files {mb(part('files')[0]):.1f} -> {mb(part('files')[-1]):.1f}")
    print(f"rollouts: {len(rows)}; after the {warmup} s warm-up ({len(warm)} samples): RSS {rss[0] / 1024:.1f} -> {rss[-1] / 1024:.1f} MB "
          f"(drift {(rss[-1] - rss[0]) / 1024:+.1f} MB, max {max(rss) / 1024:.1f}; target < 10 MB), open fds {min(fds)}-{max(fds)} "
          f"(first {fds[0]}, last {fds[-1]}), threads {min(thr)}-{max(thr)}, "
          f"store {(warm[-1][4] - warm[0][4]) / max(1, len(warm) - 1) / 1024:.1f} KB per rollout (LiteDB data+log files, no checkpoint in between)")
finally:
    bot.stdin.close()
    try: bot.wait(timeout=60)
    except subprocess.TimeoutExpired: bot.terminate(); bot.wait()
# The bot checkpoints LiteDB's log into the data file when it closes the store: the growth from the store at start to
# the store after a clean exit, over the rollouts, is what a rollout adds (the samples above move with the log).
if rows:
    end = sum(os.path.getsize(f"{root}/data/{f}") for f in os.listdir(f"{root}/data") if f.startswith("chatops") and f.endswith(".db"))
    print(f"store at start {store0 / 1024:.0f} KB, after a clean exit {end / 1024:.0f} KB: {(end - store0) / len(rows) / 1024:.1f} KB per rollout "
          f"of {hosts} hosts (exit status {bot.returncode})")
PY
