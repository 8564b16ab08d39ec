// Slot events (PKCS#11 3.0 section 5.5.7 C_WaitForSlotEvent). The blocking
// wait lists the readers, then sleeps in one SCardGetStatusChange on every
// reader plus \\?PnP?\Notification with an infinite timeout: no polling while
// nothing happens. pcsc-lite 1.9.9 reports a reader-count change only if it
// happens during the call, so the reader list is re-read before each wait.
// Only while pcscd is unreachable does the waiter retry, every 500 ms.
#include <chrono>
#include <thread>

#include "common/log.hpp"
#include "pkcs11/module.hpp"
#include "pkcs11/rv.hpp"

namespace tessera::pkcs11 {

namespace {
constexpr auto kServiceRetry = std::chrono::milliseconds(500);
constexpr int kFinalizeCancelRounds = 40; // x 50 ms: C_Finalize never waits longer than 2 s
} // namespace

std::vector<std::pair<CK_SLOT_ID, SlotSnapshot>> Module::observe(pcsc::Context& context,
                                                                 std::vector<pcsc::ReaderState>& states)
{
    auto all = slots(true);
    states.clear();
    std::vector<std::pair<CK_SLOT_ID, SlotSnapshot>> now;
    std::vector<CK_SLOT_ID> ids;
    for (const auto& s : all) {
        if (s->readerPresent) {
            pcsc::ReaderState st;
            st.reader = s->reader();
            states.push_back(st);
            ids.push_back(s->id());
        } else {
            now.push_back({s->id(), SlotSnapshot{}});
        }
    }
    if (!states.empty()) context.getStatusChange(states, 0);
    for (std::size_t i = 0; i < states.size(); ++i) {
        SlotSnapshot snap{true, states[i].present(), states[i].present() ? states[i].eventCounter() : std::uint16_t{0}};
        if (states[i].unknownReader()) snap = SlotSnapshot{};
        now.push_back({ids[i], snap});
    }
    return now;
}

void Module::primeEvents()
{
    std::vector<pcsc::ReaderState> states;
    try {
        pcsc::Context context;
        events_.prime(observe(context, states));
    } catch (const Error& e) {
        events_.prime({}); // pcscd not running: every reader that appears later is an event
    }
}

std::optional<CK_SLOT_ID> Module::pollEvent()
{
    std::vector<pcsc::ReaderState> states;
    try {
        pcsc::Context context;
        return events_.take(observe(context, states));
    } catch (const Error& e) {
        log::write(log::Level::calls, std::string("slot event poll: ") + e.what());
        return std::nullopt;
    }
}

void Module::registerWaiter(pcsc::Context* context, bool add)
{
    std::scoped_lock lock(waitersMutex_);
    if (add)
        waiters_.push_back(context);
    else
        std::erase(waiters_, context);
}

CK_SLOT_ID Module::waitForEvent()
{
    std::unique_ptr<pcsc::Context> context;
    auto unregister = [&] {
        if (context) registerWaiter(context.get(), false);
        context.reset();
    };
    std::vector<pcsc::ReaderState> states;
    while (!finalizing_) {
        try {
            if (!context) {
                context = std::make_unique<pcsc::Context>();
                registerWaiter(context.get(), true);
            }
            if (auto id = events_.take(observe(*context, states))) {
                unregister();
                return *id;
            }
            for (auto& st : states)
                st.acknowledge();
            pcsc::ReaderState pnp;
            pnp.reader = pcsc::kPnpReader;
            // The count of every reader pcscd lists, also those the config
            // filters out: with the filtered count pcscd would answer at once.
            pnp.currentState = static_cast<std::uint32_t>(listedReaders_.load()) << 16;
            states.push_back(pnp);
            if (finalizing_) break;
            context->getStatusChange(states, pcsc::kInfinite);
        } catch (const Error& e) {
            if (e.code() == Errc::cancelled) continue; // the loop condition decides
            log::write(log::Level::calls, std::string("slot event wait: ") + e.what());
            unregister(); // pcscd restarted: a fresh context once it is back
            std::this_thread::sleep_for(kServiceRetry);
        }
    }
    unregister();
    failRv(CKR_CRYPTOKI_NOT_INITIALIZED, "C_Finalize during C_WaitForSlotEvent");
}

void Module::beginFinalize()
{
    finalizing_ = true;
    for (int round = 0; round < kFinalizeCancelRounds; ++round) {
        {
            std::scoped_lock lock(waitersMutex_);
            if (waiters_.empty()) return;
            for (auto* c : waiters_)
                c->cancel();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

} // namespace tessera::pkcs11
