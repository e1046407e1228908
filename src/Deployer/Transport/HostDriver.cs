using System.Globalization;
using System.Text;
using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>
/// The POSIX <c>sh</c> driver that runs a host's whole sequence in one exec channel (one login shell per host: bash
/// reads <c>~/.bashrc</c> for every exec channel, which on real build hosts costs a noticeable fraction of a second).
/// The channel's command is <see cref="Command"/>, which the login shell (sh, bash, csh, fish) only has to exec; the
/// driver's functions and then one line per step are sent on its stdin, so the bot decides each next step (gate
/// failure, restore, cancel) after it has seen the previous one end.
/// <para>
/// Every step runs in its own process group with stdin from <c>/dev/null</c> and the lock descriptor closed, so the
/// group can be killed as a whole and a daemon it starts cannot hold the host lock. Where GNU <c>timeout</c> and
/// <c>/proc/uptime</c> are there (any Linux with coreutils), <c>timeout -k 2</c> starts the step: it makes its own
/// process group, sends TERM to the group when the step timeout passes and KILL two seconds later; the driver tells a
/// timeout (exit 124 or 137 once the time has passed, timed with <c>read</c> from <c>/proc/uptime</c>) from a step's
/// own exit code. Elsewhere the step runs under <c>setsid</c> with a watchdog in its own group that does the same.
/// That is two processes per step instead of about ten: every fork counts on a host whose login shell is already slow.
/// </para>
/// <para>
/// Markers (<c>\n{marker} start|end|killed …\n</c>) are printed on stdout and, for start and end, on stderr too, so
/// each stream's output can be cut into steps without relying on the order the two streams arrive in. They are
/// printed with the <c>printf</c> builtin, no subshell, while the driver ignores SIGPIPE: if the bot has gone (broken
/// pipe), a marker fails and the driver still waits for its step, writes the journal and keeps the lock until the step
/// has ended. Steps start with SIGPIPE back to its default (<c>trap - PIPE</c> around the start), so a pipeline such
/// as <c>git log | head -1</c> behaves as it does in any shell.
/// </para>
/// <para>
/// Reads (<see cref="Read"/>: the revision reads) run in a subshell of the driver; their text starts with
/// <see cref="GitShortcut"/>, a <c>git</c> function that answers the default <c>git -C DIR rev-parse HEAD</c> from <c>DIR/.git/HEAD</c> and the loose branch ref it names, with
/// the <c>read</c> builtin, when both hold a plain hash: two fewer processes per host and rollout. Anything else (a
/// packed or symbolic ref, a <c>.git</c> file, reftable, any other git command) goes to the real <c>git</c>. Steps
/// run in their own <c>sh</c> and always get the real one; a step that is one plain program (<see cref="IsPlainProgram"/>)
/// is started by <c>timeout</c> directly, without that <c>sh</c>.
/// </para>
/// <para>
/// Host files, in the basedir: <c>.chatops.lock</c> (held with <c>flock</c> on fd 9 by the driver for the whole
/// sequence), <c>.chatops.owner</c> (rollout, driver PID, PGID and tag of the current step: who holds the lock) and
/// <c>.chatops.journal</c> (one line per finished tagged step: tag and exit code, written before the end marker).
/// </para>
/// </summary>
internal static class HostDriver
{
    public const string LockFile = ".chatops.lock";
    public const string OwnerFile = ".chatops.owner";
    public const string JournalFile = ".chatops.journal";

    /// <summary>What the login shell runs: <c>exec</c> works the same in sh, bash, csh, tcsh and fish.</summary>
    public const string Command = "exec /bin/sh -s";

    /// <summary>
    /// A shell function named <c>git</c> that answers the default revision read, <c>git -C DIR rev-parse HEAD</c>, from
    /// <c>DIR/.git/HEAD</c> and the loose branch ref it names when both hold a plain hash, and passes anything else
    /// to the real <c>git</c>. It heads every combined revision read (<see cref="Rollout.RevisionReader"/>), through the
    /// driver or a plain session alike; steps never see it.
    /// </summary>
    public const string GitShortcut = """
        git() {
          if [ $# -eq 4 ] && [ "$1" = -C ] && [ "$3" = rev-parse ] && [ "$4" = HEAD ] && [ -d "$2/.git" ] && read chatops_h <"$2/.git/HEAD" 2>/dev/null; then
            case $chatops_h in
              *..*) chatops_h= ;;
              "ref: refs/heads/"*) read chatops_h <"$2/.git/${chatops_h#ref: }" 2>/dev/null || chatops_h= ;;
            esac
            case $chatops_h in
              *[!0-9a-f]*) ;;
              ????????????????????????????????????????*) printf '%s\n' "$chatops_h"; return 0 ;;
            esac
          fi
          command git "$@"
        }
        """;

