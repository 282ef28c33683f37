using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// The part of Request Tracker's REST 1.0 the collector uses, answering as RT documents it: user and pass on every
/// request, the RT status line first, search/ticket in format s, ticket attachments, attachment content, history in
/// format l, take and edit.
/// </summary>
public sealed partial class RtServer
{
    public const string User = "intelmq", Password = "rt-secret";

    public sealed record Ticket(string Subject, string Text)
    {
        public string Status { get; set; } = "new";
        public string Owner { get; set; } = "nobody";
        public List<(string Name, string Type, byte[] Content)> Attachments { get; } = [];
    }

    public Dictionary<int, Ticket> Tickets { get; } = [];

    public List<string> Queries { get; } = [];

    /// <summary>Runs as an attachment's content is answered (with the ticket's number), before the answer is sent.</summary>
    public Action<int>? Fetching { get; set; }

    public async Task AnswerAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        context.Response.ContentType = "text/plain; charset=utf-8";
        if (form["user"] != User || form["pass"] != Password)
        {
            await context.Response.WriteAsync("RT/4.4.3 401 Credentials required\n");
            return;
        }
        var path = context.Request.Path.Value!["/REST/1.0/".Length..].Split('/');
        if (path is ["ticket", var fetched, "attachments", _, "content"]) Fetching?.Invoke(int.Parse(fetched));
        byte[] answer;
        lock (Tickets)
        {
            answer = path switch
            {
                ["search", "ticket"] => Search(form["query"].ToString()),
                ["ticket", var id, "attachments"] => Text(string.Join(",\n", Tickets[int.Parse(id)].Attachments.Select((a, i) =>
                    $"{(i == 0 ? "Attachments: " : "             ")}{100 + i}: {a.Name} ({a.Type} / {a.Content.Length}b)"))),
                ["ticket", var id, "attachments", var attachment, "content"] => [.. Status(), .. Tickets[int.Parse(id)].Attachments[int.Parse(attachment) - 100].Content, .. "\n\n\n"u8],
                ["ticket", var id, "history"] => Text($"# 1/1 (id/1/total)\n\nid: 1\nTicket: {id}\nType: Create\nContent: {Tickets[int.Parse(id)].Text.Replace("\n", "\n         ")}\n"),
                ["ticket", var id, "take"] => Update(id, t => t.Owner = User),
                ["ticket", var id, "edit"] => Update(id, t => t.Status = StatusLine().Match(form["content"].ToString()).Groups[1].Value),
                _ => Text("# Unknown command"),
            };
        }
        await context.Response.Body.WriteAsync(answer);
    }

    byte[] Search(string query)
    {
        Queries.Add(query);
        var status = StatusTerm().Match(query).Groups[1].Value;
        var found = Tickets.Where(t => t.Value.Status == status).Select(t => $"{t.Key}: {t.Value.Subject}").ToList();
        return Text(found.Count == 0 ? "No matching results." : string.Join("\n", found));
    }

    byte[] Update(string id, Action<Ticket> change)
    {
        change(Tickets[int.Parse(id)]);
        return Text($"# Ticket {id} updated.");
    }

    static byte[] Status() => "RT/4.4.3 200 Ok\n\n"u8.ToArray();

    static byte[] Text(string text) => [.. Status(), .. Encoding.UTF8.GetBytes(text + "\n")];

    [GeneratedRegex(@"Status = '([^']*)'")]
    private static partial Regex StatusTerm();

    [GeneratedRegex(@"Status: (\S+)")]
    private static partial Regex StatusLine();
}
