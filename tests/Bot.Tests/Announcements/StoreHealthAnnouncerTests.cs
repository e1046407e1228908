using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Store;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>How a store outage and a refused write read (pinned; the Deployer gives the file and the system's reason apart).</summary>
public sealed class StoreHealthAnnouncerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Unwritable_NamesStoreFileAndReason()
    {
        var outage = new StoreOutage("data/chatops.db", "chatops-log.db", "operation not permitted", T0);

        Assert.Equal(
            "STORE READ-ONLY: data/chatops.db cannot be written since 14:00 UTC (chatops-log.db: operation not permitted). Until it can, commands that "
            + "change something (!lock, !deploy, …) are refused and change nothing, and no rollout starts; !status still answers. "
            + "Nothing is lost: make the file and its directory writable again and the bot carries on by itself.",
            StoreHealthAnnouncer.Unwritable(outage, "14:00 UTC"));
    }

    [Fact]
    public void CannotBeWritten_RefusedWrite_NamesStoreFileAndReason()
    {
        var ex = new StoreUnwritableException("data/chatops.db", new StoreWriteProblem("chatops.db", "read-only file system"));

        Assert.Equal("the store data/chatops.db cannot be written (chatops.db: read-only file system)", StoreHealthAnnouncer.CannotBeWritten(ex));
    }

    [Fact]
    public void Problem_WhatTheSystemSaid_GoesThroughTheSanitizer()
    {
        Assert.Equal("chatops.db: no space left on device", StoreHealthAnnouncer.Problem("chatops.db", "no space\nleft on \u202Edevice"));
    }
}
