using IntelMQ.Contract;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace IntelMQ.Collectors.Http;

/// <summary>Checks content against a detached OpenPGP signature made by one of the keys of a keyring file.</summary>
public sealed class PgpSignatureCheck
{
    readonly PgpPublicKeyRingBundle _keys;

    /// <exception cref="ConfigurationException">The keyring cannot be read or holds no key.</exception>
    public PgpSignatureCheck(string keyringPath, string owner)
    {
        try
        {
            using var file = File.OpenRead(keyringPath);
            using var keys = PgpUtilities.GetDecoderStream(file);
            _keys = new PgpPublicKeyRingBundle(keys);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PgpException)
        {
            throw new ConfigurationException($"{owner}: gpg_keyring '{keyringPath}' is not a readable OpenPGP keyring (export one with `gpg --export KEYID > FILE`): {ex.Message}");
        }
        if (_keys.Count == 0) throw new ConfigurationException($"{owner}: gpg_keyring '{keyringPath}' holds no public key.");
    }

    /// <summary>Reads <paramref name="content"/> to its end and checks it.</summary>
    /// <exception cref="InvalidDataException">The signature is malformed, made by an unknown key, or does not match.</exception>
    public void Verify(Stream content, byte[] signature)
    {
        PgpSignatureList signatures;
        try
        {
            using var decoded = PgpUtilities.GetDecoderStream(new MemoryStream(signature));
            var next = new PgpObjectFactory(decoded).NextPgpObject();
            if (next is PgpCompressedData compressed) next = new PgpObjectFactory(compressed.GetDataStream()).NextPgpObject();
            signatures = next as PgpSignatureList ?? throw new InvalidDataException("it holds no signature");
        }
        catch (Exception ex) when (ex is IOException or PgpException)
        {
            throw new InvalidDataException($"the signature cannot be read: {ex.Message}", ex);
        }
        for (var i = 0; i < signatures.Count; i++)
        {
            var candidate = signatures[i];
            if (_keys.GetPublicKey(candidate.KeyId) is not { } key) continue;
            candidate.InitVerify(key);
            var buffer = new byte[1 << 16];
            content.Position = 0;
            for (int n; (n = content.Read(buffer)) > 0;) candidate.Update(buffer, 0, n);
            content.Position = 0;
            if (candidate.Verify()) return;
            throw new InvalidDataException($"the signature by key {candidate.KeyId:X16} does not match the content");
        }
        throw new InvalidDataException($"it is signed by key {(signatures.Count > 0 ? signatures[0].KeyId.ToString("X16") : "?")}, which is not in gpg_keyring");
    }
}
