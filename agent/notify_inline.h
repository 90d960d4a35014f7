/* `notify` without a daemon: run the transition in this process, one at a time per
 * host (a lock in run_dir), a newer notification superseding the running one. */
#ifndef RVA_NOTIFY_INLINE_H
#define RVA_NOTIFY_INLINE_H

#include "config.h"
#include "notification.h"

/* Returns the process exit status: 0 done or superseded, 1 failed. */
int notify_run_inline(const struct config *cfg, const struct notification *n);

#endif
