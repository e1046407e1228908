using ChatOpsReconfig.Bot.Announcements;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

public sealed class TextTableTests
{
    [Fact]
    public void Lines_AlignsColumnsUnderTheHeader()
    {
        var lines = new TextTable("host", "state").Add("bm01", "ok").Add("foopy-long-name", "failed").Lines();
        Assert.Equal("host             state", lines[0]);
        Assert.Equal("bm01             ok", lines[2]);
        Assert.Equal("foopy-long-name  failed", lines[3]);
    }

    [Fact]
    public void Chunks_ManyRows_EachChunkUnderLimitWithHeaderAndWholeRows()
    {
        var table = new TextTable("host", "result", "detail");
        for (var i = 0; i < 1000; i++) table.Add($"bm{i:0000}", i % 7 == 0 ? "failed" : "ok", new string('x', i % 50));

        var chunks = table.Chunks(2000, "summary line");

        Assert.True(chunks.Count > 10);
        Assert.StartsWith("summary line\n", chunks[0], StringComparison.Ordinal);
        foreach (var chunk in chunks)
        {
            Assert.True(chunk.Length <= 2000, $"chunk of {chunk.Length} chars");
            Assert.Contains("host", chunk.Split('\n').Take(3).First(l => l.StartsWith("host", StringComparison.Ordinal)), StringComparison.Ordinal);
        }

        var rows = chunks.SelectMany(c => c.Split('\n')).Where(l => l.StartsWith("bm", StringComparison.Ordinal)).ToList();
        Assert.Equal(1000, rows.Count);
        Assert.Equal(1000, rows.Distinct().Count());
    }

    [Fact]
    public void Cell_ControlCharactersAndNewlines_CannotBreakTheTable()
    {
        var lines = new TextTable("host", "detail").Add("bm01", "line1\nline2\r\u0007end").Lines();
        Assert.Equal(3, lines.Count);
        Assert.Contains("line1 line2 end", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Split_LongText_SplitsAtLinesUnderLimit()
    {
        var text = string.Join('\n', Enumerable.Range(0, 500).Select(i => $"line {i}"));
        var parts = MessageSplitter.Split(text, 300);
        Assert.All(parts, p => Assert.True(p.Length <= 300));
        Assert.Equal(text, string.Join('\n', parts));
    }
}