    public static string NewMarker() => "chatops-drv-" + Random.Shared.NextInt64().ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>The driver's functions; ends with the "ready" marker.</summary>
    public static string Prelude(string marker, string basedir, int rolloutId)
    {
        var dir = CommandTemplate.ShellQuote(basedir);
        var script = $$"""
            M={{marker}}; D={{dir}}; R={{rolloutId.ToString(CultureInfo.InvariantCulture)}}
            trap '' PIPE
            chatops_both() { printf '\n%s %s\n' "$M" "$*"; printf '\n%s %s\n' "$M" "$*" >&2; }
            chatops_out() { printf '\n%s %s\n' "$M" "$*"; }
            chatops_up=
            [ -r /proc/uptime ] && read chatops_up chatops_x </proc/uptime 2>/dev/null
            chatops_now() {
              if [ -n "$chatops_up" ]; then read chatops_up chatops_x </proc/uptime; chatops_cs=$(( ${chatops_up%.*} * 100 + 1${chatops_up#*.} - 100 ))
              else chatops_cs=$(( $(date +%s) * 100 )); fi
            }
            chatops_to=
            if [ -n "$chatops_up" ] && command -v timeout >/dev/null 2>&1; then case $(timeout --version 2>/dev/null) in *GNU*) chatops_to=1;; esac; fi
            if [ -n "$chatops_to" ] || command -v setsid >/dev/null 2>&1; then chatops_s=setsid; chatops_g=-; else chatops_s=; chatops_g=; fi
            chatops_kill() {
              kill -TERM $chatops_g$1 2>/dev/null || kill -TERM $1 2>/dev/null
              chatops_n=0
              while [ $chatops_n -lt 20 ] && kill -0 $chatops_g$1 2>/dev/null; do sleep 0.1 2>/dev/null || sleep 1; chatops_n=$((chatops_n+1)); done
              kill -KILL $chatops_g$1 2>/dev/null; kill -KILL $1 2>/dev/null; true
            }
            chatops_owner() { printf '%s %s %s %s\n' "$R" $$ "$1" "${2:--}" >"$D/{{OwnerFile}}" 2>/dev/null; }
            chatops_lock() {
              if [ $chatops_cd -ne 0 ] || ! command -v flock >/dev/null 2>&1 || ! { exec 9>>"$D/{{LockFile}}"; } 2>/dev/null; then chatops_out lock none; return; fi
              if flock -n 9; then chatops_owner 0; chatops_out lock free; return; fi
              chatops_who=$(cat "$D/{{OwnerFile}}" 2>/dev/null)
              set -- "$1" "$2" $chatops_who
              if [ "$2" != 0 ] && [ "${3:-}" = "$2" ]; then
                [ "${5:-0}" -gt 1 ] 2>/dev/null && chatops_kill $5
                [ "${4:-0}" -gt 1 ] 2>/dev/null && chatops_kill $4
                if flock -w 10 9; then chatops_owner 0; chatops_out lock stopped $chatops_who; else chatops_out lock timeout $chatops_who; fi
                return
              fi
              chatops_now; chatops_t0=$chatops_cs
              if flock -w "$1" 9; then chatops_owner 0; chatops_now; chatops_out lock waited $(( (chatops_cs - chatops_t0) / 100 )) $chatops_who; else chatops_out lock timeout $chatops_who; fi
            }
            chatops_journal() { chatops_out journal; tail -n 500 "$D/{{JournalFile}}" 2>/dev/null; chatops_out journal-end; }
            chatops_nodir() {
              [ $chatops_cd -eq 0 ] && return 1
              printf 'chatops: basedir %s does not exist on this host\n' "$D" >&2
              chatops_both end $1 97
            }
            chatops_read() {
              chatops_both start $1
              chatops_nodir $1 && return
              trap - PIPE
              { eval "$2"; } </dev/null 9>&- &
              chatops_p=$!
              trap '' PIPE
              chatops_out pid $1 $chatops_p
              wait $chatops_p; chatops_rc=$?
              chatops_both end $1 $chatops_rc
            }
            chatops_step() {
              chatops_both start $1
              chatops_nodir $1 && return
              trap - PIPE
              if [ -n "$chatops_to" ]; then
                chatops_now; chatops_t0=$chatops_cs
                if [ "${5:-}" = x ]; then timeout -k 2 "$2" $4 </dev/null 9>&- &
                else timeout -k 2 "$2" /bin/sh -c "$4" </dev/null 9>&- &
                fi
                chatops_p=$!; chatops_w=
              else
                if [ "${5:-}" = x ]; then $chatops_s $4 </dev/null 9>&- &
                else $chatops_s /bin/sh -c "$4" </dev/null 9>&- &
                fi
                chatops_p=$!
                $chatops_s /bin/sh -c 'sleep "$1" && { printf "\n%s killed %s\n" "$3" "$4"; kill -TERM -"$2" || kill -TERM "$2"; sleep 2; kill -KILL -"$2" || kill -KILL "$2"; }' chatops-watchdog "$2" $chatops_p "$M" "$1" </dev/null 2>/dev/null 9>&- &
                chatops_w=$!
              fi
              trap '' PIPE
              chatops_owner $chatops_p "$3"
              chatops_out pid $1 $chatops_p
              wait $chatops_p; chatops_rc=$?
              if [ -n "$chatops_w" ]; then
                kill -TERM $chatops_g$chatops_w 2>/dev/null || kill -TERM $chatops_w 2>/dev/null
              elif [ $chatops_rc -eq 124 ] || [ $chatops_rc -eq 137 ]; then
                chatops_now; [ $((chatops_cs - chatops_t0)) -ge $(($2 * 100)) ] && chatops_out killed $1
              fi
              [ "$3" = - ] || printf '%s %s\n' "$3" $chatops_rc >>"$D/{{JournalFile}}" 2>/dev/null
              chatops_owner 0
              chatops_both end $1 $chatops_rc
            }
            cd "$D" 2>/dev/null; chatops_cd=$?
            chatops_both ready

            """;
        return script.Replace("\r", "", StringComparison.Ordinal);
    }

