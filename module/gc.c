// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: the cycle collector, which marks in short slices while
 * everything else goes on.
 *
 * What it decides. graph.c counts links like any reference, so objects
 * that link to each other keep each other alive after the last outside
 * reference (create, get) is gone. An object's outside references are
 * count - links_in; the collector frees exactly the objects that no object
 * with outside references reaches through links. It is the reachability
 * half of CPython's collector (Python/gc.c), made simpler by links_in:
 *
 *   1. roots: candidates with outside references (count > links_in), and
 *      dying ones whose links are still to be dropped (count 0, links);
 *   2. mark everything reachable from a root through counted links (weak
 *      links, graph.c, keep nothing alive and are not followed);
 *   3. a candidate left unmarked with links pointing at it is garbage: only
 *      links from other garbage hold it. Its count is set to 0 (nothing
 *      can get it any more: below) and it is released as any dead object;
 *      its links to survivors are dropped normally, and before any of it
 *      is released the weak links to it from survivors are cleared.
 *
 * Candidates only. An object without counted links, in or out, is never
 * garbage and never leads to any: the collector looks only at the
 * candidates, objects with counted links in or out. A bitmap per chunk of the id table (struct
 * refcache_gc_chunk, allocated at the first link into the chunk, before
 * the link changes anything) has a member bit per slot, kept exact under
 * graph_lock: refcache_gc_join() sets it when a link is made from or to
 * the object, refcache_gc_leave() clears it when the object has neither
 * left or dies. A run walks member bits, and a table without links is not
 * walked at all: a run costs what its candidates and their links cost.
 *
 * Slices. A run holds graph_lock for at most REFCACHE_GC_SLICE_NS at a
 * stretch (refcache_gc_tick()), drops it, lets others run, takes it again
 * and goes on where it was: the most a link, an unlink or the final put of
 * a linked object waits for the collector is one slice (and one object's
 * links, which a slice never splits). Between slices every operation runs:
 * gets and puts, links and unlinks, creations, releases. Marking is kept
 * correct by barriers, in the phase byte rc->gc_phase (enum
 * refcache_gc_phase), which gets of objects with the graph flag read (all
 * others never look):
 *
 *   IDLE   no run decides anything.
 *   MARK   the marks (bitmaps by slot, two of them used in turn, the
 *          phase byte says which) are being drawn. A get of a flagged
 *          object shades it: sets its mark and, if it was not set, its
 *          gray bit, which the run will trace (refcache_gc_get()). A link
 *          shades both its ends (refcache_gc_join(); Dijkstra's barrier:
 *          the new target of a marked object is marked). So everything an
 *          operation touches during the run is marked.
 *   FINAL  the run waits for a grace period, so that every get that shaded
 *          in MARK has done so, then traces what they shaded. Gets of
 *          candidates not marked wait (gc_wait), gets of marked objects go
 *          on. If the grace period left new gray objects the run goes back
 *          to MARK to trace them (gets stop waiting), at most
 *          REFCACHE_GC_RETRIES times, then traces the rest in FINAL.
 *   KILL   marking is over: a candidate not marked is garbage. Gets of it
 *          fail with -ENOENT, and so do graph.c's pins (refcache_gc_doomed()),
 *          while the run sets counts to 0 and chains the garbage, in slices.
 *          A candidate that joins now is marked when it joins.
 *   IDLE   again; the garbage, dead now, is released in slices.
 *
 * Why nothing live is freed. Take a candidate X that is reachable when the
 * run kills: some object R with outside references reaches it through
 * links L1..Lk. R's references are older than the run's root scan of R
 * (then R was a root and is marked), or a get took one after it (the get
 * shaded R), or R was created during the run (it has links only through
 * links made since: each shaded R). So R is marked; the run traces every
 * marked object, under graph_lock. Each Li from a marked object either
 * existed when its source was traced (the trace marked its target) or was
 * made after (the link shaded its target). So X is marked.
 *
 * Why garbage stays garbage. A candidate not marked when the run kills has
 * been touched by no get (in MARK the get would have shaded it; in FINAL it
 * waited; stragglers of MARK are done by the grace period) and no link (it
 * would be marked). From KILL on, gets and pins of it fail, and outside
 * puts cannot happen (it has no outside reference: count == links_in).
 *
 * The hardest race: a get that reads MARK, against the run going to KILL.
 *
 *   T1 (get of X, not marked)         T2 (collector)
 *   rcu_read_lock_sched()
 *   phase: MARK
 *   count + 1 (cmpxchg)
 *                                     phase = FINAL
 *                                     synchronize_rcu_expedited() ...
 *   phase: FINAL (still on)
 *   shade X: mark, gray
 *   rcu_read_unlock_sched()
 *                                     ... returns: X's gray bit is seen
 *                                     trace X (or go back to MARK)
 *                                     phase = KILL: X survives
 *
 * T1's read section started before FINAL was set, so the grace period
 * waits for all of it, shade included. A get whose read section starts
 * after FINAL is set reads FINAL (the grace period orders it) and, X not
 * being marked, waits for KILL, then fails: X is garbage, as it was
 * before T1 came. Reading the phase twice, before and after the
 * compare-and-exchange, is what lets T1 shade at the phase that is on
 * when its reference exists.
 *
 * The second race: a get that read KILL of one run, and the next run
 * clearing the marks it is about to test.
 *
 *   T1 (get of Y)                     T2 (collector)
 *   rcu_read_lock_sched()
 *   phase: KILL, bitmap 0
 *                                     run ends, phase = IDLE
 *                                     next run: clear bitmap 1, MARK
 *   test bitmap 0: Y marked, get
 *   rcu_read_unlock_sched()
 *                                     synchronize_rcu_expedited()
 *
 * Runs use the two mark bitmaps in turn, and each marking run starts with
 * a grace period (for its root scan, below): the run after next, the first
 * to clear bitmap 0 again, starts after T1 is done.
 *
 * The root scan. A get that reads IDLE does not shade, so the run sets MARK
 * and waits for a grace period before it scans for roots: every get that
 * did not see MARK has its reference counted by then. Outside puts never
 * look at the phase: one can only turn a root into a non-root, which makes
 * the run keep what the next run frees, never the opposite.
 *
 * Dying objects. An object whose final put happened but whose release
 * waits for graph_lock (refcache_release_links()) still holds its links'
 * references; the root scan marks it (count 0 with links), or it was
 * marked before it died (someone held it). So nothing it points at is
 * garbage, and the links its release drops never point at freed memory.
 *
 * Releasing garbage. Links between garbage objects hold references nobody
 * drops (their counts are 0), so first every link of the garbage is taken
 * apart while all of it exists, then the objects go (both in slices; the
 * garbage is dead and nobody else can reach it). Links from garbage to
 * survivors are dropped normally; a survivor keeps the reference that made
 * it reachable, so none dies of it, but any that did would be released.
 *
 * Skipping. A run that collects finds every object that was garbage when
 * it began. Garbage appears only through an outside put of a linked
 * object, an unlink, the release of an object with links, or an
 * unfreeze; each sets rc->gc_dirty, and a run that finds it clear returns
 * at once. The race that matters, a put against the run clearing it:
 *
 *   T1 (outside put of X)             T2 (collector)
 *                                     gc_dirty = false; smp_mb()
 *   count - 1 (cmpxchg)
 *   smp_mb__after_atomic()
 *   gc_dirty: false -> true           phase = MARK, grace period,
 *                                     root scan: X's count
 *
 * Either T1's decrement is in a read section older than the grace
 * period, and the root scan sees it, or T1 reads the flag after T2
 * cleared it and sets it again: the next run does not skip.
 *
 * Freezing. gc freeze sets a frozen bit (a bitmap per chunk, allocated at
 * the first freeze) for every candidate; runs start with the frozen
 * objects marked, so they are never garbage and never traced, and the
 * root scan and the sweep pass them by a word at a time. A link from a
 * frozen object freezes its target and what that reaches
 * (refcache_gc_linked()), so that nothing a frozen object holds is
 * collected under it.
 *
 * Memory. Per chunk of REFCACHE_CHUNK_SLOTS slots that ever had a
 * candidate, 4 KiB of bitmaps (four bits per slot: member, gray, two
 * marks), kept until the table goes; a page of mark stack per run, which
 * spills into the gray bits when it is full. Nothing grows with the garbage
 * or with the depth of the graph.
 *
 * Locking: runs are serialised by gc_run_lock, taken before graph_lock.
 * The member bits, rc->nr_members and the marks of the collector change
 * under graph_lock; gets set marks and gray bits with atomic bitops from
 * their RCU read sections; everyone reads the bitmaps with test_bit() or
 * READ_ONCE(). What each field is for is in struct refcache.
 */
