using System.Text.Json.Nodes;
using IntelMQ.Core;

namespace IntelMQ.Contract;

/// <summary>What every event inherits from the report it was parsed from: the feed's provenance and the observation time.</summary>
public static class ReportFields
{
    // Named as IntelMQ names them, so the list reads like IntelMQ's documentation.
    static readonly string[] Inherited =
        new[] { "feed.accuracy", "feed.code", "feed.documentation", "feed.name", "feed.provider", "feed.url", "rtir_id", "time.observation" }
            .Select(dho => DhoMapping.ToIdf(dho)!).ToArray();

    /// <summary>A new event carrying the report's inherited fields, and a link to the report (its parent) when it has an id.</summary>
    public static Event NewEvent(Event report)
    {
        var ev = Event.Create();
        foreach (var name in Inherited)
            ev.CopyFrom(report, name);
        // One link value per report, shared by every event cloned from this one.
        if (report.Id is { } id) ev.Add(Event.LinksField, new JsonArray(new JsonObject { ["type"] = "parent", ["id"] = id }));
        return ev;
    }
}
