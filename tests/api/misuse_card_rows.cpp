// The card rows of the misuse table (Card.MisuseTable, Tessera with the
// virtual PIV card: 9A RSA id 01, 9C P-256 id 02, 9D RSA id 03, 9E P-256
// id 04): ECDH parameters and derive templates, decryption lengths and
// states, keys without login, SO login on PIV, token objects that stay.
#include <algorithm>

#include "misuse_table.hpp"

namespace tessera::apitest::misuse {

namespace {

constexpr std::uint8_t k9A = 1, k9D = 3, k9E = 4;

// One C_DeriveKey with CKM_ECDH1_DERIVE on key 9E (PIN policy "never").
struct Derive {
    CK_ECDH1_DERIVE_PARAMS p{CKD_NULL, 0, nullptr, 0, nullptr};
    Bytes point;
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE keyType = CKK_GENERIC_SECRET;
    CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
    CK_ULONG valueLen = 32;
    std::vector<CK_ATTRIBUTE> tmpl;

    Derive()
    {
        ossl::Pkey peer = ossl::generateP256();
        point = ossl::ecPublicPoint(peer.get());
        tmpl = {attrOf(CKA_CLASS, cls),    attrOf(CKA_KEY_TYPE, keyType), attrOf(CKA_TOKEN, no),
                attrOf(CKA_SENSITIVE, no), attrOf(CKA_EXTRACTABLE, yes),  attrOf(CKA_VALUE_LEN, valueLen)};
    }
    void set(CK_ATTRIBUTE a)
    {
        auto it = std::find_if(tmpl.begin(), tmpl.end(), [&](const CK_ATTRIBUTE& t) { return t.type == a.type; });
        if (it != tmpl.end())
            *it = a;
        else
            tmpl.push_back(a);
    }
    CK_RV run(Ctx& c, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE* out = nullptr)
    {
        CK_OBJECT_HANDLE base = c.object(s, CKO_PRIVATE_KEY, k9E);
        if (base == CK_INVALID_HANDLE) return kSetupFailed;
        if (p.pPublicData == nullptr && p.ulPublicDataLen == 0) {
            p.pPublicData = point.data();
            p.ulPublicDataLen = point.size();
        }
        CK_MECHANISM m = {CKM_ECDH1_DERIVE, &p, sizeof p};
        CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
        CK_RV rv = c.f->C_DeriveKey(s, &m, base, tmpl.data(), tmpl.size(), &h);
        if (out != nullptr) *out = h;
        return rv;
    }
};

const std::string kEcdh = "curr 2.3 CKM_ECDH1_DERIVE (CK_ECDH1_DERIVE_PARAMS); base 5.1.6, 5.18 C_DeriveKey";
const std::string kTmpl = "base 4.1-4.2 (templates), 5.1.6, 5.18 C_DeriveKey";

void ecdhParameterRows(std::vector<Row>& rows)
{
    const std::vector<CK_RV> bad = {CKR_MECHANISM_PARAM_INVALID};
    auto row = [&](const char* id, const char* setup, std::vector<CK_RV> want, std::function<void(Derive&)> edit) {
        rows.push_back(mk(id, "C_DeriveKey", setup, kEcdh, std::move(want), [edit](Ctx& c) {
            Derive d;
            edit(d);
            return d.run(c, c.ro());
        }));
    };
    row("ECDH-KDF", "kdf CKD_SHA256_KDF (the card computes only the raw secret)", bad,
        [](Derive& d) { d.p.kdf = CKD_SHA256_KDF; });
    static CK_BYTE shared[4] = {1, 2, 3, 4};
    row("ECDH-SHARED-DATA", "CKD_NULL with 4 bytes of pSharedData", bad, [](Derive& d) {
        d.p.pSharedData = shared;
        d.p.ulSharedDataLen = sizeof shared;
    });
    row("ECDH-POINT-OFF-CURVE", "an uncompressed point that is not on P-256 (last byte of Y changed)", bad,
        [](Derive& d) { d.point.back() ^= 0x01; });
    row("ECDH-POINT-PREFIX", "05 || X || Y (not an uncompressed point)", bad, [](Derive& d) { d.point[0] = 0x05; });
    row("ECDH-POINT-NO-PREFIX", "X || Y (64 bytes)", bad, [](Derive& d) { d.point.erase(d.point.begin()); });
    row("ECDH-POINT-INFINITY", "the point at infinity (00)", bad, [](Derive& d) { d.point = Bytes{0x00}; });
    row("ECDH-POINT-NULL", "pPublicData NULL with ulPublicDataLen 65", {CKR_MECHANISM_PARAM_INVALID, CKR_ARGUMENTS_BAD},
        [](Derive& d) {
            d.p.pPublicData = nullptr;
            d.p.ulPublicDataLen = 65;
        });
    rows.push_back(mk("ECDH-NO-PARAMS", "C_DeriveKey", "CKM_ECDH1_DERIVE without parameters", kEcdh, bad, [](Ctx& c) {
        CK_SESSION_HANDLE s = c.ro();
        CK_OBJECT_HANDLE base = c.object(s, CKO_PRIVATE_KEY, k9E);
        if (base == CK_INVALID_HANDLE) return kSetupFailed;
        Derive d;
        CK_MECHANISM m = {CKM_ECDH1_DERIVE, nullptr, 0};
        CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
        return c.f->C_DeriveKey(s, &m, base, d.tmpl.data(), d.tmpl.size(), &h);
    }));
    rows.push_back(mk("ECDH-PARAM-SIZE", "C_DeriveKey", "ulParameterLen one short", kEcdh, bad, [](Ctx& c) {
        CK_SESSION_HANDLE s = c.ro();
        CK_OBJECT_HANDLE base = c.object(s, CKO_PRIVATE_KEY, k9E);
        if (base == CK_INVALID_HANDLE) return kSetupFailed;
        Derive d;
        d.p.pPublicData = d.point.data();
        d.p.ulPublicDataLen = d.point.size();
        CK_MECHANISM m = {CKM_ECDH1_DERIVE, &d.p, sizeof d.p - 1};
        CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
        return c.f->C_DeriveKey(s, &m, base, d.tmpl.data(), d.tmpl.size(), &h);
    }));
    rows.push_back(mk("DERIVE-NULL-MECHANISM", "C_DeriveKey", "pMechanism NULL", "5.1.6; 5.18 C_DeriveKey",
                      {CKR_ARGUMENTS_BAD}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          CK_OBJECT_HANDLE base = c.object(s, CKO_PRIVATE_KEY, k9E);
                          Derive d;
                          CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
                          return c.f->C_DeriveKey(s, nullptr, base, d.tmpl.data(), d.tmpl.size(), &h);
                      }));
    rows.push_back(mk("DERIVE-NULL-HANDLE", "C_DeriveKey", "phKey NULL", "5.1.6; 5.18 C_DeriveKey", {CKR_ARGUMENTS_BAD},
                      [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          CK_OBJECT_HANDLE base = c.object(s, CKO_PRIVATE_KEY, k9E);
                          Derive d;
                          d.p.pPublicData = d.point.data();
                          d.p.ulPublicDataLen = d.point.size();
                          CK_MECHANISM m = {CKM_ECDH1_DERIVE, &d.p, sizeof d.p};
                          return c.f->C_DeriveKey(s, &m, base, d.tmpl.data(), d.tmpl.size(), nullptr);
                      }));
    rows.push_back(mk("DERIVE-NULL-TEMPLATE", "C_DeriveKey", "pTemplate NULL with ulAttributeCount 2",
                      "5.1.6; 5.18 C_DeriveKey", {CKR_ARGUMENTS_BAD}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          CK_OBJECT_HANDLE base = c.object(s, CKO_PRIVATE_KEY, k9E);
                          Derive d;
                          d.p.pPublicData = d.point.data();
                          d.p.ulPublicDataLen = d.point.size();
                          CK_MECHANISM m = {CKM_ECDH1_DERIVE, &d.p, sizeof d.p};
                          CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
                          return c.f->C_DeriveKey(s, &m, base, nullptr, 2, &h);
                      }));
    rows.push_back(mk("DERIVE-MECHANISM", "C_DeriveKey", "CKM_SHA256 as a derivation mechanism", "5.1.6; 5.18",
                      {CKR_MECHANISM_INVALID}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          CK_OBJECT_HANDLE base = c.object(s, CKO_PRIVATE_KEY, k9E);
                          Derive d;
                          CK_MECHANISM m = {CKM_SHA256, nullptr, 0};
                          CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
                          return c.f->C_DeriveKey(s, &m, base, d.tmpl.data(), d.tmpl.size(), &h);
                      }));
    rows.push_back(mk("DERIVE-RSA-KEY", "C_DeriveKey", "CKM_ECDH1_DERIVE with the RSA key 9D (logged in)",
                      "5.1.6; 5.18", {CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_FUNCTION_NOT_PERMITTED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (!c.login(s)) return kSetupFailed;
                          CK_OBJECT_HANDLE rsa = c.object(s, CKO_PRIVATE_KEY, k9D);
                          if (rsa == CK_INVALID_HANDLE) return kSetupFailed;
                          Derive d;
                          d.p.pPublicData = d.point.data();
                          d.p.ulPublicDataLen = d.point.size();
                          CK_MECHANISM m = {CKM_ECDH1_DERIVE, &d.p, sizeof d.p};
                          CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
                          return c.f->C_DeriveKey(s, &m, rsa, d.tmpl.data(), d.tmpl.size(), &h);
                      }));
    rows.push_back(mk("DERIVE-CERT", "C_DeriveKey", "CKM_ECDH1_DERIVE with the certificate of 9E", "5.1.6; 5.18",
                      {CKR_KEY_HANDLE_INVALID, CKR_KEY_TYPE_INCONSISTENT}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          CK_OBJECT_HANDLE cert = c.object(s, CKO_CERTIFICATE, k9E);
                          if (cert == CK_INVALID_HANDLE) return kSetupFailed;
                          Derive d;
                          d.p.pPublicData = d.point.data();
                          d.p.ulPublicDataLen = d.point.size();
                          CK_MECHANISM m = {CKM_ECDH1_DERIVE, &d.p, sizeof d.p};
                          CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
                          return c.f->C_DeriveKey(s, &m, cert, d.tmpl.data(), d.tmpl.size(), &h);
                      }));
}

