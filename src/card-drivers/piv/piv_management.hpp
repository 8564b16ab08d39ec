// The PIV card administrator's credentials and the commands that write to the
// card: the card management key 9B (SP 800-73-4 part 2 appendix A.1 mutual
// authentication; 3DES or AES as SP 800-78-4 table 6-1 and a YubiKey's
// metadata say), the PUK (key reference 81), GENERATE ASYMMETRIC KEY PAIR
// (section 3.3.2) and PUT DATA (section 3.3.1) of certificate containers.
//
// CKU_SO on PIV (decided; the README's "PIV credentials" section): one
// C_Login(CKU_SO) takes either credential, told apart by its form: 6-8
// characters are the PUK (SP 800-73-4 part 2 section 2.4.3), 32, 48 or 64
// hex digits the management key (as ykcs11 takes it). The lengths never
// overlap, so no guess can burn a retry of the other credential.
#pragma once

#include <cstdint>
#include <optional>

#include "apdu/apdu.hpp"
#include "card-drivers/driver.hpp"
#include "common/bytes.hpp"
#include "common/secure_bytes.hpp"
#include "crypto/crypto.hpp"

namespace tessera::drivers::piv {

inline constexpr std::uint8_t kManagementKey = 0x9B;

enum class CredentialKind { puk, managementKey };

// 6-8 bytes: the PUK; 32/48/64 hex digits: the management key. Anything
// else: Error(pinLenRange).
CredentialKind credentialKind(const SecureBytes& credential);
// The management key's bytes from its hex form (upper or lower case).
// Throws Error(pinLenRange) for anything but 32/48/64 hex digits.
SecureBytes managementKeyBytes(const SecureBytes& hexKey);

// SP 800-78-4 table 6-1 identifiers of the management key's algorithm.
struct ManagementAlgorithm {
    std::uint8_t id;
    crypto::BlockCipher cipher;
};
// 03 3DES (also 00, the legacy identifier), 08 AES-128, 0A AES-192,
// 0C AES-256; nullopt for anything else.
std::optional<ManagementAlgorithm> managementAlgorithm(std::uint8_t id);
// What a card without GET METADATA uses: 3DES (SP 800-78-4, YubiKey < 5.7).
inline constexpr ManagementAlgorithm kDefaultManagementAlgorithm{0x03, crypto::BlockCipher::tdes};

// Appendix A.1 step 1: 00 87 alg 9B 7C { 80 00 }: "give me a witness".
apdu::Command witnessRequestCommand(std::uint8_t algorithm);
// Step 2: 7C { 80 decrypted witness, 81 challenge }; the card answers
// 7C { 82 encrypted challenge }.
apdu::Command mutualResponseCommand(std::uint8_t algorithm, ByteView witness, ByteView challenge);
// The value of `tag` inside the single 7C template of an answer; throws
// Error(malformedResponse) when there is none or it is not `size` bytes.
Bytes dynamicTemplateItem(ByteView answer, std::uint32_t tag, std::size_t size);

// Section 3.3.2: 00 47 00 key AC { 80 algorithm }.
apdu::Command generateCommand(std::uint8_t algorithm, std::uint8_t keyReference);
// The 7F49 value of a GENERATE answer (81/82 or 86 inside).
Bytes generatedPublicKey(ByteView answer);

// Section 3.3.1: 00 DB 3F FF 5C tag 53 content (chained by the transmitter
// when longer than a short APDU). An empty content deletes the object, as
// yubico-piv-tool's delete-certificate does.
apdu::Command putDataCommand(std::uint32_t objectTag, ByteView content);
// Part 1 appendix A table 10: 70 certificate, 71 CertInfo 00 (not
// compressed), FE error detection code (empty); the content of 53.
Bytes certificateContainer(ByteView certificate);

// Part 1 appendix A table 19: the key history object's content with C1
// (keys with on-card certificates) set to `onCard`; C2 and the URL F3 of
// `currentAnswer` (the GET DATA answer, empty when there is none) are kept.
// Throws Error(malformedResponse) when currentAnswer cannot be parsed.
Bytes keyHistoryContent(ByteView currentAnswer, std::uint8_t onCard);

// Part 1 appendix A table 9 (CHUID) and table 8 (CCC), written when a card
// provisioned through Tessera has none, so that other middleware recognises
// it (OpenSC, Windows): the CHUID with the FASC-N yubico-piv-tool writes, a
// random GUID, an expiry date and no signature; the CCC with a random card
// identifier under the GSC-IS RID and version 21 fields. `random` supplies
// 16 (CHUID) or 14 (CCC) bytes.
inline constexpr std::uint32_t kCccTag = 0x5FC107;
Bytes chuidContent(ByteView random16);
Bytes cccContent(ByteView random14);

// YubiKey IMPORT KEY: 00 FE algorithm key { 01 p, 02 q, 03 dp, 04 dq, 05
// qinv } (each left-padded to half the modulus) or { 06 scalar } (padded to
// the field size); marked sensitive. Throws Error(dataInvalid) when a part
// is longer than its size.
apdu::Command importKeyCommand(std::uint8_t algorithm, std::uint8_t keyReference, const PrivateKeyMaterial& key);

// YubiKey SET MANAGEMENT KEY: 00 FF FF FF { alg, 9B, length, key } (sensitive).
apdu::Command setManagementKeyCommand(std::uint8_t algorithm, const SecureBytes& key);

} // namespace tessera::drivers::piv
