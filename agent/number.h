/* Numbers read from text that is not ours (INFO from the network, keepalived.conf,
 * files in run_dir): atoi's overflow is undefined behaviour, this is not. */
#ifndef RVA_NUMBER_H
#define RVA_NUMBER_H

/* The decimal number at the start of text, read as atoi reads it (leading blanks, a
 * sign, then digits; whatever follows is ignored), or `fallback` when there is none
 * or it lies outside [min, max]. */
long long number_prefix(const char *text, long long min, long long max, long long fallback);

/* The same for an int, with the whole int range allowed. */
int int_prefix(const char *text, int fallback);

#endif
