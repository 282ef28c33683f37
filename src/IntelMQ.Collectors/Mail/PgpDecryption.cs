using IntelMQ.Contract;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace IntelMQ.Collectors.Mail;

/// <summary>
/// Decrypts OpenPGP messages (binary or ASCII-armored) with the secret keys of an armored key file, as
/// <c>gpg --export-secret-keys --armor</c> writes it. The keys are unlocked once, at start, so that a wrong
/// passphrase is a refused configuration rather than every mail failing.
/// </summary>
public sealed class PgpDecryption
{
    readonly Dictionary<long, PgpPrivateKey> _keys = [];

    /// <exception cref="ConfigurationException">The file cannot be read, holds no secret encryption key, or the passphrase does not unlock one.</exception>
    public PgpDecryption(string keyPath, Secret? passphrase, string owner)
    {
        PgpSecretKeyRingBundle bundle;
        try
        {
            using var file = File.OpenRead(keyPath);
            using var keys = PgpUtilities.GetDecoderStream(file);
            bundle = new PgpSecretKeyRingBundle(keys);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PgpException)
        {
            throw new ConfigurationException($"{owner}: openpgp_secret_key '{keyPath}' is not a readable OpenPGP secret key file (export one with `gpg --export-secret-keys --armor KEYID > FILE`): {ex.Message}");
        }
        var secret = (passphrase?.Reveal() ?? "").ToCharArray();
        foreach (PgpSecretKeyRing ring in bundle.GetKeyRings())
        foreach (PgpSecretKey key in ring.GetSecretKeys())
        {
            if (key.IsPrivateKeyEmpty || !key.PublicKey.IsEncryptionKey) continue;
            try
            {
                _keys[key.KeyId] = key.ExtractPrivateKey(secret);
            }
            catch (PgpException ex)
            {
                throw new ConfigurationException($"{owner}: openpgp_passphrase does not unlock the key {key.KeyId:X16} of openpgp_secret_key '{keyPath}': {ex.Message}");
            }
        }
        if (_keys.Count == 0) throw new ConfigurationException($"{owner}: openpgp_secret_key '{keyPath}' holds no secret key that can decrypt.");
    }

    /// <summary>Writes the decrypted content of <paramref name="encrypted"/> to <paramref name="target"/>.</summary>
    /// <exception cref="InvalidDataException">Not an OpenPGP encrypted message, encrypted for none of the keys, or corrupt.</exception>
    public void Decrypt(Stream encrypted, Stream target)
    {
        try
        {
            using var decoder = PgpUtilities.GetDecoderStream(encrypted);
            var outer = new PgpObjectFactory(decoder);
            var next = outer.NextPgpObject();
            if (next is PgpMarker) next = outer.NextPgpObject();
            if (next is not PgpEncryptedDataList list) throw new InvalidDataException("not an OpenPGP encrypted message");
            var candidates = list.GetEncryptedDataObjects().OfType<PgpPublicKeyEncryptedData>().ToList();
            var data = candidates.FirstOrDefault(c => _keys.ContainsKey(c.KeyId))
                       ?? throw new InvalidDataException($"encrypted for {string.Join(", ", candidates.Select(c => $"key {c.KeyId:X16}"))}, not for a key of openpgp_secret_key");
            using var clear = data.GetDataStream(_keys[data.KeyId]);
            var inner = new PgpObjectFactory(clear);
            var content = inner.NextPgpObject();
            if (content is PgpCompressedData compressed)
            {
                inner = new PgpObjectFactory(compressed.GetDataStream());
                content = inner.NextPgpObject();
            }
            if (content is PgpOnePassSignatureList) content = inner.NextPgpObject();
            if (content is not PgpLiteralData literal) throw new InvalidDataException("the decrypted message holds no data");
            literal.GetInputStream().CopyTo(target);
            if (data.IsIntegrityProtected() && !data.Verify()) throw new InvalidDataException("its integrity check failed: it was altered");
        }
        catch (Exception ex) when (ex is not (InvalidDataException or OutOfMemoryException))
        {
            throw new InvalidDataException($"not a readable OpenPGP message: {ex.Message}", ex);
        }
    }
}
