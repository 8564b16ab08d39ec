// The latency model of latency.hpp. Figures and their sources: bench/README.md.
// Operations are told apart by INS (ISO 7816-4 / SP 800-73-4 / OpenPGP card
// 3.4) and, where the command does not name the algorithm (OpenPGP), by the
// size of the answer: an RSA-2048 result is 256 bytes, an EC one at most 132.
#include "latency.hpp"

#include <cstdlib>
#include <ctime>
#include <stdexcept>

namespace tessera::vcard {

namespace {

bool succeeded(ByteView answer)
{
    if (answer.size() < 2) return false;
    std::uint8_t sw1 = answer[answer.size() - 2], sw2 = answer[answer.size() - 1];
    return (sw1 == 0x90 && sw2 == 0x00) || sw1 == 0x61;
}

// Chained parts (CLA bit 0x10, ISO 7816-4 5.1.1) only carry data; the card works on the last one.
bool lastOfChain(ByteView command)
{
    return (command[0] & 0x10) == 0;
}

double rsaBySize(const LatencyModel& m, std::size_t bytes)
{
    return bytes > 300 ? m.rsaLargeMs : m.rsa2048Ms;
}

// SP 800-73-4 Table 5: 05 RSA-3072, 06 RSA-1024, 07 RSA-2048, 16 RSA-4096, 11 P-256, 14 P-384.
double pivAlgorithmCost(const LatencyModel& m, std::uint8_t alg)
{
    switch (alg) {
    case 0x06:
    case 0x07: return m.rsa2048Ms;
    case 0x05:
    case 0x16: return m.rsaLargeMs;
    default: return m.ecMs;
    }
}

double operationMs(const LatencyModel& m, ByteView c, ByteView answer)
{
    if (c.size() < 4 || !lastOfChain(c) || !succeeded(answer)) return 0;
    std::uint8_t ins = c[1], p1 = c[2];
    std::size_t data = answer.size() - 2;
    switch (ins) {
    case 0x20: return c.size() > 5 ? m.verifyMs : 0; // a VERIFY without data only asks the counter
    case 0x87: return pivAlgorithmCost(m, p1);       // PIV GENERAL AUTHENTICATE
    case 0x2A:                                       // OpenPGP PSO: CDS or DECIPHER
    case 0x88:                                       // OpenPGP INTERNAL AUTHENTICATE
        return data >= 256 ? rsaBySize(m, data) : m.ecMs;
    case 0x47: // PIV GENERATE (P1 00) or OpenPGP GENERATE (P1 80; 81 only reads the key)
        if (p1 == 0x81) return 0;
        return data >= 256 ? m.genRsaMs : m.genEcMs;
    default: return 0;
    }
}

} // namespace

LatencyModel LatencyModel::named(const std::string& name)
{
    LatencyModel m;
    if (name.empty() || name == "none" || name == "0") return m;
    if (name != "usb-token") throw std::invalid_argument("unknown latency model '" + name + "' (usb-token|none)");
    m.enabled = true;
    m.perApduMs = 1.0;
    m.perByteMs = 0.01;
    m.verifyMs = 10;
    m.rsa2048Ms = 150;
    m.rsaLargeMs = 900;
    m.ecMs = 50;
    m.genRsaMs = 5000;
    m.genEcMs = 150;
    return m;
}

LatencyModel LatencyModel::fromEnvironment()
{
    const char* v = std::getenv("TESSERA_VCARD_LATENCY");
    return named(v ? v : "");
}

double LatencyModel::costMs(ByteView command, ByteView answer) const
{
    if (!enabled || command.size() < 2) return 0;
    return perApduMs + perByteMs * static_cast<double>(command.size() + answer.size()) +
           operationMs(*this, command, answer);
}

void LatencyModel::delay(ByteView command, ByteView answer) const
{
    double ms = costMs(command, answer);
    if (ms <= 0) return;
    long ns = static_cast<long>(ms * 1e6);
    timespec ts{ns / 1000000000L, ns % 1000000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

} // namespace tessera::vcard
