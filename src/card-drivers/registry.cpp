// Driver registry; see registry.hpp.
#include "card-drivers/registry.hpp"

#include "card-drivers/openpgp/openpgp_driver.hpp"
#include "card-drivers/piv/piv_driver.hpp"
#include "common/error.hpp"
#include "common/log.hpp"

namespace tessera::drivers {

std::unique_ptr<Card> Registry::recognise(apdu::Channel& channel) const
{
    const Bytes atr = channel.atr();
    std::vector<const Driver*> order;
    for (const auto& d : drivers_)
        if (d->atrHint(atr)) order.push_back(d.get());
    for (const auto& d : drivers_)
        if (!d->atrHint(atr)) order.push_back(d.get());
    for (const Driver* d : order) {
        try {
            if (auto card = d->probe(channel)) {
                log::write(log::Level::calls, "card recognised by driver " + d->name());
                return card;
            }
        } catch (const Error& e) {
            // A transport failure is not "not my card": let it reach the caller.
            if (e.code() == Errc::deviceRemoved || e.code() == Errc::tokenNotPresent || e.code() == Errc::noService ||
                e.code() == Errc::cardReset)
                throw;
            log::write(log::Level::calls, "driver " + d->name() + " probe failed: " + e.what());
        }
    }
    return nullptr;
}

void registerBuiltinDrivers(Registry& registry)
{
    piv::registerDriver(registry);
    openpgp::registerDriver(registry);
}

} // namespace tessera::drivers
