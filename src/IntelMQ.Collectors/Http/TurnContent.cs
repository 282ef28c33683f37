using System.Net;

namespace IntelMQ.Collectors.Http;

/// <summary>A response body that holds its host's turn (<see cref="HostGate"/>) until it is read or disposed.</summary>
sealed class TurnContent : HttpContent
{
    readonly HttpContent _inner;
    readonly IDisposable _turn;

    public TurnContent(HttpContent inner, IDisposable turn)
    {
        _inner = inner;
        _turn = turn;
        foreach (var (name, values) in inner.Headers) Headers.TryAddWithoutValidation(name, values);
    }

    /// <summary>The body was read to its end: the host's turn goes to the next request.</summary>
    public void Done() => _turn.Dispose();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) => await SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await _inner.CopyToAsync(stream, context, cancellationToken);
        Done();
    }

    protected override Task<Stream> CreateContentReadStreamAsync() => _inner.ReadAsStreamAsync();

    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) => _inner.ReadAsStreamAsync(cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _turn.Dispose();
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
