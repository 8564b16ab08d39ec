// Card-independent misuse rows that need a token with an RSA key pair and a
// certificate: variable-length outputs (5.2), invalid object and key handles,
// operations in the wrong state (not initialised, already active, ended by an
// error or by success), wrong mechanism parameters, read-only sessions, login.
#include "misuse_table.hpp"

namespace tessera::apitest::misuse {

namespace {

Bytes someData()
{
    return toBytes("the misuse table signs this");
}

// --- variable-length outputs ---------------------------------------------------

// An operation with a variable-length output: init prepares it (session,
// key, XInit, updates); call asks for the output.
struct LenOp {
    std::string fn;
    std::string clause;
    std::function<CK_RV(Ctx&, CK_SESSION_HANDLE)> init;
    std::function<CK_RV(Ctx&, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR)> call;
};

CK_RV initWith(Ctx& c, CK_SESSION_HANDLE s, const char* what, CK_RV rv)
{
    return rv == CKR_OK ? CKR_OK : c.setupFailed(std::string(what) + " (session " + std::to_string(s) + ")", rv);
}

std::vector<LenOp> lenOps()
{
    static const Bytes data = someData();
    auto dataPtr = [] { return const_cast<CK_BYTE_PTR>(data.data()); };
    std::vector<LenOp> ops;
    ops.push_back({"C_Digest", "5.2; 5.12 C_Digest",
                   [](Ctx& c, CK_SESSION_HANDLE s) {
                       CK_MECHANISM m = {CKM_SHA256, nullptr, 0};
                       return initWith(c, s, "C_DigestInit", c.f->C_DigestInit(s, &m));
                   },
                   [dataPtr](Ctx& c, CK_SESSION_HANDLE s, CK_BYTE_PTR out, CK_ULONG_PTR len) {
                       return c.f->C_Digest(s, dataPtr(), data.size(), out, len);
                   }});
    ops.push_back({"C_DigestFinal", "5.2; 5.12 C_DigestFinal",
                   [dataPtr](Ctx& c, CK_SESSION_HANDLE s) {
                       CK_MECHANISM m = {CKM_SHA256, nullptr, 0};
                       if (CK_RV rv = c.f->C_DigestInit(s, &m); rv != CKR_OK) return initWith(c, s, "C_DigestInit", rv);
                       return initWith(c, s, "C_DigestUpdate", c.f->C_DigestUpdate(s, dataPtr(), data.size()));
                   },
                   [](Ctx& c, CK_SESSION_HANDLE s, CK_BYTE_PTR out, CK_ULONG_PTR len) {
                       return c.f->C_DigestFinal(s, out, len);
                   }});
    ops.push_back({"C_Sign", "5.2; 5.13 C_Sign",
                   [](Ctx& c, CK_SESSION_HANDLE s) {
                       CK_OBJECT_HANDLE k = c.rsaSignKey(s);
                       if (k == CK_INVALID_HANDLE) return kSetupFailed;
                       CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, nullptr, 0};
                       return initWith(c, s, "C_SignInit", c.f->C_SignInit(s, &m, k));
                   },
                   [dataPtr](Ctx& c, CK_SESSION_HANDLE s, CK_BYTE_PTR out, CK_ULONG_PTR len) {
                       return c.f->C_Sign(s, dataPtr(), data.size(), out, len);
                   }});
    ops.push_back(
        {"C_SignFinal", "5.2; 5.13 C_SignFinal",
         [dataPtr](Ctx& c, CK_SESSION_HANDLE s) {
             CK_OBJECT_HANDLE k = c.rsaSignKey(s);
             if (k == CK_INVALID_HANDLE) return kSetupFailed;
             CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, nullptr, 0};
             if (CK_RV rv = c.f->C_SignInit(s, &m, k); rv != CKR_OK) return initWith(c, s, "C_SignInit", rv);
             return initWith(c, s, "C_SignUpdate", c.f->C_SignUpdate(s, dataPtr(), data.size()));
         },
         [](Ctx& c, CK_SESSION_HANDLE s, CK_BYTE_PTR out, CK_ULONG_PTR len) { return c.f->C_SignFinal(s, out, len); }});
    ops.push_back({"C_Encrypt", "5.2; 5.8 C_Encrypt",
                   [](Ctx& c, CK_SESSION_HANDLE s) {
                       CK_OBJECT_HANDLE k = c.rsaPublicKey(s);
                       if (k == CK_INVALID_HANDLE) return kSetupFailed;
                       CK_MECHANISM m = {CKM_RSA_PKCS, nullptr, 0};
                       return initWith(c, s, "C_EncryptInit", c.f->C_EncryptInit(s, &m, k));
                   },
                   [dataPtr](Ctx& c, CK_SESSION_HANDLE s, CK_BYTE_PTR out, CK_ULONG_PTR len) {
                       return c.f->C_Encrypt(s, dataPtr(), data.size(), out, len);
                   }});
    // RSA decryption of an OpenSSL ciphertext made for the signing key's certificate.
    auto cipher = std::make_shared<Bytes>();
    ops.push_back({"C_Decrypt", "5.2; 5.10 C_Decrypt",
                   [cipher](Ctx& c, CK_SESSION_HANDLE s) {
                       CK_OBJECT_HANDLE k = c.rsaSignKey(s);
                       if (k == CK_INVALID_HANDLE) return kSetupFailed;
                       if (!attrBool(s, k, CKA_DECRYPT).value_or(false)) {
                           return c.notApplicable("the RSA signing key has CKA_DECRYPT FALSE (see Card rows)");
                       }
                       ossl::Pkey pub = certKeyFor(s, k);
                       if (!pub) return c.setupFailed("no certificate for the RSA key");
                       *cipher = ossl::rsaEncrypt(pub.get(), nullptr, someData());
                       CK_MECHANISM m = {CKM_RSA_PKCS, nullptr, 0};
                       return initWith(c, s, "C_DecryptInit", c.f->C_DecryptInit(s, &m, k));
                   },
                   [cipher](Ctx& c, CK_SESSION_HANDLE s, CK_BYTE_PTR out, CK_ULONG_PTR len) {
                       return c.f->C_Decrypt(s, cipher->data(), cipher->size(), out, len);
                   }});
    return ops;
}

