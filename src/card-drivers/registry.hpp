// Driver registry: drivers are tried in the order registerBuiltinDrivers()
// adds them (PIV first, then OpenPGP). No static self-registration. A card
// with several applications (a YubiKey: PIV and OpenPGP) gets the one the
// configuration prefers (src/pkcs11/config.hpp, `application`).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "card-drivers/driver.hpp"

namespace tessera::drivers {

class Registry {
public:
    void add(std::unique_ptr<Driver> driver) { drivers_.push_back(std::move(driver)); }
    // Tries the driver named `preferred` first (case-insensitive; empty: none),
    // then the drivers whose ATR hint matches, then the rest; nullptr if none.
    std::unique_ptr<Card> recognise(apdu::Channel& channel, std::string_view preferred = {}) const;
    // Only the driver named `name`: its card, or nullptr when it has no driver
    // of that name or the card has no such application.
    std::unique_ptr<Card> probeOnly(apdu::Channel& channel, std::string_view name) const;
    const std::vector<std::unique_ptr<Driver>>& drivers() const { return drivers_; }

private:
    std::unique_ptr<Card> tryProbe(const Driver& driver, apdu::Channel& channel) const;
    std::vector<std::unique_ptr<Driver>> drivers_;
};

void registerBuiltinDrivers(Registry& registry);
// Driver names compare without case ("openpgp" in the config is "OpenPGP").
bool sameDriverName(std::string_view a, std::string_view b);

} // namespace tessera::drivers
