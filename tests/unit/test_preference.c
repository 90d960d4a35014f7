/* Unit tests for preference.c: reading the record from HGETALL's pairs (valid ones,
 * and one named case per malformed field with the reason it gives), the level and
 * description each node derives from it, and node_id_load in a temporary state_dir. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preference.h"

/* Two node ids, as node_id_load writes them. */
#define ME    "0123456789abcdef0123456789abcdef"
#define OTHER "fedcba9876543210fedcba9876543210"

/* ---- preference_record_from_fields ---- */

/* HGETALL's reply: field, value, field, value... */
struct fields {
    const char *v[12];
    size_t pairs;
};

#define N_PAIRS(...) (sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *) / 2)
#define FIELDS(...) \
    { .v = { __VA_ARGS__ }, .pairs = N_PAIRS(__VA_ARGS__) }

static int read_record(const struct fields *f, struct preference_record *out, char *why,
                       size_t why_size) {
    return preference_record_from_fields(f->v, f->pairs, out, why, why_size);
}

static void test_record_without_pairs_is_not_present(void **state) {
    (void)state;
    struct preference_record r;
    memset(&r, 0xff, sizeof(r)); /* whatever was there before */
    char why[256] = "";
    assert_int_equal(preference_record_from_fields(NULL, 0, &r, why, sizeof(why)), 0);
    assert_false(r.present);
}

static void test_record_preferring_a_node_is_read(void **state) {
    (void)state;
    const struct fields f = FIELDS("epoch", "7", "verb", "prefer", "node", ME);
    struct preference_record r;
    char why[256] = "";
    assert_int_equal(read_record(&f, &r, why, sizeof(why)), 0);
    assert_true(r.present);
    assert_int_equal(r.epoch, 7);
    assert_int_equal(r.verb, PREFERENCE_PREFER);
    assert_string_equal(r.node, ME);
}

static void test_record_avoiding_a_node_is_read(void **state) {
    (void)state;
    const struct fields f = FIELDS("epoch", "12", "verb", "avoid", "node", OTHER);
    struct preference_record r;
    char why[256] = "";
    assert_int_equal(read_record(&f, &r, why, sizeof(why)), 0);
    assert_true(r.present);
    assert_int_equal(r.epoch, 12);
    assert_int_equal(r.verb, PREFERENCE_AVOID);
    assert_string_equal(r.node, OTHER);
}

/* The fields for people (when, by whom) and any order are accepted. */
static void test_record_ignores_extra_fields_in_any_order(void **state) {
    (void)state;
    const struct fields f =
        FIELDS("at", "1700000000", "node", ME, "by", "ops", "verb", "avoid", "epoch", "3");
    struct preference_record r;
    char why[256] = "";
    assert_int_equal(read_record(&f, &r, why, sizeof(why)), 0);
    assert_true(r.present);
    assert_int_equal(r.epoch, 3);
    assert_int_equal(r.verb, PREFERENCE_AVOID);
    assert_string_equal(r.node, ME);
}

/* A malformed record and the whole reason it gives. */
struct malformed_case {
    struct fields fields;
    const char *why;
};

#define KEY PREFERENCE_KEY ": "