void templateRows(std::vector<Row>& rows)
{
    const std::vector<CK_RV> inconsistent = {CKR_TEMPLATE_INCONSISTENT, CKR_ATTRIBUTE_VALUE_INVALID};
    auto row = [&](const char* id, const char* setup, std::vector<CK_RV> want, std::function<void(Derive&)> edit,
                   bool readWrite = false) {
        rows.push_back(mk(id, "C_DeriveKey", setup, kTmpl, std::move(want), [edit, readWrite](Ctx& c) {
            Derive d;
            edit(d);
            return d.run(c, readWrite ? c.rw() : c.ro());
        }));
    };
    static CK_OBJECT_CLASS publicKey = CKO_PUBLIC_KEY;
    static CK_BBOOL yes = CK_TRUE;
    static CK_ULONG zero = 0, tooBig = 33, huge = 4096;
    static CK_KEY_TYPE rsa = CKK_RSA;
    static CK_ULONG longBool = 1;
    static std::uint32_t shortUlong = 32;
    static CK_BYTE junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    row("TMPL-CLASS-PUBLIC", "CKA_CLASS CKO_PUBLIC_KEY", inconsistent,
        [](Derive& d) { d.set(attrOf(CKA_CLASS, publicKey)); });
    row(
        "TMPL-TOKEN-RW", "CKA_TOKEN TRUE, R/W session (derived keys are session objects here)",
        {CKR_TEMPLATE_INCONSISTENT, CKR_ATTRIBUTE_VALUE_INVALID, CKR_TOKEN_WRITE_PROTECTED},
        [](Derive& d) { d.set(attrOf(CKA_TOKEN, yes)); }, true);
    row("TMPL-TOKEN-RO", "CKA_TOKEN TRUE in a read-only session",
        {CKR_SESSION_READ_ONLY, CKR_TEMPLATE_INCONSISTENT, CKR_ATTRIBUTE_VALUE_INVALID, CKR_TOKEN_WRITE_PROTECTED},
        [](Derive& d) { d.set(attrOf(CKA_TOKEN, yes)); });
    row("TMPL-VALUE-LEN-0", "CKA_VALUE_LEN 0", inconsistent, [](Derive& d) { d.set(attrOf(CKA_VALUE_LEN, zero)); });
    row("TMPL-VALUE-LEN-33", "CKA_VALUE_LEN 33 (the P-256 secret has 32 bytes)",
        {CKR_TEMPLATE_INCONSISTENT, CKR_ATTRIBUTE_VALUE_INVALID, CKR_KEY_SIZE_RANGE},
        [](Derive& d) { d.set(attrOf(CKA_VALUE_LEN, tooBig)); });
    row("TMPL-VALUE-LEN-4096", "CKA_VALUE_LEN 4096",
        {CKR_TEMPLATE_INCONSISTENT, CKR_ATTRIBUTE_VALUE_INVALID, CKR_KEY_SIZE_RANGE},
        [](Derive& d) { d.set(attrOf(CKA_VALUE_LEN, huge)); });
    row("TMPL-BBOOL-LONG", "CKA_SENSITIVE given as a CK_ULONG (ulValueLen 8)", {CKR_ATTRIBUTE_VALUE_INVALID},
        [](Derive& d) { d.set(attrOf(CKA_SENSITIVE, longBool)); });
    row("TMPL-BBOOL-EMPTY", "CKA_EXTRACTABLE with ulValueLen 0", {CKR_ATTRIBUTE_VALUE_INVALID},
        [](Derive& d) { d.set(attr(CKA_EXTRACTABLE, &yes, 0)); });
    row("TMPL-ULONG-SHORT", "CKA_VALUE_LEN given in 4 bytes", {CKR_ATTRIBUTE_VALUE_INVALID},
        [](Derive& d) { d.set(attr(CKA_VALUE_LEN, &shortUlong, sizeof shortUlong)); });
    row("TMPL-CLASS-SHORT", "CKA_CLASS given in 4 bytes", {CKR_ATTRIBUTE_VALUE_INVALID},
        [](Derive& d) { d.set(attr(CKA_CLASS, &shortUlong, sizeof shortUlong)); });
    row("TMPL-KEY-TYPE-RSA", "CKA_KEY_TYPE CKK_RSA for the derived secret", inconsistent,
        [](Derive& d) { d.set(attrOf(CKA_KEY_TYPE, rsa)); });
    row("TMPL-UNKNOWN-TYPE", "an attribute type no object class has (vendor 0x7E57)", {CKR_ATTRIBUTE_TYPE_INVALID},
        [](Derive& d) { d.set(attr(CKA_VENDOR_DEFINED | 0x7E57UL, junk, sizeof junk)); });
    row("TMPL-VALUE", "CKA_VALUE given (derivation computes it)", {CKR_TEMPLATE_INCONSISTENT, CKR_ATTRIBUTE_READ_ONLY},
        [](Derive& d) { d.set(attr(CKA_VALUE, junk, sizeof junk)); });
    row("TMPL-LOCAL", "CKA_LOCAL TRUE (read-only, set by the token)",
        {CKR_ATTRIBUTE_READ_ONLY, CKR_TEMPLATE_INCONSISTENT}, [](Derive& d) { d.set(attrOf(CKA_LOCAL, yes)); });
    // A faulty module reads through the NULL pointer: run it in a child process.
    Row label = mk("TMPL-LABEL-NULL", "C_DeriveKey", "CKA_LABEL with pValue NULL and ulValueLen 5", kTmpl,
                   {CKR_ATTRIBUTE_VALUE_INVALID, CKR_ARGUMENTS_BAD, CKR_TEMPLATE_INCONSISTENT}, [](Ctx& c) {
                       Derive d;
                       d.set(attr(CKA_LABEL, nullptr, 5));
                       return d.run(c, c.ro());
                   });
    label.forked = true;
    rows.push_back(label);
    Row id = mk("TMPL-ID-NULL", "C_DeriveKey", "CKA_ID with pValue NULL and ulValueLen 5", kTmpl,
                {CKR_ATTRIBUTE_VALUE_INVALID, CKR_ARGUMENTS_BAD, CKR_TEMPLATE_INCONSISTENT}, [](Ctx& c) {
                    Derive d;
                    d.set(attr(CKA_ID, nullptr, 5));
                    return d.run(c, c.ro());
                });
    id.forked = true;
    rows.push_back(id);
    rows.push_back(mk("STALE-DERIVED-KEY", "C_GetAttributeValue",
                      "the derived key's handle after its session was closed", "5.6 C_CloseSession; 5.7",
                      {CKR_OBJECT_HANDLE_INVALID}, [](Ctx& c) {
                          CK_SESSION_HANDLE keep = c.ro();
                          CK_SESSION_HANDLE gone = c.open(CKF_SERIAL_SESSION);
                          Derive d;
                          CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
                          if (CK_RV rv = d.run(c, gone, &h); rv != CKR_OK) return c.setupFailed("C_DeriveKey", rv);
                          if (CK_RV rv = c.f->C_CloseSession(gone); rv != CKR_OK) {
                              return c.setupFailed("C_CloseSession", rv);
                          }
                          CK_ULONG len = 0;
                          CK_ATTRIBUTE a = attrOf(CKA_VALUE_LEN, len);
                          return c.f->C_GetAttributeValue(keep, h, &a, 1);
                      }));
}