void lengthRows(std::vector<Row>& rows)
{
    for (const LenOp& op : lenOps()) {
        rows.push_back(mk("LEN-QUERY-" + op.fn, op.fn, "output NULL: length query, then the real call", op.clause,
                          {CKR_OK}, [op](Ctx& c) {
                              CK_SESSION_HANDLE s = c.ro();
                              if (s == CK_INVALID_HANDLE) return kSetupFailed;
                              if (CK_RV rv = op.init(c, s); rv != CKR_OK) return rv;
                              CK_ULONG len = 0;
                              CK_RV rv = op.call(c, s, nullptr, &len);
                              if (rv != CKR_OK) return rv;
                              if (len == 0 || len > 65536)
                                  return c.checkFailed("length query answered " + std::to_string(len));
                              Bytes out(len);
                              CK_RV again = op.call(c, s, out.data(), &len);
                              if (again != CKR_OK) {
                                  return c.checkFailed("the operation did not survive the length query: " +
                                                       name(again));
                              }
                              return rv;
                          }));
        rows.push_back(mk("LEN-SHORT-" + op.fn, op.fn, "1-byte buffer, then a big-enough one", op.clause,
                          {CKR_BUFFER_TOO_SMALL}, [op](Ctx& c) {
                              CK_SESSION_HANDLE s = c.ro();
                              if (s == CK_INVALID_HANDLE) return kSetupFailed;
                              if (CK_RV rv = op.init(c, s); rv != CKR_OK) return rv;
                              CK_BYTE one[1];
                              CK_ULONG len = 1;
                              CK_RV rv = op.call(c, s, one, &len);
                              if (rv != CKR_BUFFER_TOO_SMALL) return rv;
                              if (len <= 1 || len > 65536) {
                                  return c.checkFailed("CKR_BUFFER_TOO_SMALL set the length to " + std::to_string(len));
                              }
                              Bytes out(len);
                              CK_RV again = op.call(c, s, out.data(), &len);
                              if (again != CKR_OK) {
                                  return c.checkFailed("CKR_BUFFER_TOO_SMALL ended the operation: then " + name(again));
                              }
                              return rv;
                          }));
    }
    auto listRows = [&rows](const std::string& fn, const std::string& clause,
                            std::function<CK_RV(Ctx&, CK_ULONG*, CK_ULONG*)> list) {
        // list(c, buffer-or-null marker, count): buffer != nullptr means "use a real buffer of *count".
        rows.push_back(mk("LEN-QUERY-" + fn, fn, "list NULL: count query", clause, {CKR_OK}, [list](Ctx& c) {
            CK_ULONG n = 0;
            CK_RV rv = list(c, nullptr, &n);
            if (rv == CKR_OK && n == 0) return c.checkFailed("count 0");
            return rv;
        }));
        rows.push_back(mk("LEN-SHORT-" + fn, fn, "list of one entry fewer than needed", clause, {CKR_BUFFER_TOO_SMALL},
                          [list](Ctx& c) {
                              CK_ULONG need = 0;
                              if (CK_RV rv = list(c, nullptr, &need); rv != CKR_OK || need == 0) {
                                  return rv == kNotApplicable ? rv : c.setupFailed("count query", rv);
                              }
                              CK_ULONG buffer = 1;
                              CK_ULONG n = need - 1;
                              CK_RV rv = list(c, &buffer, &n);
                              if (rv == CKR_BUFFER_TOO_SMALL && n != need) {
                                  return c.checkFailed("count after CKR_BUFFER_TOO_SMALL is " + std::to_string(n) +
                                                       ", needed " + std::to_string(need));
                              }
                              return rv;
                          }));
    };
    listRows("C_GetSlotList", "5.2; 5.5 C_GetSlotList", [](Ctx& c, CK_ULONG* buffer, CK_ULONG* n) {
        std::vector<CK_SLOT_ID> v(*n + 1);
        return c.f->C_GetSlotList(CK_FALSE, buffer ? v.data() : nullptr, n);
    });
    listRows("C_GetMechanismList", "5.2; 5.5 C_GetMechanismList", [](Ctx& c, CK_ULONG* buffer, CK_ULONG* n) {
        std::vector<CK_MECHANISM_TYPE> v(*n + 1);
        return c.f->C_GetMechanismList(c.slot, buffer ? v.data() : nullptr, n);
    });
    listRows("C_GetInterfaceList", "5.2; 5.4 C_GetInterfaceList", [](Ctx& c, CK_ULONG* buffer, CK_ULONG* n) {
        if (c.f30 == nullptr) return c.notApplicable("PKCS#11 2.40 module");
        std::vector<ApiCkInterface> v(*n + 1);
        return c.f30->C_GetInterfaceList(buffer ? v.data() : nullptr, n);
    });
    rows.push_back(mk("LEN-QUERY-C_GetAttributeValue", "C_GetAttributeValue", "certificate CKA_VALUE, pValue NULL",
                      "5.2; 5.7 C_GetAttributeValue (rule 3)", {CKR_OK}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          CK_OBJECT_HANDLE cert = c.anyCertificate(s);
                          if (cert == CK_INVALID_HANDLE) return kSetupFailed;
                          CK_ATTRIBUTE a = attr(CKA_VALUE, nullptr, 0);
                          CK_RV rv = c.f->C_GetAttributeValue(s, cert, &a, 1);
                          if (rv == CKR_OK && (a.ulValueLen == 0 || a.ulValueLen == CK_UNAVAILABLE_INFORMATION)) {
                              return c.checkFailed("ulValueLen " + std::to_string(a.ulValueLen));
                          }
                          return rv;
                      }));
    rows.push_back(mk("LEN-SHORT-C_GetAttributeValue", "C_GetAttributeValue",
                      "certificate CKA_VALUE, buffer one byte short", "5.2; 5.7 C_GetAttributeValue (rule 5)",
                      {CKR_BUFFER_TOO_SMALL}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          CK_OBJECT_HANDLE cert = c.anyCertificate(s);
                          if (cert == CK_INVALID_HANDLE) return kSetupFailed;
                          auto der = attrBytes(s, cert, CKA_VALUE);
                          if (!der || der->empty()) return c.setupFailed("certificate CKA_VALUE");
                          Bytes buf(der->size() - 1);
                          CK_ATTRIBUTE a = attr(CKA_VALUE, buf.data(), buf.size());
                          CK_RV rv = c.f->C_GetAttributeValue(s, cert, &a, 1);
                          // 5.7 C_GetAttributeValue rule 5: "the ulValueLen field is modified to hold the value
                          // CK_UNAVAILABLE_INFORMATION".
                          if (rv == CKR_BUFFER_TOO_SMALL && a.ulValueLen != CK_UNAVAILABLE_INFORMATION) {
                              return c.checkFailed("ulValueLen " + std::to_string(a.ulValueLen) +
                                                   " instead of CK_UNAVAILABLE_INFORMATION");
                          }
                          return rv;
                      }));
    rows.push_back(
        mk("ATTR-MIXED-C_GetAttributeValue", "C_GetAttributeValue",
           "certificate: CKA_CLASS + an attribute type that does not exist", "5.7 C_GetAttributeValue",
           {CKR_ATTRIBUTE_TYPE_INVALID}, [](Ctx& c) {
               CK_SESSION_HANDLE s = c.ro();
               CK_OBJECT_HANDLE cert = c.anyCertificate(s);
               if (cert == CK_INVALID_HANDLE) return kSetupFailed;
               CK_OBJECT_CLASS cls = 0xFFFF;
               CK_BYTE junk[8];
               CK_ATTRIBUTE t[] = {attr(CKA_VENDOR_DEFINED | 0x7E57UL, junk, sizeof junk), attrOf(CKA_CLASS, cls)};
               CK_RV rv = c.f->C_GetAttributeValue(s, cert, t, 2);
               // "every attribute in the template is processed": CKA_CLASS is still filled in.
               if (rv == CKR_ATTRIBUTE_TYPE_INVALID &&
                   (cls != CKO_CERTIFICATE || t[0].ulValueLen != CK_UNAVAILABLE_INFORMATION)) {
                   return c.checkFailed("the valid attribute was not processed, or the invalid one's "
                                        "ulValueLen is not CK_UNAVAILABLE_INFORMATION");
               }
               return rv;
           }));
    rows.push_back(mk("ATTR-SENSITIVE-C_GetAttributeValue", "C_GetAttributeValue",
                      "RSA private key: CKA_PRIVATE_EXPONENT", "5.7 C_GetAttributeValue (rules 1-2)",
                      {CKR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_TYPE_INVALID}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          CK_OBJECT_HANDLE k = c.rsaSignKey(s);
                          if (k == CK_INVALID_HANDLE) return kSetupFailed;
                          CK_BYTE buf[512];
                          CK_ATTRIBUTE a = attr(CKA_PRIVATE_EXPONENT, buf, sizeof buf);
                          CK_RV rv = c.f->C_GetAttributeValue(s, k, &a, 1);
                          if (rv != CKR_OK && a.ulValueLen != CK_UNAVAILABLE_INFORMATION) {
                              return c.checkFailed("ulValueLen is not CK_UNAVAILABLE_INFORMATION");
                          }
                          return rv;
                      }));
}