static const struct malformed_case epoch_missing_is_refused = {
    FIELDS("verb", "prefer", "node", ME),
    KEY "epoch missing is not a number from 1 to 1000000000000000"
};
static const struct malformed_case epoch_zero_is_refused = {
    FIELDS("epoch", "0", "verb", "prefer", "node", ME),
    KEY "epoch 0 is not a number from 1 to 1000000000000000"
};
static const struct malformed_case epoch_negative_is_refused = {
    FIELDS("epoch", "-4", "verb", "prefer", "node", ME),
    KEY "epoch -4 is not a number from 1 to 1000000000000000"
};
static const struct malformed_case epoch_not_a_number_is_refused = {
    FIELDS("epoch", "seven", "verb", "prefer", "node", ME),
    KEY "epoch seven is not a number from 1 to 1000000000000000"
};
static const struct malformed_case epoch_with_trailing_text_is_refused = {
    FIELDS("epoch", "7x", "verb", "prefer", "node", ME),
    KEY "epoch 7x is not a number from 1 to 1000000000000000"
};
static const struct malformed_case epoch_empty_is_refused = {
    FIELDS("epoch", "", "verb", "prefer", "node", ME),
    KEY "epoch  is not a number from 1 to 1000000000000000"
};
static const struct malformed_case verb_missing_is_refused = {
    FIELDS("epoch", "7", "node", ME), KEY "verb missing is neither prefer nor avoid"
};
static const struct malformed_case verb_unknown_is_refused = {
    FIELDS("epoch", "7", "verb", "yield", "node", ME), KEY "verb yield is neither prefer nor avoid"
};
static const struct malformed_case verb_in_upper_case_is_refused = {
    FIELDS("epoch", "7", "verb", "PREFER", "node", ME),
    KEY "verb PREFER is neither prefer nor avoid"
};
static const struct malformed_case node_missing_is_refused = {
    FIELDS("epoch", "7", "verb", "prefer"), KEY "node missing is not a node id (32 hex digits)"
};
static const struct malformed_case node_one_digit_short_is_refused = {
    FIELDS("epoch", "7", "verb", "prefer", "node", "0123456789abcdef0123456789abcde"),
    KEY "node 0123456789abcdef0123456789abcde is not a node id (32 hex digits)"
};
static const struct malformed_case node_one_digit_long_is_refused = {
    FIELDS("epoch", "7", "verb", "prefer", "node", ME "0"),
    KEY "node " ME "0 is not a node id (32 hex digits)"
};
static const struct malformed_case node_empty_is_refused = {
    FIELDS("epoch", "7", "verb", "prefer", "node", ""), KEY "node  is not a node id (32 hex digits)"
};
static const struct malformed_case node_with_a_non_hex_digit_is_refused = {
    FIELDS("epoch", "7", "verb", "avoid", "node", "0123456789abcdef0123456789abcdeg"),
    KEY "node 0123456789abcdef0123456789abcdeg is not a node id (32 hex digits)"
};
static const struct malformed_case node_in_upper_case_is_refused = {
    FIELDS("epoch", "7", "verb", "avoid", "node", "0123456789ABCDEF0123456789ABCDEF"),
    KEY "node 0123456789ABCDEF0123456789ABCDEF is not a node id (32 hex digits)"
};
/* The reason quotes at most 40 characters of what was found. */
static const struct malformed_case node_far_too_long_is_quoted_in_part = {
    FIELDS("epoch", "7", "verb", "avoid", "node", ME ME),
    KEY "node " ME "01234567 is not a node id (32 hex digits)"
};

static void run_malformed_case(void **state) {
    const struct malformed_case *c = *state;
    struct preference_record r;
    char why[256] = "";
    int ret = read_record(&c->fields, &r, why, sizeof(why));
    if (ret != -EBADMSG || strcmp(why, c->why) != 0)
        print_error("returned %d (%s), expected -EBADMSG (%s)\n", ret, why, c->why);
    assert_int_equal(ret, -EBADMSG);
    assert_string_equal(why, c->why);
    assert_false(r.present);
}

