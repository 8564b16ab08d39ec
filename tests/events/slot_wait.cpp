// events_slot_wait: C_WaitForSlotEvent against real card and reader events:
// each one wakes the waiter in time, the slot list only grows, a returning
// reader gets its old slot ID, and the slot flags are right at each step.
//
// CKF_DONT_BLOCK first (CKR_NO_EVENT when nothing happened, the slot
// otherwise), then a thread blocked in C_WaitForSlotEvent while the test
// removes and inserts the PIV card, adds a reader (pcscd restarts), removes it
// and adds it again, and puts the OpenPGP card into the new reader. Flags:
// CKF_REMOVABLE_DEVICE|CKF_HW_SLOT always, CKF_TOKEN_PRESENT as the card is.
#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "events_common.hpp"
#include "events_tests.hpp"

namespace ev {

namespace {

constexpr CK_FLAGS kAlways = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;

void checkFlags(CK_SLOT_ID id, bool present, const std::string& when)
{
    CK_RV rv = CKR_OK;
    CK_FLAGS f = slotFlags(id, &rv);
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%lX", f);
    const std::string what = when + ": slot " + std::to_string(id) + " flags " + buf;
    expect(rv == CKR_OK && (f & kAlways) == kAlways, what + " include CKF_REMOVABLE_DEVICE|CKF_HW_SLOT", rvName(rv));
    expect(((f & CKF_TOKEN_PRESENT) != 0) == present,
           what + (present ? " include CKF_TOKEN_PRESENT" : " lack CKF_TOKEN_PRESENT"));
}

CK_RV dontBlock(CK_SLOT_ID& slot)
{
    Guard g("C_WaitForSlotEvent(CKF_DONT_BLOCK)", 5);
    slot = CK_UNAVAILABLE_INFORMATION;
    return p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr);
}

std::string list(const std::vector<CK_SLOT_ID>& v)
{
    std::string s;
    for (auto id : v)
        s += (s.empty() ? "" : ",") + std::to_string(id);
    return "[" + s + "]";
}

std::string list(const std::vector<Event>& v)
{
    std::string s;
    for (const auto& e : v)
        s += (s.empty() ? "" : ",") + std::to_string(e.slot) + (e.rv == CKR_OK ? "" : ":" + rvName(e.rv));
    return "[" + s + "]";
}

// Slots whose reader name starts with "NAME " (the readers of one vpcd entry).
std::map<std::string, CK_SLOT_ID> readersNamed(const std::string& name)
{
    std::map<std::string, CK_SLOT_ID> out;
    for (CK_SLOT_ID id : slotList(false)) {
        std::string r = slotReader(id);
        if (r.rfind(name + " ", 0) == 0) out[r] = id;
    }
    return out;
}

} // namespace

