// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: the ctl command parser. Text in, struct refcache_cmd out; it
 * touches no state, so a line is validated in full before anything runs.
 * The grammar is in refcache_parser.h.
 */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>

#include "refcache.h"
#include "refcache_parser.h"

/* The most words a command takes: "link FROM TO weak". */
#define REFCACHE_MAX_TOKENS	4

struct refcache_token {
	const char *s;
	size_t len;
};

static bool refcache_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Split @buf into at most REFCACHE_MAX_TOKENS tokens in @tok. Returns the
 * count, or -EINVAL for a control byte or for a word past the most any
 * command takes (so each command only checks that it has its own number).
 */
static int refcache_tokenize(const char *buf, size_t len,
			     struct refcache_token *tok)
{
	size_t i = 0;
	int n = 0;

	while (i < len) {
		size_t start;

		if (refcache_blank(buf[i])) {
			i++;
			continue;
		}
		start = i;
		while (i < len && !refcache_blank(buf[i])) {
			if (iscntrl(buf[i]))
				return -EINVAL;
			i++;
		}
		if (n == REFCACHE_MAX_TOKENS)
			return -EINVAL;
		tok[n].s = buf + start;
		tok[n].len = i - start;
		n++;
	}
	return n;
}

static bool refcache_token_is(const struct refcache_token *t, const char *word)
{
	return t->len == strlen(word) && !memcmp(t->s, word, t->len);
}

/* Canonical decimal in [@min, @max]: digits only, no leading zero. */
static int refcache_parse_u32(const struct refcache_token *t, u32 min, u32 max,
			      u32 *out)
{
	u64 v = 0;
	size_t i;

	if (!t->len || t->len > 10 || (t->s[0] == '0' && t->len > 1))
		return -EINVAL;
	for (i = 0; i < t->len; i++) {
		if (!isdigit(t->s[i]))
			return -EINVAL;
		v = v * 10 + (t->s[i] - '0');
	}
	if (v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/**
 * refcache_parse_cmd() - parse one ctl line
 * @buf: the bytes written, not NUL-terminated
 * @len: how many
 * @cmd: filled in on success; untouched otherwise
 *
 * Return: 0, -E2BIG for more than REFCACHE_CMD_MAX_LEN bytes, or -EINVAL for
 * anything the grammar does not accept.
 */
int refcache_parse_cmd(const char *buf, size_t len, struct refcache_cmd *cmd)
{
	struct refcache_token tok[REFCACHE_MAX_TOKENS];
	struct refcache_cmd c = {};
	int n, err;

	if (len > REFCACHE_CMD_MAX_LEN)
		return -E2BIG;
	if (len && buf[len - 1] == '\n')
		len--;
	n = refcache_tokenize(buf, len, tok);
	if (n <= 0)
		return -EINVAL;

	if (refcache_token_is(&tok[0], "create")) {
		c.op = REFCACHE_OP_CREATE;
		c.count = 1;
		if (n > 3)
			return -EINVAL;
		if (n >= 2) {
			err = refcache_parse_u32(&tok[1], 1, REFCACHE_BATCH_MAX,
						 &c.count);
			if (err)
				return err;
		}
		if (n == 3) {
			err = refcache_parse_u32(&tok[2], 1,
						 REFCACHE_OBJ_SIZE_MAX, &c.size);
			if (err)
				return err;
		}
	} else if (refcache_token_is(&tok[0], "get") ||
		   refcache_token_is(&tok[0], "put")) {
		c.op = tok[0].s[0] == 'g' ? REFCACHE_OP_GET : REFCACHE_OP_PUT;
		if (n != 2)
			return -EINVAL;
		err = refcache_parse_u32(&tok[1], 1, U32_MAX, &c.id);
		if (err)
			return err;
	} else if (refcache_token_is(&tok[0], "link") ||
		   refcache_token_is(&tok[0], "unlink")) {
		c.op = tok[0].s[0] == 'l' ? REFCACHE_OP_LINK : REFCACHE_OP_UNLINK;
		if (n != 3 && !(n == 4 && refcache_token_is(&tok[3], "weak")))
			return -EINVAL;
		c.weak = n == 4;
		err = refcache_parse_u32(&tok[1], 1, U32_MAX, &c.id) ?:
		      refcache_parse_u32(&tok[2], 1, U32_MAX, &c.to);
		if (err)
			return err;
	} else if (refcache_token_is(&tok[0], "follow")) {
		c.op = REFCACHE_OP_FOLLOW;
		if (n != 3)
			return -EINVAL;
		err = refcache_parse_u32(&tok[1], 1, U32_MAX, &c.id) ?:
		      refcache_parse_u32(&tok[2], 1, U32_MAX, &c.to);
		if (err)
			return err;
	} else if (refcache_token_is(&tok[0], "referrers")) {
		c.op = REFCACHE_OP_REFERRERS;
		if (n != 2)
			return -EINVAL;
		err = refcache_parse_u32(&tok[1], 1, U32_MAX, &c.id);
		if (err)
			return err;
	} else if (refcache_token_is(&tok[0], "gc")) {
		c.op = REFCACHE_OP_GC;
		if (n > 2)
			return -EINVAL;
		if (n == 2 && refcache_token_is(&tok[1], "dry")) {
			c.dry_run = true;
		} else if (n == 2 && (refcache_token_is(&tok[1], "freeze") ||
				      refcache_token_is(&tok[1], "unfreeze"))) {
			c.op = REFCACHE_OP_GC_FREEZE;
			c.count = tok[1].s[0] == 'f';
		} else if (n == 2) {
			return -EINVAL;
		}
	} else {
		return -EINVAL;
	}
	*cmd = c;
	return 0;
}
EXPORT_SYMBOL_GPL(refcache_parse_cmd);