#include <linux/bitops.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "refcache.h"
#include "refcache_internal.h"
#include "refcache_trace.h"

/* The longest a run holds graph_lock at a stretch... */
#define REFCACHE_GC_SLICE_NS	(20 * NSEC_PER_USEC)
/* ...and how many steps it takes between two looks at the clock. */
#define REFCACHE_GC_CLOCK	64
/* Slots on a run's mark stack: one page. */
#define REFCACHE_GC_STACK	(PAGE_SIZE / sizeof(u32))
/* How often a run goes back from FINAL to MARK for new gray objects. */
#define REFCACHE_GC_RETRIES	3

#define REFCACHE_GC_WORDS	BITS_TO_LONGS(REFCACHE_CHUNK_SLOTS)
#define REFCACHE_GC_BIT(slot)	((slot) & (REFCACHE_CHUNK_SLOTS - 1))

/**
 * struct refcache_gc_chunk - the collector's bits for one chunk of slots
 * @member: the slot's object has links in or out (a candidate). Changed
 *	under graph_lock, after the object's mark when it joins during a run.
 * @gray: the slot's object is marked and still to be traced. Set by
 *	whoever shades it, cleared by the collector.
 * @marks: the slot's object is reachable, or was touched during the run;
 *	the run uses marks[0] or marks[1] as rc->gc_phase says (REFCACHE_GC_ODD).
 *	Cleared (WRITE_ONCE()) at the start of the run that uses them, under
 *	graph_lock; set with atomic bitops by the collector and links under
 *	graph_lock, and by gets that shade, from their RCU read sections.
 *
 * The chunk is zeroed when allocated and freed only with the table.
 */
struct refcache_gc_chunk {
	unsigned long member[REFCACHE_GC_WORDS];
	unsigned long gray[REFCACHE_GC_WORDS];
	unsigned long marks[2][REFCACHE_GC_WORDS];
};

/* One run: what it has to do and what it did. */
struct refcache_gc_run {
	struct refcache *rc;
	u32 *stack;		/* slots to trace */
	unsigned int top;
	unsigned int odd;	/* which marks */
	unsigned int clock;	/* steps since the clock was read */
	u64 slice_start;	/* when graph_lock was taken */
	u64 longest;		/* the longest slice, or FINAL window */
	unsigned long objects;	/* candidates scanned */
	unsigned long links;	/* links followed */
	bool dry_run;		/* only count the garbage */
	long collected;		/* garbage found */
	u32 garbage;		/* its first slot, chained through gc_next */
};

