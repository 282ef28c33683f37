namespace IntelMQ.Contract;

/// <summary>
/// A password, token or key. It prints as <c>***</c> everywhere (logs, <c>config render</c>, exceptions), so a secret
/// option cannot leak by being shown; <see cref="Reveal"/> is the one way to read it, at the point of use.
/// </summary>
public sealed class Secret(string value)
{
    public string Reveal() => value;

    public bool IsEmpty => value.Length == 0;

    public override string ToString() => "***";
}
