namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>
/// SSH.NET blocks its calling thread in places: opening a channel and sending the exec request wait for the server's
/// replies, and parts of the handshake wait on handles. <see cref="SshHostSession"/> and <see cref="SshTransport"/>
/// keep those calls off the caller's thread, which puts them on thread-pool threads: a rollout with P hosts in flight
/// has up to P pool threads blocked at once. The pool starts with one thread per CPU and, once they are all blocked,
/// adds about one more per half second, so on a small machine hosts queue behind each other and every continuation
/// (the next step, a store write) waits for a thread. Measured with bench/rollout on 2 CPUs and 100 hosts at
/// parallelism 10: about 10 % less wall time and 5-15 % less CPU time (less thread injection churn).
/// The floor is capped at <see cref="PerCpu"/> hosts per CPU: when this was measured each handshake cost ~100 ms of CPU
/// (sntrup761 key exchange, since moved down the list by <see cref="SshAlgorithms"/>; curve25519 costs ~15 ms), so a few
/// per CPU already kept the CPUs busy, and beyond that an unthrottled start only has every handshake in flight at once. At parallelism 100 on 2 CPUs that raised peak RSS from ~105 MB to 160-180 MB (about
/// 1 MB per handshake in flight) and, with the machine otherwise loaded, stretched handshakes past the connect timeout
/// so that hosts were wrongly reported unreachable.
/// </summary>
internal static class ThreadPoolHeadroom
{
    /// <summary>Most hosts per CPU the floor makes room for.</summary>
    public const int PerCpu = 8;

    /// <summary>
    /// Raises the pool's minimum worker threads to <paramref name="concurrentHosts"/> (at most <see cref="PerCpu"/> per
    /// CPU) plus the CPU count, never lowers it. A minimum only lets the pool create threads without delay when work
    /// is waiting; idle threads still retire.
    /// </summary>
    public static void Ensure(int concurrentHosts)
    {
        var cpus = Environment.ProcessorCount;
        var wanted = Math.Min(concurrentHosts, PerCpu * cpus) + cpus;
        ThreadPool.GetMinThreads(out var worker, out var io);
        if (worker < wanted) ThreadPool.SetMinThreads(wanted, io);
    }
}
