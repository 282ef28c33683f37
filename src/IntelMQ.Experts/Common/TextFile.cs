using IntelMQ.Contract;

namespace IntelMQ.Experts.Common;

/// <summary>Reads a program's configured file, turning a missing or unreadable file into a refusal that names it.</summary>
static class TextFile
{
    public static string[] ReadLines(string program, string option, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ConfigurationException($"{program}: option '{option}' is required: give the path of the file.");
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{program}: option '{option}': cannot read {path}: {ex.Message}");
        }
    }

    public static string ReadAll(string program, string option, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ConfigurationException($"{program}: option '{option}' is required: give the path of the file.");
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{program}: option '{option}': cannot read {path}: {ex.Message}");
        }
    }
}
