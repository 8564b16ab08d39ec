/* Unit test of pinpad_apdu.c: the APDUs a CCID PIN-pad reader builds for the
 * structures OpenSC and Tessera send (PIV: ASCII padded to an 8-byte block;
 * OpenPGP: variable length; a GLP-style BCD block with a length nibble),
 * and the refusals of malformed structures. */
#include <stdio.h>
#include <string.h>

#include "pinpad_apdu.h"

static int failures = 0;

static void expect(int ok, const char* what)
{
    if (!ok) {
        fprintf(stderr, "FAIL: %s\n", what);
        failures++;
    }
}

/* PIN_VERIFY_STRUCTURE with the given fields and APDU template. */
static size_t verify_block(unsigned char* b, unsigned char fmt, unsigned char block, unsigned char lenfmt, unsigned min,
                           unsigned max, const unsigned char* apdu, size_t apdu_len)
{
    memset(b, 0, 19);
    b[0] = 30;
    b[2] = fmt;
    b[3] = block;
    b[4] = lenfmt;
    b[5] = (unsigned char)max; /* wPINMaxExtraDigit, little-endian: max in the low byte */
    b[6] = (unsigned char)min;
    b[7] = 0x02;
    b[15] = (unsigned char)apdu_len;
    memcpy(b + 19, apdu, apdu_len);
    return 19 + apdu_len;
}

static size_t modify_block(unsigned char* b, unsigned char fmt, unsigned char block, unsigned char off_old,
                           unsigned char off_new, unsigned char confirm, const unsigned char* apdu, size_t apdu_len)
{
    memset(b, 0, 24);
    b[2] = fmt;
    b[3] = block;
    b[5] = off_old;
    b[6] = off_new;
    b[7] = 8; /* max */
    b[8] = 6; /* min */
    b[9] = confirm;
    b[10] = 0x02;
    b[20] = (unsigned char)apdu_len;
    memcpy(b + 24, apdu, apdu_len);
    return 24 + apdu_len;
}

static int verify_gives(const unsigned char* b, size_t n, const char* pin, const unsigned char* want, size_t want_len)
{
    struct pp_format f;
    unsigned char out[300];
    size_t len = 0;
    if (pp_parse_verify(b, n, &f) != PP_OK) return 0;
    if (pp_build_verify(&f, pin, out, sizeof out, &len) != PP_OK) return 0;
    return len == want_len && memcmp(out, want, len) == 0;
}

