/* The PIN pad of the test IFD handler, minus the I/O: how a CCID PIN-pad
 * reader turns a PC/SC part 10 PIN_VERIFY_STRUCTURE / PIN_MODIFY_STRUCTURE
 * plus the digits typed into the APDU it sends to the card (CCID 1.1
 * section 6.1.11, PC_to_RDR_Secure; pcsc-lite reader.h has the layouts).
 * Pure functions, so the unit test can drive every format bit. */
#ifndef TESSERA_PINPAD_APDU_H
#define TESSERA_PINPAD_APDU_H

#include <stddef.h>
#include <stdint.h>

/* What went wrong, as a real reader reports it. */
enum pp_result {
    PP_OK = 0,
    PP_BAD_STRUCTURE, /* lengths do not add up: the CCID driver refuses (IFD_NOT_SUPPORTED) */
    PP_REJECTED,      /* the reader firmware refuses the block (bError: IFD_COMMUNICATION_ERROR) */
    PP_LENGTH,        /* a PIN outside the length limits or the PIN block: SW 6403 */
    PP_MISMATCH,      /* new PIN and its confirmation differ: SW 6402 */
};

/* The parsed common part of both structures. */
struct pp_format {
    uint8_t format;        /* bmFormatString */
    uint8_t block;         /* bmPINBlockString */
    uint8_t length_format; /* bmPINLengthFormat */
    unsigned min_digits, max_digits;
    uint8_t timeout;     /* bTimerOut, seconds; 0 = the reader's default */
    uint8_t confirm;     /* modify only: bConfirmPIN */
    uint8_t offset_old;  /* modify only: bInsertionOffsetOld (bytes) */
    uint8_t offset_new;  /* modify only: bInsertionOffsetNew (bytes) */
    const uint8_t* apdu; /* abData, the APDU template */
    size_t apdu_len;     /* ulDataLength */
};

/* Checks a structure before anyone is asked to type (a reader refuses a bad
 * block at once). Fills *f (pointing into buf). */
enum pp_result pp_parse_verify(const uint8_t* buf, size_t len, struct pp_format* f);
enum pp_result pp_parse_modify(const uint8_t* buf, size_t len, struct pp_format* f);

/* Builds the APDU into out (capacity cap), *out_len its length. PINs are
 * strings of ASCII digits as typed. For modify, old may be NULL when
 * bConfirmPIN does not ask for the current PIN, and confirm NULL when it does
 * not ask for a confirmation. */
enum pp_result pp_build_verify(const struct pp_format* f, const char* pin, uint8_t* out, size_t cap, size_t* out_len);
enum pp_result pp_build_modify(const struct pp_format* f, const char* old_pin, const char* new_pin, const char* confirm,
                               uint8_t* out, size_t cap, size_t* out_len);

#endif
