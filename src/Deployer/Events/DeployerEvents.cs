using System.Threading.Channels;

namespace ChatOpsReconfig.Deployer.Events;

/// <summary>The stream of <see cref="DeployerEvent"/>s; every subscriber gets every event, in order.</summary>
public sealed class DeployerEvents
{
    private readonly Lock _gate = new();
    private readonly List<Channel<DeployerEvent>> _subscribers = [];

    public void Publish(DeployerEvent e)
    {
        lock (_gate)
        {
            foreach (var s in _subscribers) s.Writer.TryWrite(e);
        }
    }

    /// <summary>A reader that receives every event published after this call.</summary>
    public ChannelReader<DeployerEvent> Subscribe()
    {
        // Not SingleReader: that reader cannot count, and the bot asks how many events wait (to know when it is idle).
        var channel = Channel.CreateUnbounded<DeployerEvent>();
        lock (_gate) _subscribers.Add(channel);
        return channel.Reader;
    }

    public void Unsubscribe(ChannelReader<DeployerEvent> reader)
    {
        lock (_gate) _subscribers.RemoveAll(c => c.Reader == reader);
    }
}
