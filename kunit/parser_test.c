// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the ctl command parser: tables of lines it must accept
 * (with what they mean) and lines it must refuse (with which error).
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "refcache.h"
#include "refcache_parser.h"

struct refcache_good_line {
	const char *line;
	enum refcache_op op;
	u32 count;
	u32 id;
	u32 to;
	bool dry_run;
	u32 size;
	bool weak;
};

/*
 * Creates without a SIZE leave .size 0, the table's default class; the
 * lines with one give it in .size.
 */
static const struct refcache_good_line refcache_good_lines[] = {
	{ "create", REFCACHE_OP_CREATE, 1, 0 },
	{ "create\n", REFCACHE_OP_CREATE, 1, 0 },
	{ "create 1", REFCACHE_OP_CREATE, 1, 0 },
	{ "create 7\n", REFCACHE_OP_CREATE, 7, 0 },
	{ "create 65536", REFCACHE_OP_CREATE, 65536, 0 },
	{ "create 1000\n", REFCACHE_OP_CREATE, 1000, 0 },
	{ "  create  3\x20\x20\n", REFCACHE_OP_CREATE, 3, 0 },
	{ "\tcreate\t2\t", REFCACHE_OP_CREATE, 2, 0 },
	{ "create 5 100", REFCACHE_OP_CREATE, 5, .size = 100 },
	{ "create 1 4096\n", REFCACHE_OP_CREATE, 1, .size = 4096 },
	{ "create 1 1", REFCACHE_OP_CREATE, 1, .size = 1 },
	{ "create 1 2", REFCACHE_OP_CREATE, 1, .size = 2 },
	{ "create 65536 16", REFCACHE_OP_CREATE, 65536, .size = 16 },
	{ " create\t3  513\x20\n", REFCACHE_OP_CREATE, 3, .size = 513 },
	{ "get 1", REFCACHE_OP_GET, 0, 1 },
	{ "get 42\n", REFCACHE_OP_GET, 0, 42 },
	{ "get 4294967295", REFCACHE_OP_GET, 0, 4294967295U },
	{ "get 1000000000\n", REFCACHE_OP_GET, 0, 1000000000 },
	{ "put 1", REFCACHE_OP_PUT, 0, 1 },
	{ "put 9\n", REFCACHE_OP_PUT, 0, 9 },
	{ "put 4294967295\n", REFCACHE_OP_PUT, 0, 4294967295U },
	{ " put 10 ", REFCACHE_OP_PUT, 0, 10 },
	{ "link 1 2", REFCACHE_OP_LINK, 0, 1, 2 },
	{ "link 7 7\n", REFCACHE_OP_LINK, 0, 7, 7 },
	{ "unlink 4294967295 1\n", REFCACHE_OP_UNLINK, 0, 4294967295U, 1 },
	{ "link 1 2 weak", REFCACHE_OP_LINK, 0, 1, 2, .weak = true },
	{ " link\t3 3  weak\n", REFCACHE_OP_LINK, 0, 3, 3, .weak = true },
	{ "unlink 5 6 weak\n", REFCACHE_OP_UNLINK, 0, 5, 6, .weak = true },
	{ "follow 1 2", REFCACHE_OP_FOLLOW, 0, 1, 2 },
	{ "follow 4294967295 7\n", REFCACHE_OP_FOLLOW, 0, 4294967295U, 7 },
	{ "referrers 9", REFCACHE_OP_REFERRERS, 0, 9 },
	{ " referrers\t4294967295\n", REFCACHE_OP_REFERRERS, 0, 4294967295U },
	{ "gc", REFCACHE_OP_GC, 0, 0, 0, false },
	{ "gc\n", REFCACHE_OP_GC, 0, 0, 0, false },
	{ "gc dry\n", REFCACHE_OP_GC, 0, 0, 0, true },
	{ "gc freeze\n", REFCACHE_OP_GC_FREEZE, 1, 0, 0, false },
	{ " gc  unfreeze", REFCACHE_OP_GC_FREEZE, 0, 0, 0, false },
};

static void refcache_good_desc(const struct refcache_good_line *t, char *desc)
{
	size_t i, n = 0;

	/* Show the line with its control bytes escaped. */
	for (i = 0; t->line[i] && n < KUNIT_PARAM_DESC_SIZE - 3; i++) {
		if (t->line[i] == '\n' || t->line[i] == '\t') {
			desc[n++] = '\\';
			desc[n++] = t->line[i] == '\n' ? 'n' : 't';
		} else {
			desc[n++] = t->line[i];
		}
	}
	desc[n] = '\0';
}

KUNIT_ARRAY_PARAM(refcache_good, refcache_good_lines, refcache_good_desc);

