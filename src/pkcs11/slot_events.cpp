// EventTracker; see slot_events.hpp.
#include "pkcs11/slot_events.hpp"

namespace tessera::pkcs11 {

void EventTracker::prime(const std::vector<std::pair<CK_SLOT_ID, SlotSnapshot>>& now)
{
    std::scoped_lock lock(mutex_);
    if (primed_) return;
    primed_ = true;
    for (const auto& [id, snap] : now)
        reported_[id] = snap;
}

bool EventTracker::primed()
{
    std::scoped_lock lock(mutex_);
    return primed_;
}

std::optional<CK_SLOT_ID> EventTracker::take(const std::vector<std::pair<CK_SLOT_ID, SlotSnapshot>>& now)
{
    std::scoped_lock lock(mutex_);
    primed_ = true;
    for (const auto& [id, snap] : now) {
        auto it = reported_.find(id);
        const SlotSnapshot before = it == reported_.end() ? SlotSnapshot{} : it->second;
        // A card swapped between two looks shows only as a new event counter.
        const bool changed =
            before.reader != snap.reader || before.card != snap.card || (snap.card && before.counter != snap.counter);
        reported_[id] = snap;
        if (changed) return id;
    }
    return std::nullopt;
}

} // namespace tessera::pkcs11
