// The virtual card's state file (tools/vcard/persistence.hpp): byte-identical
// round trips, keys that still work after reloading, torn and malformed files
// rejected, atomic save.
#include <cstdio>
#include <fstream>

#include "persistence.hpp"
#include "vcard_test_support.hpp"

namespace tessera::vcard::test {
namespace {

TEST(VcardPersistence, RoundTripIsByteIdentical)
{
    const CardState& s = provisionedState();
    std::string text = serializeState(s);
    CardState back = parseState(text);
    EXPECT_EQ(serializeState(back), text);
    EXPECT_EQ(back.serial, s.serial);
    EXPECT_EQ(back.objects, s.objects);
    ASSERT_EQ(back.keys.size(), s.keys.size());
    EXPECT_EQ(publicKeyTemplate(back.keys.at(0x9C).key), publicKeyTemplate(s.keys.at(0x9C).key));
}

TEST(VcardPersistence, RejectsTornAndMalformedFiles)
{
    std::string text = serializeState(provisionedState(Profile::plain));
    std::string torn = text.substr(0, text.rfind("end"));
    EXPECT_THROW(parseState(torn), std::runtime_error);
    EXPECT_THROW(parseState("tessera-vcard-state 2\nend\n"), std::runtime_error);
    EXPECT_THROW(parseState("tessera-vcard-state 1\nbogus 1\nend\n"), std::runtime_error);
    EXPECT_THROW(parseState("tessera-vcard-state 1\npin 3132 3 3 1\nend\n"), std::runtime_error);
    EXPECT_THROW(parseState("tessera-vcard-state 1\nkey 9A 07 02 01 01 3082\nend\n"), std::exception);
}

TEST(VcardPersistence, SaveAndLoadFile)
{
    std::string path = ::testing::TempDir() + "vcard-state-test.state";
    CardState s = provisionedState();
    s.pin.triesLeft = 1;
    saveState(path, s);
    CardState back = loadState(path);
    EXPECT_EQ(back.pin.triesLeft, 1);
    EXPECT_EQ(serializeState(back), serializeState(s));
    std::remove(path.c_str());
}

TEST(VcardPersistence, CardChangesMarkTheStateDirty)
{
    PivCard card(provisionedState());
    card.transmit(fromHex("00CB3FFF055C035FC10200"));
    EXPECT_FALSE(card.takeDirty());
    card.transmit(fromHex("0020008008303030303030FFFF"));
    EXPECT_TRUE(card.takeDirty());
    EXPECT_FALSE(card.takeDirty());
    EXPECT_EQ(parseState(serializeState(card.state())).pin.triesLeft, 2);
}

} // namespace
} // namespace tessera::vcard::test