static void refcache_parser_accepts_valid_lines(struct kunit *test)
{
	const struct refcache_good_line *t = test->param_value;
	struct refcache_cmd cmd;

	memset(&cmd, 0xa5, sizeof(cmd));
	KUNIT_ASSERT_EQ(test, refcache_parse_cmd(t->line, strlen(t->line), &cmd), 0);
	KUNIT_EXPECT_EQ(test, cmd.op, t->op);
	switch (t->op) {
	case REFCACHE_OP_CREATE:
		KUNIT_EXPECT_EQ(test, cmd.count, t->count);
		KUNIT_EXPECT_EQ(test, cmd.size, t->size);
		break;
	case REFCACHE_OP_GET:
	case REFCACHE_OP_PUT:
		KUNIT_EXPECT_EQ(test, cmd.id, t->id);
		break;
	case REFCACHE_OP_LINK:
	case REFCACHE_OP_UNLINK:
		KUNIT_EXPECT_EQ(test, cmd.weak, t->weak);
		fallthrough;
	case REFCACHE_OP_FOLLOW:
		KUNIT_EXPECT_EQ(test, cmd.id, t->id);
		KUNIT_EXPECT_EQ(test, cmd.to, t->to);
		break;
	case REFCACHE_OP_REFERRERS:
		KUNIT_EXPECT_EQ(test, cmd.id, t->id);
		break;
	case REFCACHE_OP_GC_FREEZE:
		KUNIT_EXPECT_EQ(test, cmd.count, t->count);
		break;
	case REFCACHE_OP_GC:
		KUNIT_EXPECT_EQ(test, cmd.dry_run, t->dry_run);
		break;
	}
}

struct refcache_bad_line {
	const char *line;
	int err;
};

static const struct refcache_bad_line refcache_bad_lines[] = {
	{ "", -EINVAL },
	{ "\n", -EINVAL },
	{ "\x20\x20\x20\n", -EINVAL },
	{ "\n\n", -EINVAL },
	{ "create\n\n", -EINVAL },
	{ "create\r\n", -EINVAL },
	{ "crea te", -EINVAL },
	{ "CREATE", -EINVAL },
	{ "creat", -EINVAL },
	{ "createx", -EINVAL },
	{ "destroy 1", -EINVAL },
	{ "create 0", -EINVAL },
	{ "create 65537", -EINVAL },
	{ "create 4294967296", -EINVAL },
	{ "create -1", -EINVAL },
	{ "create +1", -EINVAL },
	{ "create 0x10", -EINVAL },
	{ "create 010", -EINVAL },
	{ "create 1 0", -EINVAL },
	{ "create 1 4097", -EINVAL },
	{ "create 1 010", -EINVAL },
	{ "create 1 0x10", -EINVAL },
	{ "create 1 -16", -EINVAL },
	{ "create 1 16x", -EINVAL },
	{ "create 1 99999999999", -EINVAL },
	{ "create 5 100 7", -EINVAL },
	{ "create 0 16", -EINVAL },
	{ "create 65537 16", -EINVAL },
	{ "create 010 16", -EINVAL },
	{ "create 1e3", -EINVAL },
	{ "create 1.0", -EINVAL },
	{ "get", -EINVAL },
	{ "get\n", -EINVAL },
	{ "get 0", -EINVAL },
	{ "get -1", -EINVAL },
	{ "get +5", -EINVAL },
	{ "get 0x1", -EINVAL },
	{ "get 07", -EINVAL },
	{ "get 4294967296", -EINVAL },
	{ "get 18446744073709551616", -EINVAL },
	{ "get 99999999999", -EINVAL },
	{ "get 1 2", -EINVAL },
	{ "get 1 2 3", -EINVAL },
	{ "get a", -EINVAL },
	{ "get 1a", -EINVAL },
	{ "get 1\x7f", -EINVAL },
	{ "get \x80", -EINVAL },
	{ "put", -EINVAL },
	{ "put 0", -EINVAL },
	{ "put -0", -EINVAL },
	{ "put 12345678901", -EINVAL },
	{ "put 1\x01", -EINVAL },
	{ "put\0131", -EINVAL },
	{ "get\n1", -EINVAL },
	{ "1 get", -EINVAL },
	{ "get get", -EINVAL },
	{ "link", -EINVAL },
	{ "link 1", -EINVAL },
	{ "link 1 2 3", -EINVAL },
	{ "link 1 2 weak weak", -EINVAL },
	{ "link 1 2 Weak", -EINVAL },
	{ "link 1 2 strong", -EINVAL },
	{ "link 1 weak", -EINVAL },
	{ "unlink 1 2 weakly", -EINVAL },
	{ "follow", -EINVAL },
	{ "follow 1", -EINVAL },
	{ "follow 1 2 weak", -EINVAL },
	{ "follow 0 2", -EINVAL },
	{ "follow 1 0x2", -EINVAL },
	{ "referrers", -EINVAL },
	{ "referrers 0", -EINVAL },
	{ "referrers 1 2", -EINVAL },
	{ "referrers -1", -EINVAL },
	{ "create 1 2 3", -EINVAL },
	{ "create 1 2 weak", -EINVAL },
	{ "link 0 1", -EINVAL },
	{ "link 1 0", -EINVAL },
	{ "link 1 -2", -EINVAL },
	{ "link 1 0x2", -EINVAL },
	{ "unlink 1", -EINVAL },
	{ "unlink 1 4294967296", -EINVAL },
	{ "gc 1", -EINVAL },
	{ "gc dry dry", -EINVAL },
	{ "gc DRY", -EINVAL },
	{ "gcdry", -EINVAL },
	{ "gc freeze dry", -EINVAL },
	{ "gc dry freeze", -EINVAL },
	{ "gc frozen", -EINVAL },
	{ "gc Freeze", -EINVAL },
	{ "gc unfreeze 1", -EINVAL },
};

