using MaxMind.Db;

namespace IntelMQ.Experts.MaxMindGeoip;

/// <summary>An ASN database's record: the AS and the network the address is in.</summary>
sealed class AsRecord
{
    [Constructor]
    public AsRecord([MapKey("autonomous_system_number")] long? number, [MapKey("autonomous_system_organization")] string? organization,
        [Network] Network network)
    {
        Number = number;
        Organization = organization;
        Network = network;
    }

    public long? Number { get; }
    public string? Organization { get; }
    public Network Network { get; }
}
