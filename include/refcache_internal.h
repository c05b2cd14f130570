/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache: what the module's own files share and nothing else may use.
 */
#ifndef _REFCACHE_INTERNAL_H
#define _REFCACHE_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/gfp.h>
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

/*
 * What user space makes the module allocate (objects, links, id chunks,
 * marks) may fail, charged to its memory cgroup; it must not invoke the OOM
 * killer.
 */
#define REFCACHE_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/* Fresh or shared slots a CPU takes at a time (refcache_pcpu.in). */
#define REFCACHE_PCPU_BATCH	32
/*
 * The slots a CPU freed wait in its ring (refcache_pcpu.ring), first in,
 * first out, and one is handed out again only with more than
 * REFCACHE_REUSE_AFTER later frees behind it. A full ring passes its
 * REFCACHE_PCPU_BATCH oldest to the shared free list (table.c).
 */
#define REFCACHE_REUSE_AFTER	1024
#define REFCACHE_RING_SLOTS	2048
/*
 * A CPU folds its part of the live count into refcache.live when it reaches
 * this, keeping half; a CPU whose part is 0 when it frees borrows half back.
 */
#define REFCACHE_LIVE_BATCH	64
/*
 * A CPU takes this many credits from refcache.budget at a time, and gives
 * as many back when it holds twice that (count.c).
 */
#define REFCACHE_CREDIT_BATCH	64
/* A tight table loosens when its budget is back at this (count.c). */
#define REFCACHE_LOOSEN_AT	(4L * REFCACHE_CREDIT_BATCH * nr_cpu_ids)
/* The limit of a table without max_objects: more than its ids. */
#define REFCACHE_UNLIMITED	(2L * REFCACHE_SLOTS)

static inline u32 refcache_id_slot(u32 id)
{
	return id & REFCACHE_SLOT_MASK;
}

/**
 * struct refcache_link - one reference from an object to another
 * @next: the source object's next link (older), RCU
 * @to: the target. A counted link holds one of its references; a weak one
 *	holds none, and is cleared (taken off both lists) before the target
 *	dies, so that under graph_lock @to is the live target, but for a weak
 *	link whose source is dying too: the target may then be gone first
 *	(graph.c, "Back-links"), and only @to_id may be read.
 * @rcu: links are freed after a grace period, for RCU readers of the list
 * @from: the source, which the link dies with
 * @in: on the list of links that point at the target's slot
 *	(refcache_link_head()), under graph_lock: the back-links that
 *	refcache_referrers() walks
 * @to_id: the target's id, for readers under RCU alone (the memory @to
 *	names may be another object's for them) and for telling a slot's new
 *	object from the one a stale back-link names
 * @weak: the link does not count (refcache_link_weak())
 *
 * All but @next are set before the link is published and constant after,
 * but @in, which changes under graph_lock. 64 bytes on 64-bit.
 */
struct refcache_link {
	struct refcache_link __rcu *next;
	struct refcache_obj *to;
	struct rcu_head rcu;
	struct refcache_obj *from;
	struct hlist_node in;
	u32 to_id;
	bool weak;
};