int testSlotWait()
{
    loadModule();
    expectRv(initialize(), CKR_OK, "C_Initialize");
    const std::string pivReader = env("TESSERA_PIV_READER");
    const std::string pgpReader = env("TESSERA_OPENPGP_READER");
    const CK_SLOT_ID piv = slotForReader(pivReader);
    const CK_SLOT_ID pgp = pgpReader.empty() ? CK_UNAVAILABLE_INFORMATION : slotForReader(pgpReader);
    if (!expect(piv != CK_UNAVAILABLE_INFORMATION, "slot of the PIV reader '" + pivReader + "'"))
        return finish("events_slot_wait");
    auto initial = slotList(false);
    note("slots at start: " + list(initial) + ", PIV slot " + std::to_string(piv) + ", OpenPGP slot " +
         (pgp == CK_UNAVAILABLE_INFORMATION ? std::string("none") : std::to_string(pgp)));
    for (auto id : initial)
        checkFlags(id, id == piv || id == pgp, "start");

    // --- CKF_DONT_BLOCK -------------------------------------------------------------------
    CK_SLOT_ID got;
    CK_RV rv = dontBlock(got);
    expectRv(rv, CKR_NO_EVENT, "CKF_DONT_BLOCK with nothing happened since C_Initialize");
    if (vcardCtl({"remove", "piv"}) != 0) fail("vcard-ctl remove piv");
    rv = dontBlock(got);
    expect(rv == CKR_OK && got == piv, "CKF_DONT_BLOCK after removal: the PIV slot",
           rvName(rv) + ", slot " + std::to_string(got));
    rv = dontBlock(got);
    expectRv(rv, CKR_NO_EVENT, "CKF_DONT_BLOCK again: the event was reported once");
    checkFlags(piv, false, "after removal");
    if (vcardCtl({"insert", "piv"}) != 0) fail("vcard-ctl insert piv");
    rv = dontBlock(got);
    expect(rv == CKR_OK && got == piv, "CKF_DONT_BLOCK after insertion: the PIV slot",
           rvName(rv) + ", slot " + std::to_string(got));
    expectRv(dontBlock(got), CKR_NO_EVENT, "CKF_DONT_BLOCK again");
    checkFlags(piv, true, "after insertion");

    // --- blocking waits -------------------------------------------------------------------
    Waiter waiter;
    waiter.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    auto spurious = waiter.drain();
    expect(spurious.empty(), "a blocked C_WaitForSlotEvent stays blocked while nothing happens (1 s)",
           "woke with " + list(spurious));

    auto isSlot = [](CK_SLOT_ID id) { return [id](const Event& e) { return e.rv != CKR_OK || e.slot == id; }; };

    auto t0 = Clock::now();
    double ctlSeconds = 0;
    if (vcardCtl({"remove", "piv"}, &ctlSeconds) != 0) fail("vcard-ctl remove piv");
    auto e = waiter.await(isSlot(piv), t0 + std::chrono::seconds(3));
    if (expect(e && e->rv == CKR_OK, "card removal wakes the waiter with the PIV slot within 3 s",
               e ? rvName(e->rv) : "no event"))
        note("removal event " + fmt(std::chrono::duration<double>(e->at - t0).count()) +
             " s after vcard-ctl started (it took " + fmt(ctlSeconds) + " s)");
    checkFlags(piv, false, "blocking, after removal");

    t0 = Clock::now();
    if (vcardCtl({"insert", "piv"}, &ctlSeconds) != 0) fail("vcard-ctl insert piv");
    e = waiter.await(isSlot(piv), t0 + std::chrono::seconds(3));
    if (expect(e && e->rv == CKR_OK, "card insertion wakes the waiter with the PIV slot within 3 s",
               e ? rvName(e->rv) : "no event"))
        note("insertion event " + fmt(std::chrono::duration<double>(e->at - t0).count()) +
             " s after vcard-ctl started (it took " + fmt(ctlSeconds) + " s)");
    checkFlags(piv, true, "blocking, after insertion");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto extra = waiter.drain();
    if (!extra.empty()) note("further events after insertion: " + list(extra));

    // --- a reader appears (pcscd restarts) -------------------------------------------------
    const std::string name = "Extra";
    const std::size_t before = slotList(false).size();
    if (vcardCtl({"add-reader", name}, &ctlSeconds) != 0) fail("vcard-ctl add-reader " + name);
    auto back = Clock::now(); // vcard-ctl returns once pcscd lists the new readers
    std::map<std::string, CK_SLOT_ID> added;
    std::vector<Event> seen;
    std::optional<Event> firstNew;
    while (!firstNew && Clock::now() < back + std::chrono::seconds(2)) {
        auto ev = waiter.await([](const Event&) { return true; }, back + std::chrono::seconds(2));
        if (!ev) break;
        seen.push_back(*ev);
        if (ev->rv != CKR_OK) break;
        if (slotReader(ev->slot).rfind(name + " ", 0) == 0) firstNew = ev;
    }
    note("events after add-reader: " + list(seen));
    if (expect(firstNew.has_value(), "reader added: an event for its slot within 2 s of pcscd being back",
               "events " + list(seen)))
        note("new-reader event " + fmt(std::chrono::duration<double>(firstNew->at - back).count()) +
             " s after vcard-ctl returned (pcscd restart took " + fmt(ctlSeconds) + " s)");
    added = readersNamed(name);
    auto after = slotList(false);
    expect(added.size() == 2 && after.size() == before + 2,
           "C_GetSlotList(NULL) lists the two new readers as new slots",
           std::to_string(before) + " -> " + std::to_string(after.size()) + " slots");
    for (const auto& [r, id] : added) {
        expect(std::find(initial.begin(), initial.end(), id) == initial.end(),
               "'" + r + "' got a new slot ID (" + std::to_string(id) + ")");
        checkFlags(id, false, "reader added");
    }
    checkFlags(piv, true, "after the pcscd restart");
    {
        // the card came back after the restart: a token is there again
        CK_TOKEN_INFO ti;
        Guard g("C_GetTokenInfo after pcscd restart", 20);
        expectRv(p11->C_GetTokenInfo(piv, &ti), CKR_OK, "C_GetTokenInfo on the PIV slot after the pcscd restart");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    extra = waiter.drain();
    if (!extra.empty()) note("further events: " + list(extra));

    // --- the reader goes ----------------------------------------------------------------------
    t0 = Clock::now();
    if (vcardCtl({"remove-reader", name}, &ctlSeconds) != 0) fail("vcard-ctl remove-reader " + name);
    back = Clock::now();
    bool removedEvent = false;
    seen.clear();
    while (!removedEvent) {
        auto ev = waiter.await([](const Event&) { return true; }, back + std::chrono::seconds(2));
        if (!ev) break;
        seen.push_back(*ev);
        if (ev->rv != CKR_OK) break;
        for (const auto& [r, id] : added)
            if (ev->slot == id) removedEvent = true;
    }
    note("events after remove-reader: " + list(seen));
    expect(removedEvent, "reader removed: an event for its slot within 2 s of pcscd being back");
    auto afterRemove = slotList(false);
    expect(afterRemove.size() == after.size(), "the slot list did not shrink",
           std::to_string(after.size()) + " -> " + std::to_string(afterRemove.size()));
    auto stillListed = readersNamed(name);
    expect(stillListed == added, "the removed reader's slots are still listed under the same IDs");
    for (const auto& [r, id] : added)
        checkFlags(id, false, "reader removed");
    auto present = slotList(true);
    for (const auto& [r, id] : added)
        expect(std::find(present.begin(), present.end(), id) == present.end(),
               "C_GetSlotList(CK_TRUE) leaves out slot " + std::to_string(id));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    extra = waiter.drain();
    if (!extra.empty()) note("further events: " + list(extra));

    // --- the same reader again: its old slots -------------------------------------------------
    if (vcardCtl({"add-reader", name}) != 0) fail("vcard-ctl add-reader " + name + " (again)");
    back = Clock::now();
    bool againEvent = false;
    seen.clear();
    while (!againEvent) {
        auto ev = waiter.await([](const Event&) { return true; }, back + std::chrono::seconds(2));
        if (!ev) break;
        seen.push_back(*ev);
        if (ev->rv != CKR_OK) break;
        for (const auto& [r, id] : added)
            if (ev->slot == id) againEvent = true;
    }
    note("events after add-reader again: " + list(seen));
    expect(againEvent, "reader back: an event for its old slot within 2 s of pcscd being back");
    auto again = readersNamed(name);
    expect(again == added, "the reader added again has its old slot IDs back");
    expect(slotList(false).size() == after.size(), "and no new slots were made");
    for (const auto& [r, id] : added)
        checkFlags(id, false, "reader back, empty");

    // --- a card into the new reader ---------------------------------------------------------------
    if (pgp != CK_UNAVAILABLE_INFORMATION && !added.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        waiter.drain();
        const auto& [r, id] = *added.begin();
        if (vcardCtl({"remove", "openpgp"}) != 0) fail("vcard-ctl remove openpgp");
        auto ev = waiter.await(isSlot(pgp), Clock::now() + std::chrono::seconds(3));
        expect(ev && ev->rv == CKR_OK, "OpenPGP card removed: event for its slot");
        t0 = Clock::now();
        if (vcardCtl({"insert", "openpgp", name}) != 0) fail("vcard-ctl insert openpgp into the new reader");
        ev = waiter.await(isSlot(id), t0 + std::chrono::seconds(3));
        expect(ev && ev->rv == CKR_OK, "OpenPGP card inserted into '" + r + "': event for slot " + std::to_string(id));
        checkFlags(id, true, "card in the new reader");
        checkFlags(pgp, false, "its old reader");
        CK_TOKEN_INFO ti;
        Guard g("C_GetTokenInfo", 20);
        expectRv(p11->C_GetTokenInfo(id, &ti), CKR_OK, "C_GetTokenInfo on the new reader's slot");
    }

    // --- C_Finalize ends the wait ------------------------------------------------------------------------
    {
        Guard g("C_Finalize with a blocked waiter", 10);
        expectRv(p11->C_Finalize(nullptr), CKR_OK, "C_Finalize");
        waiter.join();
    }
    auto last = waiter.drain();
    expect(!last.empty() && last.back().rv == CKR_CRYPTOKI_NOT_INITIALIZED,
           "the waiter returned CKR_CRYPTOKI_NOT_INITIALIZED", list(last));
    return finish("events_slot_wait");
}

} // namespace ev
