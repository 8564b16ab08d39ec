// Config parsing (issue 11): every option is read, and a malformed file gives
// exactly one problem line per fault while each setting keeps its default,
// so C_Initialize never fails on a configuration.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "pkcs11/config.hpp"

using namespace tessera::pkcs11;

namespace {
Config parsed(const std::string& text)
{
    Config c;
    std::istringstream in(text);
    Config::parse(c, in, "test.conf");
    return c;
}

// Sets (or unsets, with nullptr) an environment variable for one test.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name)
    {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value != nullptr)
            setenv(name, value, 1);
        else
            unsetenv(name);
    }
    ~ScopedEnv()
    {
        if (old_)
            setenv(name_, old_->c_str(), 1);
        else
            unsetenv(name_);
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

// Every environment variable Config::load reads, cleared for the test.
struct CleanEnv {
    ScopedEnv debug{"TESSERA_DEBUG", nullptr};
    ScopedEnv logFile{"TESSERA_LOG_FILE", nullptr};
    ScopedEnv idle{"TESSERA_IDLE_DISCONNECT_MS", nullptr};
};
} // namespace

TEST(Config, EveryDocumentedOptionIsRead)
{
    Config c = parsed("debug = 2\n"
                      "log_file = /tmp/t.log\n"
                      "allow_cached_pin_for_always_authenticate = yes\n"
                      "idle_disconnect_ms = 0\n"
                      "cache = off\n"
                      "cache_dir = /tmp/cache#1\n");
    EXPECT_TRUE(c.problems.empty()) << c.problems.front();
    EXPECT_EQ(c.debugLevel, 2);
    EXPECT_EQ(c.logFile, "/tmp/t.log");
    EXPECT_TRUE(c.cachedPinForAlwaysAuthenticate);
    EXPECT_EQ(c.idleDisconnectMs, 0);
    EXPECT_FALSE(c.cacheEnabled);
    EXPECT_EQ(c.cacheDir, "/tmp/cache#1"); // '#' inside a word is not a comment
}

TEST(Config, PinentryOptionsAreReadAndCheckedLikeTheOthers)
{
    Config c = parsed("pin_source = pinentry\n"
                      "pinentry_program = /usr/bin/pinentry-tty\n"
                      "pinentry_timeout = 5\n");
    EXPECT_TRUE(c.problems.empty()) << c.problems.front();
    EXPECT_EQ(c.pinSource, Config::PinSource::pinentry);
    EXPECT_EQ(c.pinentryProgram, "/usr/bin/pinentry-tty");
    EXPECT_EQ(c.pinentryTimeoutS, 5);
    // A misspelt source must not silently mean "application": one problem, default kept.
    Config bad = parsed("pin_source = pinentyr\npinentry_timeout = 0\n");
    ASSERT_EQ(bad.problems.size(), 2u);
    EXPECT_NE(bad.problems[0].find("pin_source"), std::string::npos) << bad.problems[0];
    EXPECT_NE(bad.problems[1].find("pinentry_timeout"), std::string::npos) << bad.problems[1];
    EXPECT_EQ(bad.pinSource, Config::PinSource::application);
    EXPECT_EQ(bad.pinentryTimeoutS, 60);
}

TEST(Config, CommentsBlankLinesAndTrailingCommentsAreNotProblems)
{
    Config c = parsed("\xEF\xBB\xBF# header\n\n   \n\t# indented\ndebug = 1   # calls only\r\n");
    EXPECT_TRUE(c.problems.empty()) << c.problems.front();
    EXPECT_EQ(c.debugLevel, 1);
}

TEST(Config, UnknownKeyIsOneProblemNamingKeyAndLine)
{
    Config c = parsed("debug = 1\ndebgu = 2\n");
    ASSERT_EQ(c.problems.size(), 1u);
    EXPECT_NE(c.problems[0].find("test.conf line 2"), std::string::npos) << c.problems[0];
    EXPECT_NE(c.problems[0].find("unknown key 'debgu'"), std::string::npos) << c.problems[0];
    EXPECT_EQ(c.debugLevel, 1);
}

struct BadValue {
    const char* line;
    const char* mentions;
};

class ConfigBadValue : public ::testing::TestWithParam<BadValue> {};

TEST_P(ConfigBadValue, IsOneProblemAndKeepsTheDefault)
{
    Config c = parsed(std::string(GetParam().line) + "\n");
    ASSERT_EQ(c.problems.size(), 1u) << GetParam().line;
    EXPECT_NE(c.problems[0].find(GetParam().mentions), std::string::npos) << c.problems[0];
    EXPECT_NE(c.problems[0].find("ignored"), std::string::npos) << c.problems[0];
    const Config defaults;
    EXPECT_EQ(c.debugLevel, defaults.debugLevel);
    EXPECT_EQ(c.idleDisconnectMs, defaults.idleDisconnectMs);
    EXPECT_EQ(c.cacheEnabled, defaults.cacheEnabled);
    EXPECT_EQ(c.cachedPinForAlwaysAuthenticate, defaults.cachedPinForAlwaysAuthenticate);
}

