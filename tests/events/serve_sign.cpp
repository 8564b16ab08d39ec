// serve_sign: a long-lived application using the module beside another one
// (events_gpg_side_by_side.sh drives it through a pipe, one line per command).
//
// It initialises, logs in to the token in $SERVE_READER (default: the OpenPGP
// card's reader) and answers: "sign" -> a CKM_SHA256_RSA_PKCS signature with
// key ID $SERVE_KEY_ID (default 03), verified with OpenSSL ("ok SECONDS" or
// "FAIL why"); "quit" -> C_Finalize and exit.
#include <iostream>

#include "events_common.hpp"
#include "events_tests.hpp"

namespace ev {

int testServeSign()
{
    loadModule();
    auto reply = [](const std::string& s) {
        std::cout << s << std::endl; // flushed: the driver waits for it
    };
    if (initialize() != CKR_OK) {
        reply("FAIL C_Initialize");
        return 1;
    }
    const std::string reader = env("SERVE_READER", env("TESSERA_OPENPGP_READER").c_str());
    const unsigned char id = static_cast<unsigned char>(std::stoi(env("SERVE_KEY_ID", "3"), nullptr, 16));
    CK_SLOT_ID slot = slotForReader(reader);
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    CK_RV rv = p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s);
    std::string p = pin();
    if (rv == CKR_OK) rv = p11->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size());
    CK_OBJECT_HANDLE key = findById(s, CKO_PRIVATE_KEY, id);
    EVP_PKEY* pub = publicKey(s, id);
    if (rv != CKR_OK || key == CK_INVALID_HANDLE || pub == nullptr) {
        reply("FAIL open/login/key: " + rvName(rv));
        return 1;
    }
    reply("ready");
    std::string line;
    int n = 0;
    while (std::getline(std::cin, line)) {
        if (line == "quit") break;
        if (line != "sign") {
            reply("FAIL unknown command " + line);
            continue;
        }
        Bytes msg = text("serve_sign " + std::to_string(++n)), sig;
        auto t0 = Clock::now();
        rv = sign(s, CKM_SHA256_RSA_PKCS, key, msg, sig);
        if (rv != CKR_OK)
            reply("FAIL " + rvName(rv));
        else if (!verify(pub, CKM_SHA256_RSA_PKCS, msg, sig))
            reply("FAIL signature does not verify");
        else
            reply("ok " + fmt(since(t0), 3));
    }
    EVP_PKEY_free(pub);
    p11->C_Finalize(nullptr);
    return 0;
}

} // namespace ev