#define MALFORMED_TEST(c) \
    { .name = "test_record_" #c, .test_func = run_malformed_case, .initial_state = (void *)&(c) }

/* ---- preference_level, preference_describe ---- */

static struct preference_record record(enum preference_verb verb, const char *node) {
    struct preference_record r = { .present = true, .epoch = 1, .verb = verb };
    snprintf(r.node, sizeof(r.node), "%s", node);
    return r;
}

static const struct preference_record nothing_recorded = { .present = false };

static void test_level_prefer_me_is_preferred(void **state) {
    (void)state;
    struct preference_record r = record(PREFERENCE_PREFER, ME);
    assert_int_equal(preference_level(&r, ME, PREFERENCE_LEVEL_YIELD), PREFERENCE_LEVEL_PREFERRED);
    assert_int_equal(PREFERENCE_LEVEL_PREFERRED, 0);
}

static void test_level_prefer_the_other_yields(void **state) {
    (void)state;
    struct preference_record r = record(PREFERENCE_PREFER, OTHER);
    assert_int_equal(preference_level(&r, ME, PREFERENCE_LEVEL_PREFERRED), PREFERENCE_LEVEL_YIELD);
    assert_int_equal(PREFERENCE_LEVEL_YIELD, 1);
}

static void test_level_avoid_me_yields(void **state) {
    (void)state;
    struct preference_record r = record(PREFERENCE_AVOID, ME);
    assert_int_equal(preference_level(&r, ME, PREFERENCE_LEVEL_PREFERRED), PREFERENCE_LEVEL_YIELD);
}

static void test_level_avoid_the_other_is_preferred(void **state) {
    (void)state;
    struct preference_record r = record(PREFERENCE_AVOID, OTHER);
    assert_int_equal(preference_level(&r, ME, PREFERENCE_LEVEL_YIELD), PREFERENCE_LEVEL_PREFERRED);
}

/* The preference file keeps what the last record said. */
static void test_level_with_nothing_recorded_keeps_the_current_one(void **state) {
    (void)state;
    assert_int_equal(preference_level(&nothing_recorded, ME, PREFERENCE_LEVEL_PREFERRED),
                     PREFERENCE_LEVEL_PREFERRED);
    assert_int_equal(preference_level(&nothing_recorded, ME, PREFERENCE_LEVEL_YIELD),
                     PREFERENCE_LEVEL_YIELD);
}

static void test_describe_says_which_node_is_preferred(void **state) {
    (void)state;
    struct preference_record prefer_me = record(PREFERENCE_PREFER, ME);
    struct preference_record prefer_other = record(PREFERENCE_PREFER, OTHER);
    struct preference_record avoid_me = record(PREFERENCE_AVOID, ME);
    struct preference_record avoid_other = record(PREFERENCE_AVOID, OTHER);
    assert_string_equal(preference_describe(&prefer_me, ME), "prefers this node");
    assert_string_equal(preference_describe(&prefer_other, ME), "prefers the peer");
    assert_string_equal(preference_describe(&avoid_me, ME), "prefers the peer");
    assert_string_equal(preference_describe(&avoid_other, ME), "prefers this node");
    /* The same record read on the other node says the opposite. */
    assert_string_equal(preference_describe(&prefer_me, OTHER), "prefers the peer");
    assert_string_equal(preference_describe(&avoid_me, OTHER), "prefers this node");
}

static void test_describe_with_nothing_recorded_says_so(void **state) {
    (void)state;
    assert_string_equal(preference_describe(&nothing_recorded, ME), "nothing recorded");
}

/* ---- node_id_load ---- */

/* Each test gets an empty directory under /tmp; teardown removes it and all in it. */
struct temp_dir {
    char path[64];
};

static int make_temp_dir(void **state) {
    struct temp_dir *d = calloc(1, sizeof(*d));
    if (!d)
        return -1;
    snprintf(d->path, sizeof(d->path), "/tmp/rva-test-preference-XXXXXX");
    if (!mkdtemp(d->path)) {
        free(d);
        return -1;
    }
    *state = d;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static int remove_temp_dir(void **state) {
    struct temp_dir *d = *state;
    int r = nftw(d->path, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(d);
    return r;
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static void read_whole_file(const char *path, char *out, size_t size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    ssize_t n = read(fd, out, size - 1);
    assert_true(n >= 0);
    out[n] = '\0';
    close(fd);
}

static bool is_node_id(const char *s) {
    return strlen(s) == NODE_ID_LEN && strspn(s, "0123456789abcdef") == NODE_ID_LEN;
}

static void test_node_id_is_created_on_first_use(void **state) {
    const struct temp_dir *d = *state;
    char id[NODE_ID_LEN + 1], err[512] = "";
    int r = node_id_load(d->path, id, err, sizeof(err));
    if (r < 0)
        print_error("node_id_load: %s\n", err);
    assert_int_equal(r, 0);
    assert_true(is_node_id(id));
    char path[128], text[128];
    snprintf(path, sizeof(path), "%s/node-id", d->path);
    read_whole_file(path, text, sizeof(text));
    char expected[NODE_ID_LEN + 2];
    snprintf(expected, sizeof(expected), "%s\n", id);
    assert_string_equal(text, expected);
}

static void test_node_id_is_the_same_on_the_second_call(void **state) {
    const struct temp_dir *d = *state;
    char first[NODE_ID_LEN + 1], second[NODE_ID_LEN + 1], err[512] = "";
    assert_int_equal(node_id_load(d->path, first, err, sizeof(err)), 0);
    assert_int_equal(node_id_load(d->path, second, err, sizeof(err)), 0);
    assert_string_equal(first, second);
}

/* Two nodes set up alike still get two ids: they are random. */
static void test_node_id_differs_between_state_dirs(void **state) {
    const struct temp_dir *d = *state;
    char a[128], b[128], id_a[NODE_ID_LEN + 1], id_b[NODE_ID_LEN + 1], err[512] = "";
    snprintf(a, sizeof(a), "%s/a", d->path);
    snprintf(b, sizeof(b), "%s/b", d->path);
    assert_int_equal(node_id_load(a, id_a, err, sizeof(err)), 0);
    assert_int_equal(node_id_load(b, id_b, err, sizeof(err)), 0);
    assert_string_not_equal(id_a, id_b);
}

static void test_node_id_file_holding_garbage_is_refused_and_kept(void **state) {
    const struct temp_dir *d = *state;
    char path[128];
    snprintf(path, sizeof(path), "%s/node-id", d->path);
    write_file(path, "not a node id\n");
    char id[NODE_ID_LEN + 1], err[512] = "";
    assert_int_equal(node_id_load(d->path, id, err, sizeof(err)), -EBADMSG);
    char expected[256];
    snprintf(expected, sizeof(expected),
             "%s: not a node id (32 hex digits); remove it to make a new one", path);
    assert_string_equal(err, expected);
    char text[128];
    read_whole_file(path, text, sizeof(text));
    assert_string_equal(text, "not a node id\n");
}

/* An id edited into upper case would not match the one the peer reads in the record. */
static void test_node_id_file_in_upper_case_is_refused(void **state) {
    const struct temp_dir *d = *state;
    char path[128];
    snprintf(path, sizeof(path), "%s/node-id", d->path);
    write_file(path, "0123456789ABCDEF0123456789ABCDEF\n");
    char id[NODE_ID_LEN + 1], err[512] = "";
    assert_int_equal(node_id_load(d->path, id, err, sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, path));
}

static void test_node_id_creates_a_missing_state_dir(void **state) {
    const struct temp_dir *d = *state;
    char dir[128], path[160];
    snprintf(dir, sizeof(dir), "%s/var/lib/redis-vrrp-agent", d->path);
    snprintf(path, sizeof(path), "%s/node-id", dir);
    char id[NODE_ID_LEN + 1], err[512] = "";
    int r = node_id_load(dir, id, err, sizeof(err));
    if (r < 0)
        print_error("node_id_load: %s\n", err);
    assert_int_equal(r, 0);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    char text[128], expected[NODE_ID_LEN + 2];
    read_whole_file(path, text, sizeof(text));
    snprintf(expected, sizeof(expected), "%s\n", id);
    assert_string_equal(text, expected);
}

static void test_node_id_in_a_state_dir_that_is_a_file_names_the_path(void **state) {
    const struct temp_dir *d = *state;
    char dir[128], path[160];
    snprintf(dir, sizeof(dir), "%s/file", d->path);
    write_file(dir, "x\n");
    snprintf(path, sizeof(path), "%s/node-id", dir);
    char id[NODE_ID_LEN + 1], err[512] = "";
    assert_int_equal(node_id_load(dir, id, err, sizeof(err)), -ENOTDIR);
    assert_non_null(strstr(err, path));
}

#define TEMP_DIR_TEST(f) cmocka_unit_test_setup_teardown(f, make_temp_dir, remove_temp_dir)

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_without_pairs_is_not_present),
        cmocka_unit_test(test_record_preferring_a_node_is_read),
        cmocka_unit_test(test_record_avoiding_a_node_is_read),
        cmocka_unit_test(test_record_ignores_extra_fields_in_any_order),
        MALFORMED_TEST(epoch_missing_is_refused),
        MALFORMED_TEST(epoch_zero_is_refused),
        MALFORMED_TEST(epoch_negative_is_refused),
        MALFORMED_TEST(epoch_not_a_number_is_refused),
        MALFORMED_TEST(epoch_with_trailing_text_is_refused),
        MALFORMED_TEST(epoch_empty_is_refused),
        MALFORMED_TEST(verb_missing_is_refused),
        MALFORMED_TEST(verb_unknown_is_refused),
        MALFORMED_TEST(verb_in_upper_case_is_refused),
        MALFORMED_TEST(node_missing_is_refused),
        MALFORMED_TEST(node_one_digit_short_is_refused),
        MALFORMED_TEST(node_one_digit_long_is_refused),
        MALFORMED_TEST(node_empty_is_refused),
        MALFORMED_TEST(node_with_a_non_hex_digit_is_refused),
        MALFORMED_TEST(node_in_upper_case_is_refused),
        MALFORMED_TEST(node_far_too_long_is_quoted_in_part),
        cmocka_unit_test(test_level_prefer_me_is_preferred),
        cmocka_unit_test(test_level_prefer_the_other_yields),
        cmocka_unit_test(test_level_avoid_me_yields),
        cmocka_unit_test(test_level_avoid_the_other_is_preferred),
        cmocka_unit_test(test_level_with_nothing_recorded_keeps_the_current_one),
        cmocka_unit_test(test_describe_says_which_node_is_preferred),
        cmocka_unit_test(test_describe_with_nothing_recorded_says_so),
        TEMP_DIR_TEST(test_node_id_is_created_on_first_use),
        TEMP_DIR_TEST(test_node_id_is_the_same_on_the_second_call),
        TEMP_DIR_TEST(test_node_id_differs_between_state_dirs),
        TEMP_DIR_TEST(test_node_id_file_holding_garbage_is_refused_and_kept),
        TEMP_DIR_TEST(test_node_id_file_in_upper_case_is_refused),
        TEMP_DIR_TEST(test_node_id_creates_a_missing_state_dir),
        TEMP_DIR_TEST(test_node_id_in_a_state_dir_that_is_a_file_names_the_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
