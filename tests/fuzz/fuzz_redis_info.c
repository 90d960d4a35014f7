/* INFO replication text, as a peer (over the network) or the local server sends it. */
#include "fuzz.h"
#include "redis_info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_string(data, size);
    struct redis_info info;
    if (redis_info_parse(text, &info) == 0) {
        (void)redis_info_data_offset(&info);
        (void)redis_info_version_at_least(&info, 7, 0);
        (void)redis_role_to_string(info.role);
    }
    free(text);
    return 0;
}
