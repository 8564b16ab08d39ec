// Driver registry; see registry.hpp.
#include "card-drivers/registry.hpp"

#include <algorithm>
#include <cctype>

#include "card-drivers/openpgp/openpgp_driver.hpp"
#include "card-drivers/piv/piv_driver.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace tessera::drivers {

bool sameDriverName(std::string_view a, std::string_view b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

std::unique_ptr<Card> Registry::tryProbe(const Driver& d, apdu::Channel& channel) const
{
    try {
        if (auto card = d.probe(channel)) {
            log::write(log::Level::calls, "card recognised by driver " + d.name());
            return card;
        }
    } catch (const Error& e) {
        // A transport failure is not "not my card": let it reach the caller.
        if (e.code() == Errc::deviceRemoved || e.code() == Errc::tokenNotPresent || e.code() == Errc::noService ||
            e.code() == Errc::cardReset)
            throw;
        log::write(log::Level::calls, "driver " + d.name() + " probe failed: " + e.what());
    }
    return nullptr;
}

std::unique_ptr<Card> Registry::recognise(apdu::Channel& channel, std::string_view preferred) const
{
    const Bytes atr = channel.atr();
    std::vector<const Driver*> order;
    for (const auto& d : drivers_)
        if (!preferred.empty() && sameDriverName(d->name(), preferred)) order.push_back(d.get());
    for (const auto& d : drivers_)
        if (d->atrHint(atr) && std::find(order.begin(), order.end(), d.get()) == order.end()) order.push_back(d.get());
    for (const auto& d : drivers_)
        if (std::find(order.begin(), order.end(), d.get()) == order.end()) order.push_back(d.get());
    for (const Driver* d : order)
        if (auto card = tryProbe(*d, channel)) return card;
    return nullptr;
}

std::unique_ptr<Card> Registry::probeOnly(apdu::Channel& channel, std::string_view name) const
{
    for (const auto& d : drivers_)
        if (sameDriverName(d->name(), name)) return tryProbe(*d, channel);
    return nullptr;
}

void registerBuiltinDrivers(Registry& registry)
{
    piv::registerDriver(registry);
    openpgp::registerDriver(registry);
}

} // namespace tessera::drivers