static struct refcache_gc_chunk *refcache_gc_chunk(struct refcache *rc,
						   u32 slot)
{
	/* Both pair with the releases in refcache_gc_prepare(). */
	struct refcache_gc_chunk **chunks = smp_load_acquire(&rc->gc_chunks);

	if (!chunks)
		return NULL;
	/* The chunk's entry, then its bits: as above. */
	return smp_load_acquire(&chunks[slot >> REFCACHE_CHUNK_BITS]);
}

static unsigned long *refcache_gc_marks(struct refcache_gc_chunk *c, u8 phase)
{
	return c->marks[!!(phase & REFCACHE_GC_ODD)];
}

/* Make @slot gray, for the run to trace; from anywhere. */
static void refcache_gc_gray(struct refcache *rc, struct refcache_gc_chunk *c,
			     u32 slot)
{
	set_bit(REFCACHE_GC_BIT(slot), c->gray);
	smp_mb__after_atomic();	/* the bit before its chunk's */
	set_bit(slot >> REFCACHE_CHUNK_BITS, rc->gc_gray_chunks);
	smp_mb__after_atomic();	/* the chunk's before the flag */
	WRITE_ONCE(rc->gc_gray_any, true);
}

/*
 * Shade the object in @slot for the run whose phase byte is @phase: mark
 * it, and if it was not marked and the run still traces, make it gray.
 * From a get's RCU read section or under graph_lock.
 */
static void refcache_gc_shade(struct refcache *rc, u32 slot, u8 phase)
{
	struct refcache_gc_chunk *c = refcache_gc_chunk(rc, slot);

	if (!c || test_and_set_bit(REFCACHE_GC_BIT(slot),
				   refcache_gc_marks(c, phase)))
		return;
	if ((phase & REFCACHE_GC_PHASE) != REFCACHE_GC_KILL)
		refcache_gc_gray(rc, c, slot);
}

/* Whether @slot holds a candidate the run of @phase has not marked. */
static bool refcache_gc_unmarked(struct refcache *rc, u32 slot, u8 phase)
{
	struct refcache_gc_chunk *c = refcache_gc_chunk(rc, slot);

	if (!c || !test_bit(REFCACHE_GC_BIT(slot), c->member))
		return false;
	smp_rmb();	/* membership before the mark: refcache_gc_join() */
	return !test_bit(REFCACHE_GC_BIT(slot), refcache_gc_marks(c, phase));
}

/**
 * refcache_gc_doomed() - whether the object in a slot is garbage being killed
 * @rc: the table
 * @slot: the slot
 *
 * Under graph_lock, for graph.c's pins: true while a run kills, for a
 * candidate it did not mark.
 *
 * Return: whether nobody may take a reference on it any more.
 */
bool refcache_gc_doomed(struct refcache *rc, u32 slot)
{
	u8 phase = READ_ONCE(rc->gc_phase);

	lockdep_assert_held(&rc->graph_lock);
	return (phase & REFCACHE_GC_PHASE) == REFCACHE_GC_KILL &&
	       refcache_gc_unmarked(rc, slot, phase);
}

/**
 * refcache_gc_get() - a get of an object with the graph flag while a run is on
 * @rc: the table
 * @id: the object
 * @objp: set to what the slot held
 *
 * As __refcache_get_slot(), with the collector's barrier: in MARK and
 * FINAL the object is shaded once its reference is taken, in FINAL a
 * candidate not marked is waited for, in KILL it is garbage.
 *
 * Return: the new count, -ENOENT, -EOVERFLOW, or -EAGAIN: wait until the
 * phase is no longer FINAL and call again.
 */
int refcache_gc_get(struct refcache *rc, u32 id, struct refcache_obj **objp)
{
	u32 slot = refcache_id_slot(id);
	struct refcache_obj *obj;
	int ret = -ENOENT;
	u8 phase;

	rcu_read_lock_sched();
	obj = refcache_table_at(rc, slot);
	/* Pairs with the releases of the phase in refcache_gc(). */
	phase = smp_load_acquire(&rc->gc_phase);
	if (!obj)
		goto out;
	if ((phase & REFCACHE_GC_PHASE) >= REFCACHE_GC_FINAL &&
	    refcache_gc_unmarked(rc, slot, phase)) {
		/* FINAL: wait for the decision; KILL: garbage. */
		if ((phase & REFCACHE_GC_PHASE) == REFCACHE_GC_FINAL)
			ret = -EAGAIN;
		goto out;
	}
	ret = __refcache_ref_get(obj, id, READ_ONCE(rc->max_refs), NULL);
	if (ret > 0) {
		__this_cpu_inc(rc->counts->gets);
		/* The phase that is on now that the reference exists. */
		phase = READ_ONCE(rc->gc_phase);
		if ((phase & REFCACHE_GC_PHASE) == REFCACHE_GC_MARK ||
		    (phase & REFCACHE_GC_PHASE) == REFCACHE_GC_FINAL)
			refcache_gc_shade(rc, slot, phase);
	}
out:
	rcu_read_unlock_sched();
	*objp = obj;
	return ret;
}

/* Under graph_lock: the frozen bits of chunk @i, once anything was frozen. */
static int refcache_gc_frozen_alloc(struct refcache *rc, unsigned int i)
{
	if (!rc->gc_frozen || rc->gc_frozen[i])
		return 0;
	rc->gc_frozen[i] = bitmap_zalloc(REFCACHE_CHUNK_SLOTS, REFCACHE_GFP);
	return rc->gc_frozen[i] ? 0 : -ENOMEM;
}

