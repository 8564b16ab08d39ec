/* pinpad_apdu.h: the APDU a CCID PIN-pad reader builds from a PC/SC part 10
 * structure. Field meanings (CCID 1.1 section 6.1.11, PC/SC part 10 v2.02
 * section 2.5): bmFormatString bit 7 system units (1 bytes, 0 bits), bits
 * 6-3 PIN position, bit 2 right justification, bits 1-0 encoding (00
 * binary, 01 BCD, 10 ASCII); bmPINBlockString bits 7-4 size in bits of the
 * PIN length field, bits 3-0 PIN block size in bytes; bmPINLengthFormat bit
 * 4 units, bits 3-0 position of the length field; positions count from the
 * first byte after Lc. Whatever the reader does not overwrite keeps the
 * template's bytes: that is where the padding comes from. */
#include "pinpad_apdu.h"

#include <string.h>

enum { ENC_BINARY = 0, ENC_BCD = 1, ENC_ASCII = 2 };

static unsigned le16(const uint8_t* p)
{
    return (unsigned)p[0] | ((unsigned)p[1] << 8);
}

static uint32_t le32(const uint8_t* p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Bits count from the most significant bit of data[0]. */
static void put_bits(uint8_t* data, size_t bitpos, unsigned width, unsigned value)
{
    for (unsigned i = 0; i < width; i++) {
        size_t bit = bitpos + i;
        uint8_t mask = (uint8_t)(0x80u >> (bit % 8));
        if ((value >> (width - 1 - i)) & 1u)
            data[bit / 8] |= mask;
        else
            data[bit / 8] &= (uint8_t)~mask;
    }
}

static size_t pin_pos_bits(const struct pp_format* f)
{
    size_t pos = (f->format >> 3) & 0x0F;
    return (f->format & 0x80) ? pos * 8 : pos;
}

static size_t length_pos_bits(const struct pp_format* f)
{
    size_t pos = f->length_format & 0x0F;
    return (f->length_format & 0x10) ? pos * 8 : pos;
}

static unsigned length_bits(const struct pp_format* f)
{
    return f->block >> 4;
}

static size_t block_bytes(const struct pp_format* f)
{
    return f->block & 0x0F;
}

static size_t template_lc(const struct pp_format* f)
{
    return f->apdu_len > 4 ? f->apdu[4] : 0;
}

static size_t digits_bits(const struct pp_format* f, size_t n)
{
    return (f->format & 0x03) == ENC_BCD ? 4 * n : 8 * n;
}

/* The checks both structures share: the encoding, the limits, the template
 * (header, or header + Lc + data [+ Le]), positions a reader can address. */
static enum pp_result check_common(const struct pp_format* f)
{
    unsigned enc = f->format & 0x03;
    if (enc == 3) return PP_REJECTED;
    if (f->max_digits == 0 || f->min_digits > f->max_digits) return PP_REJECTED;
    if (f->apdu_len > 4) {
        size_t lc = f->apdu[4];
        if (f->apdu_len != 5 + lc && f->apdu_len != 6 + lc) return PP_REJECTED;
    }
    size_t granule = enc == ENC_BCD ? 4 : 8;
    if (pin_pos_bits(f) % granule != 0) return PP_REJECTED;
    /* a fixed block needs the template's bytes to pad it */
    if (block_bytes(f) > 0 && template_lc(f) == 0) return PP_REJECTED;
    return PP_OK;
}

/* A fixed block of `size` bytes must hold the length field and leave room
 * for at least the shortest PIN. */
static enum pp_result check_block(const struct pp_format* f, size_t size)
{
    if (length_bits(f) > 0 && length_pos_bits(f) + length_bits(f) > size * 8) return PP_REJECTED;
    if (pin_pos_bits(f) + digits_bits(f, f->min_digits) > size * 8) return PP_REJECTED;
    return PP_OK;
}

enum pp_result pp_parse_verify(const uint8_t* buf, size_t len, struct pp_format* f)
{
    /* PIN_VERIFY_STRUCTURE: 19 bytes, then abData (CCID driver: at least a
     * 4-byte APDU, and ulDataLength must match what was sent) */
    if (len < 19 + 4 || le32(buf + 15) + 19 != len) return PP_BAD_STRUCTURE;
    memset(f, 0, sizeof *f);
    f->timeout = buf[0];
    f->format = buf[2];
    f->block = buf[3];
    f->length_format = buf[4];
    f->max_digits = le16(buf + 5) & 0xFF;
    f->min_digits = le16(buf + 5) >> 8;
    f->apdu = buf + 19;
    f->apdu_len = len - 19;
    enum pp_result r = check_common(f);
    if (r != PP_OK) return r;
    size_t lc = template_lc(f);
    if (lc == 0) return PP_OK; /* variable length: the reader sets Lc */
    size_t size = block_bytes(f) ? block_bytes(f) : lc;
    if (size > lc) return PP_REJECTED;
    return check_block(f, size);
}

/* The block sizes of a modify: fixed (bmPINBlockString), or what lies
 * between the two insertion offsets and the end of the template's data. */
static void modify_blocks(const struct pp_format* f, size_t* old_size, size_t* new_size)
{
    size_t lc = template_lc(f);
    *old_size = block_bytes(f);
    *new_size = block_bytes(f);
    if (*new_size == 0) {
        *old_size = f->offset_new > f->offset_old ? f->offset_new - f->offset_old : 0;
        *new_size = lc > f->offset_new ? lc - f->offset_new : 0;
    }
}

enum pp_result pp_parse_modify(const uint8_t* buf, size_t len, struct pp_format* f)
{
    /* PIN_MODIFY_STRUCTURE: 24 bytes, then abData */
    if (len < 24 + 4 || le32(buf + 20) + 24 != len) return PP_BAD_STRUCTURE;
    memset(f, 0, sizeof *f);
    f->timeout = buf[0];
    f->format = buf[2];
    f->block = buf[3];
    f->length_format = buf[4];
    f->offset_old = buf[5];
    f->offset_new = buf[6];
    f->max_digits = le16(buf + 7) & 0xFF;
    f->min_digits = le16(buf + 7) >> 8;
    f->confirm = buf[9];
    f->apdu = buf + 24;
    f->apdu_len = len - 24;
    if (f->confirm > 3) return PP_REJECTED;
    enum pp_result r = check_common(f);
    if (r != PP_OK) return r;
    size_t lc = template_lc(f);
    if (lc == 0) return PP_OK;
    size_t old_size, new_size;
    modify_blocks(f, &old_size, &new_size);
    if ((f->confirm & 0x02) && (f->offset_old + old_size > lc || check_block(f, old_size) != PP_OK)) return PP_REJECTED;
    if (f->offset_new + new_size > lc || new_size == 0) return PP_REJECTED;
    return check_block(f, new_size);
}

static enum pp_result check_length(const struct pp_format* f, const char* pin)
{
    size_t n = strlen(pin);
    if (n < f->min_digits || n > f->max_digits) return PP_LENGTH;
    for (size_t i = 0; i < n; i++)
        if (pin[i] < '0' || pin[i] > '9') return PP_REJECTED;
    return PP_OK;
}

/* Size of a block the reader sizes itself (variable length, Lc = 0). */
static size_t variable_size(const struct pp_format* f, const char* pin)
{
    size_t bits = pin_pos_bits(f) + digits_bits(f, strlen(pin));
    size_t len_end = length_bits(f) ? length_pos_bits(f) + length_bits(f) : 0;
    if (len_end > bits) bits = len_end;
    return (bits + 7) / 8;
}

/* Writes the formatted PIN (and its length field) into the block of `size`
 * bytes at data + base. */
static enum pp_result place_pin(const struct pp_format* f, uint8_t* data, size_t base, size_t size, const char* pin)
{
    size_t n = strlen(pin);
    size_t bits = digits_bits(f, n);
    size_t pos = pin_pos_bits(f);
    size_t start;
    if (f->format & 0x04) { /* right justified: the PIN ends where the block ends */
        if (bits > size * 8 || size * 8 - bits < pos) return PP_LENGTH;
        start = size * 8 - bits;
    } else {
        if (pos + bits > size * 8) return PP_LENGTH;
        start = pos;
    }
    start += base * 8;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(pin[i] - '0');
        switch (f->format & 0x03) {
        case ENC_ASCII: put_bits(data, start + 8 * i, 8, '0' + d); break;
        case ENC_BINARY: put_bits(data, start + 8 * i, 8, d); break;
        default: put_bits(data, start + 4 * i, 4, d); break;
        }
    }
    unsigned lbits = length_bits(f);
    if (lbits > 0) {
        if (lbits < 16 && n >= (1u << lbits)) return PP_LENGTH;
        put_bits(data, base * 8 + length_pos_bits(f), lbits, (unsigned)n);
    }
    return PP_OK;
}

