"""Sums a log of bench/hg-count/bin/hg and bin/chg: real hg processes by who started them and what they ran, with
their CPU (a chg server's includes its workers), and chg commands by parent and subcommand."""
import collections
import sys

lines = []
for line in open(sys.argv[1], errors='replace'):
    line = line.rstrip('\n')
    # Arguments may hold line breaks (a host's combined revision command): continue the previous record.
    if line.split('\t')[0] in ('START', 'END', 'CHG') or not lines:
        lines.append(line)
    else:
        lines[-1] += ' ' + line

starts, ends, chg = {}, {}, []
for line in lines:
    f = line.split('\t')
    if f[0] == 'START':
        starts[f[1]] = f
    elif f[0] == 'END':
        ends[f[1]] = f
    elif f[0] == 'CHG':
        chg.append(f)


def cpu(pid):
    try:
        _, user, system = ends[pid][3].split()
        return float(user) + float(system)
    except (KeyError, ValueError):
        return None


def who(parent):
    if parent.startswith('/usr/bin/chg'):
        return 'chg client'
    if parent.startswith('/bin/sh') or parent.startswith('bash'):
        return 'host shell'
    for project in ('Deployer.Tests', 'Bot.Tests', 'EndToEnd'):
        if project + '.runtimeconfig' in parent:
            return project + ' host'
    return parent[:40]


def subcommand(args):
    a = args.split()
    if 'serve' in a and 'chgunix' in a:
        return 'chg server'
    while a and a[0] in ('--config', '-R'):
        a = a[2:]
    return a[0] if a else '?'


rows, cpus, missing = collections.Counter(), collections.defaultdict(float), collections.Counter()
for pid, (_, _, _, parent, _, env, args) in starts.items():
    key = (who(parent), subcommand(args), env)
    rows[key] += 1
    c = cpu(pid)
    if c is None:
        missing[key] += 1
    else:
        cpus[key] += c

print(f"{'started by':22} {'hg':14} {'n':>4} {'cpu s':>7}  environment")
for key, n in sorted(rows.items(), key=lambda kv: -cpus[kv[0]]):
    note = f"  ({missing[key]} not ended)" if missing[key] else ''
    print(f"{key[0]:22} {key[1]:14} {n:4} {cpus[key]:7.1f}  {key[2]}{note}")
print(f"hg processes {sum(rows.values())}, CPU {sum(cpus.values()):.1f} s")

commands = collections.Counter((who(f[3]), subcommand(f[6]), f[5]) for f in chg)
print(f"\nchg commands {len(chg)}")
for key, n in commands.most_common():
    print(f"  {n:4}  {key[0]:40} {key[1]:14} {key[2]}")
