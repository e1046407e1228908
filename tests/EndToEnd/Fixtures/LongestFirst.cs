using Xunit.Abstractions;

[assembly: TestCollectionOrderer("ChatOpsReconfig.EndToEnd.Fixtures.LongestFirst", "ChatOpsReconfig.EndToEnd")]

namespace ChatOpsReconfig.EndToEnd.Fixtures;

/// <summary>
/// Starts the longest collections first (the ssh farms', the CLI door's and the minute of chat down: several
/// minute-long scenarios each, one after another). The runner's few threads would otherwise take some of them last,
/// after the short ones, and the suite would then wait on them alone.
/// </summary>
public sealed class LongestFirst : ITestCollectionOrderer
{
    private static readonly string[] Longest = ["ssh farm", "OneDoorTests", "ChatDownTests"];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(Rank).ThenBy(c => c.DisplayName, StringComparer.Ordinal);

    private static int Rank(ITestCollection collection)
    {
        var rank = Array.FindIndex(Longest, name => collection.DisplayName.Contains(name, StringComparison.Ordinal));
        return rank < 0 ? Longest.Length : rank;
    }
}
