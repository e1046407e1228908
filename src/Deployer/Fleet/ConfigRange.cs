using System.Globalization;

namespace ChatOpsReconfig.Deployer.Fleet;

/// <summary>Range checks that say what the file has and what the limit is: <c>rollout.parallelism: 1000000000 is more than 1000</c>.</summary>
public static class ConfigRange
{
    /// <summary>Adds a problem when <paramref name="value"/> is outside [<paramref name="min"/>, <paramref name="max"/>]; <paramref name="note"/> explains a limit, e.g. <c>7 days</c>.</summary>
    public static void Check(ICollection<string> problems, string path, double value, double min, double max, string? note = null)
    {
        var suffix = note is null ? "" : $" ({note})";
        if (value < min) problems.Add($"{path}: {Text(value)} is less than {Text(min)}{suffix}");
        else if (value > max) problems.Add($"{path}: {Text(value)} is more than {Text(max)}{suffix}");
    }

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
}
