/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache: reference-counted objects on their own kmem_cache slab.
 *
 * In-kernel API. The debugfs front end and the KUnit tests are both clients
 * of exactly these functions.
 *
 * A struct refcache is one id table with its own statistics. All tables share
 * the module's slab cache, "refcache_obj". The module owns one table,
 * refcache_default, behind /sys/kernel/debug/refcache/; tests make their own
 * so they cannot disturb it or each other.
 *
 * Object life:
 *
 *   refcache_create*()  slab -> table, refcount 1
 *   refcache_get*()     refcount + 1, refused at max_refs (-EOVERFLOW)
 *   refcache_put*()     refcount - 1; at 0 the object leaves the table and,
 *                       after an RCU grace period, returns to the slab
 *
 * Ids are allocated cyclically from 1 upwards, so a stale id does not name a
 * new object soon after its old one died. A counter never goes from 0 back to
 * 1: every lookup is a get-unless-zero.
 */
#ifndef _REFCACHE_H
#define _REFCACHE_H

#include <linux/bits.h>
#include <linux/percpu.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct refcache;
struct refcache_obj;

/* Upper bound of one create batch (the "create COUNT" limit). */
#define REFCACHE_BATCH_MAX	65536U
/* Largest max_refs: far below refcount_t's saturation point. */
#define REFCACHE_MAX_REFS_LIMIT	BIT(30)

/**
 * struct refcache_ops - optional hooks, for tests
 * @fail_alloc: return true to make the next object allocation fail as if the
 *	slab were out of memory.
 * @released: called once per object, after its final put and before it
 *	leaves the id table (the object is "dying": refcount 0, still listed).
 *
 * Both run in the context of the caller of the refcache function that
 * triggered them and must not call back into refcache except for lookups.
 */
struct refcache_ops {
	bool (*fail_alloc)(struct refcache *rc);
	void (*released)(struct refcache *rc, u32 id);
};

/* Counters kept per CPU and summed on read. */
struct refcache_pcpu_stats {
	unsigned long created;
	unsigned long freed;
	unsigned long gets;
	unsigned long puts;
	unsigned long alloc_failures;
	unsigned long canary_failures;
};

/**
 * struct refcache - one id table of objects
 * @ids: id -> struct refcache_obj *. The XArray's own spinlock serialises
 *	insertions and removals; readers use RCU (xa_load under
 *	rcu_read_lock()), and an object is only returned to the slab an RCU
 *	grace period after it left the table, so a reader that found a pointer
 *	may always look at its refcount.
 * @next_id: cursor of the cyclic id allocator; protected by the xa_lock of
 *	@ids (xa_alloc_cyclic() takes it).
 * @max_refs: a get that would take an object's refcount above this fails
 *	with -EOVERFLOW. Read locklessly; set before the table is used.
 * @live: objects in the table with a non-zero refcount, updated atomically;
 *	kept (rather than derived from @stats) so @peak_live is exact.
 * @peak_live: highest value @live reached; only ever raised, by cmpxchg.
 * @stats: per-CPU counters, written with this_cpu_inc(), summed on read.
 * @ops: optional hooks, NULL in production.
 * @priv: for the owner of the table.
 */
struct refcache {
	struct xarray ids;
	u32 next_id;
	unsigned int max_refs;
	atomic_long_t live;
	atomic_long_t peak_live;
	struct refcache_pcpu_stats __percpu *stats;
	const struct refcache_ops *ops;
	void *priv;
};

/* A consistent-enough snapshot of a table's counters (see refcache_stats()). */
struct refcache_stats {
	long live;
	long peak_live;
	unsigned long created;
	unsigned long freed;
	unsigned long gets;
	unsigned long puts;
	unsigned long alloc_failures;
	unsigned long canary_failures;
	unsigned int obj_size;
	unsigned int slab_object_size;
	unsigned int max_refs;
};

/* The module's own table, the one debugfs drives. */
extern struct refcache refcache_default;

int refcache_init(struct refcache *rc, unsigned int max_refs,
		  const struct refcache_ops *ops);
unsigned long refcache_destroy(struct refcache *rc);

struct refcache_obj *refcache_create(struct refcache *rc);
int refcache_create_batch(struct refcache *rc, unsigned int count, u32 *ids);

struct refcache_obj *refcache_lookup(struct refcache *rc, u32 id);
int refcache_get(struct refcache_obj *obj);
int refcache_put(struct refcache_obj *obj);
int refcache_get_id(struct refcache *rc, u32 id);
int refcache_put_id(struct refcache *rc, u32 id);

struct refcache_obj *refcache_find_next(struct refcache *rc, u32 *id);

u32 refcache_obj_id(const struct refcache_obj *obj);
unsigned int refcache_obj_refcount(const struct refcache_obj *obj);
void *refcache_obj_payload(struct refcache_obj *obj);
unsigned int refcache_obj_size(void);

void refcache_stats(struct refcache *rc, struct refcache_stats *st);
long refcache_slab_objects(void);
void refcache_quiesce(void);

#endif /* _REFCACHE_H */
