using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Deployer.Tests.Transport;

/// <summary>Tests that count this process's open descriptors: run alone, after the parallel ones, so no other test's pipes count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DescriptorCountingCollection
{
    public const string Name = "descriptor counting (alone)";
}

[Collection(DescriptorCountingCollection.Name)]
public sealed class LocalTransportPipeTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new("local-pipes");

    public void Dispose() => _dir.Dispose();

    private async Task<IHostSession> ConnectAsync()
    {
        var host = new HostConfig { Name = "bm01", Role = "master", Transport = TransportKind.Local, Basedir = _dir.Path };
        var connected = await new LocalTransport(64 * 1024, TimeProvider.System).ConnectAsync(host, CancellationToken.None);
        Assert.Null(connected.Failure);
        return connected.Session!;
    }

    [Fact]
    public async Task ManyCommandsAndSequences_LeaveNoPipeOpen()
    {
        // Found by the soak bench: the bot's open descriptors grew by about one per host and rollout until a garbage
        // collection ran the finalizers. With collections held off (the finalizers would close leaked pipes), every
        // pipe must be closed once each command has returned and each sequence is disposed. The margin is for the
        // test host's own threads; a leak is 80 and more.
        var noGc = GC.TryStartNoGCRegion(64 * 1024 * 1024);
        try
        {
            var before = OpenPipes();
            await using (var session = await ConnectAsync())
            {
                for (var i = 0; i < 40; i++)
                {
                    Assert.Equal("x\n", (await session.RunAsync("echo x", Timeout, CancellationToken.None)).Stdout);
                    await using var sequence = await session.StartSequenceAsync(new SequenceOptions(1, null, TimeSpan.FromSeconds(5)), CancellationToken.None);
                    Assert.Equal("y\n", (await sequence.RunStepAsync("echo y", Timeout, null, CancellationToken.None)).Stdout);
                }
            }

            var after = OpenPipes();
            Assert.True(after - before < 10, $"{after - before} more pipes open after 40 commands and 40 sequences");
        }
        finally
        {
            if (noGc && System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
    }

    private static int OpenPipes() =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Count(f => f.LinkTarget?.StartsWith("pipe:", StringComparison.Ordinal) == true);
}