/**
 * struct refcache_pcpu - a table's per-CPU part
 * @counts: gets and puts (refcache.h: refcache.counts points here)
 * @lock: protects, for its own CPU only, @ring_head, @ring_tail, @in_next,
 *	@in_n, @credit, @live, @peak, @created, @freed, @in and @ring: they
 *	change under it, and nowhere else (but for the draining of @credit
 *	in count.c, which a grace period keeps apart from its CPU). Others
 *	read @live, @peak, @created and @freed with READ_ONCE().
 * @ring_head: free-running position of the oldest slot in @ring
 * @ring_tail: free-running position after the newest; @ring holds
 *	@ring_tail - @ring_head slots, at positions modulo
 *	REFCACHE_RING_SLOTS
 * @in_next: the next of @in to hand out
 * @in_n: ids in @in
 * @credit: creates this CPU may make without asking refcache.budget; 0
 *	while the table is tight (count.c)
 * @live: this CPU's part of the live count, not yet in refcache.live;
 *	never negative
 * @peak: the highest lower bound of the live count this CPU saw at a
 *	create, refcache.live plus its own @live: never above the true peak,
 *	and exact while only this CPU is at work
 * @created: objects created on this CPU
 * @freed: objects returned to the slab
 * @alloc_failures: creates that failed for memory (or max_objects); this
 *	and the counter below change only on their own CPU with preemption
 *	off (refcache_count_add() in core.c), read by any with READ_ONCE()
 * @canary_failures: objects whose payload was found overwritten
 * @in: slots to hand out, fresh from the end of the table or from the
 *	shared free list, as ids their last object had (the next use adds
 *	one generation)
 * @ring: the slots this CPU freed, with their last ids, oldest at
 *	@ring_head: what refcache_pcpu_take() hands out first, once enough
 *	later frees are behind it
 *
 * 8.4 KiB per CPU and table, nearly all of it @ring.
 */
struct refcache_pcpu {
	struct refcache_counts counts;
	local_lock_t lock;
	unsigned int ring_head;
	unsigned int ring_tail;
	unsigned int in_next;
	unsigned int in_n;
	long credit;
	long live;
	long peak;
	unsigned long created;
	unsigned long freed;
	unsigned long alloc_failures;
	unsigned long canary_failures;
	u32 in[REFCACHE_PCPU_BATCH];
	u32 ring[REFCACHE_RING_SLOTS];
};

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

/* The object in the slot of @id, if any; it may be dead or have another id. */
static inline struct refcache_obj *refcache_table_lookup(struct refcache *rc,
							 u32 id)
{
	return refcache_table_at(rc, refcache_id_slot(id));
}

/* __refcache_ref_get() whatever the collector does: for holders, and links. */
static __always_inline int refcache_ref_get(struct refcache_obj *obj, u32 id,
					    unsigned int max)
{
	return __refcache_ref_get(obj, id, max, NULL);
}

/* core.c */
void refcache_retire(struct refcache_obj *obj);

/*
 * count.c: the live count, its peak and the max_objects limit. The parts
 * every create and free runs are inline here.
 */
void refcache_count_init(struct refcache *rc, unsigned int max_objects);
int refcache_charge_slow(struct refcache *rc, unsigned int n);
void refcache_credit_spill(struct refcache *rc, struct refcache_pcpu *p);
void refcache_limit_loosen(struct refcache *rc);
void refcache_live_fold(struct refcache *rc, struct refcache_pcpu *p);
void refcache_live_borrow(struct refcache *rc, struct refcache_pcpu *p);
long refcache_live(struct refcache *rc);

/**
 * refcache_charge() - take @n objects out of what max_objects allows
 * @rc: the table
 * @n: objects about to be created
 *
 * From this CPU's credits if it holds enough, else from refcache.budget
 * (refcache_charge_slow()). Undone by refcache_uncharge() if the create
 * fails, by refcache_table_free() once an object is freed.
 *
 * Return: 0, or -ENOMEM if the limit does not allow @n more.
 */
static __always_inline int refcache_charge(struct refcache *rc, unsigned int n)
{
	struct refcache_pcpu *p;
	bool ok;

	local_lock(&rc->pcpu->lock);
	p = this_cpu_ptr(rc->pcpu);
	/* Tight, a CPU holds none; the acquire pairs with count.c's loosening. */
	ok = !smp_load_acquire(&rc->limit_tight) && p->credit >= n;
	if (ok)
		p->credit -= n;
	local_unlock(&rc->pcpu->lock);
	return likely(ok) ? 0 : refcache_charge_slow(rc, n);
}

/*
 * Under the CPU's lock: @n objects charged and no longer counted (freed, or
 * never created) give their room back. Returns true if the table is tight
 * and its budget has grown enough for the caller to try loosening it
 * (refcache_limit_loosen(), after the lock).
 */
