// Driver registry: drivers are tried in the order registerBuiltinDrivers()
// adds them (PIV first, then OpenPGP). No static self-registration.
#pragma once

#include <memory>
#include <vector>

#include "card-drivers/driver.hpp"

namespace tessera::drivers {

class Registry {
public:
    void add(std::unique_ptr<Driver> driver) { drivers_.push_back(std::move(driver)); }
    // Tries drivers whose ATR hint matches first, then the rest; nullptr if none.
    std::unique_ptr<Card> recognise(apdu::Channel& channel) const;
    const std::vector<std::unique_ptr<Driver>>& drivers() const { return drivers_; }

private:
    std::vector<std::unique_ptr<Driver>> drivers_;
};

void registerBuiltinDrivers(Registry& registry);

} // namespace tessera::drivers
