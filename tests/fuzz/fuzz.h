/* What every fuzz target shares: quiet logs (a parser's warnings for bad input are
 * expected, millions of times) and the input as a NUL-terminated string, since the
 * parsers read C strings. */
#ifndef RVA_FUZZ_H
#define RVA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    log_setup(LOG_TARGET_STDERR, LOG_LEVEL_ERROR, NULL);
    return 0;
}

/* The input, cut at its first NUL (as a C string reader sees it); free() it. */
static inline char *fuzz_string(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
