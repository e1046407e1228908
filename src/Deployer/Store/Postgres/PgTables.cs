namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>
/// Every table of the PostgreSQL store, named in one place (as <see cref="StoreCollections"/> names the collections).
/// The migrations create them under these names, so a name here never changes: a rename is a new migration.
/// </summary>
internal static class PgTables
{
    /// <summary>One row per record: collection, id, a number to order by, the record as <c>jsonb</c>.</summary>
    public const string Documents = "documents";

    /// <summary>Each collection's last id (<see cref="PgDocuments.NextId"/>).</summary>
    public const string Counters = "counters";

    /// <summary>The one row saying which bot leads (<see cref="PgLeaderLease"/>).</summary>
    public const string LeaderLease = "leader_lease";

    /// <summary>The schema versions applied (<see cref="PgMigrations"/>).</summary>
    public const string Schema = "chatops_schema";
}
