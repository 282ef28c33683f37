using System.Globalization;

namespace IntelMQ.Experts.Common;

/// <summary>The self-test line of a program's reference file: which file, how many entries, how old.</summary>
static class DataFileReport
{
    /// <exception cref="InvalidDataException">The file holds no entries: the program would look up nothing.</exception>
    public static IReadOnlyList<string> Describe(string option, string path, int entries, string noun, TimeProvider clock)
    {
        if (entries == 0) throw new InvalidDataException($"{option} {path} holds no {noun}; run --self-update-db or give another file.");
        var written = File.GetLastWriteTimeUtc(path);
        var age = clock.GetUtcNow().UtcDateTime - written;
        var days = Math.Max(0, age.TotalDays);
        return [$"{option} {path}: {entries.ToString(CultureInfo.InvariantCulture)} {noun}, written {written.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC "
                + $"({(days < 1 ? $"{Math.Max(0, age.TotalHours):0} hours" : $"{days:0} days")} old)"];
    }
}
