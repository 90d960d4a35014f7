/* keepalived.conf with its `include` directives followed, as one text for
 * keepalived_conf_find(). Each file's text is preceded by a marker line that tells
 * the parser which file, and which line of it, the text after it comes from. */
#ifndef RVA_KEEPALIVED_INCLUDE_H
#define RVA_KEEPALIVED_INCLUDE_H

#include <stddef.h>

/* The marker: KEEPALIVED_MARK, the file's path, KEEPALIVED_MARK_LINE, the number of
 * the line that follows the marker, newline. Neither byte occurs in a config. */
#define KEEPALIVED_MARK      '\001'
#define KEEPALIVED_MARK_LINE '\002'

/* Read path and every file its includes name (glob patterns; relative ones from the
 * including file's directory, as keepalived does; at most 8 levels deep) into out.
 * Returns 0, or a negative errno with err naming the file (and the include line). */
int keepalived_conf_load(const char *path, char *out, size_t size, char *err, size_t err_size);

#endif
