/* Bytes off a Redis connection: hiredis's reader (the parser the agent's links use)
 * makes replies of them, and the agent's classifier judges the first as the PING
 * reply and the second as INFO's, as the check does; an error reply's text is also
 * classified (AUTH or not), as every link does. */
#include <hiredis/hiredis.h>

#include "check.h"
#include "fuzz.h"
#include "redis_error.h"

#define FUZZ_REPLIES_MAX 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    redisReader *reader = redisReaderCreate();
    redisReaderFeed(reader, (const char *)data, size);
    redisReply *replies[FUZZ_REPLIES_MAX];
    int count = 0;
    void *reply = NULL;
    while (count < FUZZ_REPLIES_MAX && redisReaderGetReply(reader, &reply) == REDIS_OK && reply)
        replies[count++] = reply;
    struct check_result result;
    struct redis_info info;
    if (count >= 1) {
        check_judge_ping(replies[0], &result);
        if (count >= 2)
            check_judge_info(replies[1], &result, &info);
    }
    for (int i = 0; i < count; i++) {
        if (replies[i]->type == REDIS_REPLY_ERROR)
            (void)redis_status_from_error_reply(replies[i]->str);
        freeReplyObject(replies[i]);
    }
    redisReaderFree(reader);
    return 0;
}
