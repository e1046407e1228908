using System.Text.Json;

namespace ChatOpsReconfig.Bot.Tests.Fixtures;

/// <summary>
/// The hostile and awkward inputs of <c>sanitizer-corpus.json</c> (mentions in every syntax, bidi and zero-width
/// characters, emoji sequences, control bytes, 100 KB strings), and what any text the bot shows must satisfy.
/// </summary>
public static class SanitizerCorpus
{
    public sealed record Entry(string Name, string Input, string? Keep)
    {
        public override string ToString() => Name;
    }

    public static IReadOnlyList<Entry> Entries { get; } = Load();

    public static IEnumerable<object[]> Cases => Entries.Select(e => new object[] { e.Name });

    public static Entry Named(string name) => Entries.Single(e => e.Name == name);

    private static List<Entry> Load()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ChatOpsReconfig.sln"))) root = root.Parent;
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(root!.FullName, "tests", "Bot.Tests", "Fixtures", "sanitizer-corpus.json")));
        return doc.RootElement.EnumerateArray().Select(e =>
        {
            // JSON cannot carry a lone surrogate: {HIGH} and {LOW} stand for one.
            var input = e.GetProperty("input").GetString()!.Replace("{HIGH}", "\uD83D", StringComparison.Ordinal).Replace("{LOW}", "\uDE80", StringComparison.Ordinal);
            if (e.TryGetProperty("repeat", out var n)) input = string.Concat(Enumerable.Repeat(input, n.GetInt32()));
            return new Entry(e.GetProperty("name").GetString()!, input, e.TryGetProperty("keep", out var k) ? k.GetString() : null);
        }).ToList();
    }

    /// <summary>
    /// Fails unless <paramref name="shown"/> is harmless: no control characters but line breaks, no bidi or invisible
    /// characters (a zero-width space only where it breaks a mention), no lone surrogates, no live mention, and not huge.
    /// </summary>
    public static void AssertHarmless(string shown, string where, int maxLength = 4000)
    {
        Assert.True(shown.Length <= maxLength, $"{where}: {shown.Length} characters");
        for (var i = 0; i < shown.Length; i++)
        {
            var c = shown[i];
            Assert.False(char.IsControl(c) && c != '\n', $"{where}: control U+{(int)c:X4} at {i}");
            Assert.False(c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C' or '\u2060' or '\uFEFF' or '\u00AD',
                $"{where}: invisible U+{(int)c:X4} at {i}");
            if (c == '\u200B') Assert.True(i > 0 && shown[i - 1] is '@' or '<', $"{where}: zero-width space at {i} breaks no mention");
            if (char.IsHighSurrogate(c)) Assert.True(i + 1 < shown.Length && char.IsLowSurrogate(shown[i + 1]), $"{where}: lone high surrogate at {i}");
            if (char.IsLowSurrogate(c)) Assert.True(i > 0 && char.IsHighSurrogate(shown[i - 1]), $"{where}: lone low surrogate at {i}");
        }

        Assert.DoesNotMatch("(?i)@(everyone|here)", shown);
        Assert.DoesNotMatch("<[@#!]", shown);
    }
}
