// The PIV tables the driver walks: slot rows (container tags, CKA_ID
// numbering, labels, PIN policy defaults), algorithm identifiers, and the
// command encodings built from them, byte for byte.
#include <gtest/gtest.h>

#include <set>

#include "card-drivers/piv/piv_card.hpp"
#include "card-drivers/piv/piv_commands.hpp"
#include "card-drivers/piv/piv_objects.hpp"
#include "common/error.hpp"
#include "piv_test_support.hpp"

using namespace tessera;
using namespace tessera::drivers;

TEST(PivObjects, PinPolicyDefaults)
{
    struct Row {
        std::uint8_t reference;
        PinPolicy policy;
    };
    for (const Row& r : {Row{0x9A, PinPolicy::once}, Row{0x9C, PinPolicy::always}, Row{0x9D, PinPolicy::once},
                         Row{0x9E, PinPolicy::never}, Row{0x82, PinPolicy::once}, Row{0x95, PinPolicy::once}}) {
        const piv::KeySlot* slot = piv::findSlot(r.reference);
        ASSERT_NE(slot, nullptr);
        EXPECT_EQ(slot->defaultPolicy, r.policy) << int(r.reference);
    }
    EXPECT_EQ(piv::findSlot(0x9B), nullptr); // the management key is not a key slot here
    EXPECT_EQ(piv::findSlot(0x96), nullptr);
}

TEST(PivObjects, PrimarySlotsAndContainers)
{
    const std::uint8_t refs[] = {0x9A, 0x9C, 0x9D, 0x9E};
    const std::uint32_t tags[] = {0x5FC105, 0x5FC10A, 0x5FC10B, 0x5FC101};
    const char* keyLabels[] = {"PIV AUTH key", "SIGN key", "KEY MAN key", "CARD AUTH key"};
    for (std::size_t i = 0; i < piv::kPrimarySlotCount; ++i) {
        EXPECT_EQ(piv::kKeySlots[i].reference, refs[i]);
        EXPECT_EQ(piv::kKeySlots[i].containerTag, tags[i]);
        EXPECT_EQ(piv::kKeySlots[i].id, i + 1);
        EXPECT_EQ(piv::kKeySlots[i].keyLabel, keyLabels[i]);
        EXPECT_FALSE(piv::kKeySlots[i].retired);
    }
}

TEST(PivObjects, RetiredSlotsAreContiguous)
{
    std::set<std::uint8_t> ids;
    for (std::size_t i = 0; i < piv::kRetiredSlotCount; ++i) {
        const piv::KeySlot& s = piv::kKeySlots[piv::kPrimarySlotCount + i];
        EXPECT_EQ(s.reference, 0x82 + i);
        EXPECT_EQ(s.containerTag, 0x5FC10D + i);
        EXPECT_EQ(s.id, 0x05 + i);
        EXPECT_EQ(s.keyLabel, "Retired KEY MAN " + std::to_string(i + 1));
        EXPECT_EQ(s.certLabel, "Retired X.509 Certificate for Key Management " + std::to_string(i + 1));
        EXPECT_TRUE(s.retired);
        ids.insert(s.id);
    }
    EXPECT_EQ(ids.size(), 20u);
    EXPECT_EQ(piv::kKeySlots.back().id, 0x18);
    EXPECT_EQ(piv::kKeySlots.back().containerTag, 0x5FC120u);
}

TEST(PivObjects, AlgorithmIdentifiers)
{
    EXPECT_EQ(piv::algorithmIdFor(KeyAlgorithm::rsa, 1024), 0x06);
    EXPECT_EQ(piv::algorithmIdFor(KeyAlgorithm::rsa, 2048), 0x07);
    EXPECT_EQ(piv::algorithmIdFor(KeyAlgorithm::rsa, 3072), 0x05);
    EXPECT_EQ(piv::algorithmIdFor(KeyAlgorithm::rsa, 4096), 0x16);
    EXPECT_EQ(piv::algorithmIdFor(KeyAlgorithm::ecP256, 256), 0x11);
    EXPECT_EQ(piv::algorithmIdFor(KeyAlgorithm::ecP384, 384), 0x14);
    EXPECT_EQ(piv::algorithmIdFor(KeyAlgorithm::ed25519, 255), 0xE0);
    EXPECT_FALSE(piv::algorithmIdFor(KeyAlgorithm::rsa, 1536).has_value());
    EXPECT_FALSE(piv::algorithmIdFor(KeyAlgorithm::ecP521, 521).has_value());
}

TEST(PivObjects, KeyUsageFollowsYkcs11)
{
    piv::PublicKeyInfo rsa{KeyAlgorithm::rsa, 2048, {}, {}};
    piv::PublicKeyInfo ec{KeyAlgorithm::ecP256, 256, {}, {}};
    for (const auto& slot : piv::kKeySlots) {
        CardKey r = piv::makeCardKey(slot, rsa, std::nullopt);
        EXPECT_TRUE(r.canSign && r.canDecrypt && !r.canDerive);
        CardKey e = piv::makeCardKey(slot, ec, std::nullopt);
        EXPECT_TRUE(e.canSign && !e.canDecrypt && e.canDerive);
        EXPECT_EQ(e.rsaSignInput, RsaSignInput::paddedBlock);
        EXPECT_TRUE(e.rsaDecryptReturnsPaddedBlock);
    }
    EXPECT_EQ(piv::makeCardKey(piv::kKeySlots[0], ec, PinPolicy::always).pinPolicy, PinPolicy::always);
}

TEST(PivCommands, Encodings)
{
    auto enc = [](const apdu::Command& c) { return toHex(c.encode(false)); };
    EXPECT_EQ(enc(piv::selectCommand()), "00A4040009A0000003080000100000");
    EXPECT_EQ(enc(piv::getDataCommand(0x5FC105)), "00CB3FFF055C035FC10500");
    EXPECT_EQ(enc(piv::getDataCommand(0x7E)), "00CB3FFF035C017E00");
    EXPECT_EQ(test::getDataHex(0x5FC105), "00CB3FFF055C035FC10500");
    EXPECT_EQ(enc(piv::yubikeyMetadataCommand(0x9C)), "00F7009C00");
    EXPECT_EQ(enc(piv::generalAuthenticateCommand(0x11, 0x9A, 0x81, fromHex("0102"))), "0087119A087C0682008102010200");
    EXPECT_EQ(toHex(piv::paddedPin(SecureBytes(std::string_view("1234567"))).view()), "31323334353637FF");
    EXPECT_EQ(toHex(piv::paddedPin(SecureBytes(std::string_view("12345678"))).view()), "3132333435363738");
}
