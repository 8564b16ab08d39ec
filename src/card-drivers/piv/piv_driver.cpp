// The PIV driver: recognises a card by SELECT of the PIV AID answered with
// an application property template (SP 800-73-4 part 2 section 3.1.1), and
// registers itself with the driver registry. YubiKey ATRs are a hint only;
// any card may still be probed.
#include "card-drivers/piv/piv_driver.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "apdu/status_words.hpp"
#include "apdu/tlv.hpp"
#include "card-drivers/piv/piv_card.hpp"
#include "card-drivers/piv/piv_commands.hpp"
#include "card-drivers/registry.hpp"
#include "common/error.hpp"

namespace tessera::drivers::piv {

namespace {

constexpr std::uint32_t kApplicationPropertyTemplate = 0x61;

// YubiKey ATR historical bytes spell "YubiKey" (YubiKey 5: "...YubiKey@",
// NEO: "Yubikey NEO"); case-insensitive search.
bool atrMentionsYubiKey(ByteView atr)
{
    constexpr std::string_view needle = "yubikey";
    auto it = std::search(atr.begin(), atr.end(), needle.begin(), needle.end(), [](std::uint8_t a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == static_cast<unsigned char>(b);
    });
    return it != atr.end();
}

// Section 3.1.1: the answer to SELECT is the application property template 61.
bool isApplicationPropertyTemplate(ByteView data)
{
    try {
        std::vector<apdu::Tlv> top = apdu::parseAll(data);
        return top.size() == 1 && top[0].tag == kApplicationPropertyTemplate;
    } catch (const Error& e) {
        if (e.code() != Errc::malformedResponse) throw;
        return false;
    }
}

class PivDriver final : public Driver {
public:
    std::string name() const override { return "PIV"; }
    bool atrHint(ByteView atr) const override { return atrMentionsYubiKey(atr); }

    std::unique_ptr<Card> probe(apdu::Channel& channel) const override
    {
        apdu::Response r = channel.transmit(selectCommand());
        if (!r.ok() || !isApplicationPropertyTemplate(r.data)) return nullptr;
        return std::make_unique<PivCard>(channel);
    }
};

} // namespace

// Section 3.1.1: SELECT again (after a reset, or when another application
// such as OpenPGP was selected; a YubiKey then dropped the PIV PIN state).
//
// Every transaction after the first starts with it (decided in issue 8, one
// APDU per transaction): PC/SC tells a client nothing of what other clients
// sent between its transactions. SCARD_W_RESET_CARD reports a reset only, and
// after one the card's default application, not ours, is selected, so the
// SELECT is needed then as well; a SELECT of another application by
// scdaemon, ykman or OpenSC leaves no trace at all. Without ours, a VERIFY
// could reach another application (the OpenPGP driver's PW1 reference 81 is
// the PIV PUK's: a wrong-application VERIFY burns a try of a counter the user
// did not mean), and a GET DATA answered by another application would drop
// keys without a word. The SELECT is also the harmless first APDU that
// pin_rule.hpp's in-flight drain needs before VERIFY.
void PivCard::select()
{
    apdu::Response r = channel_.transmit(selectCommand());
    apdu::throwIfError(r.sw, "PIV SELECT");
}

std::unique_ptr<Driver> makeDriver()
{
    return std::make_unique<PivDriver>();
}

void registerDriver(Registry& registry)
{
    registry.add(makeDriver());
}

} // namespace tessera::drivers::piv
