namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>
/// The CI gate with memory: a final answer (success or failure) for a repo's head is kept until that repo's head
/// changes, so a green head is not asked again every tick. One entry per repo at most.
/// </summary>
internal sealed class CiChecks(CiGate gate)
{
    private readonly Dictionary<string, (string Head, CiStatus Status)> _final = new(StringComparer.Ordinal);

    public async Task<CiStatus> CheckAsync(string repo, string url, string head, CancellationToken cancellationToken)
    {
        lock (_final)
        {
            if (_final.TryGetValue(repo, out var known) && known.Head == head) return known.Status;
        }

        var status = await gate.CheckAsync(url, head, cancellationToken);
        lock (_final)
        {
            if (status.State is CiState.Success or CiState.Failure) _final[repo] = (head, status);
            else _final.Remove(repo);
        }

        return status;
    }

    /// <summary>How many answers are kept (never more than the repos configured).</summary>
    public int Count
    {
        get
        {
            lock (_final) return _final.Count;
        }
    }
}
