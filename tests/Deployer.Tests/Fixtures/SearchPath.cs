namespace ChatOpsReconfig.Deployer.Tests.Fixtures;

/// <summary>A PATH directory that offers every command of /usr/bin and /bin but one, for a driver started with it.</summary>
public static class SearchPath
{
    /// <summary>Creates <paramref name="dir"/> with a link to each command except <paramref name="left"/>; returns it.</summary>
    public static string Without(string dir, string left)
    {
        var bin = Directory.CreateDirectory(dir).FullName;
        foreach (var file in Directory.EnumerateFiles("/usr/bin").Concat(Directory.EnumerateFiles("/bin")))
        {
            var link = Path.Combine(bin, Path.GetFileName(file));
            if (Path.GetFileName(file) != left && !File.Exists(link)) File.CreateSymbolicLink(link, file);
        }

        return bin;
    }
}
