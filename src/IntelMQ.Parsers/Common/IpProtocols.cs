namespace IntelMQ.Parsers.Common;

/// <summary>IANA's keywords of IP protocol numbers, lower case, as feeds that give a number (6) mean a name (tcp).</summary>
public static class IpProtocols
{
    static readonly Dictionary<int, string> Names = new()
    {
        [0] = "hopopt", [1] = "icmp", [2] = "igmp", [3] = "ggp", [4] = "ipv4", [5] = "st", [6] = "tcp", [7] = "cbt", [8] = "egp", [9] = "igp",
        [10] = "bbn-rcc-mon", [11] = "nvp-ii", [12] = "pup", [13] = "argus", [14] = "emcon", [15] = "xnet", [16] = "chaos", [17] = "udp",
        [18] = "mux", [19] = "dcn-meas", [20] = "hmp", [21] = "prm", [22] = "xns-idp", [27] = "rdp", [29] = "iso-tp4", [33] = "dccp",
        [41] = "ipv6", [43] = "ipv6-route", [44] = "ipv6-frag", [46] = "rsvp", [47] = "gre", [50] = "esp", [51] = "ah", [58] = "ipv6-icmp",
        [59] = "ipv6-nonxt", [60] = "ipv6-opts", [88] = "eigrp", [89] = "ospfigp", [94] = "ipip", [97] = "etherip", [103] = "pim",
        [112] = "vrrp", [115] = "l2tp", [132] = "sctp", [136] = "udplite", [137] = "mpls-in-ip",
    };

    /// <summary>The keyword of a protocol number, or null when IANA has none for it (or this table lacks it).</summary>
    public static string? Name(int number) => Names.GetValueOrDefault(number);
}
