namespace ChatOpsReconfig.Bot.Tests.Fixtures;

/// <summary>
/// The console transport's stdout that fails while <see cref="Broken"/> (a closed pipe: chat is down), to exercise
/// delivery failures. What it printed is <see cref="Text"/>.
/// </summary>
public sealed class FlakyChatOutput : TextWriter
{
    private readonly System.Text.StringBuilder _sb = new();

    public bool Broken { get; set; }

    public int Attempts { get; private set; }

    public string Text
    {
        get { lock (_sb) return _sb.ToString(); }
    }

    public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

    public override void WriteLine(string? value)
    {
        Attempts++;
        if (Broken) throw new IOException("Broken pipe");
        lock (_sb) _sb.Append(value).Append('\n');
    }

    public override string ToString() => Text;
}
