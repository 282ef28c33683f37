using IntelMQ.Collectors.Http;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.GitHub;

/// <summary>Options of the GitHub contents collector: IntelMQ's collector_github_contents_api parameters, its HTTP parameters, and ours.</summary>
public sealed record GitHubContentsCollectorOptions : HttpParameters
{
    [Option("A GitHub personal access token (sent as Authorization: token ...); without one GitHub allows 60 requests an hour.")]
    public Secret? PersonalAccessToken { get; set; }

    [Option("The repository, as owner/name, e.g. StrangerealIntel/DailyIOC.")]
    public string? Repository { get; set; }

    [Option("A regular expression (.NET syntax) a file's path in the repository must match somewhere to be collected.")]
    public string Regex { get; set; } = ".*.json";

    [Option("Fields of the contents API's answer for each file (e.g. sha,size,html_url), comma-separated, copied into extra.file_metadata.")]
    public string[] ExtraFields { get; set; } = [];

    [Option("The GitHub REST API's base URL (GitHub Enterprise: https://HOST/api/v3/); repos/REPOSITORY/contents is appended.")]
    public string ApiUrl { get; set; } = "https://api.github.com/";
}
