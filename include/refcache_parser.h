/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache: the grammar of the debugfs "ctl" file.
 *
 *   line    := blank* command (blank+ argument)* blank* ["\n"]
 *   command := "create" [COUNT [SIZE]] | "get" ID | "put" ID
 *            | "link" ID ID ["weak"] | "unlink" ID ID ["weak"]
 *            | "follow" ID ID | "referrers" ID
 *            | "gc" ["dry" | "freeze" | "unfreeze"]
 *   blank   := " " | "\t"
 *   COUNT   := decimal 1..65536
 *   SIZE    := decimal 1..4096 (payload bytes, rounded up to a size class)
 *   ID      := decimal 1..4294967295
 *
 * Decimal means digits only: no sign, no "0x", no leading zeros (so nothing
 * reads as octal), no trailing garbage. One newline may end the line; any
 * other control byte, NUL included, makes the line invalid.
 */
#ifndef _REFCACHE_PARSER_H
#define _REFCACHE_PARSER_H

#include <linux/types.h>

/* A ctl write longer than this fails with -E2BIG before it is read. */
#define REFCACHE_CMD_MAX_LEN	256

enum refcache_op {
	REFCACHE_OP_CREATE,
	REFCACHE_OP_GET,
	REFCACHE_OP_PUT,
	REFCACHE_OP_LINK,
	REFCACHE_OP_UNLINK,
	REFCACHE_OP_GC,
	REFCACHE_OP_GC_FREEZE,
	REFCACHE_OP_FOLLOW,
	REFCACHE_OP_REFERRERS,
};

/**
 * struct refcache_cmd - one parsed ctl command
 * @op: what to do
 * @count: objects to create (REFCACHE_OP_CREATE); 1 to freeze, 0 to
 *	unfreeze (REFCACHE_OP_GC_FREEZE)
 * @size: their payload size, 0 for the table's default (REFCACHE_OP_CREATE)
 * @id: object to act on (REFCACHE_OP_GET, REFCACHE_OP_PUT,
 *	REFCACHE_OP_REFERRERS), or the source of the link (REFCACHE_OP_LINK,
 *	REFCACHE_OP_UNLINK, REFCACHE_OP_FOLLOW)
 * @to: target of the link (REFCACHE_OP_LINK, REFCACHE_OP_UNLINK,
 *	REFCACHE_OP_FOLLOW)
 * @dry_run: only count (REFCACHE_OP_GC)
 * @weak: the link is a weak one (REFCACHE_OP_LINK, REFCACHE_OP_UNLINK)
 */
struct refcache_cmd {
	enum refcache_op op;
	u32 count;
	u32 size;
	u32 id;
	u32 to;
	bool dry_run;
	bool weak;
};

int refcache_parse_cmd(const char *buf, size_t len, struct refcache_cmd *cmd);

#endif /* _REFCACHE_PARSER_H */
