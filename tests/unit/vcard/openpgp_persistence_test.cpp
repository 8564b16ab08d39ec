// Unit tests of the virtual OpenPGP card's state file (openpgp_persistence.hpp)
// and provisioning: byte-identical round trips with keys, malformed files
// rejected with a line number, profile names and --keys lists.
#include <fstream>

#include "openpgp_algorithms.hpp"
#include "openpgp_persistence.hpp"
#include "openpgp_test_support.hpp"

namespace tessera::vcard::test {
namespace {

TEST(OpenPgpPersistence, RoundTripKeepsEverything)
{
    OpenPgpState s = openPgpState("v34-25519");
    s.url = {'h', 't', 't', 'p'};
    s.privateDos[3] = {1, 2};
    s.certificates[1] = {0x30, 0x00};
    s.signatureCounter = 0x010203;
    s.rc = OpenPgpPassword{{'r', 'c', 'r', 'c', 'r', 'c', 'r', 'c'}, 2, 3};
    std::string text = serializeOpenPgpState(s);
    OpenPgpState back = parseOpenPgpState(text);
    EXPECT_EQ(serializeOpenPgpState(back), text);
    EXPECT_EQ(back.serial, s.serial);
    EXPECT_EQ(back.rc.triesLeft, 2);
    EXPECT_EQ(back.keys[1].fingerprint, s.keys[1].fingerprint);
    KeySpec dec = *keySpecFromName("x25519", KeyRole::dec);
    EXPECT_EQ(openPgpPublicKeyTemplate(back.keys[1].key, dec), openPgpPublicKeyTemplate(s.keys[1].key, dec));
}

TEST(OpenPgpPersistence, RejectsMalformedFiles)
{
    std::string text = serializeOpenPgpState(openPgpState("default"));
    EXPECT_THROW(parseOpenPgpState(text.substr(0, text.size() - 4)), std::runtime_error); // no "end"
    std::string badAttr = text;
    badAttr.replace(badAttr.find("key 1 010800002000"), 18, "key 1 990800002000");
    EXPECT_THROW(parseOpenPgpState(badAttr), std::runtime_error);
    EXPECT_THROW(parseOpenPgpState("tessera-vcard-state 1\nend\n"), std::runtime_error);
    try {
        parseOpenPgpState("tessera-vcard-openpgp-state 1\nbogus 1\nend\n");
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos);
    }
}

TEST(OpenPgpPersistence, DetectsItsFilesAndSavesAtomically)
{
    std::string path = ::testing::TempDir() + "tessera-openpgp-persistence-test.state";
    saveOpenPgpState(path, openPgpState("v21"));
    EXPECT_TRUE(isOpenPgpStateFile(path));
    EXPECT_EQ(loadOpenPgpState(path).profile, OpenPgpProfile::v21);
    std::ofstream(path) << "# comment\ntessera-vcard-state 1\nend\n";
    EXPECT_FALSE(isOpenPgpStateFile(path));
}

TEST(OpenPgpProvisioning, ProfilesAndKeyLists)
{
    EXPECT_EQ(openPgpProvisionDefaults("default").profile, OpenPgpProfile::v34);
    EXPECT_EQ(openPgpProvisionDefaults("v21").profile, OpenPgpProfile::v21);
    EXPECT_THROW(openPgpProvisionDefaults("v99"), std::invalid_argument);
    OpenPgpProvisionOptions o = openPgpProvisionDefaults("v34");
    applyKeyList(o, "dec=x25519,aut=none");
    EXPECT_EQ(o.keys[0], "rsa2048");
    EXPECT_EQ(o.keys[1], "x25519");
    EXPECT_EQ(o.keys[2], "none");
    EXPECT_THROW(applyKeyList(o, "foo=p256"), std::invalid_argument);
    o.keys = {"p256", "p256", "none"};
    OpenPgpState s = provisionOpenPgpCard(o);
    EXPECT_EQ(toHex(s.keys[0].attributes), "132A8648CE3D030107");
    EXPECT_EQ(toHex(s.keys[1].attributes), "122A8648CE3D030107");
    EXPECT_FALSE(s.keys[2].key);
    EXPECT_EQ(s.keys[0].fingerprint,
              v4Fingerprint(s.keys[0].key, *keySpecFromName("p256", KeyRole::sig), s.keys[0].created));
    o.keys = {"x25519", "rsa2048", "rsa2048"};
    EXPECT_THROW(provisionOpenPgpCard(o), std::invalid_argument); // X25519 cannot sign
    OpenPgpProvisionOptions v21 = openPgpProvisionDefaults("v21");
    v21.keys[0] = "ed25519";
    EXPECT_THROW(provisionOpenPgpCard(v21), std::invalid_argument);
}

} // namespace
} // namespace tessera::vcard::test
