using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Store;

/// <summary>Why the store cannot be written, as data: the file that refused and the system's reason, apart; the Bot words them.</summary>
public sealed class StoreWriteProblemTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Describe_AccessDeniedBySystem_GivesFileNameAndReasonApart()
    {
        const string file = "/srv/chatops/data/chatops-log.db";
        var ex = new UnauthorizedAccessException($"Access to the path '{file}' is denied.", new IOException($"Operation not permitted : '{file}'"));

        Assert.Equal(new StoreWriteProblem("chatops-log.db", "operation not permitted"), StoreDatabase.Describe(file, ex));
    }

    [Fact]
    public void Describe_IoErrorNamingThePath_KeepsOnlyTheFileName()
    {
        const string file = "/srv/chatops/data/chatops.db.probe";

        var problem = StoreDatabase.Describe(file, new IOException($"Read-only file system : '{file}'"));

        Assert.Equal(new StoreWriteProblem("chatops.db.probe", "read-only file system"), problem);
    }

    [Fact]
    public void ReportUnwritable_Twice_OneOutageCarryingFileAndReasonApart()
    {
        var health = new StoreHealth(new FakeTimeProvider(T0));

        health.ReportUnwritable("data/chatops.db", new StoreWriteProblem("chatops.db", "operation not permitted"));
        health.ReportUnwritable("data/chatops.db", new StoreWriteProblem("chatops-log.db", "no space left on device"));

        Assert.Equal(new StoreOutage("data/chatops.db", "chatops.db", "operation not permitted", T0), health.Outage);
        Assert.True(health.Changes.TryRead(out var change));
        Assert.Equal(health.Outage, Assert.IsType<StoreBecameUnwritable>(change).Outage);
        Assert.False(health.Changes.TryRead(out _));
    }

    [Fact]
    public void UnwritableException_MessageForLogsNamesTheStoreFileAndReason()
    {
        var ex = new StoreUnwritableException("data/chatops.db", new StoreWriteProblem("chatops.db", "operation not permitted"));

        Assert.Equal("the store data/chatops.db cannot be written (chatops.db: operation not permitted)", ex.Message);
        Assert.Equal(("data/chatops.db", "chatops.db", "operation not permitted"), (ex.StorePath, ex.File, ex.Reason));
    }
}
