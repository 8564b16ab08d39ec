// Mechanism table; see mechanisms.hpp (PKCS#11 3.0 mechanisms, sections 2.1 RSA, 2.3 EC).
#include "pkcs11/mechanisms.hpp"

#include <algorithm>

#include "pkcs11/token_objects.hpp"

namespace tessera::pkcs11 {

namespace {
using crypto::HashAlg;
constexpr CK_FLAGS kSignVerify = CKF_SIGN | CKF_VERIFY;
constexpr CK_FLAGS kCrypt = CKF_DECRYPT | CKF_ENCRYPT;

const MechanismSpec kMechanisms[] = {
    {CKM_RSA_PKCS, MechFamily::rsaPkcs, std::nullopt, kSignVerify | kCrypt},
    {CKM_RSA_X_509, MechFamily::rsaX509, std::nullopt, kSignVerify | kCrypt},
    {CKM_RSA_PKCS_PSS, MechFamily::rsaPss, std::nullopt, kSignVerify},
    {CKM_RSA_PKCS_OAEP, MechFamily::rsaOaep, std::nullopt, kCrypt},
    {CKM_SHA1_RSA_PKCS, MechFamily::rsaPkcs, HashAlg::sha1, kSignVerify},
    {CKM_SHA224_RSA_PKCS, MechFamily::rsaPkcs, HashAlg::sha224, kSignVerify},
    {CKM_SHA256_RSA_PKCS, MechFamily::rsaPkcs, HashAlg::sha256, kSignVerify},
    {CKM_SHA384_RSA_PKCS, MechFamily::rsaPkcs, HashAlg::sha384, kSignVerify},
    {CKM_SHA512_RSA_PKCS, MechFamily::rsaPkcs, HashAlg::sha512, kSignVerify},
    {CKM_SHA1_RSA_PKCS_PSS, MechFamily::rsaPss, HashAlg::sha1, kSignVerify},
    {CKM_SHA224_RSA_PKCS_PSS, MechFamily::rsaPss, HashAlg::sha224, kSignVerify},
    {CKM_SHA256_RSA_PKCS_PSS, MechFamily::rsaPss, HashAlg::sha256, kSignVerify},
    {CKM_SHA384_RSA_PKCS_PSS, MechFamily::rsaPss, HashAlg::sha384, kSignVerify},
    {CKM_SHA512_RSA_PKCS_PSS, MechFamily::rsaPss, HashAlg::sha512, kSignVerify},
    {CKM_ECDSA, MechFamily::ecdsa, std::nullopt, kSignVerify},
    {CKM_ECDSA_SHA1, MechFamily::ecdsa, HashAlg::sha1, kSignVerify},
    {CKM_ECDSA_SHA224, MechFamily::ecdsa, HashAlg::sha224, kSignVerify},
    {CKM_ECDSA_SHA256, MechFamily::ecdsa, HashAlg::sha256, kSignVerify},
    {CKM_ECDSA_SHA384, MechFamily::ecdsa, HashAlg::sha384, kSignVerify},
    {CKM_ECDSA_SHA512, MechFamily::ecdsa, HashAlg::sha512, kSignVerify},
    {CKM_EDDSA, MechFamily::eddsa, std::nullopt, kSignVerify},
    {CKM_ECDH1_DERIVE, MechFamily::ecdh, std::nullopt, CKF_DERIVE},
    {CKM_SHA_1, MechFamily::digest, HashAlg::sha1, CKF_DIGEST},
    {CKM_SHA224, MechFamily::digest, HashAlg::sha224, CKF_DIGEST},
    {CKM_SHA256, MechFamily::digest, HashAlg::sha256, CKF_DIGEST},
    {CKM_SHA384, MechFamily::digest, HashAlg::sha384, CKF_DIGEST},
    {CKM_SHA512, MechFamily::digest, HashAlg::sha512, CKF_DIGEST},
};

struct KeySizes {
    CK_ULONG min = 0, max = 0;
    bool any = false;
    bool sign = false, decrypt = false, derive = false, rsaBlock = false, rawDecrypt = false;
    void add(const drivers::CardKey& k)
    {
        min = any ? std::min<CK_ULONG>(min, k.bits) : k.bits;
        max = any ? std::max<CK_ULONG>(max, k.bits) : k.bits;
        any = true;
        sign |= k.canSign;
        decrypt |= k.canDecrypt;
        derive |= k.canDerive;
        rsaBlock |= k.rsaSignInput == drivers::RsaSignInput::paddedBlock;
        rawDecrypt |= k.canDecrypt && k.rsaDecryptReturnsPaddedBlock;
    }
};
} // namespace

const MechanismSpec* findMechanism(CK_MECHANISM_TYPE type) noexcept
{
    for (const auto& m : kMechanisms)
        if (m.type == type) return &m;
    return nullptr;
}

bool familyFitsKey(MechFamily family, CK_KEY_TYPE keyType) noexcept
{
    switch (family) {
    case MechFamily::rsaPkcs:
    case MechFamily::rsaX509:
    case MechFamily::rsaPss:
    case MechFamily::rsaOaep: return keyType == CKK_RSA;
    case MechFamily::ecdsa: return keyType == CKK_EC;
    case MechFamily::eddsa: return keyType == CKK_EC_EDWARDS;
    case MechFamily::ecdh: return keyType == CKK_EC || keyType == CKK_EC_MONTGOMERY;
    case MechFamily::digest: return false;
    }
    return false;
}

std::vector<AdvertisedMechanism> advertisedMechanisms(const drivers::TokenModel& model)
{
    KeySizes rsa, ec, ed, xdh;
    for (const auto& k : model.keys) {
        switch (keyTypeFor(k.algorithm)) {
        case CKK_RSA: rsa.add(k); break;
        case CKK_EC: ec.add(k); break;
        case CKK_EC_EDWARDS: ed.add(k); break;
        default: xdh.add(k); break;
        }
    }
    std::vector<AdvertisedMechanism> out;
    for (const auto& m : kMechanisms) {
        CK_MECHANISM_INFO info{0, 0, m.flags | CKF_HW};
        const KeySizes* sizes = nullptr;
        switch (m.family) {
        case MechFamily::rsaPkcs:
        case MechFamily::rsaOaep: sizes = &rsa; break; // OAEP further needs the raw block (below)
        case MechFamily::rsaX509:
        case MechFamily::rsaPss: sizes = rsa.rsaBlock ? &rsa : nullptr; break; // needs the raw RSA operation
        case MechFamily::ecdsa: sizes = &ec; break;
        case MechFamily::eddsa: sizes = &ed; break;
        case MechFamily::ecdh: sizes = ec.derive ? &ec : &xdh; break;
        case MechFamily::digest:
            info.flags = CKF_DIGEST;
            out.push_back({m.type, info});
            continue;
        }
        if (sizes == nullptr || !sizes->any) continue;
        if (m.family == MechFamily::ecdh && !sizes->derive) continue;
        if (m.family == MechFamily::rsaOaep && !sizes->rawDecrypt) continue; // OAEP is unpadded on the host
        info.ulMinKeySize = sizes->min;
        info.ulMaxKeySize = sizes->max;
        if (m.family == MechFamily::ecdsa || m.family == MechFamily::ecdh)
            info.flags |= CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS;
        if (m.family == MechFamily::rsaPkcs && m.hash) info.flags &= ~kCrypt;
        if (!sizes->decrypt) info.flags &= ~kCrypt;
        if (!sizes->sign) info.flags &= ~kSignVerify;
        if ((info.flags & ~CKF_HW & ~(CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)) == 0) continue;
        out.push_back({m.type, info});
    }
    // Key pairs the card generates (fn_keys.cpp, C_GenerateKeyPair).
    if (model.rsaGenerateMaxBits != 0)
        out.push_back({CKM_RSA_PKCS_KEY_PAIR_GEN,
                       {model.rsaGenerateMinBits, model.rsaGenerateMaxBits, CKF_HW | CKF_GENERATE_KEY_PAIR}});
    if (model.ecGenerateMaxBits != 0)
        out.push_back({CKM_EC_KEY_PAIR_GEN,
                       {model.ecGenerateMinBits, model.ecGenerateMaxBits,
                        CKF_HW | CKF_GENERATE_KEY_PAIR | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS}});
    if (model.generate25519) {
        out.push_back({CKM_EC_EDWARDS_KEY_PAIR_GEN, {255, 255, CKF_HW | CKF_GENERATE_KEY_PAIR}});
        out.push_back({CKM_EC_MONTGOMERY_KEY_PAIR_GEN, {255, 255, CKF_HW | CKF_GENERATE_KEY_PAIR}});
    }
    return out;
}

} // namespace tessera::pkcs11