/* Header, then Lc and data, then the template's Le if it had one. */
static enum pp_result finish(const struct pp_format* f, uint8_t* out, size_t data_len, size_t cap, size_t* out_len)
{
    if (data_len > 255) return PP_LENGTH;
    size_t lc = template_lc(f);
    int le = f->apdu_len == 6 + lc && lc > 0;
    if (5 + data_len + (size_t)le > cap) return PP_REJECTED;
    memcpy(out, f->apdu, 4);
    out[4] = (uint8_t)data_len;
    if (le) out[5 + data_len] = f->apdu[f->apdu_len - 1];
    *out_len = 5 + data_len + (size_t)le;
    return PP_OK;
}

enum pp_result pp_build_verify(const struct pp_format* f, const char* pin, uint8_t* out, size_t cap, size_t* out_len)
{
    uint8_t data[255];
    enum pp_result r = check_length(f, pin);
    if (r != PP_OK) return r;
    size_t lc = template_lc(f);
    size_t size;
    if (lc == 0) {
        memset(data, 0, sizeof data);
        size = variable_size(f, pin);
        if (size > sizeof data) return PP_LENGTH;
        r = place_pin(f, data, 0, size, pin);
    } else {
        memcpy(data, f->apdu + 5, lc);
        size = lc;
        r = place_pin(f, data, 0, block_bytes(f) ? block_bytes(f) : lc, pin);
    }
    if (r != PP_OK) return r;
    r = finish(f, out, size, cap, out_len);
    if (r == PP_OK) memcpy(out + 5, data, size);
    memset(data, 0, sizeof data);
    return r;
}

