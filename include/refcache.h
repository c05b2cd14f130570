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
 *   refcache_link()     one object takes a counted reference on another
 *   refcache_put*()     refcount - 1; at 0 the object drops its own links,
 *                       leaves the table and, after an RCU grace period,
 *                       returns to the slab
 *   refcache_gc()       frees what only links keep alive (cycles)
 *
 * A refcount is the sum of outside references (create, get, lookup) and
 * links. A put drops an outside reference and is refused with -EBUSY when
 * only links are left: those go with refcache_unlink() or the collector.
 * Gets, puts, links and unlinks may sleep.
 *
 * Ids are allocated cyclically from 1 upwards, so a stale id does not name a
 * new object soon after its old one died. A counter never goes from 0 back to
 * 1: every lookup is a get-unless-zero.
 */
#ifndef _REFCACHE_H
#define _REFCACHE_H

#include <linux/bits.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/percpu-rwsem.h>
#include <linux/types.h>
#include <linux/workqueue.h>
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
 * @released: called once per object whose final put was an outside put,
 *	after that put and before it leaves the id table (the object is
 *	"dying": refcount 0, still listed). Not called for objects that die
 *	of a dropped link or are collected.
 *
 * Both run in the context of the caller of the refcache function that
 * triggered them, with no refcache lock held; @released may use the
 * get/put/lookup functions.
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
 * @max_refs: a get or link that would take an object's refcount above this
 *	fails with -EOVERFLOW. Read locklessly; changed with WRITE_ONCE().
 * @max_objects: a create that would take @live above this fails with
 *	-ENOMEM (0: no limit). Read locklessly; changed with WRITE_ONCE().
 * @live: objects in the table with a non-zero refcount, updated atomically;
 *	kept (rather than derived from @stats) so @peak_live is exact.
 * @peak_live: highest value @live reached; only ever raised, by cmpxchg.
 * @stats: per-CPU counters, written with this_cpu_inc(), summed on read.
 * @graph_lock: serialises every change to the object graph: adding and
 *	removing links (each object's link list and links_in, @nr_links), the
 *	release of an object that has links, and the collector. Never taken
 *	inside an RCU read section or while holding @gc_sem for reading.
 * @gc_sem: readers are the outside references' gets and puts (the count
 *	changes the collector cannot see coming); the collector holds it for
 *	writing so that no outside reference appears or vanishes while it
 *	decides what is garbage. Order: @gc_sem, then @graph_lock.
 * @nr_links: links in the table; under @graph_lock, read with READ_ONCE().
 * @gc_runs: collections run (dry runs included); under @graph_lock.
 * @gc_collected: objects collected, in all runs; under @graph_lock.
 * @gc_last_ns: duration of the last run, in ns; under @graph_lock.
 * @gc_last_pause_ns: how long the last run held @gc_sem for writing, that
 *	is, stopped outside gets and puts; under @graph_lock.
 * @gc_threshold: run the collector from a work item after this many
 *	creations since the last run (0: never). Read locklessly.
 * @gc_pending: creations since the last run, for @gc_threshold.
 * @gc_work: the automatic collection.
 * @ops: optional hooks, NULL in production.
 * @priv: for the owner of the table.
 */
struct refcache {
	struct xarray ids;
	u32 next_id;
	unsigned int max_refs;
	unsigned int max_objects;
	atomic_long_t live;
	atomic_long_t peak_live;
	struct refcache_pcpu_stats __percpu *stats;
	struct mutex graph_lock; /* the object graph: see above */
	struct percpu_rw_semaphore gc_sem;
	unsigned long nr_links;
	unsigned long gc_runs;
	unsigned long gc_collected;
	u64 gc_last_ns;
	u64 gc_last_pause_ns;
	unsigned int gc_threshold;
	atomic_t gc_pending;
	struct work_struct gc_work;
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
	unsigned long links;
	unsigned long gc_runs;
	unsigned long gc_collected;
	u64 gc_last_ns;
	u64 gc_last_pause_ns;
	unsigned int obj_size;
	unsigned int slab_object_size;
	unsigned int max_refs;
	unsigned int max_objects;
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

int refcache_link(struct refcache *rc, u32 from, u32 to);
int refcache_unlink(struct refcache *rc, u32 from, u32 to);
long refcache_gc(struct refcache *rc, bool dry_run);
unsigned int refcache_obj_links(const struct refcache_obj *obj, u32 *ids,
				unsigned int max);

struct refcache_obj *refcache_find_next(struct refcache *rc, u32 *id);

u32 refcache_obj_id(const struct refcache_obj *obj);
unsigned int refcache_obj_refcount(const struct refcache_obj *obj);
void *refcache_obj_payload(struct refcache_obj *obj);
unsigned int refcache_obj_size(void);

void refcache_stats(struct refcache *rc, struct refcache_stats *st);
long refcache_slab_objects(void);
void refcache_quiesce(void);

#endif /* _REFCACHE_H */