static int refcache_gc_chunk_alloc(struct refcache *rc, u32 id)
{
	unsigned int i = refcache_id_slot(id) >> REFCACHE_CHUNK_BITS;
	struct refcache_gc_chunk *c;

	if (rc->gc_chunks[i])
		return refcache_gc_frozen_alloc(rc, i);
	c = kzalloc(sizeof(*c), REFCACHE_GFP);
	if (!c)
		return -ENOMEM;
	/* The zeroed bits before the pointer: refcache_gc_chunk(). */
	smp_store_release(&rc->gc_chunks[i], c);
	rc->gc_nr_chunks++;
	return refcache_gc_frozen_alloc(rc, i);
}

/**
 * refcache_gc_prepare() - make room for the bits of a link's two ends
 * @rc: the table
 * @from: the link's holder
 * @to: its target
 *
 * Under graph_lock, before a link changes anything.
 *
 * Return: 0 or -ENOMEM.
 */
int refcache_gc_prepare(struct refcache *rc, u32 from, u32 to)
{
	lockdep_assert_held(&rc->graph_lock);
	if (!rc->gc_chunks) {
		struct refcache_gc_chunk **chunks;

		chunks = kvcalloc(REFCACHE_CHUNKS, sizeof(*chunks), REFCACHE_GFP);
		if (!chunks)
			return -ENOMEM;
		/* The NULL entries before the array: refcache_gc_chunk(). */
		smp_store_release(&rc->gc_chunks, chunks);
	}
	return refcache_gc_chunk_alloc(rc, from) ?:
	       refcache_gc_chunk_alloc(rc, to);
}

/*
 * Under graph_lock, a link was made from or to @obj: during a run, shade
 * @obj (Dijkstra's barrier), then make it a candidate.
 */
static void refcache_gc_join(struct refcache *rc, struct refcache_obj *obj)
{
	u32 slot = refcache_obj_slot(obj);
	struct refcache_gc_chunk *c = rc->gc_chunks[slot >> REFCACHE_CHUNK_BITS];
	u8 phase = READ_ONCE(rc->gc_phase);

	lockdep_assert_held(&rc->graph_lock);
	if (phase & REFCACHE_GC_PHASE)
		refcache_gc_shade(rc, slot, phase);
	if (!test_bit(REFCACHE_GC_BIT(slot), c->member)) {
		smp_mb__before_atomic();	/* the mark before membership */
		set_bit(REFCACHE_GC_BIT(slot), c->member);
		WRITE_ONCE(rc->nr_members, rc->nr_members + 1);
	}
}

static bool refcache_gc_frozen(struct refcache *rc, u32 slot)
{
	unsigned long *frozen;

	if (!rc->gc_frozen)
		return false;
	frozen = rc->gc_frozen[slot >> REFCACHE_CHUNK_BITS];
	return frozen && test_bit(REFCACHE_GC_BIT(slot), frozen);
}

/*
 * Under graph_lock: freeze @obj, which a frozen object now links to, and
 * everything it reaches that is not frozen yet (a walk with a work list
 * through gc_next: all of it is live, reachable from a pinned object), so
 * that what frozen objects reach is frozen too. Every chunk with
 * candidates has its frozen bits while anything may be frozen.
 */
static void refcache_gc_freeze_from(struct refcache *rc,
				    struct refcache_obj *obj)
{
	u32 slot = refcache_obj_slot(obj);

	set_bit(REFCACHE_GC_BIT(slot), rc->gc_frozen[slot >> REFCACHE_CHUNK_BITS]);
	WRITE_ONCE(rc->nr_frozen, rc->nr_frozen + 1);
	obj->gc_next = 0;
	while (obj) {
		u32 next = obj->gc_next;
		struct refcache_link *link;

		for (link = refcache_links_locked(rc, obj->links); link;
		     link = refcache_links_locked(rc, link->next)) {
			if (link->weak)
				continue;
			slot = refcache_obj_slot(link->to);
			if (refcache_gc_frozen(rc, slot))
				continue;
			set_bit(REFCACHE_GC_BIT(slot),
				rc->gc_frozen[slot >> REFCACHE_CHUNK_BITS]);
			WRITE_ONCE(rc->nr_frozen, rc->nr_frozen + 1);
			link->to->gc_next = next;
			next = slot;
		}
		obj = next ? refcache_table_at(rc, next) : NULL;
	}
}

/**
 * refcache_gc_linked() - a link from @from to @to was made
 * @rc: the table
 * @from: its holder
 * @to: its target; refcache_gc_prepare() made room for both
 *
 * Under graph_lock: both become candidates (refcache_gc_join()), and a
 * target of a frozen object is frozen, with what it reaches.
 */
void refcache_gc_linked(struct refcache *rc, struct refcache_obj *from,
			struct refcache_obj *to)
{
	refcache_gc_join(rc, from);
	refcache_gc_join(rc, to);
	if (rc->nr_frozen && refcache_gc_frozen(rc, refcache_obj_slot(from)) &&
	    !refcache_gc_frozen(rc, refcache_obj_slot(to)))
		refcache_gc_freeze_from(rc, to);
}

/**
 * refcache_gc_leave() - @obj may have lost its last link, in or out
 * @rc: the table
 * @obj: the object; under graph_lock
 *
 * Makes it no candidate if it has no counted links left, in or out (weak
 * ones do not count), so that runs pass it by.
 */