static enum pp_result modify_variable(const struct pp_format* f, const char* old_pin, const char* new_pin,
                                      uint8_t* data, size_t* size)
{
    /* Lc = 0: each PIN takes the bytes it needs; the new PIN follows the
     * current one (or sits at bInsertionOffsetNew, whichever is later). */
    size_t base_new = f->offset_new;
    memset(data, 0, 255);
    if (old_pin != NULL) {
        size_t old_size = variable_size(f, old_pin);
        if (f->offset_old + old_size > 255) return PP_LENGTH;
        enum pp_result r = place_pin(f, data, f->offset_old, old_size, old_pin);
        if (r != PP_OK) return r;
        if (f->offset_old + old_size > base_new) base_new = f->offset_old + old_size;
    }
    size_t new_size = variable_size(f, new_pin);
    if (base_new + new_size > 255) return PP_LENGTH;
    *size = base_new + new_size;
    return place_pin(f, data, base_new, new_size, new_pin);
}

enum pp_result pp_build_modify(const struct pp_format* f, const char* old_pin, const char* new_pin, const char* confirm,
                               uint8_t* out, size_t cap, size_t* out_len)
{
    uint8_t data[255];
    enum pp_result r = PP_OK;
    if ((f->confirm & 0x02) && (old_pin == NULL || (r = check_length(f, old_pin)) != PP_OK))
        return old_pin == NULL ? PP_REJECTED : r;
    if (!(f->confirm & 0x02)) old_pin = NULL;
    if ((r = check_length(f, new_pin)) != PP_OK) return r;
    if (f->confirm & 0x01) {
        if (confirm == NULL) return PP_REJECTED;
        if (strcmp(confirm, new_pin) != 0) return PP_MISMATCH;
    }
    size_t lc = template_lc(f);
    size_t size = lc;
    if (lc == 0) {
        r = modify_variable(f, old_pin, new_pin, data, &size);
    } else {
        size_t old_size, new_size;
        modify_blocks(f, &old_size, &new_size);
        memcpy(data, f->apdu + 5, lc);
        if (old_pin != NULL) r = place_pin(f, data, f->offset_old, old_size, old_pin);
        if (r == PP_OK) r = place_pin(f, data, f->offset_new, new_size, new_pin);
    }
    if (r == PP_OK) r = finish(f, out, size, cap, out_len);
    if (r == PP_OK) memcpy(out + 5, data, size);
    memset(data, 0, sizeof data);
    return r;
}