static void refcache_bad_desc(const struct refcache_bad_line *t, char *desc)
{
	size_t i, n = 0;

	for (i = 0; t->line[i] && n < KUNIT_PARAM_DESC_SIZE - 5; i++) {
		unsigned char c = t->line[i];

		if (c >= 0x20 && c < 0x7f)
			desc[n++] = c;
		else
			n += scnprintf(desc + n, KUNIT_PARAM_DESC_SIZE - n,
				       "\\x%02x", c);
	}
	desc[n] = '\0';
	if (!n)
		strscpy(desc, "(empty)", KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(refcache_bad, refcache_bad_lines, refcache_bad_desc);

static void refcache_parser_rejects_invalid_lines(struct kunit *test)
{
	const struct refcache_bad_line *t = test->param_value;
	struct refcache_cmd cmd, untouched;

	memset(&cmd, 0xa5, sizeof(cmd));
	untouched = cmd;
	KUNIT_EXPECT_EQ(test, refcache_parse_cmd(t->line, strlen(t->line), &cmd),
			t->err);
	/* A refused line leaves the output alone. */
	KUNIT_EXPECT_MEMEQ(test, &cmd, &untouched, sizeof(cmd));
}

static void refcache_parser_rejects_embedded_nul(struct kunit *test)
{
	static const char line[] = "get 1\0 2";
	static const char nul_then_newline[] = "create\0\n";
	static const char nul_only[] = "\0";
	struct refcache_cmd cmd;

	KUNIT_EXPECT_EQ(test, refcache_parse_cmd(line, sizeof(line) - 1, &cmd),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, refcache_parse_cmd(nul_then_newline,
						 sizeof(nul_then_newline) - 1,
						 &cmd), -EINVAL);
	KUNIT_EXPECT_EQ(test, refcache_parse_cmd(nul_only, 1, &cmd), -EINVAL);
	/* The same bytes without the NUL parse. */
	KUNIT_EXPECT_EQ(test, refcache_parse_cmd(line, 5, &cmd), 0);
	KUNIT_EXPECT_EQ(test, cmd.id, 1U);
}

static void refcache_parser_limits_line_length(struct kunit *test)
{
	char *buf = kunit_kmalloc(test, REFCACHE_CMD_MAX_LEN + 1, GFP_KERNEL);
	struct refcache_cmd cmd;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* Exactly the limit: "get 5" padded with blanks is still a command. */
	memset(buf, ' ', REFCACHE_CMD_MAX_LEN + 1);
	memcpy(buf, "get 5", 5);
	KUNIT_EXPECT_EQ(test, refcache_parse_cmd(buf, REFCACHE_CMD_MAX_LEN, &cmd), 0);
	KUNIT_EXPECT_EQ(test, cmd.id, 5U);
	/* One byte more is refused before it is read. */
	KUNIT_EXPECT_EQ(test,
			refcache_parse_cmd(buf, REFCACHE_CMD_MAX_LEN + 1, &cmd),
			-E2BIG);
}

static void refcache_parser_uses_only_len_bytes(struct kunit *test)
{
	static const char line[] = "put 12345";
	struct refcache_cmd cmd;

	/* The buffer is not NUL-terminated at len; trailing bytes are ignored. */
	KUNIT_ASSERT_EQ(test, refcache_parse_cmd(line, 6, &cmd), 0);
	KUNIT_EXPECT_EQ(test, cmd.op, REFCACHE_OP_PUT);
	KUNIT_EXPECT_EQ(test, cmd.id, 12U);
}

static struct kunit_case refcache_parser_test_cases[] = {
	KUNIT_CASE_PARAM(refcache_parser_accepts_valid_lines, refcache_good_gen_params),
	KUNIT_CASE_PARAM(refcache_parser_rejects_invalid_lines, refcache_bad_gen_params),
	KUNIT_CASE(refcache_parser_rejects_embedded_nul),
	KUNIT_CASE(refcache_parser_limits_line_length),
	KUNIT_CASE(refcache_parser_uses_only_len_bytes),
	{}
};

static struct kunit_suite refcache_parser_test_suite = {
	.name = "refcache_parser",
	.test_cases = refcache_parser_test_cases,
};

kunit_test_suite(refcache_parser_test_suite);
