/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache: who holds each outside reference (module/holders.c).
 *
 * A holder is one user of a table through the front end: each open ctl
 * file is one. It takes outside references (create, get) and drops them
 * (put) through the functions below, which account, per object, how many
 * of its outside references each holder took and has not dropped. A holder
 * that closes while it holds references stays on record, closed: its
 * references are "orphaned" (anybody's to drop), and refcache_holder_close()
 * reports them; refcache_holders_destroy() reports what closed holders still
 * held when the table went.
 *
 * The rule every line of the holders view keeps (refcache_holders_next()):
 * an object's outside references are exactly the sum of what its open
 * holders hold and what is orphaned on it. It holds because every change of
 * an outside count of the table goes through these functions, under
 * @lock, and the view reads each object under @lock too. It fails only if
 * someone else takes or drops outside references on the same table (the
 * front end's table has no other user). A follow (a get through a weak
 * link) counts as a get.
 *
 * A put by a holder that holds none of the object's references takes an
 * orphaned one if there is one, else one of the oldest open holder that
 * holds one (that holder's reference is gone: another holder dropped it).
 * In strict mode (@strict) it fails with -EPERM instead and changes
 * nothing.
 *
 * Memory: one struct refcache_hold (48 bytes on 64-bit) per holder and
 * object it holds references on, however many; at most @max_holds per
 * holder (-ENOMEM beyond, or when the allocation fails, with nothing
 * changed); one struct refcache_holder per holder; and the hash of
 * REFCACHE_HOLDS_HASH_BITS buckets, allocated at init.
 */
#ifndef _REFCACHE_HOLDERS_H
#define _REFCACHE_HOLDERS_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/types.h>

struct kmem_cache;
struct refcache;
struct refcache_holder;

/* 2^14 buckets of struct hlist_head: 128 KiB on 64-bit. */
#define REFCACHE_HOLDS_HASH_BITS	14
/* Default of struct refcache_holders.max_holds. */
#define REFCACHE_HOLDS_MAX_DEFAULT	(4 * 65536U)

/**
 * struct refcache_holders - the holders of one table
 * @rc: the table. Constant.
 * @lock: serialises every operation below: the holders' records, the
 *	holds, @next_number, and the outside counts they account for
 * @list: the holders on record, open ones and closed ones that still hold
 *	references, oldest first; under @lock
 * @next_number: the number the next holder gets, from 1, never reused;
 *	under @lock
 * @max_holds: most objects one holder may hold references on; read with
 *	READ_ONCE(), set by the owner
 * @strict: a put by a holder that holds no reference on the object fails
 *	with -EPERM; read with READ_ONCE(), set by the owner
 * @cache: where struct refcache_hold comes from (its own cache, so that
 *	failslab can aim at it alone). Constant.
 * @hash: the holds, by object id: REFCACHE_HOLDS_HASH_BITS buckets of
 *	hlist heads; under @lock
 * @nr_holds: holds in @hash; under @lock
 */
struct refcache_holders {
	struct refcache *rc;
	struct mutex lock; /* everything here, and the outside counts */
	struct list_head list;
	u32 next_number;
	unsigned int max_holds;
	bool strict;
	struct kmem_cache *cache;
	struct hlist_head *hash;
	unsigned long nr_holds;
};

/**
 * struct refcache_held - one line of the holders view
 * @id: the object
 * @refs: its outside references (its count less the links to it), read
 *	from the object itself
 * @orphaned: the references of it that closed holders took
 * @nr_by: open holders that hold references on it
 */
struct refcache_held {
	u32 id;
	unsigned int refs;
	unsigned int orphaned;
	unsigned int nr_by;
};

/**
 * struct refcache_held_by - one open holder of an object
 * @holder: its number
 * @pid: the process that opened it (in the initial pid namespace)
 * @comm: that process's command name when it opened it
 * @count: the references of the object it holds
 */
struct refcache_held_by {
	u32 holder;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	unsigned int count;
};

int __must_check refcache_holders_init(struct refcache_holders *hs,
				       struct refcache *rc, const char *name);
void refcache_holders_destroy(struct refcache_holders *hs);

struct refcache_holder *refcache_holder_open(struct refcache_holders *hs);
void refcache_holder_close(struct refcache_holders *hs,
			   struct refcache_holder *h);
u32 refcache_holder_number(const struct refcache_holder *h);

int __must_check refcache_holder_create(struct refcache_holders *hs,
					struct refcache_holder *h,
					unsigned int count,
					const unsigned int *sizes, u32 *ids);
int __must_check refcache_holder_get(struct refcache_holders *hs,
				     struct refcache_holder *h, u32 id);
int __must_check refcache_holder_follow(struct refcache_holders *hs,
					struct refcache_holder *h, u32 from,
					u32 to);
int __must_check refcache_holder_put(struct refcache_holders *hs,
				     struct refcache_holder *h, u32 id);

int refcache_holders_next(struct refcache_holders *hs, u32 *pos,
			  struct refcache_held *held,
			  struct refcache_held_by *by, unsigned int max);

#endif /* _REFCACHE_HOLDERS_H */
