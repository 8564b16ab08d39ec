// The Card.* fixture: the provisioned virtual PIV card (9A RSA-2048, 9C P-256
// with CKA_ALWAYS_AUTHENTICATE, 9D RSA-2048, 9E P-256; CKA_ID 01-04). Runs
// only with TESSERA_TEST_CARD=1, which the api_tessera ctest sets, so CI never
// skips it silently. Each test starts with a read-only session s.
#pragma once

#include <ios>

#include "api_fixtures.hpp"

namespace tessera::apitest {

class Card : public Generic {
protected:
    void SetUp() override
    {
        if (!env().cardTests) GTEST_SKIP() << "TESSERA_TEST_CARD=1 not set: card tests not run";
        Generic::SetUp();
        if (HasFatalFailure()) return;
        ASSERT_NO_FATAL_FAILURE(needSession());
    }
    // The object of class cls with the one-byte CKA_ID id (a failure if absent).
    CK_OBJECT_HANDLE object(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls, std::uint8_t id)
    {
        CK_OBJECT_HANDLE o = findById(h, cls, Bytes{id});
        EXPECT_NE(o, CK_INVALID_HANDLE) << "object class " << cls << " CKA_ID " << int(id);
        return o;
    }
    // The public key of certificate id, by OpenSSL.
    ossl::Pkey certKeyOf(std::uint8_t id)
    {
        CK_OBJECT_HANDLE cert = object(s, CKO_CERTIFICATE, id);
        if (cert == CK_INVALID_HANDLE) return nullptr;
        auto der = attrBytes(s, cert, CKA_VALUE);
        return der.has_value() ? ossl::publicKeyFromCertDer(*der) : nullptr;
    }
    Bytes sign(CK_MECHANISM mech, CK_OBJECT_HANDLE k, const Bytes& data)
    {
        CK_RV rv = CKR_OK;
        Bytes sig = signOnce(s, mech, k, data, &rv);
        EXPECT_RV(CKR_OK, rv) << "sign with mechanism 0x" << std::hex << mech.mechanism;
        return sig;
    }
    Bytes decrypt(CK_MECHANISM mech, CK_OBJECT_HANDLE k, const Bytes& cipher)
    {
        CK_RV rv = f->C_DecryptInit(s, &mech, k);
        EXPECT_RV(CKR_OK, rv) << "C_DecryptInit mechanism 0x" << std::hex << mech.mechanism;
        if (rv != CKR_OK) return {};
        CK_ULONG len = 0;
        rv = f->C_Decrypt(s, const_cast<CK_BYTE_PTR>(cipher.data()), cipher.size(), nullptr, &len);
        EXPECT_RV(CKR_OK, rv) << "C_Decrypt length query";
        if (rv != CKR_OK) return {};
        Bytes out(len);
        rv = f->C_Decrypt(s, const_cast<CK_BYTE_PTR>(cipher.data()), cipher.size(), out.data(), &len);
        EXPECT_RV(CKR_OK, rv) << "C_Decrypt";
        out.resize(rv == CKR_OK ? len : 0);
        return out;
    }
};

} // namespace tessera::apitest