// RSA decryption with 9D: lengths, errors that end the operation, OAEP source.
// C_DecryptInit with 9D (the handle k when given, else found after the login)
CK_RV decryptInit(Ctx& c, CK_SESSION_HANDLE s, CK_MECHANISM m, Bytes* cipher, bool login = true,
                  CK_OBJECT_HANDLE k = CK_INVALID_HANDLE)
{
    if (login && !c.login(s)) return kSetupFailed;
    if (k == CK_INVALID_HANDLE) k = c.object(s, CKO_PRIVATE_KEY, k9D);
    CK_OBJECT_HANDLE cert = c.object(s, CKO_CERTIFICATE, k9D);
    if (k == CK_INVALID_HANDLE || cert == CK_INVALID_HANDLE) return kSetupFailed;
    auto der = attrBytes(s, cert, CKA_VALUE);
    ossl::Pkey pub = der ? ossl::publicKeyFromCertDer(*der) : nullptr;
    if (!pub) return c.setupFailed("9D certificate");
    if (cipher != nullptr) *cipher = ossl::rsaEncrypt(pub.get(), nullptr, toBytes("32 bytes of secret key material!"));
    return c.f->C_DecryptInit(s, &m, k);
}

void decryptRows(std::vector<Row>& rows)
{
    const CK_MECHANISM v15 = {CKM_RSA_PKCS, nullptr, 0};
    rows.push_back(mk("DEC-LEN-QUERY", "C_Decrypt", "9D, pData NULL: length query, then the real call",
                      "5.2; 5.10 C_Decrypt", {CKR_OK}, [v15](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          Bytes cipher;
                          if (CK_RV rv = decryptInit(c, s, v15, &cipher); rv != CKR_OK)
                              return c.setupFailed("C_DecryptInit", rv);
                          CK_ULONG len = 0;
                          CK_RV rv = c.f->C_Decrypt(s, cipher.data(), cipher.size(), nullptr, &len);
                          if (rv != CKR_OK) return rv;
                          if (len < 32) return c.checkFailed("length query answered " + std::to_string(len));
                          Bytes out(len);
                          CK_RV again = c.f->C_Decrypt(s, cipher.data(), cipher.size(), out.data(), &len);
                          if (again != CKR_OK || len != 32) {
                              return c.checkFailed("after the query: " + name(again) + ", " + std::to_string(len) +
                                                   " bytes");
                          }
                          return rv;
                      }));
    rows.push_back(mk("DEC-LEN-SHORT", "C_Decrypt", "9D, a 1-byte buffer, then a big-enough one", "5.2; 5.10 C_Decrypt",
                      {CKR_BUFFER_TOO_SMALL}, [v15](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          Bytes cipher;
                          if (CK_RV rv = decryptInit(c, s, v15, &cipher); rv != CKR_OK)
                              return c.setupFailed("C_DecryptInit", rv);
                          CK_BYTE one[1];
                          CK_ULONG len = 1;
                          CK_RV rv = c.f->C_Decrypt(s, cipher.data(), cipher.size(), one, &len);
                          if (rv != CKR_BUFFER_TOO_SMALL) return rv;
                          if (len != 32) return c.checkFailed("needed length " + std::to_string(len) + ", not 32");
                          Bytes out(len);
                          CK_RV again = c.f->C_Decrypt(s, cipher.data(), cipher.size(), out.data(), &len);
                          if (again != CKR_OK)
                              return c.checkFailed("CKR_BUFFER_TOO_SMALL ended the operation: " + name(again));
                          return rv;
                      }));
    rows.push_back(mk("DEC-CIPHER-LEN", "C_Decrypt", "9D, a 100-byte ciphertext", "5.10 C_Decrypt",
                      {CKR_ENCRYPTED_DATA_LEN_RANGE}, [v15](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (CK_RV rv = decryptInit(c, s, v15, nullptr); rv != CKR_OK)
                              return c.setupFailed("C_DecryptInit", rv);
                          Bytes cipher(100, 3), out(256);
                          CK_ULONG len = out.size();
                          return c.f->C_Decrypt(s, cipher.data(), cipher.size(), out.data(), &len);
                      }));
    rows.push_back(mk("DEC-ENDED-BY-ERROR", "C_Decrypt", "9D, after CKR_ENCRYPTED_DATA_LEN_RANGE, C_Decrypt again",
                      "5.10 C_Decrypt (\"always terminates\")", {CKR_OPERATION_NOT_INITIALIZED}, [v15](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          Bytes cipher;
                          if (CK_RV rv = decryptInit(c, s, v15, &cipher); rv != CKR_OK)
                              return c.setupFailed("C_DecryptInit", rv);
                          Bytes wrong(100, 3), out(256);
                          CK_ULONG len = out.size();
                          CK_RV first = c.f->C_Decrypt(s, wrong.data(), wrong.size(), out.data(), &len);
                          if (first == CKR_OK) return c.setupFailed("a 100-byte ciphertext decrypted");
                          len = out.size();
                          return c.f->C_Decrypt(s, cipher.data(), cipher.size(), out.data(), &len);
                      }));
    rows.push_back(mk("DEC-OAEP-SOURCE", "C_DecryptInit", "9D, CKM_RSA_PKCS_OAEP with source 0x55",
                      "curr 2.1.7-2.1.8; base 5.1.6", {CKR_MECHANISM_PARAM_INVALID}, [](Ctx& c) {
                          CK_RSA_PKCS_OAEP_PARAMS p = {CKM_SHA256, CKG_MGF1_SHA256, 0x55, nullptr, 0};
                          CK_MECHANISM m = {CKM_RSA_PKCS_OAEP, &p, sizeof p};
                          CK_SESSION_HANDLE s = c.ro();
                          Bytes cipher;
                          CK_RV rv = decryptInit(c, s, m, &cipher);
                          if (rv != CKR_OK) return rv;
                          Bytes out(256);
                          CK_ULONG len = out.size();
                          c.detail = "C_DecryptInit accepted the parameters";
                          return c.f->C_Decrypt(s, cipher.data(), cipher.size(), out.data(), &len);
                      }));
    // 9A and 9D are private objects (CKA_PRIVATE, 4.4): a session finds them
    // only while logged in, so the handle comes from a login that then ends.
    rows.push_back(mk("DEC-NO-LOGIN", "C_Decrypt", "9D (PIN policy once), found logged in, used after C_Logout",
                      "5.10; 5.1.6 CKR_USER_NOT_LOGGED_IN", {CKR_USER_NOT_LOGGED_IN}, [v15](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (!c.login(s)) return kSetupFailed;
                          CK_OBJECT_HANDLE k = c.object(s, CKO_PRIVATE_KEY, k9D);
                          if (k == CK_INVALID_HANDLE || c.f->C_Logout(s) != CKR_OK) return kSetupFailed;
                          Bytes cipher;
                          CK_RV rv = decryptInit(c, s, v15, &cipher, false, k);
                          if (rv == kSetupFailed) return rv;
                          if (rv != CKR_OK) return rv;
                          Bytes out(256);
                          CK_ULONG len = out.size();
                          return c.f->C_Decrypt(s, cipher.data(), cipher.size(), out.data(), &len);
                      }));
    rows.push_back(mk("SIGN-NO-LOGIN", "C_Sign", "9A (PIN policy once), found logged in, used after C_Logout",
                      "5.13; 5.1.6", {CKR_USER_NOT_LOGGED_IN}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (!c.login(s)) return kSetupFailed;
                          CK_OBJECT_HANDLE k = c.object(s, CKO_PRIVATE_KEY, k9A);
                          if (k == CK_INVALID_HANDLE || c.f->C_Logout(s) != CKR_OK) return kSetupFailed;
                          CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, nullptr, 0};
                          if (CK_RV rv = c.f->C_SignInit(s, &m, k); rv != CKR_OK) return rv;
                          Bytes d(32, 1), sig(256);
                          CK_ULONG len = sig.size();
                          return c.f->C_Sign(s, d.data(), d.size(), sig.data(), &len);
                      }));
}

