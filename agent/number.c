/* Bounded number reading (see number.h). */
#include "number.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

long long number_prefix(const char *text, long long min, long long max, long long fallback) {
    char *end;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (end == text || errno == ERANGE || value < min || value > max)
        return fallback;
    return value;
}

int int_prefix(const char *text, int fallback) {
    return (int)number_prefix(text, INT_MIN, INT_MAX, fallback);
}