static __always_inline bool refcache_credit_give(struct refcache *rc,
						 struct refcache_pcpu *p,
						 unsigned int n)
{
	/* Acquire: pairs with count.c's loosening (the drained credits). */
	if (unlikely(smp_load_acquire(&rc->limit_tight)))
		return atomic_long_add_return(n, &rc->budget) >=
			REFCACHE_LOOSEN_AT;
	p->credit += n;
	if (unlikely(p->credit > 2 * REFCACHE_CREDIT_BATCH))
		refcache_credit_spill(rc, p);
	return false;
}

/**
 * refcache_live_add() - @n objects were created on this CPU
 * @rc: the table
 * @p: this CPU's part of it, under its lock
 * @n: how many
 *
 * Counts them in this CPU's part of the live count, and the peak: no CPU's
 * part is ever negative, so refcache.live plus this CPU's part is a lower
 * bound of the live count, exact while the other CPUs' parts are 0.
 */
static __always_inline void refcache_live_add(struct refcache *rc,
					      struct refcache_pcpu *p,
					      unsigned int n)
{
	long live;

	p->created += n;
	p->live += n;
	live = atomic_long_read(&rc->live) + p->live;
	if (live > p->peak)
		WRITE_ONCE(p->peak, live);
	if (unlikely(p->live >= REFCACHE_LIVE_BATCH))
		refcache_live_fold(rc, p);
}

/* Under the CPU's lock: one object was freed on this CPU. */
static __always_inline void refcache_live_sub(struct refcache *rc,
					      struct refcache_pcpu *p)
{
	p->freed++;
	if (likely(p->live))
		p->live--;
	else
		refcache_live_borrow(rc, p);
}

/* table.c, the part of it every create and final put runs: inline. */
void refcache_ring_spill(struct refcache *rc, struct refcache_pcpu *p);

static inline unsigned long *refcache_entry(struct refcache *rc, u32 slot)
{
	return &rc->dir[slot >> REFCACHE_CHUNK_BITS][slot & (REFCACHE_CHUNK_SLOTS - 1)];
}

/*
 * Under the CPU's lock: a freed slot, with the last id it had, to the back
 * of the CPU's ring; a full ring passes its oldest batch on.
 */
static __always_inline void refcache_pcpu_give(struct refcache *rc,
					       struct refcache_pcpu *p, u32 id)
{
	p->ring[p->ring_tail++ % REFCACHE_RING_SLOTS] = id;
	if (unlikely(p->ring_tail - p->ring_head == REFCACHE_RING_SLOTS))
		refcache_ring_spill(rc, p);
}

/* Under the CPU's lock, with a slot in the ring: the oldest, out of it. */
static __always_inline u32 refcache_ring_pop(struct refcache_pcpu *p)
{
	return p->ring[p->ring_head++ % REFCACHE_RING_SLOTS];
}

/*
 * Under the CPU's lock: the next id to hand out, one generation on from
 * its slot's last, or 0 if the CPU must refill first (table.c). The
 * oldest slot of the ring, once more than REFCACHE_REUSE_AFTER later frees
 * are behind it; else the next of the batch.
 */
static __always_inline u32 refcache_pcpu_take(struct refcache_pcpu *p)
{
	if (p->ring_tail - p->ring_head > REFCACHE_REUSE_AFTER + 1)
		return refcache_ring_pop(p) + REFCACHE_GEN_ONE;
	if (p->in_next < p->in_n)
		return p->in[p->in_next++] + REFCACHE_GEN_ONE;
	return 0;
}

/*
 * The common case of a single create: its charge under max_objects
 * (refcache_charge()) and its id (refcache_table_reserve()) in one section
 * of the CPU's lock. False if either needs its slow path; nothing is taken
 * then.
 */
