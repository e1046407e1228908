#!/usr/bin/env bash
# Soak (issue 17; not in CI): the published `chatops run` (console chat, LiteDB) with 50 `local` hosts whose steps
# fail, hang past their timeout or flood output at random; `!deploy now --again` every 20 s for 10 minutes. Samples
# the bot's RSS, open file descriptors and threads after every rollout, and the store's size; reports drift after
# the warm-up. See bench/README.md, "Soak".
#   bench/soak/soak.sh [MINUTES=10] [HOSTS=50] [EVERY_SECONDS=20]      (PUB=DIR: the published chatops, else built)
set -euo pipefail
MINUTES=${1:-10}; HOSTS=${2:-50}; EVERY=${3:-20}
HERE="$(cd "$(dirname "$0")" && pwd)"; REPO="$(cd "$HERE/../.." && pwd)"; OUT="$HERE/results"; mkdir -p "$OUT"
PUB=${PUB:-/tmp/chatops-soak-publish}
[ -x "$PUB/chatops" ] || dotnet publish "$REPO/src/Bot" -c Release -o "$PUB" >/dev/null
ROOT=$(mktemp -d /tmp/chatops-soak.XXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$ROOT"' EXIT

python3 - "$PUB/chatops" "$ROOT" "$MINUTES" "$HOSTS" "$EVERY" <<'PY' | tee "$OUT/soak-$HOSTS-hosts-$MINUTES-min.txt"
import json, os, queue, re, statistics, subprocess, sys, threading, time

chatops, root, minutes, hosts, every = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
up = f"{root}/upstream"
os.makedirs(up)
def git(*a): return subprocess.run(["git", "-C", up, "-c", "user.name=b", "-c", "user.email=b@b", *a], check=True, capture_output=True, text=True).stdout.strip()
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
json.dump(cfg, open(f"{root}/chatops.json", "w"), indent=1)

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
    return kb("VmRSS"), fds, int(st["Threads"]), data

def load(): return " ".join(open("/proc/loadavg").read().split()[:3])

try:
    wait_for(r"ChatOpsReconfig is here", 120)
    print(f"# soak: {hosts} local hosts, a rollout every {every} s for {minutes} min, "
          f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}; load {load()}")
    print(f"{'t (s)':>6} {'rollout':>8} {'outcome':<10} {'ok':>4} {'RSS MB':>7} {'fds':>4} {'thr':>4} {'store KB':>9}  load")
    start, rows, n = time.monotonic(), [], 0
    while time.monotonic() - start < minutes * 60:
        t0 = time.monotonic()
        git("commit", "-q", "--allow-empty", "-m", f"Bug 1040013 - soak {n}")
        say("!deploy now --again")
        summary = wait_for(r"^\[#releng\] (OK|FAILED|HALTED|CANCELLED): rollout #\d+", 300)
        n += 1
        m = re.search(r"rollout #(\d+) (\w+).*?(\d+)/(\d+) ok", summary)
        rss, fds, threads, store = sample()
        rows.append((time.monotonic() - start, rss, fds, threads, store))
        print(f"{rows[-1][0]:6.0f} {('#' + m.group(1)) if m else '?':>8} {(m.group(2) if m else summary[:10]):<10} {(m.group(3) if m else '?'):>4} "
              f"{rss / 1024:7.1f} {fds:4d} {threads:4d} {store // 1024:9d}  {load()}", flush=True)
        time.sleep(max(0, every - (time.monotonic() - t0)))
    warm = [r for r in rows if r[0] >= 120] or rows
    rss = [r[1] for r in warm]; fds = [r[2] for r in warm]; thr = [r[3] for r in warm]
    print(f"rollouts: {len(rows)}; after the 2 min warm-up ({len(warm)} samples): RSS {rss[0] / 1024:.1f} -> {rss[-1] / 1024:.1f} MB "
          f"(drift {(rss[-1] - rss[0]) / 1024:+.1f} MB, max {max(rss) / 1024:.1f}; target < 10 MB), open fds {min(fds)}-{max(fds)} "
          f"(first {fds[0]}, last {fds[-1]}), threads {min(thr)}-{max(thr)}, "
          f"store {(warm[-1][4] - warm[0][4]) / max(1, len(warm) - 1) / 1024:.1f} KB per rollout (LiteDB data+log files, no checkpoint in between)")
finally:
    bot.stdin.close()
    try: bot.wait(timeout=60)
    except subprocess.TimeoutExpired: bot.terminate(); bot.wait()
PY
