/* keepalived's notify arguments: the input split at NUL bytes into argv, the way
 * execve hands them over (at most 16). */
#include "fuzz.h"
#include "notification.h"

#define FUZZ_ARGS_MAX 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[FUZZ_ARGS_MAX];
    int argc = 0;
    for (char *arg = text; argc < FUZZ_ARGS_MAX && arg <= text + size; arg += strlen(arg) + 1)
        argv[argc++] = arg;
    struct notification n;
    char err[300];
    if (notification_parse_args(argc, argv, &n, err, sizeof(err)) == 0) {
        char formatted[300];
        notification_format(&n, formatted, sizeof(formatted));
        (void)notification_matches(&n, "VI_1");
    }
    free(text);
    return 0;
}