INSTANTIATE_TEST_SUITE_P(Rows, ConfigBadValue,
                         ::testing::Values(BadValue{"debug = loud", "debug = 'loud' is not a whole number from 0 to 2"},
                                           BadValue{"debug = 7", "from 0 to 2"}, BadValue{"debug =", "debug = ''"},
                                           BadValue{"debug = 1x", "'1x'"},
                                           BadValue{"idle_disconnect_ms = -5", "idle_disconnect_ms"},
                                           BadValue{"idle_disconnect_ms = 99999999999999999999", "whole number"},
                                           BadValue{"cache = maybe", "cache = 'maybe' is not true or false"},
                                           BadValue{"allow_cached_pin_for_always_authenticate = 2", "true or false"}));

TEST(Config, GarbageLinesAreOneProblemEach)
{
    Config c = parsed("hello world\n= value\ndebug = 2\n");
    ASSERT_EQ(c.problems.size(), 2u);
    EXPECT_NE(c.problems[0].find("line 1: not a \"key = value\" line"), std::string::npos) << c.problems[0];
    EXPECT_NE(c.problems[1].find("line 2"), std::string::npos) << c.problems[1];
    EXPECT_EQ(c.debugLevel, 2); // the good line after them still counts
}

TEST(Config, ProblemLinesAreBoundedAndPrintable)
{
    std::string garbage;
    for (int i = 0; i < 1000; ++i)
        garbage += std::string("\x01\x7f\xff binary ") + std::string(200, 'x') + "\n";
    garbage += std::string(300, 'k') + " = 1\n";
    Config c = parsed(garbage);
    ASSERT_EQ(c.problems.size(), 11u); // ten, then one line saying more were not shown
    EXPECT_NE(c.problems.back().find("more problems"), std::string::npos) << c.problems.back();
    for (const auto& p : c.problems) {
        EXPECT_LT(p.size(), 200u) << p;
        for (char ch : p)
            EXPECT_TRUE(ch >= 0x20 && ch < 0x7f) << p;
    }
}

TEST(Config, TesseraConfPointingNowhereIsOneProblem)
{
    CleanEnv clean;
    ScopedEnv conf("TESSERA_CONF", "/nonexistent/tessera.conf");
    Config c = Config::load();
    ASSERT_EQ(c.problems.size(), 1u);
    EXPECT_NE(c.problems[0].find("TESSERA_CONF '/nonexistent/tessera.conf' cannot be read (No such file"),
              std::string::npos)
        << c.problems[0];
    EXPECT_EQ(c.debugLevel, Config{}.debugLevel);
}

TEST(Config, TesseraConfNamingADirectoryOrNothingIsOneProblem)
{
    CleanEnv clean;
    {
        ScopedEnv conf("TESSERA_CONF", "/tmp");
        Config c = Config::load();
        ASSERT_EQ(c.problems.size(), 1u);
        EXPECT_NE(c.problems[0].find("is not a regular file"), std::string::npos) << c.problems[0];
    }
    {
        ScopedEnv conf("TESSERA_CONF", "");
        Config c = Config::load();
        ASSERT_EQ(c.problems.size(), 1u);
        EXPECT_NE(c.problems[0].find("empty"), std::string::npos) << c.problems[0];
    }
}

TEST(Config, FileThenEnvironment)
{
    CleanEnv clean;
    char path[] = "/tmp/tessera-config-test.XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    std::ofstream(path) << "debug = 1\nidle_disconnect_ms = 100\nbogus = 1\n";
    ScopedEnv conf("TESSERA_CONF", path);
    ScopedEnv debug("TESSERA_DEBUG", "2");
    ScopedEnv idle("TESSERA_IDLE_DISCONNECT_MS", "soon");
    Config c = Config::load();
    unlink(path);
    EXPECT_EQ(c.debugLevel, 2);         // the environment overrides the file
    EXPECT_EQ(c.idleDisconnectMs, 100); // a bad override is ignored
    ASSERT_EQ(c.problems.size(), 2u);
    EXPECT_NE(c.problems[0].find("line 3: unknown key 'bogus'"), std::string::npos) << c.problems[0];
    EXPECT_NE(c.problems[1].find("TESSERA_IDLE_DISCONNECT_MS='soon'"), std::string::npos) << c.problems[1];
}