void pivRows(std::vector<Row>& rows)
{
    static CK_UTF8CHAR puk[] = "12345678";
    static CK_UTF8CHAR neither[] = "12345";
    rows.push_back(mk("PIV-SO-LOGIN", "C_Login",
                      "CKU_SO on PIV with a credential that is neither a PUK (6-8) nor a management key (32/48/64 hex)",
                      "5.6 C_Login; 5.1.6 CKR_PIN_LEN_RANGE (README: PIV credentials)", {CKR_PIN_LEN_RANGE},
                      [](Ctx& c) { return c.f->C_Login(c.rw(), CKU_SO, neither, 5); }));
    rows.push_back(mk("PIV-SO-LOGIN-RO", "C_Login", "CKU_SO on PIV with a read-only session open", "5.6 C_Login",
                      {CKR_SESSION_READ_ONLY_EXISTS}, [](Ctx& c) {
                          c.ro();
                          return c.f->C_Login(c.rw(), CKU_SO, puk, 8);
                      }));
    rows.push_back(mk("DESTROY-TOKEN-RW", "C_DestroyObject", "R/W session, the 9A certificate, no SO login",
                      "5.7 C_DestroyObject", {CKR_ACTION_PROHIBITED, CKR_TOKEN_WRITE_PROTECTED}, [](Ctx& c) {
                          CK_OBJECT_HANDLE cert = c.object(c.rw(), CKO_CERTIFICATE, k9A);
                          if (cert == CK_INVALID_HANDLE) return kSetupFailed;
                          return c.f->C_DestroyObject(c.rw(), cert);
                      }));
    rows.push_back(mk("DESTROY-KEY-RO", "C_DestroyObject", "read-only session, the 9A private key",
                      "5.7 C_DestroyObject", {CKR_SESSION_READ_ONLY, CKR_ACTION_PROHIBITED}, [](Ctx& c) {
                          CK_SESSION_HANDLE s = c.ro();
                          if (!c.login(s)) return kSetupFailed;
                          CK_OBJECT_HANDLE k = c.object(s, CKO_PRIVATE_KEY, k9A);
                          if (k == CK_INVALID_HANDLE) return kSetupFailed;
                          return c.f->C_DestroyObject(s, k);
                      }));
}

} // namespace

std::vector<Row> cardRows()
{
    std::vector<Row> rows;
    ecdhParameterRows(rows);
    templateRows(rows);
    decryptRows(rows);
    pivRows(rows);
    return rows;
}

} // namespace tessera::apitest::misuse
