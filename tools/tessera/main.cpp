// `tessera`: the command-line companion for people (README, "The tessera
// command"). `status` shows what the module serves, `doctor` checks the
// chain from pcscd to p11-kit; both load the module through PKCS#11 as any
// client does, so they see exactly what an application would.
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "module.hpp"

namespace {

void usage(std::FILE* out)
{
    std::fprintf(out,
                 "usage: tessera [--module PATH] status [-v]\n"
                 "       tessera [--module PATH] doctor\n"
                 "\n"
                 "status  readers, tokens (label, card, serial, PIN state) and their objects\n"
                 "doctor  is pcscd reachable, which readers and cards, does the module load,\n"
                 "        what an application sees, is the module registered with p11-kit\n"
                 "\n"
                 "The module is --module PATH, else $TESSERA_MODULE, else %s.\n"
                 "Exit codes: 0 fine, 1 failure (module or pcscd), 2 usage, 3 needs attention\n"
                 "(status: no token; doctor: a warning).\n",
                 TESSERA_INSTALLED_MODULE);
}

} // namespace

int main(int argc, char** argv)
{
    using namespace tessera::cli;
    std::optional<std::string> module;
    std::string command;
    bool verbose = false;
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        if (std::strcmp(a, "--module") == 0 && i + 1 < argc) {
            module = argv[++i];
        } else if (std::strncmp(a, "--module=", 9) == 0) {
            module = a + 9;
        } else if (std::strcmp(a, "-h") == 0 || std::strcmp(a, "--help") == 0) {
            usage(stdout);
            return exitOk;
        } else if (std::strcmp(a, "-v") == 0 || std::strcmp(a, "--verbose") == 0) {
            verbose = true;
        } else if (command.empty() && (std::strcmp(a, "status") == 0 || std::strcmp(a, "doctor") == 0)) {
            command = a;
        } else {
            std::fprintf(stderr, "tessera: unexpected argument '%s'\n", a);
            usage(stderr);
            return exitUsage;
        }
    }
    if (command.empty()) {
        usage(stderr);
        return exitUsage;
    }
    const std::string path = modulePath(module);
    if (command == "doctor") return runDoctor(path);
    std::string error;
    auto loaded = LoadedModule::load(path, error);
    if (!loaded) {
        std::fprintf(stderr, "tessera: cannot load the module %s: %s\n", path.c_str(), error.c_str());
        return exitFailure;
    }
    return runStatus(*loaded, verbose);
}
