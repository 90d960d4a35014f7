/* The control socket's protocol: the input written to a stream socket as a client
 * would, read back by the daemon's framing, then parsed. A refusal must say why. */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control_request.h"
#include "fuzz.h"

#define FUZZ_SOCKET_BYTES_MAX 65536 /* fits a socketpair's buffer: the write never blocks */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > FUZZ_SOCKET_BYTES_MAX)
        return 0;
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
        abort();
    if (size > 0 && write(fds[1], data, size) != (ssize_t)size)
        abort();
    close(fds[1]);
    char line[CONTROL_REQUEST_MAX];
    ssize_t n = control_read_line(fds[0], line, sizeof(line));
    close(fds[0]);
    if ((n < 0 && n != -EMSGSIZE) || n >= (ssize_t)sizeof(line) || strlen(line) >= sizeof(line))
        abort();
    if (n <= 0)
        return 0; /* the daemon parses only a complete request */
    struct control_request request;
    char err[400] = "";
    if (control_request_parse(line, &request, err, sizeof(err)) < 0 && err[0] == '\0')
        abort();
    return 0;
}
