// ECDSA signature encodings: cards (PIV) and OpenSSL speak DER
// Ecdsa-Sig-Value = SEQUENCE{r INTEGER, s INTEGER} (RFC 3279 2.2.3), PKCS#11
// speaks raw r||s, each zero-padded to the field size (PKCS#11 3.0 mechanisms
// 2.3.1). The DER side is untrusted card output, so the parse is strict.
#include "crypto/crypto.hpp"
#include "crypto/openssl_util.hpp"

#include <openssl/crypto.h>
#include <openssl/ec.h>

#include <algorithm>
#include <climits>

namespace tessera::crypto {

using detail::bnToBytes;

namespace {

using detail::EcdsaSigPtr;

Bytes encodeSig(const ECDSA_SIG* sig)
{
    unsigned char* buf = nullptr;
    int len = i2d_ECDSA_SIG(sig, &buf);
    if (len <= 0) detail::throwOpenssl(Errc::general, "i2d_ECDSA_SIG failed");
    Bytes out(buf, buf + len);
    OPENSSL_free(buf);
    return out;
}

bool usableScalar(const BIGNUM* v, std::size_t fieldBytes)
{
    return !BN_is_negative(v) && !BN_is_zero(v) && static_cast<std::size_t>(BN_num_bytes(v)) <= fieldBytes;
}

} // namespace

Bytes ecdsaDerToRaw(ByteView der, std::size_t fieldBytes)
{
    if (fieldBytes == 0) throw Error(Errc::argumentsBad, "field size is zero");
    if (der.size() > static_cast<std::size_t>(LONG_MAX)) throw Error(Errc::dataInvalid, "ECDSA signature too long");
    const unsigned char* p = der.data();
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig || p != der.data() + der.size()) {
        detail::clearOpensslErrors();
        throw Error(Errc::dataInvalid, "ECDSA signature is not a DER SEQUENCE of two INTEGERs");
    }
    // BER leniencies (long-form lengths, padded INTEGERs) do not survive re-encoding.
    Bytes canonical = encodeSig(sig.get());
    if (!std::equal(canonical.begin(), canonical.end(), der.begin(), der.end()))
        throw Error(Errc::dataInvalid, "ECDSA signature is not DER");
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    if (!usableScalar(r, fieldBytes) || !usableScalar(s, fieldBytes))
        throw Error(Errc::dataInvalid, "ECDSA r or s out of range for the curve");
    return concat(bnToBytes(r, fieldBytes), bnToBytes(s, fieldBytes));
}

Bytes ecdsaRawToDer(ByteView raw)
{
    if (raw.empty() || raw.size() % 2 != 0)
        throw Error(Errc::dataLenRange, "raw ECDSA signature must be r||s of equal halves");
    const int half = detail::toInt(raw.size() / 2);
    detail::BignumPtr r(BN_bin2bn(raw.data(), half, nullptr));
    detail::BignumPtr s(BN_bin2bn(raw.data() + half, half, nullptr));
    EcdsaSigPtr sig(ECDSA_SIG_new());
    if (!r || !s || !sig) detail::throwOpenssl(Errc::hostMemory, "ECDSA_SIG allocation failed");
    if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) detail::throwOpenssl(Errc::general, "ECDSA_SIG_set0 failed");
    r.release(); // now owned by sig
    s.release();
    return encodeSig(sig.get());
}

} // namespace tessera::crypto
