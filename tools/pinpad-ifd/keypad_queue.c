/* keypad_queue.h: taking the next queued PIN entry. The file is rewritten
 * without its first line (temporary file + rename), under an flock on
 * PATH.lock that scripts/vcard-ctl takes too when it appends. */
#include "keypad_queue.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

enum { QUEUE_MAX = 4096 };

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1: took the first line into line; 0: queue empty; -1: error. */
static int take_line(const char* path, char* line, size_t cap)
{
    char queue[QUEUE_MAX + 1];
    char tmp[4096];
    FILE* in = fopen(path, "r");
    if (in == NULL) return 0;
    size_t n = fread(queue, 1, QUEUE_MAX, in);
    fclose(in);
    queue[n] = '\0';
    char* nl = strchr(queue, '\n');
    size_t first = nl ? (size_t)(nl - queue) : n;
    if (n == 0) return 0;
    if (first >= cap) return -1;
    memcpy(line, queue, first);
    line[first] = '\0';
    const char* rest = nl ? nl + 1 : queue + n;
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return -1;
    FILE* out = fopen(tmp, "w");
    if (out == NULL) return -1;
    fputs(rest, out);
    if (fclose(out) != 0 || rename(tmp, path) != 0) return -1;
    memset(queue, 0, sizeof queue);
    return 1;
}

static int take_locked(const char* path, char* line, size_t cap)
{
    char lock[4096];
    if (snprintf(lock, sizeof lock, "%s.lock", path) >= (int)sizeof lock) return -1;
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return -1;
    flock(fd, LOCK_EX);
    int r = take_line(path, line, cap);
    flock(fd, LOCK_UN);
    close(fd);
    return r;
}

enum kp_entry kp_next(const char* path, unsigned timeout_s, char* buf, size_t cap)
{
    long deadline = now_ms() + (long)timeout_s * 1000;
    for (;;) {
        int r = take_locked(path, buf, cap);
        if (r < 0) return KP_ERROR;
        if (r > 0) {
            if (strcmp(buf, "cancel") == 0) return KP_CANCEL;
            if (strcmp(buf, "timeout") == 0) return KP_TIMEOUT;
            return KP_DIGITS;
        }
        if (now_ms() >= deadline) return KP_TIMEOUT;
        sleep_ms(50);
    }
}
