using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>
/// How a step command is sent over SSH so that it can really be killed. OpenSSH's sshd makes the shell of every
/// exec channel a session and process group leader, so its PID is the process group of everything the step starts.
/// The wrapper prints that PID behind a one-off marker, changes to the basedir, and execs <c>/bin/sh -c</c>
/// with the step (same shell as the local transport, whatever the login shell is). On timeout a second channel
/// sends TERM, then KILL, to the whole group: the <c>signal</c> channel request SSH.NET sends instead reaches only
/// the shell (and OpenSSH may ignore it), leaving children such as <c>sleep</c> running and holding the channel open.
/// </summary>
internal static class RemoteCommand
{
    public static string NewMarker() => "chatops-pid-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static string Wrap(string command, string basedir, string marker)
    {
        var dir = CommandTemplate.ShellQuote(basedir);
        return $"printf '%s %s\\n' {marker} \"$$\"; "
            + $"cd {dir} 2>/dev/null || {{ printf 'chatops: basedir %s does not exist on this host\\n' {dir} >&2; exit 97; }}; "
            + $"exec /bin/sh -c {CommandTemplate.ShellQuote(command)}";
    }

    /// <summary>
    /// TERM to the process group, up to two seconds for it to go, then KILL; the plain PID covers a shell that is
    /// not a group leader. Zombies do not count as alive: orphans wait for init to reap them, which can be slow.
    /// Without <c>ps</c> the wait is skipped and KILL follows TERM at once.
    /// </summary>
    public static string Kill(int pid)
    {
        var p = pid.ToString(CultureInfo.InvariantCulture);
        return $"kill -TERM -- -{p} 2>/dev/null || kill -TERM {p} 2>/dev/null; "
            + $"alive() {{ ps -eo pgid=,stat= 2>/dev/null | awk '$1 == {p} && $2 !~ /^Z/ {{ found = 1 }} END {{ exit !found }}'; }}; "
            + "i=0; while [ $i -lt 20 ] && alive; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done; "
            + $"kill -KILL -- -{p} 2>/dev/null; kill -KILL {p} 2>/dev/null; true";
    }
}

/// <summary>
/// Sits in front of the stdout tail: finds the marker line with the remote PID, keeps it out of the output and
/// passes everything else through. Output a login script prints before the marker is kept; if the marker does not
/// show within the first few kilobytes it is given up on (the command then cannot be killed by group, only cut off).
/// </summary>
internal sealed class PidMarkerReader(string marker, OutputTail tail)
{
    private const int MaxHeader = 8 * 1024;

    private readonly byte[] _marker = Encoding.ASCII.GetBytes(marker + " ");
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<int?> _pid = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<byte>? _header = [];

    /// <summary>Completes with the remote PID, or null when the marker never came.</summary>
    public Task<int?> Pid => _pid.Task;

    public void Append(ReadOnlySpan<byte> chunk)
    {
        lock (_gate)
        {
            if (_header is null)
            {
                tail.Append(chunk);
                return;
            }

            _header.AddRange(chunk);
            var bytes = _header.ToArray();
            var at = bytes.AsSpan().IndexOf(_marker);
            if (at >= 0 && (at == 0 || bytes[at - 1] == (byte)'\n'))
            {
                var end = bytes.AsSpan(at).IndexOf((byte)'\n');
                if (end < 0)
                {
                    if (bytes.Length > MaxHeader) GiveUp(bytes);
                    return;
                }

                var digits = Encoding.ASCII.GetString(bytes, at + _marker.Length, end - _marker.Length);
                _header = null;
                tail.Append(bytes.AsSpan(0, at));
                tail.Append(bytes.AsSpan(at + end + 1));
                _pid.TrySetResult(int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 1 ? pid : null);
                return;
            }

            if (bytes.Length > MaxHeader) GiveUp(bytes);
        }
    }

    /// <summary>The stream ended; whatever is still held back is output.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (_header is not null) GiveUp(_header.ToArray());
        }
    }

    private void GiveUp(byte[] bytes)
    {
        _header = null;
        tail.Append(bytes);
        _pid.TrySetResult(null);
    }
}
