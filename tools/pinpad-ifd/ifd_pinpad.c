/* A PIN-pad reader for the test sandbox: an IFD handler that pcscd loads
 * from the reader.conf of `scripts/with-virtual-cards --pinpad`. Cards
 * connect to it exactly as to vsmartcard's vpcd (the card dials TCP port
 * PORT+slot; each frame is a 2-byte big-endian length and a payload; a
 * 1-byte payload is control: 00 power off, 01 power on, 02 reset, 04 ATR),
 * and IFDHControl adds the keypad of PC/SC part 10: VERIFY_PIN_DIRECT and
 * MODIFY_PIN_DIRECT take what `scripts/vcard-ctl keypad` queued, build the
 * APDU as a CCID reader does (pinpad_apdu.c) and send it to the card.
 * DEVICENAME is "DIR:PORT"; the keypad queue of slot s is DIR/keypad-(PORT+s).
 * Nothing typed is ever logged. */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <PCSC/ifdhandler.h>
#include <PCSC/reader.h>

#include "keypad_queue.h"
#include "pinpad_apdu.h"

enum { SLOTS = 2, DEFAULT_TIMEOUT_S = 15, MIN_PIN = 4, MAX_PIN = 12 };

/* The CCID driver's control codes for the features (ccid_ifdhandler.h). */
#define PINPAD_IOCTL(feature) SCARD_CTL_CODE(0x330000 + (feature))

struct slot {
    int server; /* listening socket, -1 if none */
    int client; /* the card's connection, -1 = no card */
    char keypad[4096];
    pthread_mutex_t lock;
};

static struct slot slots[SLOTS] = {{-1, -1, "", PTHREAD_MUTEX_INITIALIZER}, {-1, -1, "", PTHREAD_MUTEX_INITIALIZER}};

static void note(const char* what, unsigned slot)
{
    fprintf(stderr, "tessera-pinpad[%u]: %s\n", slot, what);
}

static struct slot* slot_of(DWORD lun)
{
    DWORD s = lun & 0xFFFF;
    return s < SLOTS ? &slots[s] : NULL;
}