void refcache_gc_leave(struct refcache *rc, struct refcache_obj *obj)
{
	u32 slot = refcache_obj_slot(obj);
	struct refcache_gc_chunk *c;

	lockdep_assert_held(&rc->graph_lock);
	if (obj->links_in || !rc->gc_chunks ||
	    refcache_has_counted_links(rc, obj))
		return;
	c = rc->gc_chunks[slot >> REFCACHE_CHUNK_BITS];
	if (c && test_and_clear_bit(REFCACHE_GC_BIT(slot), c->member))
		WRITE_ONCE(rc->nr_members, rc->nr_members - 1);
	if (refcache_gc_frozen(rc, slot)) {
		clear_bit(REFCACHE_GC_BIT(slot),
			  rc->gc_frozen[slot >> REFCACHE_CHUNK_BITS]);
		WRITE_ONCE(rc->nr_frozen, rc->nr_frozen - 1);
	}
}

static void refcache_gc_lock(struct refcache_gc_run *r)
{
	mutex_lock(&r->rc->graph_lock);
	r->slice_start = ktime_get_ns();
}

static void refcache_gc_unlock(struct refcache_gc_run *r)
{
	r->longest = max(r->longest, ktime_get_ns() - r->slice_start);
	mutex_unlock(&r->rc->graph_lock);
}

/* Under graph_lock, between two steps: let others in when the slice is up. */
static void refcache_gc_tick(struct refcache_gc_run *r)
{
	if (++r->clock % REFCACHE_GC_CLOCK ||
	    ktime_get_ns() - r->slice_start < REFCACHE_GC_SLICE_NS)
		return;
	refcache_gc_unlock(r);
	cond_resched();
	refcache_gc_lock(r);
}

/* Under graph_lock: mark the candidate in @slot, to be traced if it is new. */
static void refcache_gc_mark(struct refcache_gc_run *r, u32 slot)
{
	struct refcache *rc = r->rc;
	struct refcache_gc_chunk *c = rc->gc_chunks[slot >> REFCACHE_CHUNK_BITS];

	if (test_and_set_bit(REFCACHE_GC_BIT(slot), c->marks[r->odd]))
		return;
	if (r->top < REFCACHE_GC_STACK)
		r->stack[r->top++] = slot;
	else
		refcache_gc_gray(rc, c, slot);	/* the stack is full */
}

/*
 * Under graph_lock: trace what is on the mark stack. Slots, not objects:
 * between slices an object on it may die, and another take its slot; that
 * one is traced instead, which keeps more, never less. Under RCU, for
 * objects without links, which die without graph_lock.
 */
static void refcache_gc_trace(struct refcache_gc_run *r)
{
	struct refcache *rc = r->rc;

	while (r->top) {
		u32 slot = r->stack[--r->top];
		struct refcache_link *link;
		struct refcache_obj *obj;

		rcu_read_lock();
		obj = refcache_table_at(rc, slot);
		for (link = obj ? refcache_links_locked(rc, obj->links) : NULL;
		     link; link = refcache_links_locked(rc, link->next)) {
			/* Weak links keep nothing alive. */
			if (link->weak)
				continue;
			r->links++;
			refcache_gc_mark(r, refcache_obj_slot(link->to));
		}
		rcu_read_unlock();
		refcache_gc_tick(r);
	}
}

/*
 * Under graph_lock: trace every gray object, until none is left with the
 * lock held. Gray bits come from gets and links (shading) and from a full
 * mark stack.
 */
static void refcache_gc_drain(struct refcache_gc_run *r)
{
	struct refcache *rc = r->rc;
	unsigned int w, ci, i;

	while (READ_ONCE(rc->gc_gray_any)) {
		/* Ordered before the bits: refcache_gc_gray() sets it after. */
		xchg(&rc->gc_gray_any, false);
		for (w = 0; w < ARRAY_SIZE(rc->gc_gray_chunks); w++) {
			unsigned long chunks = xchg(&rc->gc_gray_chunks[w], 0);

			for_each_set_bit(ci, &chunks, BITS_PER_LONG) {
				u32 base = (w * BITS_PER_LONG + ci) <<
					   REFCACHE_CHUNK_BITS;
				struct refcache_gc_chunk *c =
					rc->gc_chunks[base >> REFCACHE_CHUNK_BITS];

				for (i = 0; i < REFCACHE_GC_WORDS; i++) {
					unsigned long gray = xchg(&c->gray[i], 0);
					unsigned int bit;

					for_each_set_bit(bit, &gray, BITS_PER_LONG) {
						r->stack[r->top++] = base +
							i * BITS_PER_LONG + bit;
						refcache_gc_trace(r);
					}
				}
			}
		}
	}
}

/*
 * Under graph_lock: the candidates in word @w of chunk @ci that a walk
 * looks at: not frozen, and for the sweep (@unmarked) not marked. A copy:
 * the walk checks each bit again after a slice.
 */
static unsigned long refcache_gc_word(struct refcache_gc_run *r,
				      struct refcache_gc_chunk *c,
				      unsigned int ci, unsigned int w,
				      bool unmarked)
{
	struct refcache *rc = r->rc;
	unsigned long bits = c->member[w];

	if (rc->gc_frozen && rc->gc_frozen[ci])
		bits &= ~rc->gc_frozen[ci][w];
	if (unmarked)
		bits &= ~READ_ONCE(c->marks[r->odd][w]);
	return bits;
}

/*
 * Under graph_lock: call @visit for each candidate that is not frozen (and
 * with @unmarked, not marked), by slot. Each bit is checked again before
 * its visit: a visit may end a slice, and the member bits change only
 * under graph_lock. Inline, so that @visit is a direct call.
 */
