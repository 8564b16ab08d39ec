// main() for builds without libFuzzer (gcc, the default build): runs every
// file named on the command line, or found in a directory named there,
// through LLVMFuzzerTestOneInput once. With the committed corpus this makes
// each fuzz target a fast regression test of `make check`; a crash or a
// broken property aborts, and the file being run is printed first.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "common/log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool runFile(const std::filesystem::path& path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        return false;
    }
    std::vector<char> raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<std::uint8_t> bytes(raw.begin(), raw.end());
    std::fprintf(stderr, "running %s (%zu bytes)\n", path.c_str(), bytes.size());
    // A heap copy of exactly the input's size, as libFuzzer passes it, so
    // sanitizer builds catch overreads here too.
    auto* copy = new std::uint8_t[bytes.size() + (bytes.empty() ? 1 : 0)];
    std::copy(bytes.begin(), bytes.end(), copy);
    LLVMFuzzerTestOneInput(copy, bytes.size());
    delete[] copy;
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    tessera::log::configureFromEnvironment(); // TESSERA_DEBUG=2 shows the replayed APDUs
    std::size_t runs = 0;
    bool ok = true;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path p(argv[i]);
        if (std::filesystem::is_directory(p)) {
            std::vector<std::filesystem::path> files;
            for (const auto& e : std::filesystem::recursive_directory_iterator(p))
                if (e.is_regular_file()) files.push_back(e.path());
            std::sort(files.begin(), files.end());
            for (const auto& f : files) {
                ok = runFile(f) && ok;
                ++runs;
            }
        } else {
            ok = runFile(p) && ok;
            ++runs;
        }
    }
    std::printf("%zu inputs run\n", runs);
    return ok && runs > 0 ? 0 : 1;
}
