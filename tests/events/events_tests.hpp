// The event tests of tessera_events_test, one function each (see the file of
// the same name); events_main.cpp picks one by its name on the command line.
// Each returns the process exit status (0 = every check passed).
#pragma once

namespace ev {

int testSlotWait();
int testFinalizeWakes();
int testRemoval();
int testReset();
int testPcscdRestart();
int testExclusive();
int testSignMany(int argc, char** argv);
int testThreadsProcesses();
int testFork();
int testServeSign();
int testWaitIdle(int argc, char** argv);
int testFinalizeRace(int argc, char** argv);
int testReaperLockFails();

} // namespace ev
