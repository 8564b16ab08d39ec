// Formatting of a call's arguments for the debug log; see call_trace.hpp.
#include "pkcs11/call_trace.hpp"

#include <cstdio>

namespace tessera::pkcs11 {

namespace {
constexpr std::size_t kMaxLine = 480;           // the whole argument list
constexpr std::size_t kMaxAttributesShown = 24; // a template's types

struct Named {
    CK_ULONG value;
    const char* name;
};

// The mechanisms this module implements (mechanisms.cpp) and a few a client may try.
constexpr Named kMechanisms[] = {
    {CKM_RSA_PKCS_KEY_PAIR_GEN, "CKM_RSA_PKCS_KEY_PAIR_GEN"},
    {CKM_RSA_PKCS, "CKM_RSA_PKCS"},
    {CKM_RSA_X_509, "CKM_RSA_X_509"},
    {CKM_RSA_PKCS_PSS, "CKM_RSA_PKCS_PSS"},
    {CKM_RSA_PKCS_OAEP, "CKM_RSA_PKCS_OAEP"},
    {CKM_SHA1_RSA_PKCS, "CKM_SHA1_RSA_PKCS"},
    {CKM_SHA224_RSA_PKCS, "CKM_SHA224_RSA_PKCS"},
    {CKM_SHA256_RSA_PKCS, "CKM_SHA256_RSA_PKCS"},
    {CKM_SHA384_RSA_PKCS, "CKM_SHA384_RSA_PKCS"},
    {CKM_SHA512_RSA_PKCS, "CKM_SHA512_RSA_PKCS"},
    {CKM_SHA1_RSA_PKCS_PSS, "CKM_SHA1_RSA_PKCS_PSS"},
    {CKM_SHA224_RSA_PKCS_PSS, "CKM_SHA224_RSA_PKCS_PSS"},
    {CKM_SHA256_RSA_PKCS_PSS, "CKM_SHA256_RSA_PKCS_PSS"},
    {CKM_SHA384_RSA_PKCS_PSS, "CKM_SHA384_RSA_PKCS_PSS"},
    {CKM_SHA512_RSA_PKCS_PSS, "CKM_SHA512_RSA_PKCS_PSS"},
    {CKM_EC_KEY_PAIR_GEN, "CKM_EC_KEY_PAIR_GEN"},
    {CKM_ECDSA, "CKM_ECDSA"},
    {CKM_ECDSA_SHA1, "CKM_ECDSA_SHA1"},
    {CKM_ECDSA_SHA224, "CKM_ECDSA_SHA224"},
    {CKM_ECDSA_SHA256, "CKM_ECDSA_SHA256"},
    {CKM_ECDSA_SHA384, "CKM_ECDSA_SHA384"},
    {CKM_ECDSA_SHA512, "CKM_ECDSA_SHA512"},
    {0x1057UL, "CKM_EDDSA"},
    {CKM_ECDH1_DERIVE, "CKM_ECDH1_DERIVE"},
    {CKM_SHA_1, "CKM_SHA_1"},
    {CKM_SHA224, "CKM_SHA224"},
    {CKM_SHA256, "CKM_SHA256"},
    {CKM_SHA384, "CKM_SHA384"},
    {CKM_SHA512, "CKM_SHA512"},
};

constexpr Named kAttributes[] = {
    {CKA_CLASS, "CKA_CLASS"},
    {CKA_TOKEN, "CKA_TOKEN"},
    {CKA_PRIVATE, "CKA_PRIVATE"},
    {CKA_LABEL, "CKA_LABEL"},
    {CKA_APPLICATION, "CKA_APPLICATION"},
    {CKA_VALUE, "CKA_VALUE"},
    {CKA_OBJECT_ID, "CKA_OBJECT_ID"},
    {CKA_CERTIFICATE_TYPE, "CKA_CERTIFICATE_TYPE"},
    {CKA_ISSUER, "CKA_ISSUER"},
    {CKA_SERIAL_NUMBER, "CKA_SERIAL_NUMBER"},
    {CKA_TRUSTED, "CKA_TRUSTED"},
    {CKA_CERTIFICATE_CATEGORY, "CKA_CERTIFICATE_CATEGORY"},
    {CKA_KEY_TYPE, "CKA_KEY_TYPE"},
    {CKA_SUBJECT, "CKA_SUBJECT"},
    {CKA_ID, "CKA_ID"},
    {CKA_SENSITIVE, "CKA_SENSITIVE"},
    {CKA_ENCRYPT, "CKA_ENCRYPT"},
    {CKA_DECRYPT, "CKA_DECRYPT"},
    {CKA_WRAP, "CKA_WRAP"},
    {CKA_UNWRAP, "CKA_UNWRAP"},
    {CKA_SIGN, "CKA_SIGN"},
    {CKA_SIGN_RECOVER, "CKA_SIGN_RECOVER"},
    {CKA_VERIFY, "CKA_VERIFY"},
    {CKA_VERIFY_RECOVER, "CKA_VERIFY_RECOVER"},
    {CKA_DERIVE, "CKA_DERIVE"},
    {CKA_START_DATE, "CKA_START_DATE"},
    {CKA_END_DATE, "CKA_END_DATE"},
    {CKA_MODULUS, "CKA_MODULUS"},
    {CKA_MODULUS_BITS, "CKA_MODULUS_BITS"},
    {CKA_PUBLIC_EXPONENT, "CKA_PUBLIC_EXPONENT"},
    {CKA_PRIVATE_EXPONENT, "CKA_PRIVATE_EXPONENT"},
    {CKA_PRIME_1, "CKA_PRIME_1"},
    {CKA_PRIME_2, "CKA_PRIME_2"},
    {CKA_EXPONENT_1, "CKA_EXPONENT_1"},
    {CKA_EXPONENT_2, "CKA_EXPONENT_2"},
    {CKA_COEFFICIENT, "CKA_COEFFICIENT"},
    {CKA_PUBLIC_KEY_INFO, "CKA_PUBLIC_KEY_INFO"},
    {CKA_EXTRACTABLE, "CKA_EXTRACTABLE"},
    {CKA_LOCAL, "CKA_LOCAL"},
    {CKA_NEVER_EXTRACTABLE, "CKA_NEVER_EXTRACTABLE"},
    {CKA_ALWAYS_SENSITIVE, "CKA_ALWAYS_SENSITIVE"},
    {CKA_KEY_GEN_MECHANISM, "CKA_KEY_GEN_MECHANISM"},
    {CKA_MODIFIABLE, "CKA_MODIFIABLE"},
    {CKA_COPYABLE, "CKA_COPYABLE"},
    {CKA_DESTROYABLE, "CKA_DESTROYABLE"},
    {CKA_EC_PARAMS, "CKA_EC_PARAMS"},
    {CKA_EC_POINT, "CKA_EC_POINT"},
    {CKA_ALWAYS_AUTHENTICATE, "CKA_ALWAYS_AUTHENTICATE"},
    {CKA_WRAP_WITH_TRUSTED, "CKA_WRAP_WITH_TRUSTED"},
    {CKA_ALLOWED_MECHANISMS, "CKA_ALLOWED_MECHANISMS"},
};

template <std::size_t N> void appendName(std::string& out, const Named (&table)[N], CK_ULONG value)
{
    for (const auto& n : table)
        if (n.value == value) {
            out += n.name;
            return;
        }
    char hex[24];
    std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(value));
    out += hex;
}

std::string_view trimmed(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> splitNames(std::string_view names)
{
    std::vector<std::string_view> out;
    while (!names.empty()) {
        const std::size_t comma = names.find(',');
        out.push_back(trimmed(names.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        names.remove_prefix(comma + 1);
    }
    return out;
}

// A PIN argument (pPin, pOldPin, pNewPin) is never described, not even its length.
bool isPin(std::string_view name)
{
    return name.find("Pin") != std::string_view::npos || name.find("PIN") != std::string_view::npos;
}

void appendTemplate(std::string& out, const CK_ATTRIBUTE* attributes, CK_ULONG count)
{
    out += '[';
    for (CK_ULONG i = 0; i < count && i < kMaxAttributesShown; ++i) {
        if (i != 0) out += ", ";
        appendName(out, kAttributes, attributes[i].type); // the type only, never the value
    }
    if (count > kMaxAttributesShown) out += ", +" + std::to_string(count - kMaxAttributesShown) + " more";
    out += ']';
}
} // namespace

void CallTrace::format(std::string_view names, const TraceArg* values, std::size_t count) noexcept
{
    try {
        const auto name = splitNames(names);
        using Kind = TraceArg::Kind;
        for (std::size_t i = 0; i < count && i < name.size() && arguments_.size() < kMaxLine; ++i) {
            const TraceArg& a = values[i];
            const bool lengthNext = i + 1 < count && values[i + 1].kind == Kind::number;
            if (!arguments_.empty()) arguments_ += ", ";
            arguments_ += name[i];
            arguments_ += '=';
            if (a.kind == Kind::bytes && isPin(name[i])) {
                arguments_ += "<redacted>";
                if (lengthNext) ++i; // its length too
            } else if (a.kind != Kind::number && a.null) {
                arguments_ += "NULL";
            } else if (a.kind == Kind::bytes && lengthNext) {
                arguments_ += "<" + std::to_string(values[++i].number) + " bytes>";
            } else if (a.kind == Kind::attributes && lengthNext) {
                appendTemplate(arguments_, a.attributes, values[++i].number);
            } else if (a.kind == Kind::mechanism) {
                appendName(arguments_, kMechanisms, a.mechanism->mechanism);
                if (a.mechanism->ulParameterLen != 0)
                    arguments_ += "(parameter " + std::to_string(a.mechanism->ulParameterLen) + " bytes)";
            } else if (a.kind == Kind::number && name[i] == "type") { // C_GetMechanismInfo
                appendName(arguments_, kMechanisms, a.number);
            } else if (a.kind == Kind::number && name[i].find("lags") != std::string_view::npos) {
                char hex[24];
                std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(a.number));
                arguments_ += hex;
            } else if (a.kind == Kind::number) {
                arguments_ += std::to_string(a.number);
            } else {
                arguments_ += "given"; // an output buffer, a structure, a callback
            }
        }
        if (arguments_.size() >= kMaxLine) arguments_ += "...";
    } catch (...) {
        arguments_.clear(); // out of memory: the call is logged without its arguments
    }
}

} // namespace tessera::pkcs11
