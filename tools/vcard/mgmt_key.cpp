// The card management key 9B: GENERAL AUTHENTICATE mutual authentication
// (SP 800-73-4 part 2 appendix A.1: witness 80, challenge 81, response 82) and
// the one-way external authentication form, with 3DES, AES-128/192/256; and
// the YubiKey SET MANAGEMENT KEY command (INS FF).
#include <algorithm>

#include "apdu/tlv.hpp"
#include "piv_card.hpp"

namespace tessera::vcard {

namespace {

using Step = SecurityState::MgmtStep;

std::optional<ByteView> child(const std::vector<apdu::Tlv>& items, std::uint32_t t)
{
    for (const auto& i : items)
        if (i.tag == t) return i.value;
    return std::nullopt;
}

bool sameBytes(ByteView a, ByteView b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

} // namespace

// Forms accepted (any other is 6A80):
//   7C {80 00}            -> 7C {80 E(W)}      mutual, step 1 (witness W)
//   7C {80 W, 81 C [,82]} -> 7C {82 E(C)}      mutual, step 2 (yubico-piv-tool, OpenSC)
//   7C {81 00}            -> 7C {81 C}         external, step 1 (challenge C)
//   7C {82 E(C)}          -> 9000              external, step 2
Reply PivCard::mgmtAuthenticate(const CardApdu& apdu, ByteView dynamicTemplate)
{
    const MgmtKeyState& mk = state_.mgmt;
    auto items = apdu::parseAll(dynamicTemplate);
    auto witness = child(items, 0x80), challenge = child(items, 0x81), response = child(items, 0x82);
    // P1 00 is SP 800-78-4's legacy 3DES identifier; OpenSC's GET CHALLENGE sends it
    // with 7C {81 00} to get random bytes, whatever the key's algorithm.
    bool challengeRequest = challenge && challenge->empty() && !witness && !response;
    bool legacy3des = apdu.p1 == 0x00 && (mk.algorithm == alg::tdes || challengeRequest);
    if (apdu.p1 != mk.algorithm && !legacy3des) return status(sw::wrongP1P2);
    sec_.mgmtAuthenticated = false;
    std::size_t block = symmetricBlockSize(mk.algorithm);
    if (witness && witness->empty() && !challenge && !response) {
        sec_.mgmtExpected = randomBytes(block);
        sec_.mgmtStep = Step::witnessSent;
        return okWith(apdu::tlv(0x7C, apdu::tlv(0x80, ecbEncrypt(mk.algorithm, mk.key, sec_.mgmtExpected))));
    }
    if (witness && challenge && !witness->empty()) {
        if (mgmtStepForThisCommand_ != Step::witnessSent || !sameBytes(*witness, mgmtExpectedForThisCommand_))
            return status(sw::securityStatus);
        if (challenge->size() != block) return status(sw::wrongData);
        sec_.mgmtAuthenticated = true;
        return okWith(apdu::tlv(0x7C, apdu::tlv(0x82, ecbEncrypt(mk.algorithm, mk.key, *challenge))));
    }
    if (challengeRequest) {
        sec_.mgmtExpected = randomBytes(block);
        sec_.mgmtStep = Step::challengeSent;
        return okWith(apdu::tlv(0x7C, apdu::tlv(0x81, sec_.mgmtExpected)));
    }
    if (response && !response->empty() && !witness && !challenge) {
        if (mgmtStepForThisCommand_ != Step::challengeSent) return status(sw::securityStatus);
        Bytes expected = ecbEncrypt(mk.algorithm, mk.key, mgmtExpectedForThisCommand_);
        if (!sameBytes(*response, expected)) return status(sw::securityStatus);
        sec_.mgmtAuthenticated = true;
        return status(sw::ok);
    }
    return status(sw::wrongData);
}

// YubiKey SET MANAGEMENT KEY: 00 FF FF FF (FE: touch required), data alg || 9B || len || key.
Reply PivCard::setManagementKey(const CardApdu& apdu)
{
    if (apdu.p1 != 0xFF || (apdu.p2 != 0xFF && apdu.p2 != 0xFE)) return status(sw::wrongP1P2);
    requireMgmtAuth();
    const Bytes& d = apdu.data;
    if (d.size() < 3 || d[1] != keyref::management) return status(sw::wrongData);
    std::uint8_t algorithm = d[0];
    if (!isSymmetricAlg(algorithm) || d[2] != symmetricKeyLength(algorithm) || d.size() != 3u + d[2])
        return status(sw::wrongData);
    state_.mgmt.algorithm = algorithm;
    state_.mgmt.key.assign(d.begin() + 3, d.end());
    state_.mgmt.touchPolicy = apdu.p2 == 0xFE ? policy::touchAlways : policy::touchNever;
    state_.mgmt.isDefault = sameBytes(state_.mgmt.key, fromHex(kDefaultMgmtKeyHex));
    markDirty();
    return status(sw::ok);
}

} // namespace tessera::vcard
