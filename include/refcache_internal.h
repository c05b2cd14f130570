/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache: what the module's own files share and nothing else may use.
 */
#ifndef _REFCACHE_INTERNAL_H
#define _REFCACHE_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bits.h>
/* local_lock.h needs these first on UML and with lockdep. */
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/local_lock.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include "refcache.h"

/*
 * Ids (refcache.h). The low REFCACHE_SLOT_BITS of an id name a slot of the
 * table, the high bits are that slot's generation: each time a slot is used again, the
 * generation goes up by one, so a stale id names nothing (until the
 * generation wraps, after 256 reuses of that one slot; table.c keeps a freed
 * slot behind more than a thousand others before it is reused). Slot 0 is never
 * used, so no id is 0. A fresh table hands out 1, 2, 3, ...
 */
#define REFCACHE_SLOT_MASK	(REFCACHE_SLOTS - 1)
#define REFCACHE_GEN_ONE	REFCACHE_SLOTS

/* Slots a CPU keeps to hand out, and freed ones it collects (refcache_pcpu). */
#define REFCACHE_PCPU_BATCH	32
/* A CPU folds its change of the live count into refcache.live at this size. */
#define REFCACHE_LIVE_BATCH	64

static inline u32 refcache_id_slot(u32 id)
{
	return id & REFCACHE_SLOT_MASK;
}

/**
 * struct refcache_obj - one counted object
 * @state: the id (high 32 bits) and the reference count (low 32 bits) in
 *	one atomic word, so that a single compare-and-exchange both checks
 *	which object this is and changes its count: the memory of a dead
 *	object may be reused at once for another (the cache is
 *	SLAB_TYPESAFE_BY_RCU), and a reader that found it a moment ago must
 *	not count on the wrong one. The count is outside references plus
 *	@links_in; it never moves away from 0 and never exceeds max_refs (far
 *	below 2^31), so it cannot carry into the id. The id is written only
 *	while the count is 0, together with the count 1 of a new object
 *	(release), and read with the count (acquire).
 * @links_in: links that point here. Written under rc->graph_lock, read
 *	locklessly by puts (with the ordering described in graph.c): a put of
 *	an outside reference is refused while the count <= @links_in.
 * @gc_next: the slot of the next object on a work list of the collector or
 *	of a cascading release (0 ends it); under rc->graph_lock.
 * @rc: the table it lives in, set by the creator. While the object is
 *	free, SLUB keeps its free pointer here (refcache_cache_create()), so
 *	only the creator, holders of a reference and the owner of the release
 *	read it, never a reader that found the object under RCU alone.
 * @links: outgoing links, newest first (struct refcache_link.next). An RCU
 *	list: writers hold rc->graph_lock, readers rcu_read_lock(). A new
 *	object starts with none; once the count is 0 it is only taken apart.
 * @payload: refcache_obj_size() bytes, a pattern derived from the id.
 *
 * 32 bytes in front of the payload.
 */
struct refcache_obj {
	atomic64_t state;
	unsigned int links_in;
	u32 gc_next;
	struct refcache *rc;
	struct refcache_link __rcu *links;
	u8 payload[];
};

/**
 * struct refcache_link - one counted reference from an object to another
 * @next: the source object's next link (older), RCU
 * @to: the target; holds one of its references
 * @rcu: links are freed after a grace period, for RCU readers of the list
 */
struct refcache_link {
	struct refcache_link __rcu *next;
	struct refcache_obj *to;
	struct rcu_head rcu;
};

/**
 * struct refcache_pcpu - a table's per-CPU part
 * @lock: protects @in, @in_next, @in_n, @out and @out_n (and makes the
 *	counters below safe to change with plain per-CPU writes)
 * @in_next: the next of @in to hand out
 * @in_n: ids in @in
 * @out_n: ids in @out
 * @in: free slots to hand out, as ids their last object had (the next use
 *	adds one generation), in the order they came from the shared list
 * @out: slots this CPU freed, with their last ids, on their way to the
 *	back of the shared list; never handed out from here
 * @live: this CPU's change of the table's live count, not yet folded in
 * @peak: the highest live count this CPU saw at a create (the folded
 *	count plus its own @live): with one CPU at work, the exact peak
 * @created: objects created on this CPU; these counters are changed only
 *	by their own CPU with preemption off, read by any with READ_ONCE()
 * @freed: objects returned to the slab
 * @gets: outside gets (incl. lookups)
 * @puts: outside puts
 * @alloc_failures: creates that failed for memory (or max_objects)
 * @canary_failures: objects whose payload was found overwritten
 */