static __always_inline void
refcache_gc_walk(struct refcache_gc_run *r, bool unmarked,
		 void (*visit)(struct refcache_gc_run *r, u32 slot))
{
	struct refcache *rc = r->rc;
	unsigned int ci, w, bit;

	for (ci = 0; ci < REFCACHE_CHUNKS; ci++) {
		struct refcache_gc_chunk *c = rc->gc_chunks[ci];

		for (w = 0; c && w < REFCACHE_GC_WORDS; w++) {
			unsigned long bits = refcache_gc_word(r, c, ci, w, unmarked);

			for_each_set_bit(bit, &bits, BITS_PER_LONG) {
				unsigned int b = w * BITS_PER_LONG + bit;

				if (test_bit(b, c->member) &&
				    !(unmarked && test_bit(b, c->marks[r->odd])))
					visit(r, (ci << REFCACHE_CHUNK_BITS) | b);
			}
		}
	}
}

/* Under graph_lock: if the candidate in @slot is a root, trace from it. */
static void refcache_gc_root(struct refcache_gc_run *r, u32 slot)
{
	/* A candidate dies only under graph_lock. */
	struct refcache_obj *obj = refcache_table_at(r->rc, slot);
	unsigned int refs;

	if (WARN_ON_ONCE(!obj))
		return;
	r->objects++;
	refs = refcache_state_count(atomic64_read(&obj->state));
	if (refs > READ_ONCE(obj->links_in) ||
	    (!refs && rcu_access_pointer(obj->links))) {
		refcache_gc_mark(r, slot);
		refcache_gc_trace(r);
	} else {
		refcache_gc_tick(r);
	}
}

/*
 * Under graph_lock, marking done: the candidate in @slot is not marked. If
 * links point at it, it is garbage: count it, and unless the run is dry
 * kill it (count 0) and chain it by slot through gc_next.
 */
static void refcache_gc_kill(struct refcache_gc_run *r, u32 slot)
{
	struct refcache_obj *obj = refcache_table_at(r->rc, slot);

	/* Without links in: a root, or on its way out. */
	if (!obj || !READ_ONCE(obj->links_in))
		return;
	r->collected++;
	if (!r->dry_run) {
		atomic64_set(&obj->state, refcache_state(refcache_obj_id(obj), 0));
		obj->gc_next = r->garbage;
		r->garbage = slot;
	}
	refcache_gc_tick(r);
}

/*
 * Under graph_lock, in IDLE: release the garbage chained from @garbage,
 * dead now: first the weak links to it from live objects are cleared, so
 * that none can reach it while it goes; then every link of it is taken
 * apart, while all of it exists; then the objects go.
 */
static void refcache_gc_release(struct refcache_gc_run *r, u32 garbage)
{
	struct refcache *rc = r->rc;
	u32 slot, dying = 0;

	for (slot = rc->nr_weak ? garbage : 0; slot; ) {
		struct refcache_obj *obj = refcache_table_at(rc, slot);

		slot = obj->gc_next;
		refcache_weak_clear_to(rc, obj);
		refcache_gc_tick(r);
	}
	for (slot = garbage; slot; ) {
		struct refcache_obj *obj = refcache_table_at(rc, slot);

		slot = obj->gc_next;
		refcache_unlink_all(rc, obj, true, &dying);
		refcache_gc_tick(r);
	}
	for (slot = garbage; slot; ) {
		struct refcache_obj *obj = refcache_table_at(rc, slot);

		slot = obj->gc_next;
		/* Dies with the links of other garbage still counted here. */
		WRITE_ONCE(obj->links_in, 0);
		refcache_gc_leave(rc, obj);
		refcache_retire(obj);
		refcache_gc_tick(r);
	}
	if (dying)
		refcache_release_list(rc, refcache_table_at(rc, dying));
}

/* Under graph_lock: set the phase of run @r, for gets without the lock. */
static void refcache_gc_set_phase(struct refcache_gc_run *r,
				  enum refcache_gc_phase phase)
{
	/* The marks and bits before the phase: refcache_gc_get() */
	smp_store_release(&r->rc->gc_phase,
			  phase | (r->odd ? REFCACHE_GC_ODD : 0));
}

/*
 * Under graph_lock, a new run: use the other marks, start them from the
 * frozen bits, and clear the gray bits of every chunk with candidates, in
 * slices.
 */
static void refcache_gc_start(struct refcache_gc_run *r)
{
	struct refcache *rc = r->rc;
	unsigned int ci, i;

	r->odd = !(READ_ONCE(rc->gc_phase) & REFCACHE_GC_ODD);
	WRITE_ONCE(rc->gc_gray_any, false);
	for (i = 0; i < ARRAY_SIZE(rc->gc_gray_chunks); i++)
		WRITE_ONCE(rc->gc_gray_chunks[i], 0);
	for (ci = 0; ci < REFCACHE_CHUNKS; ci++) {
		struct refcache_gc_chunk *c = rc->gc_chunks[ci];

		if (!c)
			continue;
		/* Frozen objects are marked from the start: never traced. */
		for (i = 0; i < REFCACHE_GC_WORDS; i++) {
			WRITE_ONCE(c->marks[r->odd][i], rc->gc_frozen &&
				   rc->gc_frozen[ci] ? rc->gc_frozen[ci][i] : 0);
			WRITE_ONCE(c->gray[i], 0);
		}
		/*
		 * The phase is IDLE: nobody tests these marks, and what
		 * changes meanwhile (a new chunk, zeroed; an object frozen or
		 * not any more) keeps more, never less.
		 */
		refcache_gc_tick(r);
	}
}

