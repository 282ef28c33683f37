namespace IntelMQ.Experts.Ripe;

/// <summary>What the RIPE expert does with an abuse contact the event already has.</summary>
public enum RipeMode
{
    /// <summary>Keep it and add the contacts found that it does not list.</summary>
    Append,

    /// <summary>Put the contacts found in its place (none found: remove it); geolocation the event has is replaced too.</summary>
    Replace,
}