static int listen_on(unsigned short port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int yes = 1;
    struct sockaddr_in a;
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(fd, (struct sockaddr*)&a, sizeof a) != 0 || listen(fd, 1) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void eject(struct slot* s)
{
    if (s->client >= 0) close(s->client);
    s->client = -1;
}

static int send_all(int fd, const unsigned char* p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int recv_all(int fd, unsigned char* p, size_t n)
{
    while (n > 0) {
        ssize_t r = recv(fd, p, n, 0);
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* One exchange with the card: send a frame, and (when answer != NULL) read
 * one back. Returns the answer's length, or -1 (the card is then gone). */
static long exchange(struct slot* s, const unsigned char* msg, size_t len, unsigned char* answer, size_t cap)
{
    unsigned char hdr[2] = {(unsigned char)(len >> 8), (unsigned char)len};
    if (s->client < 0) return -1;
    if (send_all(s->client, hdr, 2) != 0 || send_all(s->client, msg, len) != 0) goto gone;
    if (answer == NULL) return 0;
    if (recv_all(s->client, hdr, 2) != 0) goto gone;
    size_t n = ((size_t)hdr[0] << 8) | hdr[1];
    if (n > cap || recv_all(s->client, answer, n) != 0) goto gone;
    return (long)n;
gone:
    eject(s);
    return -1;
}

static int accept_card(struct slot* s)
{
    struct pollfd p = {s->server, POLLIN, 0};
    if (s->client >= 0) return 1;
    if (s->server < 0 || poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) return 0;
    s->client = accept4(s->server, NULL, NULL, SOCK_CLOEXEC);
    if (s->client >= 0) {
        int one = 1;
        setsockopt(s->client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return s->client >= 0;
}

static long control_byte(struct slot* s, unsigned char code, unsigned char* answer, size_t cap)
{
    return exchange(s, &code, 1, answer, cap);
}

RESPONSECODE IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName)
{
    struct slot* s = slot_of(Lun);
    const char* colon = strrchr(DeviceName, ':');
    if (s == NULL || colon == NULL) return IFD_COMMUNICATION_ERROR;
    unsigned long port = strtoul(colon + 1, NULL, 10) + (Lun & 0xFFFF);
    int dirlen = (int)(colon - DeviceName);
    snprintf(s->keypad, sizeof s->keypad, "%.*s/keypad-%lu", dirlen, DeviceName, port);
    s->server = listen_on((unsigned short)port);
    if (s->server < 0) return IFD_COMMUNICATION_ERROR;
    fprintf(stderr, "tessera-pinpad[%lu]: waiting for a card on port %lu\n", (unsigned long)(Lun & 0xFFFF), port);
    return IFD_SUCCESS;
}

RESPONSECODE IFDHCreateChannel(DWORD Lun, DWORD Channel)
{
    char name[64];
    snprintf(name, sizeof name, "/tmp:%lu", (unsigned long)Channel);
    return IFDHCreateChannelByName(Lun, name);
}

RESPONSECODE IFDHCloseChannel(DWORD Lun)
{
    struct slot* s = slot_of(Lun);
    if (s == NULL) return IFD_COMMUNICATION_ERROR;
    pthread_mutex_lock(&s->lock);
    eject(s);
    if (s->server >= 0) close(s->server);
    s->server = -1;
    pthread_mutex_unlock(&s->lock);
    return IFD_SUCCESS;
}

static RESPONSECODE get_atr(struct slot* s, PDWORD Length, PUCHAR Value)
{
    unsigned char atr[MAX_ATR_SIZE];
    long n = control_byte(s, 0x04, atr, sizeof atr);
    if (n <= 0 || (DWORD)n > *Length) return IFD_COMMUNICATION_ERROR;
    memcpy(Value, atr, (size_t)n);
    *Length = (DWORD)n;
    return IFD_SUCCESS;
}

static RESPONSECODE one_byte(PDWORD Length, PUCHAR Value, UCHAR v)
{
    if (*Length < 1) return IFD_COMMUNICATION_ERROR;
    *Value = v;
    *Length = 1;
    return IFD_SUCCESS;
}

RESPONSECODE IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value)
{
    struct slot* s = slot_of(Lun);
    RESPONSECODE r;
    if (s == NULL || Length == NULL || Value == NULL) return IFD_COMMUNICATION_ERROR;
    switch (Tag) {
    case TAG_IFD_ATR:
    case SCARD_ATTR_ATR_STRING:
        pthread_mutex_lock(&s->lock);
        r = get_atr(s, Length, Value);
        pthread_mutex_unlock(&s->lock);
        break;
    case TAG_IFD_SLOTS_NUMBER: r = one_byte(Length, Value, SLOTS); break;
    case TAG_IFD_THREAD_SAFE: r = one_byte(Length, Value, 0); break;
    case TAG_IFD_SLOT_THREAD_SAFE: r = one_byte(Length, Value, 1); break;
    default: r = IFD_ERROR_TAG; break;
    }
    if (r != IFD_SUCCESS) *Length = 0;
    return r;
}

RESPONSECODE IFDHSetCapabilities(DWORD Lun, DWORD Tag, DWORD Length, PUCHAR Value)
{
    (void)Lun, (void)Tag, (void)Length, (void)Value;
    return IFD_NOT_SUPPORTED;
}

RESPONSECODE IFDHSetProtocolParameters(DWORD Lun, DWORD Protocol, UCHAR Flags, UCHAR PTS1, UCHAR PTS2, UCHAR PTS3)
{
    (void)Lun, (void)Protocol, (void)Flags, (void)PTS1, (void)PTS2, (void)PTS3;
    return IFD_SUCCESS;
}

RESPONSECODE IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr, PDWORD AtrLength)
{
    struct slot* s = slot_of(Lun);
    unsigned char code;
    RESPONSECODE r = IFD_SUCCESS;
    if (s == NULL) return IFD_COMMUNICATION_ERROR;
    switch (Action) {
    case IFD_POWER_DOWN: code = 0x00; break;
    case IFD_POWER_UP: code = 0x01; break;
    case IFD_RESET: code = 0x02; break;
    default: return IFD_NOT_SUPPORTED;
    }
    pthread_mutex_lock(&s->lock);
    if (exchange(s, &code, 1, NULL, 0) < 0) r = IFD_COMMUNICATION_ERROR;
    if (r == IFD_SUCCESS && Action != IFD_POWER_DOWN) r = get_atr(s, AtrLength, Atr);
    pthread_mutex_unlock(&s->lock);
    if (r != IFD_SUCCESS && AtrLength != NULL) *AtrLength = 0;
    return r;
}

RESPONSECODE IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER SendPci, PUCHAR TxBuffer, DWORD TxLength, PUCHAR RxBuffer,
                               PDWORD RxLength, PSCARD_IO_HEADER RecvPci)
{
    struct slot* s = slot_of(Lun);
    (void)SendPci;
    if (s == NULL || RxLength == NULL || RecvPci == NULL) return IFD_COMMUNICATION_ERROR;
    pthread_mutex_lock(&s->lock);
    long n = exchange(s, TxBuffer, TxLength, RxBuffer, *RxLength);
    pthread_mutex_unlock(&s->lock);
    if (n < 0) {
        *RxLength = 0;
        return IFD_COMMUNICATION_ERROR;
    }
    *RxLength = (DWORD)n;
    RecvPci->Protocol = 1;
    return IFD_SUCCESS;
}

RESPONSECODE IFDHICCPresence(DWORD Lun)
{
    struct slot* s = slot_of(Lun);
    unsigned char atr[MAX_ATR_SIZE];
    RESPONSECODE r = IFD_ICC_NOT_PRESENT;
    if (s == NULL) return IFD_COMMUNICATION_ERROR;
    pthread_mutex_lock(&s->lock);
    if (accept_card(s) && control_byte(s, 0x04, atr, sizeof atr) > 0) r = IFD_ICC_PRESENT;
    pthread_mutex_unlock(&s->lock);
    return r;
}

/* ---- PC/SC part 10 ------------------------------------------------------ */

static void put_tlv(PUCHAR out, DWORD* n, unsigned char tag, DWORD code)
{
    out[(*n)++] = tag;
    out[(*n)++] = 4;
    out[(*n)++] = (unsigned char)(code >> 24); /* big-endian (part 10 section 2.2) */
    out[(*n)++] = (unsigned char)(code >> 16);
    out[(*n)++] = (unsigned char)(code >> 8);
    out[(*n)++] = (unsigned char)code;
}

static RESPONSECODE features(PUCHAR out, DWORD cap, LPDWORD returned)
{
    if (cap < 4 * 6) return IFD_ERROR_INSUFFICIENT_BUFFER;
    *returned = 0;
    put_tlv(out, returned, FEATURE_VERIFY_PIN_DIRECT, PINPAD_IOCTL(FEATURE_VERIFY_PIN_DIRECT));
    put_tlv(out, returned, FEATURE_MODIFY_PIN_DIRECT, PINPAD_IOCTL(FEATURE_MODIFY_PIN_DIRECT));
    put_tlv(out, returned, FEATURE_IFD_PIN_PROPERTIES, PINPAD_IOCTL(FEATURE_IFD_PIN_PROPERTIES));
    put_tlv(out, returned, FEATURE_GET_TLV_PROPERTIES, PINPAD_IOCTL(FEATURE_GET_TLV_PROPERTIES));
    return IFD_SUCCESS;
}

static RESPONSECODE pin_properties(PUCHAR out, DWORD cap, LPDWORD returned)
{
    /* PIN_PROPERTIES_STRUCTURE: no display, validation key, one timeout */
    static const unsigned char props[4] = {0x00, 0x00, 0x02, 0x00};
    if (cap < sizeof props) return IFD_ERROR_INSUFFICIENT_BUFFER;
    memcpy(out, props, sizeof props);
    *returned = sizeof props;
    return IFD_SUCCESS;
}

static RESPONSECODE tlv_properties(PUCHAR out, DWORD cap, LPDWORD returned)
{
    /* wLcdLayout 0, bEntryValidationCondition 02, bTimeOut2 0, PIN sizes,
     * dwMaxAPDUDataSize 65536 (little-endian values, part 10 section 2.6.14) */
    static const unsigned char props[] = {PCSCv2_PART10_PROPERTY_wLcdLayout,
                                          2,
                                          0,
                                          0,
                                          PCSCv2_PART10_PROPERTY_bEntryValidationCondition,
                                          1,
                                          0x02,
                                          PCSCv2_PART10_PROPERTY_bTimeOut2,
                                          1,
                                          0,
                                          PCSCv2_PART10_PROPERTY_bMinPINSize,
                                          1,
                                          MIN_PIN,
                                          PCSCv2_PART10_PROPERTY_bMaxPINSize,
                                          1,
                                          MAX_PIN,
                                          PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize,
                                          4,
                                          0x00,
                                          0x00,
                                          0x01,
                                          0x00};
    if (cap < sizeof props) return IFD_ERROR_INSUFFICIENT_BUFFER;
    memcpy(out, props, sizeof props);
    *returned = sizeof props;
    return IFD_SUCCESS;
}

static RESPONSECODE status_word(PUCHAR out, DWORD cap, LPDWORD returned, unsigned sw)
{
    if (cap < 2) return IFD_ERROR_INSUFFICIENT_BUFFER;
    out[0] = (unsigned char)(sw >> 8);
    out[1] = (unsigned char)sw;
    *returned = 2;
    return IFD_SUCCESS;
}

/* Waits for the entries the structure asks for (modify: the current PIN
 * when bConfirmPIN bit 1, the new one, its confirmation when bit 0), each
 * checked against wPINMaxExtraDigit as it is entered. Returns the 64xx the
 * reader answers, or 0 when all entries are in pins[]. */
static unsigned read_entries(struct slot* s, unsigned slot_no, const struct pp_format* f, int count, char pins[3][64])
{
    unsigned timeout = f->timeout ? f->timeout : DEFAULT_TIMEOUT_S;
    for (int i = 0; i < count; i++) {
        switch (kp_next(s->keypad, timeout, pins[i], sizeof pins[i])) {
        case KP_CANCEL: note("keypad: the user pressed cancel (6401)", slot_no); return 0x6401;
        case KP_TIMEOUT: note("keypad: no PIN entered in time (6400)", slot_no); return 0x6400;
        case KP_ERROR: note("keypad: cannot read the keypad queue", slot_no); return 0x6401;
        case KP_DIGITS: break;
        }
        size_t n = strlen(pins[i]);
        if (n < f->min_digits || n > f->max_digits) {
            note("keypad: PIN length outside the limits of the block (6403)", slot_no);
            return 0x6403;
        }
    }
    return 0;
}

static RESPONSECODE pin_entry(struct slot* s, unsigned slot_no, int modify, PUCHAR tx, DWORD tx_len, PUCHAR rx,
                              DWORD rx_cap, LPDWORD returned)
{
    struct pp_format f;
    char pins[3][64];
    unsigned char apdu[5 + 255 + 1];
    size_t apdu_len = 0;
    enum pp_result r = modify ? pp_parse_modify(tx, tx_len, &f) : pp_parse_verify(tx, tx_len, &f);
    if (r == PP_BAD_STRUCTURE) {
        note("PIN block: lengths do not add up (refused, as the CCID driver does)", slot_no);
        return IFD_NOT_SUPPORTED;
    }
    if (r != PP_OK) {
        note("PIN block rejected by the reader (format, limits or template)", slot_no);
        return IFD_COMMUNICATION_ERROR;
    }
    int has_old = modify && (f.confirm & 0x02);
    int count = modify ? 1 + has_old + (f.confirm & 0x01) : 1;
    memset(pins, 0, sizeof pins);
    unsigned sw = read_entries(s, slot_no, &f, count, pins);
    if (sw == 0) {
        if (modify)
            r = pp_build_modify(&f, has_old ? pins[0] : NULL, pins[has_old],
                                (f.confirm & 0x01) ? pins[count - 1] : NULL, apdu, sizeof apdu, &apdu_len);
        else
            r = pp_build_verify(&f, pins[0], apdu, sizeof apdu, &apdu_len);
    }
    memset(pins, 0, sizeof pins);
    if (sw != 0) return status_word(rx, rx_cap, returned, sw);
    switch (r) {
    case PP_OK: break;
    case PP_MISMATCH:
        note("keypad: new PIN and confirmation differ (6402)", slot_no);
        return status_word(rx, rx_cap, returned, 0x6402);
    case PP_LENGTH:
        note("keypad: PIN does not fit the PIN block (6403)", slot_no);
        return status_word(rx, rx_cap, returned, 0x6403);
    default: note("PIN block rejected by the reader", slot_no); return IFD_COMMUNICATION_ERROR;
    }
    pthread_mutex_lock(&s->lock);
    long n = exchange(s, apdu, apdu_len, rx, rx_cap);
    pthread_mutex_unlock(&s->lock);
    memset(apdu, 0, sizeof apdu);
    if (n < 2) return IFD_COMMUNICATION_ERROR;
    *returned = (DWORD)n;
    char msg[96];
    snprintf(msg, sizeof msg, "keypad: %s sent to the card, SW %02X%02X", modify ? "PIN change" : "PIN verify",
             rx[n - 2], rx[n - 1]);
    note(msg, slot_no);
    return IFD_SUCCESS;
}

RESPONSECODE IFDHControl(DWORD Lun, DWORD dwControlCode, PUCHAR TxBuffer, DWORD TxLength, PUCHAR RxBuffer,
                         DWORD RxLength, LPDWORD pdwBytesReturned)
{
    struct slot* s = slot_of(Lun);
    if (s == NULL || pdwBytesReturned == NULL) return IFD_COMMUNICATION_ERROR;
    *pdwBytesReturned = 0;
    if (dwControlCode == CM_IOCTL_GET_FEATURE_REQUEST) return features(RxBuffer, RxLength, pdwBytesReturned);
    if (dwControlCode == PINPAD_IOCTL(FEATURE_IFD_PIN_PROPERTIES))
        return pin_properties(RxBuffer, RxLength, pdwBytesReturned);
    if (dwControlCode == PINPAD_IOCTL(FEATURE_GET_TLV_PROPERTIES))
        return tlv_properties(RxBuffer, RxLength, pdwBytesReturned);
    if (dwControlCode == PINPAD_IOCTL(FEATURE_VERIFY_PIN_DIRECT))
        return pin_entry(s, (unsigned)(Lun & 0xFFFF), 0, TxBuffer, TxLength, RxBuffer, RxLength, pdwBytesReturned);
    if (dwControlCode == PINPAD_IOCTL(FEATURE_MODIFY_PIN_DIRECT))
        return pin_entry(s, (unsigned)(Lun & 0xFFFF), 1, TxBuffer, TxLength, RxBuffer, RxLength, pdwBytesReturned);
    return IFD_ERROR_NOT_SUPPORTED;
}