static __always_inline bool refcache_reserve_one_fast(struct refcache *rc,
						      u32 *id)
{
	struct refcache_pcpu *p;
	bool got;

	local_lock(&rc->pcpu->lock);
	p = this_cpu_ptr(rc->pcpu);
	/* As in refcache_charge(). */
	got = !smp_load_acquire(&rc->limit_tight) && p->credit;
	if (likely(got)) {
		*id = refcache_pcpu_take(p);
		got = *id;
		if (likely(got))
			p->credit--;
	}
	local_unlock(&rc->pcpu->lock);
	return got;
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
 * object as freed and no longer live, and gives its room under max_objects
 * back, under the same per-CPU lock.
 */
static __always_inline void refcache_table_free(struct refcache *rc, u32 id)
{
	struct refcache_pcpu *p;
	bool tight;

	WRITE_ONCE(*refcache_entry(rc, refcache_id_slot(id)), 0);
	local_lock(&rc->pcpu->lock);
	p = this_cpu_ptr(rc->pcpu);
	refcache_pcpu_give(rc, p, id);
	refcache_live_sub(rc, p);
	tight = refcache_credit_give(rc, p, 1);
	local_unlock(&rc->pcpu->lock);
	if (unlikely(tight))
		refcache_limit_loosen(rc);
}

/* The table an object lives in. */
static inline struct refcache *refcache_obj_table(const struct refcache_obj *obj)
{
	return obj->cls->rc;
}

/* The tail of an object of a size class above 0 (struct refcache_obj_tail). */
static inline struct refcache_obj_tail *
refcache_obj_tail(struct refcache_obj *obj)
{
	return (struct refcache_obj_tail *)(obj->payload + obj->cls->size);
}

/* class.c: size classes and their caches */
unsigned int refcache_class_of(unsigned int size);
int refcache_classes_init(struct refcache *rc, const char *name);
struct refcache_class *refcache_class_get(struct refcache *rc,
					  unsigned int size);
void refcache_classes_destroy(struct refcache *rc);

/* slabmap.c: slab numbers and the map */
void refcache_map_init(struct refcache *rc);
void refcache_map_destroy(struct refcache *rc);
void refcache_trace_place(struct refcache *rc, struct refcache_obj *obj);

/* graph.c, for core.c */
void refcache_graph_init(struct refcache *rc);
void refcache_graph_destroy(struct refcache *rc);
void refcache_release_links(struct refcache_obj *obj);
void refcache_free_links(struct refcache_obj *obj);

/* graph.c, for gc.c */
#define refcache_links_locked(rc, p) \
	rcu_dereference_protected(p, lockdep_is_held(&(rc)->graph_lock))

static inline u32 refcache_obj_slot(const struct refcache_obj *obj)
{
	return refcache_id_slot(refcache_state_id(atomic64_read(&obj->state)));
}

void refcache_unlink_all(struct refcache *rc, struct refcache_obj *obj,
			 bool drop, u32 *next);
void refcache_release_list(struct refcache *rc, struct refcache_obj *obj);
void refcache_weak_clear_to(struct refcache *rc, struct refcache_obj *obj);
void refcache_weak_release(struct refcache *rc, struct refcache_obj *obj);
bool refcache_has_counted_links(struct refcache *rc,
				const struct refcache_obj *obj);
void refcache_link_heads_free(struct refcache *rc);

/* tracker.c, for core.c */
void refcache_tracker_init(struct refcache *rc);
void refcache_tracker_release(struct refcache *rc, u32 id);
void refcache_tracker_destroy(struct refcache *rc);

/* gc.c, for core.c and graph.c */
void refcache_gc_init(struct refcache *rc);
void refcache_gc_destroy(struct refcache *rc);
int refcache_gc_get(struct refcache *rc, u32 id, struct refcache_obj **objp);
void refcache_gc_note(struct refcache *rc, unsigned int n);
int refcache_gc_prepare(struct refcache *rc, u32 from, u32 to);
void refcache_gc_linked(struct refcache *rc, struct refcache_obj *from,
			struct refcache_obj *to);
void refcache_gc_leave(struct refcache *rc, struct refcache_obj *obj);
bool refcache_gc_doomed(struct refcache *rc, u32 slot);

#endif /* _REFCACHE_INTERNAL_H */