struct refcache_pcpu {
	local_lock_t lock;
	unsigned int in_next;
	unsigned int in_n;
	unsigned int out_n;
	u32 in[REFCACHE_PCPU_BATCH];
	u32 out[REFCACHE_PCPU_BATCH];
	long live;
	long peak;
	unsigned long created;
	unsigned long freed;
	unsigned long gets;
	unsigned long puts;
	unsigned long alloc_failures;
	unsigned long canary_failures;
};

/* The object's state word: id and count. */
static inline s64 refcache_state(u32 id, unsigned int count)
{
	return (s64)((u64)id << 32 | count);
}

static inline u32 refcache_state_id(s64 state)
{
	return (u64)state >> 32;
}

static inline unsigned int refcache_state_count(s64 state)
{
	return (u32)state;
}

/*
 * table.c: the id table. Slot entries are unsigned longs: 0 (free or
 * reserved), an object pointer, or, for a free slot in the shared free
 * list, a tagged entry with bit 0 set. Readers need rcu_read_lock() (any
 * flavour): an entry they read may name an object that dies and is reused
 * right after, which the id in its state word tells them.
 */
int refcache_table_init(struct refcache *rc);
void refcache_table_destroy(struct refcache *rc);
int refcache_table_reserve(struct refcache *rc, u32 *ids, unsigned int n);
void refcache_table_unreserve(struct refcache *rc, const u32 *ids,
			      unsigned int n);
u32 refcache_table_end(struct refcache *rc);
unsigned long refcache_table_bytes(struct refcache *rc);

/**
 * refcache_table_at() - the object in a slot
 * @rc: the table
 * @slot: any slot number below REFCACHE_SLOTS
 *
 * Call under RCU. The object may be dead, or already another one; only its
 * state word says which. Inline: it is most of every lookup.
 *
 * Return: the object, or NULL if the slot holds none.
 */
static inline struct refcache_obj *refcache_table_at(struct refcache *rc,
						     u32 slot)
{
	unsigned long *chunk = READ_ONCE(rc->dir[slot >> REFCACHE_CHUNK_BITS]);
	unsigned long v;

	if (!chunk)
		return NULL;
	v = READ_ONCE(chunk[slot & (REFCACHE_CHUNK_SLOTS - 1)]);
	return v & 1 ? NULL : (struct refcache_obj *)v;
}

/* The object in the slot of @id, if any; it may be dead or have another id. */
static inline struct refcache_obj *refcache_table_lookup(struct refcache *rc,
							 u32 id)
{
	return refcache_table_at(rc, refcache_id_slot(id));
}

/**
 * refcache_ref_get() - get unless zero, if @obj is still object @id
 * @obj: what the caller found, under RCU or holding a reference
 * @id: the object the caller wants
 * @max: refuse to go above this
 *
 * refcount_t offers get-unless-zero but no upper bound below its
 * saturation point, and knows nothing of ids, so this is the same
 * compare-and-exchange loop as __refcount_add_not_zero() on the state word,
 * with those additions. Every bound is at most INT_MAX and max_refs is at
 * most REFCACHE_MAX_REFS_LIMIT, so a count never saturates or wraps.
 * Acquire ordering, so that the caller sees the object as its creator made
 * it. Inline: it is the heart of every get.
 *
 * Return: the new count, -ENOENT (dead, or another object now), or
 * -EOVERFLOW.
 */
static __always_inline int refcache_ref_get(struct refcache_obj *obj, u32 id,
					    unsigned int max)
{
	s64 old = atomic64_read(&obj->state);
	unsigned int count;

	do {
		count = refcache_state_count(old);
		if (refcache_state_id(old) != id || !count)
			return -ENOENT;
		if (count >= max)
			return -EOVERFLOW;
	} while (!atomic64_try_cmpxchg_acquire(&obj->state, &old, old + 1));
	return count + 1;
}

/* core.c */
void refcache_core_init(unsigned int obj_size);
void refcache_retire(struct refcache_obj *obj);
void refcache_live_fold(struct refcache *rc, struct refcache_pcpu *p);