/* Under graph_lock: mark until nothing is gray, then, unless @dry_run, KILL. */
static void refcache_gc_marking(struct refcache_gc_run *r, bool dry_run)
{
	struct refcache *rc = r->rc;
	unsigned int tries;
	u64 final;

	refcache_gc_walk(r, false, refcache_gc_root);
	for (tries = 0; ; tries++) {
		refcache_gc_drain(r);
		if (dry_run)
			return;
		final = ktime_get_ns();
		refcache_gc_set_phase(r, REFCACHE_GC_FINAL);
		refcache_gc_unlock(r);
		/* Every get that read MARK has shaded what it got. */
		synchronize_rcu_expedited();
		refcache_gc_lock(r);
		if (READ_ONCE(rc->gc_gray_any) && tries < REFCACHE_GC_RETRIES) {
			/* Trace the new gray objects without holding gets. */
			refcache_gc_set_phase(r, REFCACHE_GC_MARK);
			wake_up_all(&rc->gc_wait);
			r->longest = max(r->longest, ktime_get_ns() - final);
			continue;
		}
		refcache_gc_drain(r);
		refcache_gc_set_phase(r, REFCACHE_GC_KILL);
		wake_up_all(&rc->gc_wait);
		r->longest = max(r->longest, ktime_get_ns() - final);
		return;
	}
}

/**
 * refcache_gc() - collect the objects only links keep alive
 * @rc: the table
 * @dry_run: count them, change nothing
 *
 * Frees exactly the objects that no outside reference (create, get,
 * lookup) can reach through links: cycles, and whatever hangs off them
 * (an object got or linked while the run marks is kept). Safe against
 * every other operation running concurrently, which waits for it at most
 * one slice; looks only at objects that have links, and at nothing in a
 * table without links. May sleep.
 *
 * Return: the number of objects freed (or, with @dry_run, that would be),
 * or -ENOMEM if there was no memory for the mark stack.
 */
long refcache_gc(struct refcache *rc, bool dry_run)
{
	struct refcache_gc_run r = { .rc = rc, .dry_run = dry_run };
	size_t bytes = 0;
	long n = 0;
	u64 start;

	mutex_lock(&rc->gc_run_lock);
	refcache_gc_lock(&r);
	start = r.slice_start;
	/*
	 * Without links there is no garbage: the count of a live object is
	 * then its outside references, at least one. Nor is there any if
	 * nothing that makes garbage happened since the last run that
	 * collected began: that run found all there was.
	 */
	if (!rc->nr_links || !READ_ONCE(rc->gc_dirty))
		goto done;
	r.stack = kmalloc_array(REFCACHE_GC_STACK, sizeof(*r.stack),
				REFCACHE_GFP);
	if (!r.stack) {
		mutex_unlock(&rc->graph_lock);
		mutex_unlock(&rc->gc_run_lock);
		return -ENOMEM;
	}
	if (!dry_run) {
		WRITE_ONCE(rc->gc_dirty, false);
		/*
		 * Before the root scan reads any count: a put whose decrement
		 * the scan may miss reads the flag clear and sets it again.
		 */
		smp_mb();
	}
	refcache_gc_start(&r);
	refcache_gc_set_phase(&r, REFCACHE_GC_MARK);
	refcache_gc_unlock(&r);
	/* Every get that did not see MARK has its reference counted. */
	synchronize_rcu_expedited();
	refcache_gc_lock(&r);
	refcache_gc_marking(&r, dry_run);
	refcache_gc_walk(&r, true, refcache_gc_kill);
	n = r.collected;
	refcache_gc_set_phase(&r, REFCACHE_GC_IDLE);
	refcache_gc_release(&r, r.garbage);
	kfree(r.stack);
	/* Chunks' bitmaps are never freed before the table: this is the peak. */
	bytes = REFCACHE_GC_STACK * sizeof(*r.stack) +
		REFCACHE_CHUNKS * sizeof(*rc->gc_chunks) +
		rc->gc_nr_chunks * sizeof(struct refcache_gc_chunk);
	if (rc->gc_frozen)
		bytes += REFCACHE_CHUNKS * sizeof(*rc->gc_frozen) +
			 rc->gc_nr_chunks * BITS_TO_LONGS(REFCACHE_CHUNK_SLOTS) *
			 sizeof(long);
done:
	atomic_set(&rc->gc_pending, 0);
	WRITE_ONCE(rc->gc_runs, rc->gc_runs + 1);
	if (!dry_run)
		WRITE_ONCE(rc->gc_collected, rc->gc_collected + n);
	WRITE_ONCE(rc->gc_last_objects, r.objects);
	WRITE_ONCE(rc->gc_last_links, r.links);
	WRITE_ONCE(rc->gc_last_collected, n);
	WRITE_ONCE(rc->gc_last_bytes, bytes);
	r.longest = max(r.longest, ktime_get_ns() - r.slice_start);
	WRITE_ONCE(rc->gc_last_pause_ns, r.longest);
	WRITE_ONCE(rc->gc_last_ns, ktime_get_ns() - start);
	trace_refcache_gc(n, dry_run, rc->gc_last_ns, r.longest, r.objects,
			  r.links, bytes);
	mutex_unlock(&rc->graph_lock);
	mutex_unlock(&rc->gc_run_lock);
	return n;
}
EXPORT_SYMBOL_GPL(refcache_gc);

/**
 * refcache_gc_freeze() - make the objects with links now a permanent generation
 * @rc: the table
 *
 * As CPython's gc.freeze(): later runs treat every object that has links
 * now as alive and do not scan it, nor what it reaches (a link from a
 * frozen object freezes its target, with what that reaches). An object
 * leaves the generation when it loses its last link or dies.
 *
 * Return: how many objects this froze (stats has the generation's size),
 * or -ENOMEM, having frozen nothing.
 */
