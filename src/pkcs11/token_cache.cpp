// The cache's files (see token_cache.hpp): where they live, the ownership and
// mode checks, atomic writes, and the read path that asks the driver whether
// an entry is still current. Directory and files are opened with O_NOFOLLOW
// and checked on the open descriptor (fstat), so a link planted in between
// cannot redirect a read or a write.
#include "pkcs11/token_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/log.hpp"
#include "crypto/crypto.hpp"
#include "pkcs11/config.hpp"

namespace tessera::pkcs11 {

namespace {

constexpr std::size_t kMaxFileSize = 4 << 20;
constexpr std::size_t kMaxIdentityInName = 64;

void note(const std::string& what) noexcept
{
    log::write(log::Level::calls, "persistent cache: " + what);
}

std::string errnoText()
{
    return std::strerror(errno);
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd()
    {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    bool ok() const { return fd_ >= 0; }

private:
    int fd_;
};

// Ours alone: owned by the effective user, not writable by group or others.
bool safe(const struct stat& st, const std::string& path, const char* what, bool logRefusal = true)
{
    const char* why = nullptr;
    if (st.st_uid != ::geteuid())
        why = "not owned by the user";
    else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        why = "writable by group or others";
    if (why != nullptr && logRefusal) note(std::string("refusing ") + what + " " + path + ": " + why);
    return why == nullptr;
}

// mkdir -p with 0700 for what we create (the XDG base directory rule).
void makeDirectories(const std::string& path)
{
    for (std::size_t pos = 1; pos <= path.size(); ++pos) {
        if (pos != path.size() && path[pos] != '/') continue;
        const std::string prefix = path.substr(0, pos);
        if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return; // the open below reports it
    }
}

// The cache directory, opened and checked; -1 when missing or unsafe. A
// store() follows a load() that already logged an unsafe directory: it
// refuses quietly, so a refusal costs one log line.
int openDirectory(const std::string& dir, bool create)
{
    if (create) makeDirectories(dir);
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT || create) note("cannot open " + dir + ": " + errnoText());
        return -1;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !safe(st, dir, "directory", !create)) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::optional<Bytes> readFile(int dirFd, const std::string& name, const std::string& path)
{
    Fd fd(::openat(dirFd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!fd.ok()) {
        if (errno != ENOENT) note("cannot open " + path + ": " + errnoText());
        return std::nullopt;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || static_cast<std::size_t>(st.st_size) > kMaxFileSize) {
        note("ignoring " + path + ": not a regular file of sane size");
        return std::nullopt;
    }
    if (!safe(st, path, "file")) return std::nullopt;
    Bytes data(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < data.size()) {
        ssize_t n = ::read(fd.get(), data.data() + got, data.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    data.resize(got);
    return data;
}

bool writeAll(int fd, const Bytes& data)
{
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::string directoryFromEnvironment()
{
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/tessera";
    const char* home = std::getenv("HOME");
    if (home != nullptr && home[0] == '/') return std::string(home) + "/.cache/tessera";
    return {};
}

} // namespace

std::shared_ptr<const TokenCache> TokenCache::fromConfig(const Config& config)
{
    if (!config.cacheEnabled) return nullptr;
    std::string dir = !config.cacheDir.empty() ? config.cacheDir : directoryFromEnvironment();
    if (dir.empty() || dir[0] != '/') {
        note("off: no absolute cache directory (cache_dir, XDG_CACHE_HOME or HOME)");
        return nullptr;
    }
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    return std::make_shared<const TokenCache>(dir);
}

std::string TokenCache::fileName(const std::string& driver, ByteView identity)
{
    std::string name;
    for (char c : driver)
        if (std::isalnum(static_cast<unsigned char>(c)) != 0) name += static_cast<char>(std::tolower(c));
    // Identities are short (a YubiKey serial, a CHUID GUID or FASC-N, an
    // OpenPGP AID); a longer one is hashed to stay well inside NAME_MAX.
    if (identity.size() > kMaxIdentityInName)
        return name + "-sha256-" + toHex(crypto::digest(crypto::HashAlg::sha256, identity)) + ".cache";
    return name + "-" + toHex(identity) + ".cache";
}

std::optional<CacheEntry> TokenCache::load(const std::string& driver, ByteView identity) const
{
    Fd dir(openDirectory(directory_, false));
    if (!dir.ok()) return std::nullopt;
    const std::string name = fileName(driver, identity);
    const std::string path = directory_ + "/" + name;
    std::optional<Bytes> data = readFile(dir.get(), name, path);
    if (!data) return std::nullopt;
    std::string why;
    std::optional<CacheEntry> entry = parseCacheEntry(*data, driver, identity, why);
    if (!entry) note("ignoring " + path + ": " + why + "; it will be rewritten");
    return entry;
}

void TokenCache::store(const std::string& driver, ByteView identity, const CacheEntry& entry) const noexcept
{
    try {
        Fd dir(openDirectory(directory_, true));
        if (!dir.ok()) return;
        static std::atomic<unsigned> counter{0};
        const std::string name = fileName(driver, identity);
        const std::string tmp = "." + name + "." + std::to_string(::getpid()) + "." + std::to_string(counter++);
        const Bytes data = serializeCacheEntry(driver, identity, entry);
        Fd fd(::openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd.ok()) {
            note("cannot write in " + directory_ + ": " + errnoText());
            return;
        }
        // rename() replaces the old entry whole: a reader sees the old file or the new.
        if (::fchmod(fd.get(), 0600) != 0 || !writeAll(fd.get(), data) ||
            ::renameat(dir.get(), tmp.c_str(), dir.get(), name.c_str()) != 0) {
            note("cannot write " + directory_ + "/" + name + ": " + errnoText());
            ::unlinkat(dir.get(), tmp.c_str(), 0);
            return;
        }
        note("stored " + directory_ + "/" + name);
    } catch (...) {
        note("store failed"); // std::bad_alloc: the cache is an optimisation
    }
}

void TokenCache::invalidate(const std::string& driver, ByteView identity) const noexcept
{
    try {
        Fd dir(openDirectory(directory_, false));
        if (!dir.ok()) return;
        const std::string name = fileName(driver, identity);
        if (::unlinkat(dir.get(), name.c_str(), 0) != 0 && errno != ENOENT)
            note("cannot remove " + directory_ + "/" + name + ": " + errnoText());
    } catch (...) {
        note("invalidate failed");
    }
}

void readKeysThroughCache(const TokenCache* cache, drivers::Card& card, drivers::TokenModel& model)
{
    // No identity: no key to file the entry under, so no cache.
    if (cache == nullptr || model.identity.empty()) {
        card.readKeys(model);
        return;
    }
    const std::string driver = card.driverName();
    if (std::optional<CacheEntry> entry = cache->load(driver, model.identity)) {
        bool current = false;
        try {
            current = card.cachedKeysCurrent(model, entry->keys, entry->stamp);
        } catch (const Error& e) {
            if (e.code() != Errc::malformedResponse) throw;
        }
        if (current) {
            model.keys = std::move(entry->keys);
            model.keysRead = true;
            note("keys of the " + driver + " card from the cache, confirmed by the card");
            return;
        }
        note("the " + driver + " card's keys changed: reading them again");
    }
    card.readKeys(model);
    cache->store(driver, model.identity, CacheEntry{model.keys, card.cacheStamp()});
}

} // namespace tessera::pkcs11