    /// <summary>Takes the host lock: wait up to <paramref name="wait"/>, or stop the holder if it belongs to <paramref name="stopRollout"/>.</summary>
    public static string Lock(TimeSpan wait, int? stopRollout) =>
        string.Create(CultureInfo.InvariantCulture, $"chatops_lock {Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))} {stopRollout ?? 0}\n");

    public static string Journal => "chatops_journal\n";

    /// <summary>
    /// The bot's own read (revisions): run by the driver in a subshell, without a timeout process or a second shell,
    /// which are two of the few processes a read costs. Its time limit is the client's (<see cref="DriverSequence"/>).
    /// </summary>
    public static string Read(int index, string command) =>
        string.Create(CultureInfo.InvariantCulture, $"chatops_read {index} {CommandTemplate.ShellQuote(command)}\n");

    /// <summary>
    /// One step; <paramref name="tag"/> ("-" for none) is written to the journal when it ends. A step that is
    /// <see cref="IsPlainProgram">one plain program</see> is started without a shell of its own.
    /// </summary>
    public static string Step(int index, string command, TimeSpan timeout, string tag)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
        var plain = IsPlainProgram(command) ? " x" : "";
        return string.Create(CultureInfo.InvariantCulture, $"chatops_step {index} {seconds} {CommandTemplate.ShellQuote(tag)} {CommandTemplate.ShellQuote(command)}{plain}\n");
    }

    /// <summary>
    /// True when <paramref name="command"/> means the same run by <c>exec</c> as by <c>sh -c</c>: words of letters,
    /// digits and <c>_ . / : @ % + , = -</c> separated by single spaces (nothing a shell would quote, expand, redirect
    /// or join), and a first word that names a program, not an assignment, a reserved word or a builtin. Such a step
    /// (<c>sleep 5</c>, <c>make -C master reconfig</c>) saves the host one process start, which on a slow host costs
    /// more than the step's own work often does.
    /// </summary>
    public static bool IsPlainProgram(string command)
    {
        if (command.Length == 0 || command.Length > 4096) return false;
        var words = command.Split(' ');
        if (words.Any(w => w.Length == 0 || !w.All(IsPlainChar))) return false;
        var program = words[0];
        return (char.IsAsciiLetterOrDigit(program[0]) || program[0] is '_' or '.' or '/')
            && !program.Contains('=', StringComparison.Ordinal)
            && program != "."
            && !ShellWords.Contains(program);
    }

    private static bool IsPlainChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '/' or ':' or '@' or '%' or '+' or ',' or '=' or '-';

    // Reserved words and builtins of sh, dash and bash: they act on the shell itself or behave differently from the
    // program of the same name (echo, printf, test, kill, pwd), so such steps keep their shell.
    private static readonly HashSet<string> ShellWords = new(StringComparer.Ordinal)
    {
        "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "in", "function", "select", "time",
        "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift", "times", "trap", "unset",
        "alias", "unalias", "bg", "fg", "jobs", "cd", "command", "getopts", "hash", "read", "type", "ulimit", "umask", "wait",
        "local", "source", "let", "declare", "typeset", "builtin", "enable", "shopt", "fc", "newgrp", "logout", "history",
        "echo", "printf", "test", "kill", "pwd", "true", "false",
    };

    public static string Goodbye => "chatops_out bye; exit 0\n";

    /// <summary>A journal tag: the rollout, the step and a short hash of the revisions it ran at.</summary>
    public static string Tag(int rolloutId, string step, IReadOnlyDictionary<string, string> revisions)
    {
        var text = string.Join(",", revisions.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value));
        // FNV-1a: the tag only tells revision sets apart; a cryptographic hash would load OpenSSL into a local-only bot.
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 1099511628211UL;
        return string.Create(CultureInfo.InvariantCulture, $"{rolloutId}:{hash:x16}:{step}");
    }
}
