// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: the id table.
 *
 * An id names a slot (its low REFCACHE_SLOT_BITS) and that slot's
 * generation (the bits above). Slots are entries of chunks of
 * REFCACHE_CHUNK_SLOTS, found through a directory in struct refcache, so a
 * lookup is two dependent loads whatever the number of objects, where a
 * radix tree would grow a level per 64-fold growth of the table.
 *
 * Handing out ids is a per-CPU matter, under the CPU's local lock (struct
 * refcache_pcpu). The slots a CPU frees go to the back of its ring, first
 * in, first out, and it hands out the oldest of them again only while more
 * than REFCACHE_REUSE_AFTER later frees are behind it; otherwise the next
 * of its batch, REFCACHE_PCPU_BATCH slots it took at once, under the
 * table's spinlock, from the shared free list or else fresh from the end of
 * the table. A ring that fills passes its oldest batch to the back of the
 * shared list. So a freed slot is used again only after more than
 * REFCACHE_REUSE_AFTER later frees (on its CPU: the ring; or, on its way
 * through the shared list, REFCACHE_RING_SLOTS - REFCACHE_PCPU_BATCH), and
 * its id, with the next generation, comes back only after 256 such reuses.
 * Taking a slot and giving one back are a load and a store in the CPU's
 * own ring or batch (inline in refcache_internal.h); the spinlock is taken
 * once per batch. The price: each CPU's ring (8 KiB per table), and a
 * table up to REFCACHE_REUSE_AFTER + 1 slots plus a batch per CPU larger
 * than the most objects ever live, more while frees and creates happen on
 * different CPUs (up to a ring and a batch per CPU).
 *
 * Only when the table cannot grow (every slot handed out, or no memory for
 * a chunk) does a create take a slot from its CPU's ring early, with fewer
 * later frees behind it: better than failing while freed slots wait.
 *
 * The shared free list needs no memory of its own: a free slot's entry
 * holds its last id and the next slot on the list, tagged with bit 0 (an
 * object pointer has it clear), and lookups treat tagged entries as empty.
 *
 * Entries: written by the creator (0 -> object, release, so the object's
 * initialised state is visible through it), by the final put's owner
 * (object -> 0) and under table_lock (0 <-> tagged). Read under RCU.
 */
/* local_lock.h needs these first (cpumask.h pulls it in): UML, lockdep. */
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/build_bug.h>
#include <linux/cpumask.h>
#include <linux/local_lock.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "refcache.h"
#include "refcache_internal.h"

/* An entry holds a pointer or a 32-bit id and a slot number side by side. */
static_assert(BITS_PER_LONG == 64, "refcache's id table needs 64-bit longs");

/* A free slot on the shared list: the id it last had, the next slot. */
static unsigned long refcache_free_entry(u32 last_id, u32 next)
{
	return (unsigned long)last_id << 32 | (unsigned long)next << 1 | 1;
}

/* Memory the id table takes: the directory and the chunks. */
unsigned long refcache_table_bytes(struct refcache *rc)
{
	return sizeof(rc->dir) + (unsigned long)READ_ONCE(rc->nr_chunks) *
		REFCACHE_CHUNK_SLOTS * sizeof(*rc->dir[0]);
}

/* One past the highest slot ever handed out. */
u32 refcache_table_end(struct refcache *rc)
{
	return READ_ONCE(rc->end);
}

/*
 * Under the CPU's lock, with nothing left to hand out: refill its batch,
 * from the shared list (every slot there has waited behind a ring's worth
 * of frees) while it has any, else fresh from the end of the table.
 * Returns false if there is nothing: a chunk must be allocated first (or
 * the table is full).
 */
static bool refcache_pcpu_refill(struct refcache *rc, struct refcache_pcpu *p)
{
	unsigned int i;

	spin_lock(&rc->table_lock);
	for (i = 0; i < REFCACHE_PCPU_BATCH; i++) {
		u32 id;

		if (rc->nr_free) {
			unsigned long *e = refcache_entry(rc, rc->free_head);

			id = *e >> 32;
			rc->free_head = (u32)*e >> 1;
			if (!--rc->nr_free)
				rc->free_tail = 0;
			WRITE_ONCE(*e, 0);
		} else if (rc->end < REFCACHE_SLOTS &&
			   rc->dir[rc->end >> REFCACHE_CHUNK_BITS]) {
			/* Its first use adds a generation: generation 0. */
			id = rc->end - REFCACHE_GEN_ONE;
			WRITE_ONCE(rc->end, rc->end + 1);
		} else {
			break;
		}
		p->in[i] = id;
	}
	spin_unlock(&rc->table_lock);
	p->in_next = 0;
	p->in_n = i;
	return i;
}

/* Under the CPU's lock, with a full ring: its oldest batch to the shared list. */
void refcache_ring_spill(struct refcache *rc, struct refcache_pcpu *p)
{
	unsigned int i;

	spin_lock(&rc->table_lock);
	for (i = 0; i < REFCACHE_PCPU_BATCH; i++) {
		u32 id = refcache_ring_pop(p);
		u32 slot = refcache_id_slot(id);

		WRITE_ONCE(*refcache_entry(rc, slot), refcache_free_entry(id, 0));
		if (rc->nr_free) {
			unsigned long *tail = refcache_entry(rc, rc->free_tail);

			WRITE_ONCE(*tail, refcache_free_entry(*tail >> 32, slot));
		} else {
			rc->free_head = slot;
		}
		rc->free_tail = slot;
		rc->nr_free++;
	}
	spin_unlock(&rc->table_lock);
}

