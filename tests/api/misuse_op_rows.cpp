// Card-independent misuse rows about state: operations not initialised,
// already active, or ended (by success or by an error, 5.8-5.15 "always
// terminates"), wrong mechanism parameters (PSS, OAEP), writes in read-only
// sessions, and login/logout in the wrong state (5.5, 5.6).
#include "misuse_table.hpp"

namespace tessera::apitest::misuse {

namespace {

constexpr CK_UTF8CHAR kSoftHsmSoPin[] = "12345678"; // run_softhsm.sh (also the virtual PIV card's PUK)

Bytes data32()
{
    return Bytes(32, 0x5A);
}

// Operations that must say CKR_OPERATION_NOT_INITIALIZED without their Init.
void notInitializedOperationRows(std::vector<Row>& rows)
{
    static const char* const names[] = {"C_Encrypt",       "C_EncryptUpdate", "C_EncryptFinal", "C_Decrypt",
                                        "C_DecryptUpdate", "C_DecryptFinal",  "C_Digest",       "C_DigestUpdate",
                                        "C_DigestKey",     "C_DigestFinal",   "C_Sign",         "C_SignUpdate",
                                        "C_SignFinal",     "C_SignRecover",   "C_Verify",       "C_VerifyUpdate",
                                        "C_VerifyFinal",   "C_VerifyRecover", "C_FindObjects",  "C_FindObjectsFinal"};
    for (const Call& c : sessionCalls()) {
        bool listed = false;
        for (const char* n : names)
            listed = listed || c.name == n;
        if (!listed) continue;
        std::vector<CK_RV> ok = {CKR_OPERATION_NOT_INITIALIZED};
        if (c.optional) ok.push_back(CKR_FUNCTION_NOT_SUPPORTED);
        rows.push_back(mk("STATE-NOINIT-" + c.name, c.name, "logged-in session, no operation started",
                          "5.1.6; " + clauseOf(c.name), ok, [c](Ctx& x) {
                              CK_SESSION_HANDLE s = x.ro();
                              if (!x.login(s)) return kSetupFailed;
                              return c.fn(x, s);
                          }));
    }
}

// The key an operation of the given kind uses (looked up before any Init:
// SoftHSM allows no C_FindObjects while another operation is active).
CK_OBJECT_HANDLE keyFor(Ctx& c, CK_SESSION_HANDLE s, const std::string& kind)
{
    if (kind == "digest" || kind == "find") return CK_INVALID_HANDLE;
    if (kind == "sign" || kind == "decrypt") return c.rsaSignKey(s);
    return c.rsaPublicKey(s);
}

// Starts an operation of the given kind with key k (CKM_SHA256 for a digest).
CK_RV startWith(Ctx& c, CK_SESSION_HANDLE s, const std::string& kind, CK_OBJECT_HANDLE k,
                CK_MECHANISM_TYPE mech = CKM_RSA_PKCS)
{
    CK_MECHANISM m = {mech, nullptr, 0};
    if (kind == "digest") {
        m.mechanism = CKM_SHA256;
        return c.f->C_DigestInit(s, &m);
    }
    if (kind == "find") return c.f->C_FindObjectsInit(s, nullptr, 0);
    if (k == CK_INVALID_HANDLE) return kSetupFailed;
    if (kind == "decrypt" && !attrBool(s, k, CKA_DECRYPT).value_or(false)) {
        return c.notApplicable("the RSA signing key has CKA_DECRYPT FALSE");
    }
    if (kind == "sign") return c.f->C_SignInit(s, &m, k);
    if (kind == "decrypt") return c.f->C_DecryptInit(s, &m, k);
    if (kind == "verify") return c.f->C_VerifyInit(s, &m, k);
    return c.f->C_EncryptInit(s, &m, k);
}

CK_RV start(Ctx& c, CK_SESSION_HANDLE s, const std::string& kind, CK_MECHANISM_TYPE mech = CKM_RSA_PKCS)
{
    return startWith(c, s, kind, keyFor(c, s, kind), mech);
}

void activeRows(std::vector<Row>& rows)
{
    struct Twice {
        const char* fn;
        const char* kind;
        const char* clause;
    };
    static const Twice twice[] = {{"C_SignInit", "sign", "5.13"},      {"C_VerifyInit", "verify", "5.15"},
                                  {"C_EncryptInit", "encrypt", "5.8"}, {"C_DecryptInit", "decrypt", "5.10"},
                                  {"C_DigestInit", "digest", "5.12"},  {"C_FindObjectsInit", "find", "5.7"}};
    for (const Twice& t : twice) {
        rows.push_back(mk(std::string("STATE-TWICE-") + t.fn, t.fn, "the same operation is already active",
                          std::string("5.1.6; ") + t.clause, {CKR_OPERATION_ACTIVE}, [t](Ctx& c) {
                              CK_SESSION_HANDLE s = c.ro();
                              CK_OBJECT_HANDLE k = keyFor(c, s, t.kind);
                              if (CK_RV rv = startWith(c, s, t.kind, k); rv != CKR_OK) {
                                  return rv == kNotApplicable ? rv : c.setupFailed("first Init", rv);
                              }
                              return startWith(c, s, t.kind, k);
                          }));
    }
}

// "A call to C_Sign always terminates the active signing operation unless it
// returns CKR_BUFFER_TOO_SMALL or is a successful call ... to determine the
// length" (5.13; the same words for C_Encrypt 5.8, C_Decrypt 5.10, C_Digest
// 5.12, C_Verify 5.15). Each row ends an operation, then finds it gone.
void endedRows(std::vector<Row>& rows)
{
    rows.push_back(mk("ENDED-OK-C_Sign", "C_Sign", "after a successful C_Sign", "5.13 C_Sign",
                      {CKR_OPERATION_NOT_INITIALIZED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (CK_RV rv = start(c, s, "sign", CKM_SHA256_RSA_PKCS); rv != CKR_OK) {
                              return c.setupFailed("C_SignInit", rv);
                          }
                          Bytes d = data32(), sig(1024);
                          CK_ULONG len = sig.size();
                          if (CK_RV rv = c.f->C_Sign(s, d.data(), d.size(), sig.data(), &len); rv != CKR_OK) {
                              return c.setupFailed("first C_Sign", rv);
                          }
                          len = sig.size();
                          return c.f->C_Sign(s, d.data(), d.size(), sig.data(), &len);
                      }));
    rows.push_back(mk("ENDED-OK-C_SignUpdate", "C_SignUpdate", "after a successful single-part C_Sign",
                      "5.13 C_SignUpdate", {CKR_OPERATION_NOT_INITIALIZED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (CK_RV rv = start(c, s, "sign", CKM_SHA256_RSA_PKCS); rv != CKR_OK) {
                              return c.setupFailed("C_SignInit", rv);
                          }
                          Bytes d = data32(), sig(1024);
                          CK_ULONG len = sig.size();
                          if (CK_RV rv = c.f->C_Sign(s, d.data(), d.size(), sig.data(), &len); rv != CKR_OK) {
                              return c.setupFailed("C_Sign", rv);
                          }
                          return c.f->C_SignUpdate(s, d.data(), d.size());
                      }));
    Row afterUpdate = mk("MIXED-C_Sign-after-update", "C_Sign", "single-part C_Sign after C_SignUpdate",
                         "5.13 C_Sign (\"cannot be used to terminate a multi-part operation\"; no code named: "
                         "both 'an operation is active that prevents this' and 'no operation of an appropriate "
                         "type' fit)",
                         {CKR_OPERATION_ACTIVE, CKR_OPERATION_NOT_INITIALIZED}, [](Ctx& c) {
                             CK_SESSION_HANDLE s = c.ro();
                             if (CK_RV rv = start(c, s, "sign", CKM_SHA256_RSA_PKCS); rv != CKR_OK) {
                                 return c.setupFailed("C_SignInit", rv);
                             }
                             Bytes d = data32(), sig(1024);
                             if (CK_RV rv = c.f->C_SignUpdate(s, d.data(), d.size()); rv != CKR_OK) {
                                 return c.setupFailed("C_SignUpdate", rv);
                             }
                             CK_ULONG len = sig.size();
                             return c.f->C_Sign(s, d.data(), d.size(), sig.data(), &len);
                         });
    rows.push_back(afterUpdate);
    rows.push_back(mk("ENDED-OK-C_DigestUpdate", "C_DigestUpdate", "after a successful C_Digest", "5.12 C_DigestUpdate",
                      {CKR_OPERATION_NOT_INITIALIZED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (CK_RV rv = start(c, s, "digest"); rv != CKR_OK) return c.setupFailed("C_DigestInit", rv);
                          Bytes d = data32(), out(64);
                          CK_ULONG len = out.size();
                          if (CK_RV rv = c.f->C_Digest(s, d.data(), d.size(), out.data(), &len); rv != CKR_OK) {
                              return c.setupFailed("C_Digest", rv);
                          }
                          return c.f->C_DigestUpdate(s, d.data(), d.size());
                      }));
    rows.push_back(mk("ENDED-OK-C_FindObjectsFinal", "C_FindObjectsFinal", "after C_FindObjectsFinal",
                      "5.7 C_FindObjectsFinal", {CKR_OPERATION_NOT_INITIALIZED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (CK_RV rv = start(c, s, "find"); rv != CKR_OK)
                              return c.setupFailed("C_FindObjectsInit", rv);
                          if (CK_RV rv = c.f->C_FindObjectsFinal(s); rv != CKR_OK) {
                              return c.setupFailed("first C_FindObjectsFinal", rv);
                          }
                          return c.f->C_FindObjectsFinal(s);
                      }));
    Row signLen =
        mk("ENDED-ERR-C_Sign-datalen", "C_Sign", "CKM_RSA_PKCS over 300 bytes (CKR_DATA_LEN_RANGE), then C_Sign again",
           "5.13 C_Sign", {CKR_OPERATION_NOT_INITIALIZED}, [](Ctx& c) {
               CK_SESSION_HANDLE s = c.ro();
               if (CK_RV rv = start(c, s, "sign"); rv != CKR_OK) return c.setupFailed("C_SignInit", rv);
               Bytes big(300, 1), sig(1024);
               CK_ULONG len = sig.size();
               CK_RV first = c.f->C_Sign(s, big.data(), big.size(), sig.data(), &len);
               if (first == CKR_OK) return c.setupFailed("C_Sign of 300 bytes succeeded");
               Bytes d = data32();
               len = sig.size();
               CK_RV rv = c.f->C_Sign(s, d.data(), d.size(), sig.data(), &len);
               c.detail = "the first C_Sign said " + name(first);
               return rv;
           });
    rows.push_back(signLen);
    Row signNull =
        mk("ENDED-ERR-C_Sign-args", "C_Sign", "C_Sign with pulSignatureLen NULL (CKR_ARGUMENTS_BAD), then C_Sign again",
           "5.13 C_Sign", {CKR_OPERATION_NOT_INITIALIZED}, [](Ctx& c) {
               CK_SESSION_HANDLE s = c.ro();
               if (CK_RV rv = start(c, s, "sign", CKM_SHA256_RSA_PKCS); rv != CKR_OK) {
                   return c.setupFailed("C_SignInit", rv);
               }
               Bytes d = data32(), sig(1024);
               CK_RV first = c.f->C_Sign(s, d.data(), d.size(), sig.data(), nullptr);
               if (first != CKR_ARGUMENTS_BAD) return c.setupFailed("C_Sign(NULL length)", first);
               CK_ULONG len = sig.size();
               return c.f->C_Sign(s, d.data(), d.size(), sig.data(), &len);
           });
    signNull.softhsm = {{CKR_OK},
                        "SoftHSM checks pulSignatureLen before it looks at the operation, so the ARGUMENTS_BAD "
                        "call leaves the operation active"};
    rows.push_back(signNull);
    Row digestNull = mk("ENDED-ERR-C_Digest-args", "C_Digest",
                        "C_Digest with pulDigestLen NULL (CKR_ARGUMENTS_BAD), then C_Digest again", "5.12 C_Digest",
                        {CKR_OPERATION_NOT_INITIALIZED}, [](Ctx& c) {
                            CK_SESSION_HANDLE s = c.ro();
                            if (CK_RV rv = start(c, s, "digest"); rv != CKR_OK)
                                return c.setupFailed("C_DigestInit", rv);
                            Bytes d = data32(), out(64);
                            CK_RV first = c.f->C_Digest(s, d.data(), d.size(), out.data(), nullptr);
                            if (first != CKR_ARGUMENTS_BAD) return c.setupFailed("C_Digest(NULL length)", first);
                            CK_ULONG len = out.size();
                            return c.f->C_Digest(s, d.data(), d.size(), out.data(), &len);
                        });
    digestNull.softhsm = {{CKR_OK}, "as for C_Sign: pulDigestLen is checked before the operation, which stays active"};
    rows.push_back(digestNull);
    rows.push_back(mk("ENDED-ERR-C_Verify-invalid", "C_Verify",
                      "C_Verify of a wrong signature (CKR_SIGNATURE_INVALID), then C_Verify again", "5.15 C_Verify",
                      {CKR_OPERATION_NOT_INITIALIZED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (CK_RV rv = start(c, s, "verify", CKM_SHA256_RSA_PKCS); rv != CKR_OK) {
                              return c.setupFailed("C_VerifyInit", rv);
                          }
                          Bytes d = data32(), sig(256, 0x11);
                          CK_RV first = c.f->C_Verify(s, d.data(), d.size(), sig.data(), sig.size());
                          if (first == CKR_OK) return c.setupFailed("a made-up signature verified");
                          c.detail = "the first C_Verify said " + name(first);
                          return c.f->C_Verify(s, d.data(), d.size(), sig.data(), sig.size());
                      }));
    rows.push_back(mk("VERIFY-SIGLEN-C_Verify", "C_Verify", "a 10-byte signature", "5.15 C_Verify",
                      {CKR_SIGNATURE_LEN_RANGE, CKR_SIGNATURE_INVALID}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (CK_RV rv = start(c, s, "verify", CKM_SHA256_RSA_PKCS); rv != CKR_OK) {
                              return c.setupFailed("C_VerifyInit", rv);
                          }
                          Bytes d = data32(), sig(10, 0x11);
                          return c.f->C_Verify(s, d.data(), d.size(), sig.data(), sig.size());
                      }));
    rows.push_back(mk("ENDED-ERR-C_Encrypt-datalen", "C_Encrypt",
                      "CKM_RSA_PKCS over 300 bytes (CKR_DATA_LEN_RANGE), then C_Encrypt again", "5.8 C_Encrypt",
                      {CKR_OPERATION_NOT_INITIALIZED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (CK_RV rv = start(c, s, "encrypt"); rv != CKR_OK)
                              return c.setupFailed("C_EncryptInit", rv);
                          Bytes big(300, 1), out(1024);
                          CK_ULONG len = out.size();
                          CK_RV first = c.f->C_Encrypt(s, big.data(), big.size(), out.data(), &len);
                          if (first == CKR_OK) return c.setupFailed("C_Encrypt of 300 bytes succeeded");
                          c.detail = "the first C_Encrypt said " + name(first);
                          Bytes d = data32();
                          len = out.size();
                          return c.f->C_Encrypt(s, d.data(), d.size(), out.data(), &len);
                      }));
}

// Mechanism parameters (PKCS#11 3.0 current mechanisms 2.1.7-2.1.10, PSS and
// OAEP parameter structures): CKR_MECHANISM_PARAM_INVALID (base 5.1.6).
CK_RV pssInit(Ctx& c, CK_MECHANISM_TYPE mech, const void* p, CK_ULONG len)
{
    CK_SESSION_HANDLE s = c.ro();
    CK_OBJECT_HANDLE k = c.rsaSignKey(s);
    if (k == CK_INVALID_HANDLE) return kSetupFailed;
    CK_MECHANISM m = {mech, const_cast<void*>(p), len};
    CK_RV rv = c.f->C_SignInit(s, &m, k);
    if (rv != CKR_OK) return rv;
    // Accepted at Init: the parameters may still be refused when used.
    Bytes d(32, 7), sig(1024);
    CK_ULONG sigLen = sig.size();
    c.detail = "C_SignInit accepted the parameters";
    return c.f->C_Sign(s, d.data(), d.size(), sig.data(), &sigLen);
}

CK_RV oaepInit(Ctx& c, const void* p, CK_ULONG len)
{
    CK_SESSION_HANDLE s = c.ro();
    CK_OBJECT_HANDLE pub = c.rsaPublicKey(s);
    if (pub == CK_INVALID_HANDLE) return kSetupFailed;
    CK_MECHANISM m = {CKM_RSA_PKCS_OAEP, const_cast<void*>(p), len};
    CK_RV rv = c.f->C_EncryptInit(s, &m, pub);
    if (rv != CKR_OK) return rv;
    Bytes d(16, 7), out(1024);
    CK_ULONG outLen = out.size();
    c.detail = "C_EncryptInit accepted the parameters";
    return c.f->C_Encrypt(s, d.data(), d.size(), out.data(), &outLen);
}

// SoftHSM answers CKR_ARGUMENTS_BAD for malformed PSS/OAEP parameters
// (AsymSignInit/AsymEncryptInit "Invalid parameters").
Row softhsmParams(Row r, std::vector<CK_RV> rvs = {CKR_ARGUMENTS_BAD})
{
    r.softhsm = {std::move(rvs), "SoftHSM answers bad PSS/OAEP parameters with CKR_ARGUMENTS_BAD, not "
                                 "CKR_MECHANISM_PARAM_INVALID"};
    return r;
}

void parameterRows(std::vector<Row>& rows)
{
    const std::vector<CK_RV> bad = {CKR_MECHANISM_PARAM_INVALID};
    const std::string pss = "curr 2.1.9-2.1.10 (CK_RSA_PKCS_PSS_PARAMS); base 5.1.6";
    const std::string oaep = "curr 2.1.7-2.1.8 (CK_RSA_PKCS_OAEP_PARAMS); base 5.1.6";
    rows.push_back(softhsmParams(mk("PARAM-PSS-none", "C_SignInit", "CKM_RSA_PKCS_PSS without parameters", pss, bad,
                                    [](Ctx& c) { return pssInit(c, CKM_RSA_PKCS_PSS, nullptr, 0); })));
    rows.push_back(softhsmParams(
        mk("PARAM-PSS-size", "C_SignInit", "CKM_SHA256_RSA_PKCS_PSS, ulParameterLen one short", pss, bad, [](Ctx& c) {
            CK_RSA_PKCS_PSS_PARAMS p = {CKM_SHA256, CKG_MGF1_SHA256, 32};
            return pssInit(c, CKM_SHA256_RSA_PKCS_PSS, &p, sizeof p - 1);
        })));
    rows.push_back(softhsmParams(mk("PARAM-PSS-hash-mismatch", "C_SignInit",
                                    "CKM_SHA256_RSA_PKCS_PSS with hashAlg CKM_SHA_1", pss, bad, [](Ctx& c) {
                                        CK_RSA_PKCS_PSS_PARAMS p = {CKM_SHA_1, CKG_MGF1_SHA1, 20};
                                        return pssInit(c, CKM_SHA256_RSA_PKCS_PSS, &p, sizeof p);
                                    })));
    rows.push_back(softhsmParams(mk("PARAM-PSS-hash-not-a-hash", "C_SignInit",
                                    "CKM_RSA_PKCS_PSS with hashAlg CKM_RSA_PKCS", pss, bad, [](Ctx& c) {
                                        CK_RSA_PKCS_PSS_PARAMS p = {CKM_RSA_PKCS, CKG_MGF1_SHA256, 32};
                                        return pssInit(c, CKM_RSA_PKCS_PSS, &p, sizeof p);
                                    })));
    rows.push_back(softhsmParams(
        mk("PARAM-PSS-mgf", "C_SignInit", "CKM_SHA256_RSA_PKCS_PSS with an unknown MGF (0x7777)", pss, bad, [](Ctx& c) {
            CK_RSA_PKCS_PSS_PARAMS p = {CKM_SHA256, 0x7777, 32};
            return pssInit(c, CKM_SHA256_RSA_PKCS_PSS, &p, sizeof p);
        })));
    rows.push_back(softhsmParams(mk("PARAM-PSS-salt", "C_SignInit",
                                    "CKM_SHA256_RSA_PKCS_PSS with sLen 1000 (more than a 2048-bit block holds)", pss,
                                    {CKR_MECHANISM_PARAM_INVALID, CKR_DATA_LEN_RANGE}, [](Ctx& c) {
                                        CK_RSA_PKCS_PSS_PARAMS p = {CKM_SHA256, CKG_MGF1_SHA256, 1000};
                                        return pssInit(c, CKM_SHA256_RSA_PKCS_PSS, &p, sizeof p);
                                    })));
    rows.back().softhsm = {{CKR_MECHANISM_INVALID},
                           "SoftHSM refuses the over-long salt at C_SignInit with "
                           "CKR_MECHANISM_INVALID (the mechanism is fine, its parameter is not)"};
    rows.push_back(softhsmParams(mk("PARAM-OAEP-none", "C_EncryptInit", "CKM_RSA_PKCS_OAEP without parameters", oaep,
                                    bad, [](Ctx& c) { return oaepInit(c, nullptr, 0); })));
    rows.push_back(softhsmParams(
        mk("PARAM-OAEP-source", "C_EncryptInit", "CKM_RSA_PKCS_OAEP with source 0x55", oaep, bad, [](Ctx& c) {
            CK_RSA_PKCS_OAEP_PARAMS p = {CKM_SHA256, CKG_MGF1_SHA256, 0x55, nullptr, 0};
            return oaepInit(c, &p, sizeof p);
        })));
    rows.push_back(
        softhsmParams(mk("PARAM-OAEP-source-null", "C_EncryptInit",
                         "CKM_RSA_PKCS_OAEP, CKZ_DATA_SPECIFIED with pSourceData NULL and ulSourceDataLen 5", oaep,
                         {CKR_MECHANISM_PARAM_INVALID, CKR_ARGUMENTS_BAD}, [](Ctx& c) {
                             CK_RSA_PKCS_OAEP_PARAMS p = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 5};
                             return oaepInit(c, &p, sizeof p);
                         })));
    rows.push_back(softhsmParams(
        mk("PARAM-OAEP-hash", "C_EncryptInit", "CKM_RSA_PKCS_OAEP with hashAlg CKM_RSA_PKCS", oaep, bad, [](Ctx& c) {
            CK_RSA_PKCS_OAEP_PARAMS p = {CKM_RSA_PKCS, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
            return oaepInit(c, &p, sizeof p);
        })));
    rows.push_back(softhsmParams(
        mk("PARAM-OAEP-mgf", "C_EncryptInit", "CKM_RSA_PKCS_OAEP with an unknown MGF (0x7777)", oaep, bad, [](Ctx& c) {
            CK_RSA_PKCS_OAEP_PARAMS p = {CKM_SHA256, 0x7777, CKZ_DATA_SPECIFIED, nullptr, 0};
            return oaepInit(c, &p, sizeof p);
        })));
}

// Writes in read-only sessions, and the SO/RO session rules of 5.6.
void readOnlyRows(std::vector<Row>& rows)
{
    rows.push_back(mk("RO-C_SetPIN", "C_SetPIN", "read-only session (old PIN = new PIN)", "5.5 C_SetPIN",
                      {CKR_SESSION_READ_ONLY},
                      [](Ctx& c) { return c.f->C_SetPIN(c.ro(), pinPtr(), pinLen(), pinPtr(), pinLen()); }));
    rows.push_back(mk("RO-C_InitPIN", "C_InitPIN", "read-only session, no SO", "5.5 C_InitPIN",
                      {CKR_USER_NOT_LOGGED_IN, CKR_SESSION_READ_ONLY, CKR_FUNCTION_NOT_SUPPORTED},
                      [](Ctx& c) { return c.f->C_InitPIN(c.ro(), pinPtr(), pinLen()); }));
    rows.push_back(mk("RW-C_InitPIN", "C_InitPIN", "R/W public session (no SO logged in)", "5.5 C_InitPIN",
                      {CKR_USER_NOT_LOGGED_IN, CKR_FUNCTION_NOT_SUPPORTED},
                      [](Ctx& c) { return c.f->C_InitPIN(c.rw(), pinPtr(), pinLen()); }));
    rows.push_back(mk("RO-C_CreateObject", "C_CreateObject", "read-only session, CKO_DATA with CKA_TOKEN TRUE",
                      "5.7 C_CreateObject", {CKR_SESSION_READ_ONLY, CKR_FUNCTION_NOT_SUPPORTED}, [](Ctx& c) {
                          CK_OBJECT_CLASS cls = CKO_DATA;
                          CK_BBOOL yes = CK_TRUE;
                          CK_ATTRIBUTE t[] = {attrOf(CKA_CLASS, cls), attrOf(CKA_TOKEN, yes)};
                          CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
                          CK_RV rv = c.f->C_CreateObject(c.ro(), t, 2, &h);
                          if (rv == CKR_OK) c.f->C_DestroyObject(c.rw(), h);
                          return rv;
                      }));
    // The certificate of CKA_ID 02 when there is one (no other generic row uses it).
    auto victim = [](Ctx& c, CK_SESSION_HANDLE s) {
        CK_OBJECT_HANDLE o = findById(s, CKO_CERTIFICATE, Bytes{2});
        return o != CK_INVALID_HANDLE ? o : c.anyCertificate(s);
    };
    rows.push_back(mk("RO-C_DestroyObject", "C_DestroyObject", "read-only session, a token certificate",
                      "5.7 C_DestroyObject", {CKR_SESSION_READ_ONLY, CKR_ACTION_PROHIBITED}, [victim](Ctx& c) {
                          CK_OBJECT_HANDLE cert = victim(c, c.ro());
                          if (cert == CK_INVALID_HANDLE) return kSetupFailed;
                          return c.f->C_DestroyObject(c.ro(), cert);
                      }));
    rows.push_back(mk("RO-C_SetAttributeValue", "C_SetAttributeValue",
                      "read-only session, CKA_LABEL of a token certificate", "5.7 C_SetAttributeValue",
                      {CKR_SESSION_READ_ONLY, CKR_ACTION_PROHIBITED, CKR_FUNCTION_NOT_SUPPORTED}, [victim](Ctx& c) {
                          CK_OBJECT_HANDLE cert = victim(c, c.ro());
                          if (cert == CK_INVALID_HANDLE) return kSetupFailed;
                          auto label = attrBytes(c.ro(), cert, CKA_LABEL).value_or(Bytes{'x'});
                          CK_ATTRIBUTE a = attr(CKA_LABEL, label.data(), label.size());
                          return c.f->C_SetAttributeValue(c.ro(), cert, &a, 1);
                      }));
    rows.push_back(mk("RO-C_CopyObject", "C_CopyObject", "read-only session, token copy of a token certificate",
                      "5.7 C_CopyObject", {CKR_SESSION_READ_ONLY, CKR_ACTION_PROHIBITED, CKR_FUNCTION_NOT_SUPPORTED},
                      [victim](Ctx& c) {
                          CK_OBJECT_HANDLE cert = victim(c, c.ro());
                          if (cert == CK_INVALID_HANDLE) return kSetupFailed;
                          CK_BBOOL yes = CK_TRUE;
                          CK_ATTRIBUTE a = attrOf(CKA_TOKEN, yes);
                          CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
                          CK_RV rv = c.f->C_CopyObject(c.ro(), cert, &a, 1, &h);
                          if (rv == CKR_OK) c.f->C_DestroyObject(c.rw(), h);
                          return rv;
                      }));
    rows.push_back(mk("RO-SO-C_Login", "C_Login", "CKU_SO while a read-only session is open", "5.6 C_Login",
                      {CKR_SESSION_READ_ONLY_EXISTS}, [](Ctx& c) {
                          CK_SESSION_HANDLE rw = c.rw();
                          c.ro();
                          CK_RV rv = c.f->C_Login(rw, CKU_SO, const_cast<CK_UTF8CHAR_PTR>(kSoftHsmSoPin), 8);
                          if (rv == CKR_USER_TYPE_INVALID)
                              return c.notApplicable("the token has no SO (CKU_SO refused)");
                          return rv;
                      }));
    rows.push_back(mk("SO-RO-C_OpenSession", "C_OpenSession", "read-only session while the SO is logged in",
                      "5.6 C_OpenSession", {CKR_SESSION_READ_WRITE_SO_EXISTS}, [](Ctx& c) {
                          CK_SESSION_HANDLE rw = c.rw();
                          CK_RV rv = c.f->C_Login(rw, CKU_SO, const_cast<CK_UTF8CHAR_PTR>(kSoftHsmSoPin), 8);
                          if (rv == CKR_USER_TYPE_INVALID)
                              return c.notApplicable("the token has no SO (CKU_SO refused)");
                          if (rv != CKR_OK) return c.setupFailed("C_Login(CKU_SO)", rv);
                          CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
                          return c.f->C_OpenSession(c.slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h);
                      }));
}

void loginRows(std::vector<Row>& rows)
{
    rows.push_back(mk("LOGIN-TWICE", "C_Login", "CKU_USER twice in one session", "5.6 C_Login",
                      {CKR_USER_ALREADY_LOGGED_IN}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (CK_RV rv = c.f->C_Login(s, CKU_USER, pinPtr(), pinLen()); rv != CKR_OK) {
                              return c.setupFailed("first C_Login", rv);
                          }
                          return c.f->C_Login(s, CKU_USER, pinPtr(), pinLen());
                      }));
    rows.push_back(mk("LOGIN-TWICE-other-session", "C_Login", "CKU_USER in a second session after the first",
                      "5.6 C_Login (login state is per application and token)", {CKR_USER_ALREADY_LOGGED_IN},
                      [](Ctx& c) {
                          if (CK_RV rv = c.f->C_Login(c.ro(), CKU_USER, pinPtr(), pinLen()); rv != CKR_OK) {
                              return c.setupFailed("first C_Login", rv);
                          }
                          return c.f->C_Login(c.rw(), CKU_USER, pinPtr(), pinLen());
                      }));
    const std::string logoutNote = "SoftHSM::C_Logout calls token->logout() without checking (see README)";
    Row logout = mk("LOGOUT-NOT-LOGGED-IN", "C_Logout", "nobody logged in", "5.6 C_Logout", {CKR_USER_NOT_LOGGED_IN},
                    [](Ctx& c) { return c.f->C_Logout(c.ro()); });
    logout.softhsm = {{CKR_OK}, logoutNote};
    rows.push_back(logout);
    Row twice = mk("LOGOUT-TWICE", "C_Logout", "second C_Logout after login and logout", "5.6 C_Logout",
                   {CKR_USER_NOT_LOGGED_IN}, [](Ctx& c) {
                       CK_SESSION_HANDLE s = c.ro();
                       if (!c.login(s)) return kSetupFailed;
                       if (CK_RV rv = c.f->C_Logout(s); rv != CKR_OK) return c.setupFailed("first C_Logout", rv);
                       return c.f->C_Logout(s);
                   });
    twice.softhsm = {{CKR_OK}, logoutNote};
    rows.push_back(twice);
    rows.push_back(mk("LOGIN-USERTYPE", "C_Login", "user type 7 (not CKU_SO/USER/CONTEXT_SPECIFIC)", "5.6 C_Login",
                      {CKR_USER_TYPE_INVALID}, [](Ctx& c) { return c.f->C_Login(c.ro(), 7, pinPtr(), pinLen()); }));
    // Lengths a module can refuse without asking the card (no PIN try is spent
    // where the module checks first; SoftHSM has no retry counter).
    rows.push_back(mk("LOGIN-PIN-LONG", "C_Login", "a 300-byte PIN", "5.6 C_Login",
                      {CKR_PIN_LEN_RANGE, CKR_PIN_INCORRECT}, [](Ctx& c) {
                          std::vector<CK_UTF8CHAR> pin(300, '1');
                          return c.f->C_Login(c.ro(), CKU_USER, pin.data(), pin.size());
                      }));
    rows.push_back(mk("LOGIN-PIN-EMPTY", "C_Login", "an empty PIN (non-NULL pointer, length 0), no PIN pad",
                      "5.6 C_Login", {CKR_PIN_LEN_RANGE, CKR_PIN_INCORRECT}, [](Ctx& c) {
                          CK_UTF8CHAR pin[1] = {0};
                          return c.f->C_Login(c.ro(), CKU_USER, pin, 0);
                      }));
    rows.push_back(mk("LOGIN-CONTEXT-no-op", "C_Login", "CKU_CONTEXT_SPECIFIC with no operation active", "5.6 C_Login",
                      {CKR_OPERATION_NOT_INITIALIZED, CKR_USER_NOT_LOGGED_IN}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (!c.login(s)) return kSetupFailed;
                          return c.f->C_Login(s, CKU_CONTEXT_SPECIFIC, pinPtr(), pinLen());
                      }));
    rows.push_back(mk("LOGIN-SO-after-user", "C_Login", "CKU_SO (R/W session) while the user is logged in",
                      "5.6 C_Login", {CKR_USER_ANOTHER_ALREADY_LOGGED_IN}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.rw();
                          if (!c.login(s)) return kSetupFailed;
                          CK_RV rv = c.f->C_Login(s, CKU_SO, const_cast<CK_UTF8CHAR_PTR>(kSoftHsmSoPin), 8);
                          if (rv == CKR_USER_TYPE_INVALID)
                              return c.notApplicable("the token has no SO (CKU_SO refused)");
                          return rv;
                      }));
    rows.push_back(mk("SETPIN-NEW-LONG", "C_SetPIN", "R/W session, new PIN of 300 bytes", "5.5 C_SetPIN",
                      {CKR_PIN_LEN_RANGE}, [](Ctx& c) {
                          std::vector<CK_UTF8CHAR> pin(300, '1');
                          return c.f->C_SetPIN(c.rw(), pinPtr(), pinLen(), pin.data(), pin.size());
                      }));
    rows.push_back(mk("SETPIN-NEW-SHORT", "C_SetPIN", "R/W session, new PIN of 3 characters", "5.5 C_SetPIN",
                      {CKR_PIN_LEN_RANGE}, [](Ctx& c) {
                          CK_UTF8CHAR pin[] = "123";
                          return c.f->C_SetPIN(c.rw(), pinPtr(), pinLen(), pin, 3);
                      }));
}

} // namespace

void operationRows(std::vector<Row>& rows)
{
    notInitializedOperationRows(rows);
    activeRows(rows);
    endedRows(rows);
    parameterRows(rows);
    readOnlyRows(rows);
    loginRows(rows);
}

} // namespace tessera::apitest::misuse
