namespace IntelMQ.Parsers.Common;

/// <summary>One line of a report body, numbered from 1 as a person counts them in the file.</summary>
public readonly record struct ReportLine(int Number, string Text)
{
    public string Position => $"line {Number}";
}
