/* The control socket in run_dir (control.sock, mode 0600): one request line per
 * connection, one reply, then close. The daemon serves it; `notify`, `status` and
 * `maintenance` are its clients. */
#ifndef RVA_CONTROL_H
#define RVA_CONTROL_H

#include <stddef.h>
#include <sys/un.h>
#include <systemd/sd-event.h>

#define CONTROL_REPLY_MAX 8192

/* Handle one request line; write the reply (first line "ok" or "error: ...") into
 * reply. */
typedef void (*control_handler_fn)(const char *request, char *reply, size_t reply_size,
                                   void *userdata);

struct control_server {
    char path[300];
    int fd;
    sd_event_source *source;
    control_handler_fn handler;
    void *userdata;
};

int control_server_open(struct control_server *cs, sd_event *event, const char *run_dir,
                        control_handler_fn handler, void *userdata);
void control_server_close(struct control_server *cs);

/* Shared by both sides (control_client.c). */
int control_socket_address(const char *run_dir, struct sockaddr_un *sa, char *path,
                           size_t path_size);
void control_set_timeouts(int fd, int ms);
void control_write_all(int fd, const char *data, size_t len);

/* Send one request to the daemon of run_dir and read its reply. Returns 0, -ENOENT
 * or -ECONNREFUSED when no daemon listens there, or another negative errno. */
int control_request(const char *run_dir, const char *request, char *reply, size_t reply_size);

#endif
