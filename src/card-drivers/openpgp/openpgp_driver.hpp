// OpenPGP card driver (OpenPGP card spec 3.4.1, and 2.x cards).
#pragma once

namespace tessera::drivers {
class Registry;
}

namespace tessera::drivers::openpgp {

// Adds the OpenPGP driver to the registry (called by registerBuiltinDrivers, after PIV).
void registerDriver(Registry& registry);

} // namespace tessera::drivers::openpgp
