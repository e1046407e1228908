using System.Runtime.CompilerServices;
using System.Text;
using ChatOpsReconfig.Bot.Hosting;

namespace ChatOpsReconfig.Bot.Chat.Console;

/// <summary>
/// The embedded default chat: each stdin line is a message in the channel (<c>name: text</c> speaks as name),
/// every bot message is written to stdout as lines beginning with <c>[#channel] </c>.
/// </summary>
internal sealed class ConsoleChatTransport(ChatOptions options, TextReader input, TextWriter output) : IChatTransport
{
    /// <summary>Longer input lines are cut here; nobody types a 10 KB command on purpose.</summary>
    public const int MaxInputLength = 2000;

    private readonly Lock _writeGate = new();
    private int _nextId;

    /// <summary>Edits are printed again as new lines: a terminal cannot change what it printed.</summary>
    public ChatCapabilities Capabilities { get; } = new(2000, ChatMarkup.Plain, CanEdit: true, MentionSyntax.Name);

    public string DefaultChannel => options.Channel;

    /// <summary>Set when stdin has ended.</summary>
    public bool InputEnded { get; private set; }

    public async IAsyncEnumerable<ChatMessage> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            string? line;
            try
            {
                // A read from a terminal or pipe ignores cancellation; abandon it so shutdown is not held up.
                line = await input.ReadLineAsync(cancellationToken).AsTask().WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }

            if (line is null)
            {
                InputEnded = true;
                yield break;
            }

            var message = Parse(line, options);
            if (message is not null) yield return message;
        }
    }

    /// <summary>
    /// Turns one stdin line into a message; null for lines with nothing to say. <c>name: text</c> (or <c>name : text</c>)
    /// speaks as name when name is 1 to 32 letters, digits, '.', '_' or '-' and the line does not start with the prefix.
    /// </summary>
    internal static ChatMessage? Parse(string line, ChatOptions options)
    {
        var clean = Clean(line);
        if (clean.Length == 0) return null;
        var author = options.ConsoleUser;
        var colon = clean.IndexOf(':', StringComparison.Ordinal);
        var name = colon > 0 ? clean[..colon].TrimEnd() : "";
        if (name.Length is > 0 and <= 32 && ChatNames.Pattern().IsMatch(name) && !clean.StartsWith(options.Prefix, StringComparison.Ordinal))
        {
            author = name;
            clean = clean[(colon + 1)..].Trim();
            if (clean.Length == 0) return null;
        }

        return new ChatMessage(options.Channel, author, author, [], clean);
    }

    /// <summary>
    /// Drops control characters, lone surrogates and replacement characters from broken UTF-8, trims, and caps the
    /// length. Emoji (surrogate pairs, ZWJ sequences) stay whole.
    /// </summary>
    internal static string Clean(string line)
    {
        var sb = new StringBuilder(Math.Min(line.Length, MaxInputLength));
        foreach (var rune in line.EnumerateRunes())
        {
            if (sb.Length + rune.Utf16SequenceLength > MaxInputLength) break;
            if (rune.Value == '\t') sb.Append(' ');
            else if (!Rune.IsControl(rune) && rune != Rune.ReplacementChar) sb.Append(rune.ToString());
        }

        return sb.ToString().Trim();
    }

    public Task<PostedMessage> PostAsync(string channel, string text, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Write(channel, text);
        return Task.FromResult(new PostedMessage(channel, id));
    }

    public Task EditAsync(PostedMessage message, string text, CancellationToken cancellationToken)
    {
        // A terminal cannot change what it printed: the new text is printed again.
        Write(message.Channel, text);
        return Task.FromResult(0);
    }

    private void Write(string channel, string text)
    {
        lock (_writeGate)
        {
            try
            {
                foreach (var line in text.Split('\n')) output.WriteLine($"[#{channel}] {line.TrimEnd('\r')}");
                output.Flush();
            }
            catch (IOException ex)
            {
                throw new ChatDeliveryException($"stdout: {ex.Message}", null, ex);
            }
        }
    }
}
