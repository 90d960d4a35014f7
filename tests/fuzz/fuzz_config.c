/* agent.conf text through inih and the key table (config_parse_string): any byte
 * string is either a config or one error line; the result is printed as INI, as
 * config-test does, so that every field set is also read. */
#include <stdio.h>

#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_string(data, size);
    static struct config cfg;
    char err[512] = "";
    if (config_parse_string(&cfg, "fuzz.conf", text, err, sizeof(err)) == 0) {
        FILE *out = fopen("/dev/null", "w");
        config_print(&cfg, out);
        fclose(out);
    } else if (err[0] == '\0') {
        abort(); /* a refusal must say why */
    }
    free(text);
    return 0;
}