long refcache_gc_freeze(struct refcache *rc)
{
	unsigned int ci, w;
	long n = 0;
	int err = 0;

	mutex_lock(&rc->gc_run_lock);
	mutex_lock(&rc->graph_lock);
	if (!rc->gc_chunks)
		goto out;
	if (!rc->gc_frozen) {
		rc->gc_frozen = kvcalloc(REFCACHE_CHUNKS, sizeof(*rc->gc_frozen),
					 REFCACHE_GFP);
		if (!rc->gc_frozen) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (ci = 0; ci < REFCACHE_CHUNKS && !err; ci++)
		if (rc->gc_chunks[ci])
			err = refcache_gc_frozen_alloc(rc, ci);
	for (ci = 0; ci < REFCACHE_CHUNKS && !err; ci++) {
		struct refcache_gc_chunk *c = rc->gc_chunks[ci];

		for (w = 0; c && w < REFCACHE_GC_WORDS; w++) {
			unsigned long add = c->member[w] & ~rc->gc_frozen[ci][w];

			rc->gc_frozen[ci][w] |= add;
			n += hweight_long(add);
		}
	}
	WRITE_ONCE(rc->nr_frozen, rc->nr_frozen + n);
out:
	mutex_unlock(&rc->graph_lock);
	mutex_unlock(&rc->gc_run_lock);
	return err ?: n;
}
EXPORT_SYMBOL_GPL(refcache_gc_freeze);

/**
 * refcache_gc_unfreeze() - end the permanent generation
 * @rc: the table
 *
 * The next run decides about its objects as about any others.
 *
 * Return: how many objects were frozen.
 */
long refcache_gc_unfreeze(struct refcache *rc)
{
	unsigned int ci;
	long n;

	mutex_lock(&rc->gc_run_lock);
	mutex_lock(&rc->graph_lock);
	n = rc->nr_frozen;
	for (ci = 0; rc->gc_frozen && ci < REFCACHE_CHUNKS; ci++)
		if (rc->gc_frozen[ci])
			bitmap_zero(rc->gc_frozen[ci], REFCACHE_CHUNK_SLOTS);
	WRITE_ONCE(rc->nr_frozen, 0);
	WRITE_ONCE(rc->gc_dirty, true);
	mutex_unlock(&rc->graph_lock);
	mutex_unlock(&rc->gc_run_lock);
	return n;
}
EXPORT_SYMBOL_GPL(refcache_gc_unfreeze);

static void refcache_gc_work(struct work_struct *work)
{
	refcache_gc(container_of(work, struct refcache, gc_work), false);
}

/**
 * refcache_gc_note() - @n objects or links were made
 * @rc: the table
 * @n: how many
 *
 * Past gc_threshold since the last run, queues one from a work item:
 * never in the caller's context.
 */
void refcache_gc_note(struct refcache *rc, unsigned int n)
{
	unsigned int threshold = READ_ONCE(rc->gc_threshold);

	if (threshold && atomic_add_return(n, &rc->gc_pending) >= threshold)
		queue_work(system_unbound_wq, &rc->gc_work);
}

/**
 * refcache_set_gc_threshold() - collect automatically after so much activity
 * @rc: the table
 * @threshold: run the collector from a work item once this many objects
 *	and links were made since its last run; 0 (the default): only on
 *	refcache_gc()
 */
void refcache_set_gc_threshold(struct refcache *rc, unsigned int threshold)
{
	WRITE_ONCE(rc->gc_threshold, threshold);
}
EXPORT_SYMBOL_GPL(refcache_set_gc_threshold);

void refcache_gc_init(struct refcache *rc)
{
	mutex_init(&rc->gc_run_lock);
	init_waitqueue_head(&rc->gc_wait);
	INIT_WORK(&rc->gc_work, refcache_gc_work);
	atomic_set(&rc->gc_pending, 0);
	rc->gc_phase = REFCACHE_GC_IDLE;
	rc->gc_dirty = true;
	rc->gc_chunks = NULL;
	rc->gc_nr_chunks = 0;
	rc->gc_frozen = NULL;
	rc->nr_frozen = 0;
	rc->gc_gray_any = false;
	bitmap_zero(rc->gc_gray_chunks, REFCACHE_CHUNKS);
	rc->nr_members = 0;
	rc->gc_runs = 0;
	rc->gc_collected = 0;
	rc->gc_last_ns = 0;
	rc->gc_last_pause_ns = 0;
	rc->gc_last_objects = 0;
	rc->gc_last_links = 0;
	rc->gc_last_collected = 0;
	rc->gc_last_bytes = 0;
	rc->gc_threshold = 0;
}

/* Before the table goes: no run may be pending; frees the bitmaps. */
void refcache_gc_destroy(struct refcache *rc)
{
	unsigned int ci;

	WRITE_ONCE(rc->gc_threshold, 0);
	cancel_work_sync(&rc->gc_work);
	if (rc->gc_chunks) {
		for (ci = 0; ci < REFCACHE_CHUNKS; ci++)
			kfree(rc->gc_chunks[ci]);
		kvfree(rc->gc_chunks);
		rc->gc_chunks = NULL;
	}
	if (rc->gc_frozen) {
		for (ci = 0; ci < REFCACHE_CHUNKS; ci++)
			bitmap_free(rc->gc_frozen[ci]);
		kvfree(rc->gc_frozen);
		rc->gc_frozen = NULL;
	}
	mutex_destroy(&rc->gc_run_lock);
}
