/* Redis failure classification and wording. */
#include "redis_error.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const char *redis_endpoint_name(const struct redis_endpoint *ep, char *buf, size_t size) {
    if (ep->unix_socket[0])
        snprintf(buf, size, "%s", ep->unix_socket);
    else
        snprintf(buf, size, "%s:%d", ep->host, ep->port);
    return buf;
}

enum redis_status redis_status_from_io(int hiredis_err, int saved_errno) {
#ifdef REDIS_ERR_TIMEOUT /* hiredis 1.x; 0.14 reports a timeout as REDIS_ERR_IO + errno */
    if (hiredis_err == REDIS_ERR_TIMEOUT)
        return REDIS_STATUS_TIMEOUT;
#endif
    if (hiredis_err == REDIS_ERR_EOF)
        return REDIS_STATUS_CLOSED;
    if (hiredis_err == REDIS_ERR_PROTOCOL)
        return REDIS_STATUS_PROTOCOL;
    /* errno belongs to the failure only for an I/O error (0: hiredis 0.14 leaves err
     * unset in the connect callback); a name that did not resolve is REDIS_ERR_OTHER. */
    if (hiredis_err != REDIS_ERR_IO && hiredis_err != 0)
        return REDIS_STATUS_IO;
    switch (saved_errno) {
    case EAGAIN:
    case ETIMEDOUT:
    case EINPROGRESS: return REDIS_STATUS_TIMEOUT;
    case ECONNREFUSED:
    case ENOENT: return REDIS_STATUS_REFUSED;
    default: return REDIS_STATUS_IO;
    }
}

enum redis_status redis_status_from_error_reply(const char *text) {
    size_t code_len = strcspn(text, " ");
    bool auth = (code_len == 6 && strncmp(text, "NOAUTH", 6) == 0) ||
                (code_len == 9 && strncmp(text, "WRONGPASS", 9) == 0);
    return auth ? REDIS_STATUS_AUTH : REDIS_STATUS_REPLY;
}

void redis_failure_describe(char *out, size_t size, enum redis_status status,
                            const struct redis_endpoint *ep, const char *doing, int timeout_ms,
                            const char *detail) {
    char name[CONFIG_PATH_MAX + 16];
    redis_endpoint_name(ep, name, sizeof(name));
    switch (status) {
    case REDIS_STATUS_OK: snprintf(out, size, "ok"); break;
    case REDIS_STATUS_REFUSED: snprintf(out, size, "connect refused %s", name); break;
    case REDIS_STATUS_TIMEOUT:
        snprintf(out, size, "timeout after %d ms (%s %s)", timeout_ms, name, doing);
        break;
    case REDIS_STATUS_AUTH:
        snprintf(out, size, "auth failed for %s%s%s: %s", name, ep->user[0] ? " user " : "",
                 ep->user, detail);
        break;
    case REDIS_STATUS_CLOSED:
        snprintf(out, size, "connection closed by %s during %s", name, doing);
        break;
    case REDIS_STATUS_IO:
        snprintf(out, size, "%s %s: %s", doing, name, detail[0] ? detail : "I/O error");
        break;
    case REDIS_STATUS_PROTOCOL:
        snprintf(out, size, "garbage reply from %s during %s: %s", name, doing, detail);
        break;
    case REDIS_STATUS_REPLY: snprintf(out, size, "%s from %s: %s", doing, name, detail); break;
    }
}
