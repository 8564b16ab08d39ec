// Shared helpers of the card/reader event tests (issue 4): the module loaded
// with dlopen, ok/FAIL reporting, a per-call watchdog, slots by reader name,
// keys by CKA_ID, signing with OpenSSL verification, and scripts/vcard-ctl.
#pragma once

// Standard headers before p11-kit's pkcs11.h, whose CRYPTOKI_COMPAT macros
// (value, count, ...) would rename members of anything included after it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <openssl/evp.h>

#include <p11-kit/pkcs11.h>

namespace ev {

using Bytes = std::vector<unsigned char>;
using Clock = std::chrono::steady_clock;

extern CK_FUNCTION_LIST* p11;

// ok/FAIL lines in the format of the shell tests; failures counted.
void ok(const std::string& what);
void fail(const std::string& what);
void note(const std::string& what);
bool expect(bool cond, const std::string& what, const std::string& detail = {});
bool expectRv(CK_RV got, CK_RV want, const std::string& what);
int failures();
int finish(const char* name); // prints the summary, returns the exit status

std::string rvName(CK_RV rv);
double since(Clock::time_point t0); // seconds
std::string fmt(double v, int decimals = 2);

// dlopen(path or $TESSERA_MODULE) and C_GetFunctionList; exits 1 on failure.
void loadModule(const char* path = nullptr);
CK_RV initialize(); // C_Initialize with CKF_OS_LOCKING_OK

// Watchdog: while a Guard lives, the process dies (exit 3, message naming
// the call) if it takes longer than the limit. One at a time (alarm()).
class Guard {
public:
    Guard(const char* what, unsigned seconds);
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
};

// Runs scripts/vcard-ctl ARGS (the repository's, or $VCARD_CTL); returns the
// exit status and the seconds it took. Output goes to our stderr.
int vcardCtl(const std::vector<std::string>& args, double* seconds = nullptr);
// Runs a command (argv), returns its exit status (-1 if it could not run).
int run(const std::vector<std::string>& argv);
// Starts a command in the background (stdout to our stderr); -1 on failure.
int spawn(const std::vector<std::string>& argv);
// Waits for a spawned command; its exit status.
int reap(int pid);
// Waits at most SECONDS; then SIGKILLs it and returns -2.
int reapWithin(int pid, double seconds);
// Runs a command, returns its stdout (stderr passes through); status in *status.
std::string capture(const std::vector<std::string>& argv, int* status = nullptr);

std::string env(const char* name, const char* fallback = "");
std::string pin(); // $VCARD_PIN or 123456

// Slots.
std::vector<CK_SLOT_ID> slotList(bool tokenPresent, CK_RV* rvOut = nullptr);
std::string slotReader(CK_SLOT_ID id); // slotDescription, trimmed ("" on error)
CK_FLAGS slotFlags(CK_SLOT_ID id, CK_RV* rvOut = nullptr);
// The slot whose description starts the reader name (descriptions hold 64
// characters); C_GetSlotList(NULL) first. CK_UNAVAILABLE_INFORMATION if none.
CK_SLOT_ID slotForReader(const std::string& reader);

// Objects.
CK_OBJECT_HANDLE findById(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, unsigned char id, CK_RV* rvOut = nullptr);
// The public key of object ID (CKA_PUBLIC_KEY_INFO of the public key, else
// the certificate's); nullptr on failure. The caller frees it.
EVP_PKEY* publicKey(CK_SESSION_HANDLE s, unsigned char id);

// C_SignInit + C_Sign (length query first); rv of the first failing call.
CK_RV sign(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE key, const Bytes& data, Bytes& sig);
// Verifies SIG over DATA: CKM_SHA256_RSA_PKCS, CKM_ECDSA (DATA = hash,
// SIG = raw r||s), CKM_ECDSA_SHA256, CKM_RSA_PKCS over a SHA-256 DigestInfo.
bool verify(EVP_PKEY* pub, CK_MECHANISM_TYPE mech, const Bytes& data, const Bytes& sig);
Bytes sha256(const Bytes& data);
Bytes sha256DigestInfo(const Bytes& data);
Bytes text(const std::string& s);

struct Event {
    CK_SLOT_ID slot;
    CK_RV rv;
    Clock::time_point at;
};

// A thread that calls C_WaitForSlotEvent(0) again and again, recording what it gets.
class Waiter {
public:
    void start()
    {
        thread_ = std::thread([this] {
            for (;;) {
                CK_SLOT_ID slot = CK_UNAVAILABLE_INFORMATION;
                CK_RV rv = p11->C_WaitForSlotEvent(0, &slot, nullptr);
                {
                    std::scoped_lock lock(mutex_);
                    events_.push_back({slot, rv, Clock::now()});
                }
                cv_.notify_all();
                if (rv != CKR_OK) return;
            }
        });
    }
    void join()
    {
        if (thread_.joinable()) thread_.join();
    }
    // The first unconsumed event matching pred, waiting until deadline.
    std::optional<Event> await(const std::function<bool(const Event&)>& pred, Clock::time_point deadline)
    {
        std::unique_lock lock(mutex_);
        for (;;) {
            for (std::size_t i = next_; i < events_.size(); ++i) {
                if (pred(events_[i])) {
                    Event e = events_[i];
                    next_ = i + 1;
                    return e;
                }
            }
            if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
                for (std::size_t i = next_; i < events_.size(); ++i)
                    if (pred(events_[i])) {
                        next_ = i + 1;
                        return events_[i];
                    }
                return std::nullopt;
            }
        }
    }
    // Events not yet consumed, consumed now.
    std::vector<Event> drain()
    {
        std::scoped_lock lock(mutex_);
        std::vector<Event> out(events_.begin() + static_cast<long>(next_), events_.end());
        next_ = events_.size();
        return out;
    }

private:
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<Event> events_;
    std::size_t next_ = 0;
};

} // namespace ev
