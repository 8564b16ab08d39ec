// Which card applications a card carries, asked of the card itself: PKCS#11
// shows only the token a slot serves (one slot per reader holds one token),
// so `tessera status` SELECTs each application Tessera has a driver for
// (PIV: SP 800-73-4 part 2 section 3.1.1; OpenPGP card 3.4 section 7.2.1)
// in one shared-mode transaction. The application the slot serves is
// selected last, so the card is left as the module would leave it.
#include <PCSC/winscard.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "module.hpp"

namespace tessera::cli {

namespace {

struct Application {
    const char* name;
    std::vector<std::uint8_t> select;
};

const std::array<Application, 2> kApplications{{
    {"PIV", {0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x00}},
    {"OpenPGP", {0x00, 0xA4, 0x04, 0x00, 0x06, 0xD2, 0x76, 0x00, 0x01, 0x24, 0x01, 0x00}},
}};

// The reader a slot stands for: its description is the reader name, blank
// padded and cut at 64 bytes (src/pkcs11/fn_slots.cpp).
std::string readerFor(SCARDCONTEXT ctx, const std::string& description)
{
    DWORD size = 0;
    if (SCardListReaders(ctx, nullptr, nullptr, &size) != SCARD_S_SUCCESS) return {};
    std::vector<char> buffer(size);
    if (SCardListReaders(ctx, nullptr, buffer.data(), &size) != SCARD_S_SUCCESS) return {};
    for (std::size_t i = 0; i < buffer.size() && buffer[i] != '\0';) {
        std::string reader(&buffer[i]);
        i += reader.size() + 1;
        if (!description.empty() && reader.rfind(description, 0) == 0) return reader;
    }
    return {};
}

// 9000, or 61xx (more data) on a T=0 card: the application is there.
bool answers(SCARDHANDLE card, DWORD protocol, const std::vector<std::uint8_t>& command)
{
    const SCARD_IO_REQUEST* pci = protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    std::uint8_t response[258];
    DWORD length = sizeof response;
    if (SCardTransmit(card, pci, command.data(), static_cast<DWORD>(command.size()), nullptr, response, &length) !=
            SCARD_S_SUCCESS ||
        length < 2)
        return false;
    const std::uint8_t sw1 = response[length - 2], sw2 = response[length - 1];
    return (sw1 == 0x90 && sw2 == 0x00) || sw1 == 0x61;
}

} // namespace

std::vector<std::string> cardApplications(const std::string& slotDescription, const std::string& served)
{
    std::vector<std::string> found;
    SCARDCONTEXT ctx = 0;
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS) return found;
    const std::string reader = readerFor(ctx, slotDescription);
    SCARDHANDLE card = 0;
    DWORD protocol = 0;
    if (!reader.empty() && SCardConnect(ctx, reader.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                                        &card, &protocol) == SCARD_S_SUCCESS) {
        if (SCardBeginTransaction(card) == SCARD_S_SUCCESS) {
            std::vector<const Application*> order;
            for (const auto& a : kApplications)
                if (served != a.name) order.push_back(&a);
            for (const auto& a : kApplications)
                if (served == a.name) order.push_back(&a);
            for (const Application* a : order)
                if (answers(card, protocol, a->select)) found.emplace_back(a->name);
            SCardEndTransaction(card, SCARD_LEAVE_CARD);
        }
        SCardDisconnect(card, SCARD_LEAVE_CARD);
    }
    SCardReleaseContext(ctx);
    // In the drivers' order (PIV, OpenPGP), whatever order they were asked in.
    std::vector<std::string> ordered;
    for (const auto& a : kApplications)
        for (const auto& f : found)
            if (f == a.name) ordered.push_back(f);
    return ordered;
}

} // namespace tessera::cli
