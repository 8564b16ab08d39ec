// vpcd client loop of the virtual card: TCP connect with retry, length-prefixed
// frames, power events, reconnect after the reader side (pcscd) went away,
// atomic state saves, SIGTERM/SIGINT handling (closing the socket = removal).
#include "vpcd_server.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <exception>
#include <fstream>

#include "persistence.hpp"
#include "piv_card.hpp"

namespace tessera::vcard {

namespace {

volatile std::sig_atomic_t g_stop = 0;

void onSignal(int)
{
    g_stop = 1;
}

void installSignals()
{
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: blocking calls return EINTR
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

void sleepMs(long ms)
{
    timespec ts{ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, nullptr);
}

int connectOnce(const ServeOptions& o)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    std::string port = std::to_string(o.port);
    if (getaddrinfo(o.host.c_str(), port.c_str(), &hints, &res) != 0) return -1;
    int fd = -1;
    for (addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

// Reads exactly n bytes; false on EOF, error, or a stop request.
bool readExact(int fd, std::uint8_t* p, std::size_t n)
{
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) {
            if (g_stop) return false;
            continue;
        }
        if (r <= 0) return false;
        // Debian's vpcd sends a frame's length and its data in two writes; without
        // an immediate ACK the data waits for the delayed-ACK timer (~43 ms per
        // APDU). Linux clears TCP_QUICKACK after each use, so set it every read.
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

bool writeFrame(int fd, ByteView payload)
{
    Bytes frame(payload.size() + 2);
    frame[0] = static_cast<std::uint8_t>(payload.size() >> 8);
    frame[1] = static_cast<std::uint8_t>(payload.size());
    std::copy(payload.begin(), payload.end(), frame.begin() + 2);
    std::size_t done = 0;
    while (done < frame.size()) {
        ssize_t w = send(fd, frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        done += static_cast<std::size_t>(w);
    }
    return true;
}

// Waits for readable data, waking every 200 ms to notice a stop request.
bool waitReadable(int fd)
{
    while (!g_stop) {
        pollfd p{fd, POLLIN, 0};
        int r = poll(&p, 1, 200);
        if (r > 0) return true;
        if (r < 0 && errno != EINTR) return false;
    }
    return false;
}

// The PIV card behind the VirtualCard interface.
class PivEndpoint final : public VirtualCard {
public:
    explicit PivEndpoint(PivCard& card) : card_(card) {}
    Bytes atr() const override { return card_.atr(); }
    void powerOn() override { card_.powerOn(); }
    void powerOff() override { card_.powerOff(); }
    void reset() override { card_.reset(); }
    Bytes transmit(ByteView command) override { return card_.transmit(command); }
    bool takeDirty() override { return card_.takeDirty(); }
    void save(const std::string& path) const override { saveState(path, card_.state()); }
    // Secrets travel in VERIFY, CHANGE REFERENCE, RESET RETRY, IMPORT and SET MGMT KEY.
    bool carriesSecret(ByteView capdu) const override
    {
        std::uint8_t ins = capdu[1];
        return ins == 0x20 || ins == 0x24 || ins == 0x2C || ins == 0xFE || ins == 0xFF;
    }

private:
    PivCard& card_;
};

std::string describe(const VirtualCard& card, ByteView capdu)
{
    if (capdu.size() < 5) return toHex(capdu);
    return card.carriesSecret(capdu) ? toHex(capdu.first(5)) + " [redacted]" : toHex(capdu);
}

void persist(VirtualCard& card, const ServeOptions& o)
{
    if (!card.takeDirty()) return;
    try {
        card.save(o.statePath);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tessera-vcard: %s\n", e.what());
    }
}

// APDU and byte counters for the benchmark (issue 8), kept here so the same
// count serves every module. Written after each APDU to STATE.stats as JSON
// (rename, so a reader never sees half a file); read by `vcard-ctl stats`.
struct Counters {
    unsigned long long apdus = 0, bytesIn = 0, bytesOut = 0;
};

void writeStats(const Counters& c, const ServeOptions& o)
{
    const std::string path = o.statePath + ".stats";
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        f << "{\"apdus\": " << c.apdus << ", \"bytes_to_card\": " << c.bytesIn
          << ", \"bytes_from_card\": " << c.bytesOut << "}\n";
    }
    std::rename(tmp.c_str(), path.c_str());
}

Counters g_counters;

// Out of line: inlined into session() it trips a GCC 12 stringop-overflow false positive.
[[gnu::noinline]] void countApdu(std::size_t in, std::size_t out, const ServeOptions& o)
{
    g_counters.apdus++;
    g_counters.bytesIn += in;
    g_counters.bytesOut += out;
    writeStats(g_counters, o);
}

void session(int fd, VirtualCard& card, const ServeOptions& o)
{
    for (;;) {
        if (!waitReadable(fd)) return;
        std::uint8_t head[2];
        if (!readExact(fd, head, 2)) return;
        Bytes payload(static_cast<std::size_t>((head[0] << 8) | head[1]));
        if (!payload.empty() && !readExact(fd, payload.data(), payload.size())) return;
        Bytes answer = handleVpcdPayload(card, payload);
        if (o.trace && payload.size() > 1)
            std::fprintf(stderr, "tessera-vcard: > %s\ntessera-vcard: < %s\n", describe(card, payload).c_str(),
                         toHex(answer).c_str());
        persist(card, o);
        if (payload.size() > 1) countApdu(payload.size(), answer.size(), o);
        if (payload.size() > 1) o.latency.delay(payload, answer);
        if (!answer.empty() && !writeFrame(fd, answer)) return;
    }
}

} // namespace

Bytes handleVpcdPayload(PivCard& card, ByteView payload)
{
    PivEndpoint endpoint(card);
    return handleVpcdPayload(endpoint, payload);
}

Bytes handleVpcdPayload(VirtualCard& card, ByteView payload)
{
    if (payload.size() == 1) {
        switch (payload[0]) {
        case vpcd::powerOff: card.powerOff(); return {};
        case vpcd::powerOn: card.powerOn(); return {};
        case vpcd::reset: card.reset(); return {};
        case vpcd::getAtr: return card.atr();
        default: return {};
        }
    }
    if (payload.empty()) return {};
    return card.transmit(payload);
}

int serve(const ServeOptions& o)
{
    PivCard card(loadState(o.statePath));
    PivEndpoint endpoint(card);
    return serveCard(o, endpoint);
}

int serveCard(const ServeOptions& o, VirtualCard& card)
{
    installSignals();
    bool announced = false;
    while (!g_stop) {
        int fd = connectOnce(o);
        if (fd < 0) {
            if (!announced) std::fprintf(stderr, "tessera-vcard: waiting for vpcd at %s:%u\n", o.host.c_str(), o.port);
            announced = true;
            sleepMs(100);
            continue;
        }
        std::fprintf(stderr, "tessera-vcard: connected to vpcd at %s:%u\n", o.host.c_str(), o.port);
        announced = false;
        card.reset();
        session(fd, card, o);
        close(fd);
        card.powerOff();
        persist(card, o);
        if (!g_stop) std::fprintf(stderr, "tessera-vcard: vpcd connection closed, reconnecting\n");
    }
    std::fprintf(stderr, "tessera-vcard: stopped\n");
    return 0;
}

} // namespace tessera::vcard
