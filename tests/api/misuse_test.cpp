// The misuse tables as tests: Generic.MisuseTable (card-independent rows, run
// on SoftHSM2 by run_softhsm.sh and on Tessera) and Card.MisuseTable (the
// virtual PIV card). Each prints its rows and "passed/run rows conform".
#include "card_fixture.hpp"
#include "misuse_table.hpp"

namespace tessera::apitest {
namespace {

TEST_F(Generic, MisuseTable)
{
    misuse::Ctx ctx;
    ctx.f = f;
    ctx.f30 = misuse::functionList30();
    const std::vector<misuse::Row> rows = misuse::genericRows();
    misuse::Tally tally;
    // The module is not initialised here (the fixture only loads it).
    misuse::runRows(rows, misuse::Phase::beforeInitialize, ctx, tally);
    ASSERT_RV(CKR_OK, f->C_Initialize(nullptr));
    auto found = findTestSlot();
    if (!found) {
        f->C_Finalize(nullptr);
        if (env().allowNoToken) GTEST_SKIP() << "no token and TESSERA_TEST_ALLOW_NO_TOKEN=1";
        FAIL() << "no slot with a token";
    }
    ctx.slot = *found;
    misuse::runRows(rows, misuse::Phase::initialized, ctx, tally);
    ASSERT_RV(CKR_OK, f->C_Finalize(nullptr));
    misuse::runRows(rows, misuse::Phase::afterFinalize, ctx, tally);
    misuse::report("Generic", tally);
}

TEST_F(Card, MisuseTable)
{
    session.reset(); // rows open and close their own sessions
    misuse::Ctx ctx;
    ctx.f = f;
    ctx.f30 = misuse::functionList30();
    ctx.slot = slot;
    misuse::Tally tally;
    misuse::runRows(misuse::cardRows(), misuse::Phase::initialized, ctx, tally);
    misuse::report("Card", tally);
}

} // namespace
} // namespace tessera::apitest