// --- object and key handles -----------------------------------------------------

void handleRows(std::vector<Row>& rows)
{
    rows.push_back(mk("OBJ-BOGUS-C_GetAttributeValue", "C_GetAttributeValue", "never-issued object handle",
                      "5.1.6; 5.7", {CKR_OBJECT_HANDLE_INVALID}, [](Ctx& c) {
                          CK_OBJECT_CLASS cls = 0;
                          CK_ATTRIBUTE a = attrOf(CKA_CLASS, cls);
                          return c.f->C_GetAttributeValue(c.ro(), kBogusObject, &a, 1);
                      }));
    rows.push_back(mk("OBJ-ZERO-C_GetAttributeValue", "C_GetAttributeValue", "CK_INVALID_HANDLE (0)", "5.1.6; 5.7",
                      {CKR_OBJECT_HANDLE_INVALID}, [](Ctx& c) {
                          CK_OBJECT_CLASS cls = 0;
                          CK_ATTRIBUTE a = attrOf(CKA_CLASS, cls);
                          return c.f->C_GetAttributeValue(c.ro(), CK_INVALID_HANDLE, &a, 1);
                      }));
    rows.push_back(mk("OBJ-BOGUS-C_GetObjectSize", "C_GetObjectSize", "never-issued object handle", "5.1.6; 5.7",
                      {CKR_OBJECT_HANDLE_INVALID}, [](Ctx& c) {
                          CK_ULONG n = 0;
                          return c.f->C_GetObjectSize(c.ro(), kBogusObject, &n);
                      }));
    rows.push_back(mk("OBJ-BOGUS-C_SetAttributeValue", "C_SetAttributeValue", "R/W session, never-issued handle",
                      "5.1.6; 5.7", {CKR_OBJECT_HANDLE_INVALID, CKR_FUNCTION_NOT_SUPPORTED}, [](Ctx& c) {
                          CK_UTF8CHAR label[] = "x";
                          CK_ATTRIBUTE a = attr(CKA_LABEL, label, 1);
                          return c.f->C_SetAttributeValue(c.rw(), kBogusObject, &a, 1);
                      }));
    rows.push_back(mk("OBJ-BOGUS-C_DestroyObject", "C_DestroyObject", "R/W session, never-issued handle", "5.1.6; 5.7",
                      {CKR_OBJECT_HANDLE_INVALID}, [](Ctx& c) { return c.f->C_DestroyObject(c.rw(), kBogusObject); }));
    rows.push_back(mk("OBJ-BOGUS-C_CopyObject", "C_CopyObject", "R/W session, never-issued handle", "5.1.6; 5.7",
                      {CKR_OBJECT_HANDLE_INVALID, CKR_FUNCTION_NOT_SUPPORTED}, [](Ctx& c) {
                          CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
                          CK_UTF8CHAR label[] = "x";
                          CK_ATTRIBUTE a = attr(CKA_LABEL, label, 1);
                          return c.f->C_CopyObject(c.rw(), kBogusObject, &a, 1, &h);
                      }));
    struct KeyInit {
        const char* fn;
        const char* clause;
        CK_MECHANISM_TYPE mech;
        CK_RV (*call)(CK_FUNCTION_LIST*, CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);
    };
    static const KeyInit inits[] = {
        {"C_SignInit", "5.1.6; 5.13", CKM_RSA_PKCS,
         [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) {
             return f->C_SignInit(s, m, k);
         }},
        {"C_VerifyInit", "5.1.6; 5.15", CKM_RSA_PKCS,
         [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) {
             return f->C_VerifyInit(s, m, k);
         }},
        {"C_EncryptInit", "5.1.6; 5.8", CKM_RSA_PKCS,
         [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) {
             return f->C_EncryptInit(s, m, k);
         }},
        {"C_DecryptInit", "5.1.6; 5.10", CKM_RSA_PKCS,
         [](CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) {
             return f->C_DecryptInit(s, m, k);
         }},
    };
    for (const KeyInit& ki : inits) {
        Row r = mk(std::string("KEY-BOGUS-") + ki.fn, ki.fn, "logged in, never-issued key handle", ki.clause,
                   {CKR_KEY_HANDLE_INVALID}, [ki](Ctx& c) {
                       CK_SESSION_HANDLE s = c.ro();
                       if (!c.login(s)) return kSetupFailed;
                       CK_MECHANISM m = {ki.mech, nullptr, 0};
                       return ki.call(c.f, s, &m, kBogusObject);
                   });
        r.softhsm = {{CKR_OBJECT_HANDLE_INVALID},
                     "SoftHSM looks the key up as an object and answers CKR_OBJECT_HANDLE_INVALID (see README)"};
        rows.push_back(r);
    }
    rows.push_back(mk("KEY-BOGUS-C_DigestKey", "C_DigestKey", "after C_DigestInit, never-issued key handle",
                      "5.1.6; 5.12", {CKR_KEY_HANDLE_INVALID, CKR_FUNCTION_NOT_SUPPORTED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          CK_MECHANISM m = {CKM_SHA256, nullptr, 0};
                          if (CK_RV rv = c.f->C_DigestInit(s, &m); rv != CKR_OK) {
                              return c.setupFailed("C_DigestInit", rv);
                          }
                          return c.f->C_DigestKey(s, kBogusObject);
                      }));
    rows.push_back(mk("KEY-BOGUS-C_DeriveKey", "C_DeriveKey", "CKM_ECDH1_DERIVE, never-issued base key", "5.1.6; 5.18",
                      {CKR_KEY_HANDLE_INVALID, CKR_FUNCTION_NOT_SUPPORTED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (!c.login(s)) return kSetupFailed;
                          ossl::Pkey peer = ossl::generateP256();
                          Bytes point = ossl::ecPublicPoint(peer.get());
                          CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, nullptr, point.size(), point.data()};
                          CK_MECHANISM m = {CKM_ECDH1_DERIVE, &p, sizeof p};
                          CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
                          CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
                          CK_ATTRIBUTE t[] = {attrOf(CKA_CLASS, cls), attrOf(CKA_KEY_TYPE, kt)};
                          CK_OBJECT_HANDLE out = CK_INVALID_HANDLE;
                          return c.f->C_DeriveKey(s, &m, kBogusObject, t, 2, &out);
                      }));
    rows.back().softhsm = {{CKR_OBJECT_HANDLE_INVALID},
                           "SoftHSM looks the key up as an object and answers CKR_OBJECT_HANDLE_INVALID (see README)"};
    rows.push_back(mk("KEY-CLASS-C_SignInit-public", "C_SignInit", "CKM_RSA_PKCS with the RSA public key object",
                      "5.1.6; 5.13", {CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_FUNCTION_NOT_PERMITTED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          CK_OBJECT_HANDLE pub = c.rsaPublicKey(s);
                          if (pub == CK_INVALID_HANDLE) return kSetupFailed;
                          CK_MECHANISM m = {CKM_RSA_PKCS, nullptr, 0};
                          return c.f->C_SignInit(s, &m, pub);
                      }));
    Row ecdsa = mk("KEY-TYPE-C_SignInit-ecdsa", "C_SignInit", "CKM_ECDSA with the RSA private key", "5.1.6; 5.13",
                   {CKR_KEY_TYPE_INCONSISTENT, CKR_MECHANISM_INVALID}, [](Ctx& c) {
                       CK_SESSION_HANDLE s = c.ro();
                       CK_OBJECT_HANDLE k = c.rsaSignKey(s);
                       if (k == CK_INVALID_HANDLE) return kSetupFailed;
                       CK_MECHANISM m = {CKM_ECDSA, nullptr, 0};
                       return c.f->C_SignInit(s, &m, k);
                   });
    ecdsa.softhsm = {{CKR_OK}, "AsymSignInit never compares CKA_KEY_TYPE (see README)"};
    rows.push_back(ecdsa);
    // No code is named for a non-key object: an invalid key handle, an
    // inconsistent key type and a function not permitted all describe it.
    rows.push_back(mk("KEY-CERT-C_SignInit", "C_SignInit", "CKM_RSA_PKCS with a certificate handle", "5.1.6; 5.13",
                      {CKR_KEY_HANDLE_INVALID, CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_FUNCTION_NOT_PERMITTED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (!c.login(s)) return kSetupFailed;
                          CK_OBJECT_HANDLE cert = c.anyCertificate(s);
                          if (cert == CK_INVALID_HANDLE) return kSetupFailed;
                          CK_MECHANISM m = {CKM_RSA_PKCS, nullptr, 0};
                          return c.f->C_SignInit(s, &m, cert);
                      }));
    rows.push_back(mk("MECH-KIND-C_SignInit", "C_SignInit", "CKM_SHA256 (a digest) as a signature mechanism",
                      "5.1.6; 5.13", {CKR_MECHANISM_INVALID}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          CK_OBJECT_HANDLE k = c.rsaSignKey(s);
                          if (k == CK_INVALID_HANDLE) return kSetupFailed;
                          CK_MECHANISM m = {CKM_SHA256, nullptr, 0};
                          return c.f->C_SignInit(s, &m, k);
                      }));
    rows.push_back(mk("MECH-VENDOR-C_SignInit", "C_SignInit", "an unknown vendor mechanism", "5.1.6; 5.13",
                      {CKR_MECHANISM_INVALID}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          CK_OBJECT_HANDLE k = c.rsaSignKey(s);
                          if (k == CK_INVALID_HANDLE) return kSetupFailed;
                          CK_MECHANISM m = {CKM_VENDOR_DEFINED | 0x7E55UL, nullptr, 0};
                          return c.f->C_SignInit(s, &m, k);
                      }));
    rows.push_back(mk("MECH-KIND-C_DigestInit", "C_DigestInit", "CKM_RSA_PKCS as a digest", "5.1.6; 5.12",
                      {CKR_MECHANISM_INVALID}, [](Ctx& c) {
                          CK_MECHANISM m = {CKM_RSA_PKCS, nullptr, 0};
                          return c.f->C_DigestInit(c.ro(), &m);
                      }));
    rows.push_back(mk("MECH-KIND-C_EncryptInit", "C_EncryptInit", "CKM_SHA256_RSA_PKCS (sign only) to encrypt",
                      "5.1.6; 5.8", {CKR_MECHANISM_INVALID, CKR_KEY_FUNCTION_NOT_PERMITTED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          CK_OBJECT_HANDLE pub = c.rsaPublicKey(s);
                          if (pub == CK_INVALID_HANDLE) return kSetupFailed;
                          CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, nullptr, 0};
                          return c.f->C_EncryptInit(s, &m, pub);
                      }));
}

} // namespace

void lengthAndHandleRows(std::vector<Row>& rows)
{
    lengthRows(rows);
    handleRows(rows);
}

} // namespace tessera::apitest::misuse