/*
 * Under the CPU's lock, when the table cannot grow: the oldest slot of the
 * CPU's ring whatever is behind it, or 0 if the ring is empty.
 */
static u32 refcache_pcpu_take_early(struct refcache_pcpu *p)
{
	if (p->ring_tail == p->ring_head)
		return 0;
	return refcache_ring_pop(p) + REFCACHE_GEN_ONE;
}

/*
 * Make sure the chunk that the next fresh slot lives in exists. Returns 0
 * (then a refill can take a fresh slot, unless another CPU was quicker),
 * -ENOMEM, or -ENOSPC when every slot has been handed out.
 */
static int refcache_table_grow(struct refcache *rc)
{
	unsigned long *chunk;
	u32 c;

	spin_lock(&rc->table_lock);
	c = rc->end >> REFCACHE_CHUNK_BITS;
	chunk = rc->end < REFCACHE_SLOTS ? rc->dir[c] : NULL;
	spin_unlock(&rc->table_lock);
	if (chunk)
		return 0;
	if (c >= REFCACHE_CHUNKS)
		return -ENOSPC;
	chunk = kvcalloc(REFCACHE_CHUNK_SLOTS, sizeof(*chunk), REFCACHE_GFP);
	if (!chunk)
		return -ENOMEM;
	spin_lock(&rc->table_lock);
	if (!rc->dir[c]) {
		/* Zeroed entries before the pointer: lookups read through it. */
		smp_store_release(&rc->dir[c], chunk);
		WRITE_ONCE(rc->nr_chunks, rc->nr_chunks + 1);
		chunk = NULL;
	}
	spin_unlock(&rc->table_lock);
	kvfree(chunk);
	return 0;
}

/**
 * refcache_table_reserve() - reserve @n ids
 * @rc: the table
 * @ids: receives them
 * @n: how many
 *
 * The slots stay empty (lookups miss) until refcache_table_publish(), or
 * go back with refcache_table_unreserve(). May sleep.
 *
 * Return: 0, -ENOMEM, or -ENOSPC if the table has no free slot left.
 */
int refcache_table_reserve(struct refcache *rc, u32 *ids, unsigned int n)
{
	unsigned int got = 0;
	bool early = false;
	int err = 0;

	while (got < n) {
		struct refcache_pcpu *p;

		local_lock(&rc->pcpu->lock);
		p = this_cpu_ptr(rc->pcpu);
		while (got < n) {
			u32 id = refcache_pcpu_take(p);

			if (!id && refcache_pcpu_refill(rc, p))
				id = refcache_pcpu_take(p);
			if (!id && early)
				id = refcache_pcpu_take_early(p);
			if (!id)
				break;
			ids[got++] = id;
		}
		local_unlock(&rc->pcpu->lock);
		if (got == n)
			break;
		err = refcache_table_grow(rc);
		if (err) {
			/* No room to grow: reuse this CPU's freed slots sooner. */
			if (early)
				break;
			early = true;
		}
	}
	if (got == n)
		return 0;
	refcache_table_unreserve(rc, ids, got);
	return err;
}

/**
 * refcache_table_unreserve() - give back ids that were never published
 * @rc: the table
 * @ids: ids from refcache_table_reserve()
 * @n: how many
 *
 * Nobody saw them, so each slot will hand out the same id again (when it
 * comes round: they go to the back of the CPU's ring, like freed slots).
 */
void refcache_table_unreserve(struct refcache *rc, const u32 *ids,
			      unsigned int n)
{
	unsigned int i;

	local_lock(&rc->pcpu->lock);
	for (i = 0; i < n; i++)
		refcache_pcpu_give(rc, this_cpu_ptr(rc->pcpu),
				   ids[i] - REFCACHE_GEN_ONE);
	local_unlock(&rc->pcpu->lock);
}

int refcache_table_init(struct refcache *rc)
{
	int cpu;

	memset(rc->dir, 0, sizeof(rc->dir));
	rc->pcpu = alloc_percpu(struct refcache_pcpu);
	if (!rc->pcpu)
		return -ENOMEM;
	rc->counts = &rc->pcpu->counts;
	for_each_possible_cpu(cpu)
		local_lock_init(&per_cpu_ptr(rc->pcpu, cpu)->lock);
	spin_lock_init(&rc->table_lock);
	rc->end = 1;
	rc->free_head = 0;
	rc->free_tail = 0;
	rc->nr_free = 0;
	rc->nr_chunks = 0;
	return 0;
}

/* Free the table itself; every object must be gone. */
void refcache_table_destroy(struct refcache *rc)
{
	u32 c;

	for (c = 0; c < REFCACHE_CHUNKS; c++) {
		kvfree(rc->dir[c]);
		rc->dir[c] = NULL;
	}
	free_percpu(rc->pcpu);
	rc->pcpu = NULL;
	rc->counts = NULL;
}