TEST(Config, ReaderPatternsFilterByGlob)
{
    Config c = parsed("reader_include = Yubico*, *CCID*\nreader_exclude = *OTP*\nreader_include = Nitrokey 3*\n");
    ASSERT_TRUE(c.problems.empty()) << c.problems.front();
    EXPECT_EQ(c.readerInclude, (std::vector<std::string>{"Yubico*", "*CCID*", "Nitrokey 3*"}));
    EXPECT_TRUE(c.readerAllowed("Yubico YubiKey CCID 00 00"));
    EXPECT_TRUE(c.readerAllowed("Nitrokey 3 [CCID/ICCD Interface] 00 00"));
    EXPECT_FALSE(c.readerAllowed("Yubico YubiKey OTP+FIDO+CCID 00 00")); // the exclude wins
    EXPECT_FALSE(c.readerAllowed("Alcor Micro AU9540 00 00"));           // matches no include
}

TEST(Config, NoReaderPatternsAllowEveryReader)
{
    const Config c;
    EXPECT_TRUE(c.readerAllowed("Alcor Micro AU9540 00 00"));
    EXPECT_TRUE(c.readerAllowed(""));
}

TEST(Config, EmptyReaderPatternListIsAProblem)
{
    Config c = parsed("reader_exclude = , ,\n");
    ASSERT_EQ(c.problems.size(), 1u);
    EXPECT_NE(c.problems[0].find("reader-name patterns"), std::string::npos) << c.problems[0];
    EXPECT_TRUE(c.readerExclude.empty());
    EXPECT_TRUE(c.readerAllowed("any reader"));
}

TEST(Config, ApplicationChoiceGlobalAndByPattern)
{
    Config c = parsed("application = OpenPGP\n"
                      "application.Yubico YubiKey* = piv\n"
                      "application.1234567? = openpgp\n");
    ASSERT_TRUE(c.problems.empty()) << c.problems.front();
    EXPECT_EQ(c.application, "openpgp");
    ASSERT_EQ(c.applicationRules.size(), 2u);
    EXPECT_EQ(c.applicationForReader("Yubico YubiKey OTP+FIDO+CCID 00 00"), "piv"); // the rule
    EXPECT_EQ(c.applicationForReader("Alcor Micro AU9540 00 00"), "openpgp");       // the global choice
    EXPECT_EQ(matchApplication(c.applicationRules, "12345678"), "openpgp");         // a serial
    EXPECT_EQ(matchApplication(c.applicationRules, "99999999"), "");
}

TEST(Config, NoApplicationConfiguredMeansTheAtrOrder)
{
    const Config c;
    EXPECT_EQ(c.applicationForReader("Yubico YubiKey OTP+FIDO+CCID 00 00"), "");
}

TEST(Config, BadApplicationValuesAreProblems)
{
    Config c = parsed("application = gpg\napplication. = piv\napplication.Yubico* = fido\n");
    ASSERT_EQ(c.problems.size(), 3u);
    EXPECT_NE(c.problems[0].find("is not piv or openpgp"), std::string::npos) << c.problems[0];
    EXPECT_NE(c.problems[1].find("application.PATTERN"), std::string::npos) << c.problems[1];
    EXPECT_NE(c.problems[2].find("'fido' is not piv or openpgp"), std::string::npos) << c.problems[2];
    EXPECT_EQ(c.application, "");
    EXPECT_TRUE(c.applicationRules.empty());
}

// The shipped file documents every option with its default: it must parse
// without a single problem and give the built-in defaults.
TEST(Config, ShippedConfigParsesCleanToTheDefaults)
{
    std::ifstream in(TESSERA_SOURCE_DIR "/conf/tessera.conf");
    ASSERT_TRUE(in) << "conf/tessera.conf";
    Config c;
    Config::parse(c, in, "conf/tessera.conf");
    EXPECT_TRUE(c.problems.empty()) << c.problems.front();
    const Config d;
    EXPECT_EQ(c.debugLevel, d.debugLevel);
    EXPECT_EQ(c.logFile, d.logFile);
    EXPECT_EQ(c.cachedPinForAlwaysAuthenticate, d.cachedPinForAlwaysAuthenticate);
    EXPECT_EQ(c.idleDisconnectMs, d.idleDisconnectMs);
    EXPECT_EQ(c.cacheEnabled, d.cacheEnabled);
    EXPECT_EQ(c.cacheDir, d.cacheDir);
    EXPECT_TRUE(c.readerInclude.empty() && c.readerExclude.empty());
    EXPECT_EQ(c.application, d.application);
    EXPECT_TRUE(c.applicationRules.empty());
}

// Each example line the shipped file shows commented out is valid.
TEST(Config, ShippedConfigExamplesAreValid)
{
    std::ifstream in(TESSERA_SOURCE_DIR "/conf/tessera.conf");
    std::string line, examples;
    while (std::getline(in, line))
        if (line.size() > 1 && line[0] == '#' && line[1] != ' ' && line.find(" = ") != std::string::npos)
            examples += line.substr(1) + "\n";
    ASSERT_FALSE(examples.empty());
    Config c = parsed(examples);
    EXPECT_TRUE(c.problems.empty()) << c.problems.front();
    EXPECT_FALSE(c.readerInclude.empty());
    EXPECT_FALSE(c.applicationRules.empty());
}
