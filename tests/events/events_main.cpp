// tessera_events_test NAME [ARGS...]: runs one of the card/reader event tests
// of tests/events against $TESSERA_MODULE inside scripts/with-virtual-cards.
// One program for all of them keeps the helpers in one place; the tests are
// registered with ctest one by one (tests/events/CMakeLists.txt).
#include <cstdio>
#include <cstring>
#include <string>

#include "events_common.hpp"
#include "events_tests.hpp"

namespace {

struct Entry {
    const char* name;
    int (*run)(int argc, char** argv);
};

const Entry kTests[] = {
    {"slot_wait", [](int, char**) { return ev::testSlotWait(); }},
    {"finalize_wakes", [](int, char**) { return ev::testFinalizeWakes(); }},
    {"removal", [](int, char**) { return ev::testRemoval(); }},
    {"reset", [](int, char**) { return ev::testReset(); }},
    {"pcscd_restart", [](int, char**) { return ev::testPcscdRestart(); }},
    {"exclusive", [](int, char**) { return ev::testExclusive(); }},
    {"sign_many", ev::testSignMany},
    {"threads_processes", [](int, char**) { return ev::testThreadsProcesses(); }},
    {"fork", [](int, char**) { return ev::testFork(); }},
    {"serve_sign", [](int, char**) { return ev::testServeSign(); }},
    {"wait_idle", ev::testWaitIdle},
    {"finalize_race", ev::testFinalizeRace},
    {"reaper_lock_fails", [](int, char**) { return ev::testReaperLockFails(); }},
};

} // namespace

int main(int argc, char** argv)
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    if (argc >= 2) {
        for (const auto& t : kTests)
            if (std::strcmp(argv[1], t.name) == 0) return t.run(argc - 2, argv + 2);
    }
    std::fprintf(stderr, "usage: %s TEST [ARGS...]; tests:", argv[0]);
    for (const auto& t : kTests)
        std::fprintf(stderr, " %s", t.name);
    std::fprintf(stderr, "\n");
    return 2;
}
