/* keepalived.conf text for `config-test`: find the instance, then write the timing
 * report and the cross-check against the agent's settings, as config-test does. */
#include "fuzz.h"
#include "keepalived_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_string(data, size);
    static struct keepalived_instance ki;
    char err[1024];
    const char *instance = size > 0 && data[0] & 1 ? "VI_1" : "";
    if (keepalived_conf_find(text, instance, &ki, err, sizeof(err)) == 0) {
        static char report[16384];
        keepalived_conf_report(&ki, "fuzz.conf", report, sizeof(report));
        keepalived_conf_cross_check(&ki, "fuzz.conf", "/run/redis-vrrp-agent/track", 0,
                                    "/run/redis-vrrp-agent/notify.fifo", report, sizeof(report));
    }
    free(text);
    return 0;
}
