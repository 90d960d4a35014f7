/* The notify FIFO as a byte stream: the input's first byte seeds where the rest is
 * cut into reads (as a pipe may deliver a line in pieces); every notification that
 * comes out must be a well-formed one. */
#include "fuzz.h"
#include "notify_fifo.h"

static void on_notification(const struct notification *n, void *userdata) {
    unsigned long *count = userdata;
    if (n->state > VRRP_STATE_STOP || n->name[sizeof(n->name) - 1] != '\0')
        abort();
    (*count)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    unsigned long count = 0;
    struct notify_fifo f = {
        .path = "fuzz.fifo", .fd = -1, .on_notification = on_notification, .userdata = &count
    };
    unsigned seed = data[0];
    const char *stream = (const char *)data + 1;
    size_t left = size - 1;
    while (left > 0) {
        seed = seed * 1103515245u + 12345u; /* a fixed LCG: the same input, the same cuts */
        size_t piece = 1 + (seed >> 16) % 700;
        if (piece > left)
            piece = left;
        notify_fifo_feed(&f, stream, piece);
        stream += piece;
        left -= piece;
    }
    if (f.used >= sizeof(f.buf))
        abort();
    return 0;
}
