// PIV card driver (NIST SP 800-73-4, with YubiKey extensions when present).
#pragma once

namespace tessera::drivers {
class Registry;
}

namespace tessera::drivers::piv {

// Adds the PIV driver to the registry (called by registerBuiltinDrivers).
void registerDriver(Registry& registry);

} // namespace tessera::drivers::piv