/**
 * refcache_live_add() - change the live count by @n on this CPU
 * @rc: the table
 * @p: this CPU's part of it, with preemption off
 * @n: objects created (> 0) or freed (< 0)
 *
 * Folds into rc->live once the CPU's change reaches REFCACHE_LIVE_BATCH
 * either way, and keeps this CPU's view of the peak.
 */
static __always_inline void refcache_live_add(struct refcache *rc,
					      struct refcache_pcpu *p, long n)
{
	p->live += n;
	if (unlikely(p->live >= REFCACHE_LIVE_BATCH ||
		     p->live <= -REFCACHE_LIVE_BATCH))
		refcache_live_fold(rc, p);
	if (n > 0) {
		long live = atomic_long_read(&rc->live) + p->live;

		if (live > p->peak)
			WRITE_ONCE(p->peak, live);
	}
}

/* table.c, the part of it every create and final put runs: inline. */
void refcache_pcpu_spill(struct refcache *rc, struct refcache_pcpu *p);

static inline unsigned long *refcache_entry(struct refcache *rc, u32 slot)
{
	return &rc->dir[slot >> REFCACHE_CHUNK_BITS][slot & (REFCACHE_CHUNK_SLOTS - 1)];
}

/*
 * Under the CPU's lock: a freed slot, with the last id it had, towards the
 * back of the shared list (a batch at a time).
 */
static __always_inline void refcache_pcpu_give(struct refcache *rc,
					       struct refcache_pcpu *p, u32 id)
{
	p->out[p->out_n++] = id;
	if (unlikely(p->out_n == REFCACHE_PCPU_BATCH))
		refcache_pcpu_spill(rc, p);
}

/* Under the CPU's lock, with a slot to hand out: its id, one generation on. */
static __always_inline u32 refcache_pcpu_take(struct refcache_pcpu *p)
{
	return p->in[p->in_next++] + REFCACHE_GEN_ONE;
}

/* refcache_table_reserve() of one id, the common case inline. */
static __always_inline int refcache_table_reserve_one(struct refcache *rc,
						      u32 *id)
{
	struct refcache_pcpu *p;
	bool got = false;

	local_lock(&rc->pcpu->lock);
	p = this_cpu_ptr(rc->pcpu);
	if (likely(p->in_next < p->in_n)) {
		*id = refcache_pcpu_take(p);
		got = true;
	}
	local_unlock(&rc->pcpu->lock);
	return got ? 0 : refcache_table_reserve(rc, id, 1);
}

/**
 * refcache_table_publish() - make a reserved id find @obj
 * @rc: the table
 * @obj: the object, fully initialised, its state word already set
 * @id: its id
 */
static __always_inline void refcache_table_publish(struct refcache *rc,
						   struct refcache_obj *obj,
						   u32 id)
{
	/* The object's state and fields before the entry that leads to them. */
	smp_store_release(refcache_entry(rc, refcache_id_slot(id)),
			  (unsigned long)obj);
}

/**
 * refcache_table_free() - empty the slot of a dead object and free it
 * @rc: the table
 * @id: the dead object's id
 *
 * Called by whoever owns the object's release, once. Also counts the
 * object as freed and no longer live, under the same per-CPU lock.
 */
static __always_inline void refcache_table_free(struct refcache *rc, u32 id)
{
	struct refcache_pcpu *p;

	WRITE_ONCE(*refcache_entry(rc, refcache_id_slot(id)), 0);
	local_lock(&rc->pcpu->lock);
	p = this_cpu_ptr(rc->pcpu);
	refcache_pcpu_give(rc, p, id);
	p->freed++;
	refcache_live_add(rc, p, -1);
	local_unlock(&rc->pcpu->lock);
}

/* graph.c, for core.c */
void refcache_graph_init(struct refcache *rc);
void refcache_graph_destroy(struct refcache *rc);
void refcache_release_links(struct refcache_obj *obj);
void refcache_gc_note_created(struct refcache *rc, unsigned int n);
void refcache_free_links(struct refcache_obj *obj);

/* debugfs.c: the front end over @rc. */
int refcache_debugfs_init(struct refcache *rc);
void refcache_debugfs_exit(void);

#endif /* _REFCACHE_INTERNAL_H */
