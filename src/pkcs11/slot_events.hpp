// Slot events for C_WaitForSlotEvent: what each slot looked like when the
// application last heard about it, so a change (reader added or removed,
// card inserted, removed or swapped) is reported once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "pkcs11/locking.hpp"
#include "pkcs11/pkcs11_api.hpp"

namespace tessera::pkcs11 {

struct SlotSnapshot {
    bool reader = false;
    bool card = false;
    std::uint16_t counter = 0; // pcscd's event counter (upper 16 bits of dwEventState)
    bool operator==(const SlotSnapshot&) const = default;
};

class EventTracker {
public:
    // First look: records the states without reporting them (cards present
    // at C_Initialize are not events).
    void prime(const std::vector<std::pair<CK_SLOT_ID, SlotSnapshot>>& now);
    bool primed();
    // The first slot whose state differs from what was reported; records it.
    std::optional<CK_SLOT_ID> take(const std::vector<std::pair<CK_SLOT_ID, SlotSnapshot>>& now);

private:
    ModuleMutex mutex_;
    bool primed_ = false;
    std::map<CK_SLOT_ID, SlotSnapshot> reported_;
};

} // namespace tessera::pkcs11
