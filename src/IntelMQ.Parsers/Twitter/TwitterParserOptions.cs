using IntelMQ.Contract;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.Twitter;

public sealed record TwitterParserOptions : DhoParserOptions
{
    [Option("Domains whose URLs are left out, with their subdomains (Twitter's own link shortener by default).")]
    public string[] DomainWhitelist { get; set; } = ["t.co"];

    [Option("Pairs of texts separated by semicolons, each first one replaced by the second before URLs are looked for: '[.];.;,;.' reads example[.]com and example,com as example.com.")]
    public string? Substitutions { get; set; }

    [Option("classification.type of every event.")]
    public string ClassificationType { get; set; } = "blacklist";

    [Option("The scheme of a URL written without one (cc.pro/images.html).")]
    public string DefaultScheme { get; set; } = "http";

    [Option("Largest text taken (characters): a tweet or a post is far smaller; a larger report is refused whole.", Min = 1)]
    public int MaxSize { get; set; } = 1 << 20;
}
