// Unit tests of the virtual OpenPGP card's transport and data objects: ATRs,
// SELECT (card spec 3.4 section 7.2.1), GET DATA of 6E parsed with the project's
// TLV reader (4.4.3.1), PUT DATA access rules (7.2.8), chaining, extended length,
// the 2.1 profile's short APDUs with 61xx, SELECT DATA for 7F21 (7.2.5).
#include "apdu/tlv.hpp"
#include "openpgp_test_support.hpp"

namespace tessera::vcard::test {
namespace {

class OpenPgpCardV34 : public OpenPgpTest {};

class OpenPgpCardV21 : public OpenPgpTest {
public:
    OpenPgpCardV21() : OpenPgpTest("v21") {}
};

TEST(OpenPgpAtr, V34IsTheZeitControlCardsAndV21HasAValidChecksum)
{
    EXPECT_EQ(toHex(openPgpAtr(OpenPgpProfile::v34)), "3BDA18FF81B1FE751F030031F573C00160009000"
                                                      "1C");
    Bytes v21 = openPgpAtr(OpenPgpProfile::v21);
    std::uint8_t x = 0;
    for (std::size_t i = 1; i < v21.size(); ++i)
        x ^= v21[i];
    EXPECT_EQ(x, 0); // TCK makes T0..TCK XOR to zero
    EXPECT_EQ(toHex(openPgpHistoricalBytes(OpenPgpProfile::v21)), "0031C573C00180059000"); // chaining, no ext
    EXPECT_EQ(toHex(ByteView(v21).subspan(10, 10)), "0031C573C00180059000");
}

TEST_F(OpenPgpCardV34, SelectByPartialAidAnswersWithoutData)
{
    PgpAnswer a = raw("00A4040006D2760001240100");
    EXPECT_EQ(a.sw, 0x9000);
    EXPECT_TRUE(a.data.empty());
    EXPECT_EQ(raw("00A4040005A00000030800").sw, 0x6A82);
    EXPECT_EQ(raw("00A4000006D2760001240100").sw, 0x6A86);
}

TEST_F(OpenPgpCardV34, AidCarriesVersionManufacturerAndSerial)
{
    PgpAnswer a = getData(0x004F);
    ASSERT_EQ(a.sw, 0x9000);
    ASSERT_EQ(a.data.size(), 16u);
    EXPECT_EQ(toHex(ByteView(a.data).first(10)), "D276000124010304FFFF");
    EXPECT_EQ(a.data[14], 0x00);
    EXPECT_EQ(a.data[15], 0x00);
}

TEST_F(OpenPgpCardV34, ApplicationRelatedDataParses)
{
    PgpAnswer a = getData(0x006E);
    ASSERT_EQ(a.sw, 0x9000);
    auto top = apdu::parseAll(a.data);
    ASSERT_EQ(top.size(), 1u);
    EXPECT_EQ(top[0].tag, 0x6Eu);
    EXPECT_EQ(tlvValue(a.data, 0x4F).size(), 16u);
    EXPECT_EQ(tlvValue(a.data, 0x5F52), openPgpHistoricalBytes(OpenPgpProfile::v34));
    EXPECT_EQ(toHex(tlvValue(a.data, 0x7F66)), "020208000202"
                                               "0800");
    Bytes dd = tlvValue(a.data, 0x73);
    EXPECT_EQ(tlvValue(dd, 0xC0).size(), 10u);
    EXPECT_EQ(tlvValue(dd, 0xC0)[0] & 0x01, 0x01); // KDF-DO supported
    EXPECT_EQ(toHex(tlvValue(dd, 0xC1)), "010800002000");
    EXPECT_EQ(toHex(tlvValue(dd, 0xC4)), "007F7F7F030003");
    EXPECT_EQ(tlvValue(dd, 0xC5).size(), 60u);
    EXPECT_EQ(tlvValue(dd, 0xC6).size(), 60u);
    EXPECT_EQ(tlvValue(dd, 0xCD).size(), 12u);
    EXPECT_EQ(toHex(tlvValue(dd, 0xDE)), "010102010301");
}

TEST_F(OpenPgpCardV34, CardholderAndSecuritySupportTemplatesAreWrapped)
{
    PgpAnswer c = getData(0x0065);
    ASSERT_EQ(c.sw, 0x9000);
    EXPECT_EQ(c.data[0], 0x65);
    EXPECT_EQ(tlvValue(c.data, 0x5F2D), Bytes({'e', 'n'}));
    PgpAnswer s = getData(0x007A);
    EXPECT_EQ(toHex(s.data), "7A0593"
                             "03000000");
    EXPECT_EQ(toHex(getData(0x00F9).data), "F903810100");
    EXPECT_EQ(getData(0x00FA).data[0], 0xFA);
}

TEST_F(OpenPgpCardV34, UnknownAndWriteOnlyObjectsAreNotFound)
{
    EXPECT_EQ(getData(0x1234).sw, 0x6A88);
    EXPECT_EQ(getData(0x00C7).sw, 0x6A88);
    EXPECT_EQ(getData(0x00D3).sw, 0x6A88);
}

TEST_F(OpenPgpCardV34, PutDataNeedsPw3AndChecksLengths)
{
    const std::uint8_t name[] = {'D', 'o', 'e', '<', '<', 'J', 'o', 'h', 'n'};
    EXPECT_EQ(putData(0x005B, name).sw, 0x6982);
    EXPECT_EQ(verify(0x83, "12345678").sw, 0x9000);
    EXPECT_EQ(putData(0x005B, name).sw, 0x9000);
    EXPECT_EQ(getData(0x005B).data, Bytes(std::begin(name), std::end(name)));
    Bytes tooLong(40, 'x');
    EXPECT_EQ(putData(0x005B, tooLong).sw, 0x6700);
    EXPECT_EQ(putData(0x00C7, Bytes(19, 1)).sw, 0x6700);
    EXPECT_EQ(putData(0x00C7, Bytes(20, 1)).sw, 0x9000);
    EXPECT_EQ(ByteView(tlvValue(getData(0x006E).data, 0xC5)).first(20)[0], 1);
    EXPECT_TRUE(card.takeDirty());
}

TEST_F(OpenPgpCardV34, PrivateDosFollowTheirAccessRules)
{
    const std::uint8_t v[] = {1, 2, 3};
    EXPECT_EQ(getData(0x0103).sw, 0x6982);
    EXPECT_EQ(putData(0x0101, v).sw, 0x6982);
    EXPECT_EQ(verify(0x82, "123456").sw, 0x9000);
    EXPECT_EQ(putData(0x0101, v).sw, 0x9000);
    EXPECT_EQ(putData(0x0103, v).sw, 0x9000);
    EXPECT_EQ(getData(0x0103).data, Bytes(v, v + 3));
    EXPECT_EQ(getData(0x0104).sw, 0x6982);
    EXPECT_EQ(putData(0x0102, v).sw, 0x6982);
}

TEST_F(OpenPgpCardV34, ChainedPutDataIsReassembled)
{
    ASSERT_EQ(verify(0x83, "12345678").sw, 0x9000);
    Bytes url(250, 'u');
    EXPECT_EQ(raw(Bytes{0x10, 0xDA, 0x5F, 0x50, 0x02, 'a', 'b'}).sw, 0x9000);
    Bytes last{0x00, 0xDA, 0x5F, 0x50, 0x01, 'c'};
    EXPECT_EQ(raw(last).sw, 0x9000);
    EXPECT_EQ(getData(0x5F50).data, Bytes({'a', 'b', 'c'}));
}

TEST_F(OpenPgpCardV34, CertificateOccurrencesWithSelectData)
{
    ASSERT_EQ(verify(0x83, "12345678").sw, 0x9000);
    Bytes cert(1500, 0x30);
    EXPECT_EQ(raw("00A50204066004"
                  "5C027F21")
                  .sw,
              0x9000); // occurrence 2 (the signature key's)
    EXPECT_EQ(send(0xDA, 0x7F, 0x21, cert, -1, true).sw, 0x9000);
    PgpAnswer whole = send(0xCA, 0x7F, 0x21, {}, 0, true); // extended Le 0000
    EXPECT_EQ(whole.sw, 0x9000);
    EXPECT_EQ(whole.data, cert);
    PgpAnswer chunk = raw("00CA7F2100");
    EXPECT_EQ(chunk.sw, 0x6100);
    EXPECT_EQ(chunk.data.size(), 256u);
    EXPECT_EQ(raw("00A50004066004"
                  "5C027F21")
                  .sw,
              0x9000);
    EXPECT_TRUE(getData(0x7F21).data.empty());
    EXPECT_EQ(raw("00A50004045C027F21").sw, 0x9000); // without the 60 wrapper
    EXPECT_EQ(raw("00A50304066004"
                  "5C027F21")
                  .sw,
              0x6A86);
}

TEST_F(OpenPgpCardV34, GetChallengeAndClassChecks)
{
    PgpAnswer c = raw("0084000010");
    EXPECT_EQ(c.sw, 0x9000);
    EXPECT_EQ(c.data.size(), 16u);
    EXPECT_EQ(raw("80CA006E00").sw, 0x6E00);
    EXPECT_EQ(raw("00FF000000").sw, 0x6D00);
    EXPECT_EQ(raw("00CA").sw, 0x6700);
}

TEST_F(OpenPgpCardV21, ShortApdusOnlyWith61xx)
{
    PgpAnswer aid = getData(0x004F);
    EXPECT_EQ(toHex(ByteView(aid.data).first(8)), "D276000124010201");
    EXPECT_EQ(raw("00CA006E000000").sw, 0x6700); // extended Le refused
    EXPECT_FALSE(apdu::find(getData(0x006E).data, 0x7F66).has_value());
    EXPECT_EQ(getData(0x00F9).sw, 0x6A88);
    PgpAnswer first = raw("00478100"
                          "02B600"
                          "00");
    EXPECT_EQ(first.sw >> 8, 0x61);
    EXPECT_EQ(first.data.size(), 256u);
    EXPECT_EQ(publicTemplate(0xB6).size(), 265u); // 81 82 0100 n, 82 03 e
    EXPECT_EQ(raw("00A50204066004"
                  "5C027F21")
                  .sw,
              0x6D00);
}

TEST_F(OpenPgpCardV21, RefusesEccAttributes)
{
    ASSERT_EQ(verify(0x83, "12345678").sw, 0x9000);
    EXPECT_EQ(putData(0x00C1, fromHex("132A8648CE3D030107")).sw, 0x6A80);
    EXPECT_EQ(putData(0x00C1, fromHex("010C00002000")).sw, 0x9000); // RSA-3072
    EXPECT_EQ(toHex(tlvValue(getData(0x006E).data, 0xC1)), "010C00002000");
}

TEST_F(OpenPgpCardV34, VpcdPayloadsReachTheCard)
{
    EXPECT_EQ(handleVpcdPayload(card, fromHex("04")), openPgpAtr(OpenPgpProfile::v34));
    EXPECT_EQ(verify(0x82, "123456").sw, 0x9000);
    EXPECT_TRUE(handleVpcdPayload(card, fromHex("00")).empty()); // power off drops the status
    handleVpcdPayload(card, fromHex("01"));
    EXPECT_FALSE(card.security().pw1Other);
    EXPECT_EQ(toHex(handleVpcdPayload(card, fromHex("00A4040006D27600012401"))), "9000");
    EXPECT_TRUE(card.carriesSecret(fromHex("0020008206313233343536")));
    EXPECT_TRUE(card.carriesSecret(fromHex("00DB3FFF00")));
    EXPECT_FALSE(card.carriesSecret(fromHex("00CA006E00")));
}

} // namespace
} // namespace tessera::vcard::test
