/* The keypad of the test PIN-pad reader: what `scripts/vcard-ctl keypad`
 * queued for the next PIN entries of one reader slot, one entry a line in
 * DIR/keypad-PORT ("123456", "cancel" or "timeout"), taken under flock. */
#ifndef TESSERA_KEYPAD_QUEUE_H
#define TESSERA_KEYPAD_QUEUE_H

#include <stddef.h>

enum kp_entry { KP_DIGITS, KP_CANCEL, KP_TIMEOUT, KP_ERROR };

/* Waits up to timeout_s seconds for the next entry of the queue at path and
 * takes it. KP_DIGITS puts the digits into buf (cap bytes, NUL-terminated);
 * the caller wipes buf. Nothing queued within the time: KP_TIMEOUT, as a
 * real reader answers when nobody types. */
enum kp_entry kp_next(const char* path, unsigned timeout_s, char* buf, size_t cap);

#endif