static void test_verify(void)
{
    unsigned char b[64];
    struct pp_format f;
    unsigned char out[300];
    size_t len;
    const unsigned char piv[] = {0x00, 0x20, 0x00, 0x80, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    const unsigned char piv_want[] = {0x00, 0x20, 0x00, 0x80, 0x08, '1', '2', '3', '4', '5', '6', 0xFF, 0xFF};
    size_t n = verify_block(b, 0x82, 0x08, 0x00, 6, 8, piv, sizeof piv);
    expect(verify_gives(b, n, "123456", piv_want, sizeof piv_want), "PIV: ASCII, left, padding from the template");

    const unsigned char right_want[] = {0x00, 0x20, 0x00, 0x80, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, '1', '2', '3', '4'};
    n = verify_block(b, 0x86, 0x08, 0x00, 4, 8, piv, sizeof piv);
    expect(verify_gives(b, n, "1234", right_want, sizeof right_want), "right justification");

    const unsigned char pgp[] = {0x00, 0x20, 0x00, 0x82};
    const unsigned char pgp_want[] = {0x00, 0x20, 0x00, 0x82, 0x06, '1', '2', '3', '4', '5', '6'};
    n = verify_block(b, 0x82, 0x00, 0x00, 6, 127, pgp, sizeof pgp);
    expect(verify_gives(b, n, "123456", pgp_want, sizeof pgp_want), "OpenPGP: variable length, Lc set by the reader");
    const unsigned char pgp_lc0[] = {0x00, 0x20, 0x00, 0x82, 0x00};
    n = verify_block(b, 0x02, 0x00, 0x00, 6, 127, pgp_lc0, sizeof pgp_lc0);
    expect(verify_gives(b, n, "123456", pgp_want, sizeof pgp_want), "Lc = 0 template, bit units at position 0");

    /* GLP-style: control nibble 2 in the template, the length in the next
     * nibble (bmPINLengthFormat 4 bits in, 4 bits wide), BCD from bit 8 */
    const unsigned char glp[] = {0x00, 0x20, 0x00, 0x80, 0x08, 0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    const unsigned char glp_want[] = {0x00, 0x20, 0x00, 0x80, 0x08, 0x24, 0x12, 0x34, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    n = verify_block(b, 0x01 | (8 << 3), 0x48, 0x04, 4, 12, glp, sizeof glp);
    expect(verify_gives(b, n, "1234", glp_want, sizeof glp_want), "BCD with a length nibble");

    const unsigned char bin_want[] = {0x00, 0x20, 0x00, 0x80, 0x08, 0xFF, 1, 2, 3, 4, 0xFF, 0xFF, 0xFF};
    n = verify_block(b, 0x80 | (1 << 3), 0x08, 0x00, 4, 7, piv, sizeof piv);
    expect(verify_gives(b, n, "1234", bin_want, sizeof bin_want), "binary digits at byte position 1");

    n = verify_block(b, 0x82, 0x08, 0x00, 6, 8, piv, sizeof piv);
    expect(pp_parse_verify(b, n, &f) == PP_OK && pp_build_verify(&f, "12345", out, sizeof out, &len) == PP_LENGTH,
           "too short a PIN: 6403");
    expect(pp_parse_verify(b, n, &f) == PP_OK && pp_build_verify(&f, "123456789", out, sizeof out, &len) == PP_LENGTH,
           "too long a PIN: 6403");
    n = verify_block(b, 0x82, 0x04, 0x00, 4, 8, piv, sizeof piv);
    expect(pp_parse_verify(b, n, &f) == PP_OK && pp_build_verify(&f, "123456", out, sizeof out, &len) == PP_LENGTH,
           "a PIN longer than the PIN block: 6403");
}

static void test_refusals(void)
{
    unsigned char b[64];
    struct pp_format f;
    const unsigned char piv[] = {0x00, 0x20, 0x00, 0x80, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    const unsigned char pgp[] = {0x00, 0x20, 0x00, 0x82};
    size_t n = verify_block(b, 0x82, 0x08, 0x00, 6, 8, piv, sizeof piv);
    expect(pp_parse_verify(b, n - 1, &f) == PP_BAD_STRUCTURE, "ulDataLength disagrees with the length sent");
    expect(pp_parse_verify(b, 20, &f) == PP_BAD_STRUCTURE, "too short for an APDU");
    n = verify_block(b, 0x83, 0x08, 0x00, 6, 8, piv, sizeof piv);
    expect(pp_parse_verify(b, n, &f) == PP_REJECTED, "encoding 11 does not exist");
    n = verify_block(b, 0x82, 0x08, 0x00, 8, 6, piv, sizeof piv);
    expect(pp_parse_verify(b, n, &f) == PP_REJECTED, "minimum above maximum");
    n = verify_block(b, 0x82, 0x0A, 0x00, 6, 8, piv, sizeof piv);
    expect(pp_parse_verify(b, n, &f) == PP_REJECTED, "PIN block larger than the template's data");
    n = verify_block(b, 0x82, 0x08, 0x00, 6, 8, pgp, sizeof pgp);
    expect(pp_parse_verify(b, n, &f) == PP_REJECTED, "fixed block without template bytes to pad it");
    const unsigned char bad_lc[] = {0x00, 0x20, 0x00, 0x80, 0x08, 0xFF, 0xFF};
    n = verify_block(b, 0x82, 0x00, 0x00, 6, 8, bad_lc, sizeof bad_lc);
    expect(pp_parse_verify(b, n, &f) == PP_REJECTED, "Lc larger than the template");
    n = verify_block(b, 0x02 | (3 << 3), 0x08, 0x00, 6, 8, piv, sizeof piv);
    expect(pp_parse_verify(b, n, &f) == PP_REJECTED, "ASCII at a bit position that is not a byte");
    n = verify_block(b, 0x82 | (4 << 3), 0x08, 0x00, 6, 8, piv, sizeof piv);
    expect(pp_parse_verify(b, n, &f) == PP_REJECTED, "the shortest PIN does not fit after its position");
}

static void test_modify(void)
{
    unsigned char b[80];
    struct pp_format f;
    unsigned char out[300];
    size_t len = 0;
    unsigned char piv[5 + 16] = {0x00, 0x24, 0x00, 0x80, 0x10};
    memset(piv + 5, 0xFF, 16);
    unsigned char want[5 + 16] = {0x00, 0x24, 0x00, 0x80, 0x10, '1', '2', '3', '4', '5', '6',
                                  0xFF, 0xFF, '6',  '5',  '4',  '3', '2', '1', '0', 0xFF};
    size_t n = modify_block(b, 0x82, 0x08, 0, 8, 0x03, piv, sizeof piv);
    expect(pp_parse_modify(b, n, &f) == PP_OK &&
               pp_build_modify(&f, "123456", "6543210", "6543210", out, sizeof out, &len) == PP_OK &&
               len == sizeof want && memcmp(out, want, len) == 0,
           "PIV change: two padded blocks at the insertion offsets");
    expect(pp_build_modify(&f, "123456", "6543210", "6543211", out, sizeof out, &len) == PP_MISMATCH,
           "confirmation differs: 6402");
    expect(pp_build_modify(&f, "123456", "12345", "12345", out, sizeof out, &len) == PP_LENGTH,
           "new PIN too short: 6403");

    const unsigned char pgp[] = {0x00, 0x24, 0x00, 0x81};
    const unsigned char pgp_want[] = {0x00, 0x24, 0x00, 0x81, 13,  '1', '2', '3', '4',
                                      '5',  '6',  '6',  '5',  '4', '3', '2', '1', '0'};
    n = modify_block(b, 0x82, 0x00, 0, 0, 0x03, pgp, sizeof pgp);
    expect(pp_parse_modify(b, n, &f) == PP_OK &&
               pp_build_modify(&f, "123456", "6543210", "6543210", out, sizeof out, &len) == PP_OK &&
               len == sizeof pgp_want && memcmp(out, pgp_want, len) == 0,
           "OpenPGP change: variable length, new PIN after the current one");
    n = modify_block(b, 0x82, 0x08, 0, 12, 0x03, piv, sizeof piv);
    expect(pp_parse_modify(b, n, &f) == PP_REJECTED, "new PIN block beyond the template");
    n = modify_block(b, 0x82, 0x08, 0, 8, 0x07, piv, sizeof piv);
    expect(pp_parse_modify(b, n, &f) == PP_REJECTED, "bConfirmPIN with unknown bits");
}

int main(void)
{
    test_verify();
    test_refusals();
    test_modify();
    if (failures) return 1;
    printf("pinpad_apdu: all cases pass\n");
    return 0;
}
