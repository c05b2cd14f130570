// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for refcache's object graph: links between objects and the
 * cycle collector (module/graph.c: a mark from the objects outside references
 * hold, the reachability half of CPython's gc; no trial deletion, since
 * every object counts its links_in).
 *
 * An "outside" reference is one taken by create, get or lookup; a link is a
 * reference one object holds on another. refcache_gc() must free exactly the
 * objects that no outside reference reaches, directly or through links. The
 * small cases pin down one shape each; refcache_gc_matches_reachability_model
 * compares the collector with a plain reachability model on many random
 * graphs.
 *
 * Every case gets a table of its own (suite init/exit), and the exit checks
 * that every object the case made went back to the slab, as refcache
 * counts it; the cases that end with nothing live also check SLUB's own
 * count of the table's cache (refcache_gc_expect_all_freed()).
 *
 * Ids are a slot (id & (REFCACHE_SLOTS - 1)) with a generation above it:
 * refcache_find_next() walks slots, and an object's id is read with
 * refcache_obj_id(). Links are listed newest first.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "refcache.h"
#include "refcache_kunit.h"

/* Random graphs: how many, and at most how many nodes each. */
#define GC_GRAPHS	1000U
#define GC_MAX_NODES	16U
/* Up to 3n links per graph. */
#define GC_MAX_LINKS	(3 * GC_MAX_NODES)
/*
 * Length of the chain released by one put: a million by default, as the test
 * command runs it; scripts/test.sh --quick loads the module with a shorter one
 * (each free waits a grace period under KASAN's SLUB_RCU_DEBUG, some 40 s for
 * a million in UML).
 */
static unsigned int chain_len = 1000000;
module_param(chain_len, uint, 0444);
MODULE_PARM_DESC(chain_len, "objects in refcache_release_of_long_chain (default 1000000)");

static int refcache_gc_test_init(struct kunit *test)
{
	refcache_kunit_fixture_init(test, sizeof(struct refcache_kunit_fixture),
				    NULL);
	return 0;
}

/*
 * Under RCU: live object @id, found at its slot, or NULL. Only the listing
 * is used, so the lookup takes no reference and counts no get.
 */
static struct refcache_obj *refcache_gc_find(struct kunit *test, u32 id)
{
	u32 slot = id & (REFCACHE_SLOTS - 1);
	struct refcache_obj *obj;

	obj = refcache_find_next(refcache_kunit_rc(test), &slot);
	if (obj && refcache_obj_id(obj) == id)
		return obj;
	return NULL;
}

/* The refcount of live object @id, or 0 if it is not live. */
static unsigned int refcache_gc_refcount(struct kunit *test, u32 id)
{
	struct refcache_obj *obj;
	unsigned int ref = 0;

	rcu_read_lock();
	obj = refcache_gc_find(test, id);
	if (obj)
		ref = refcache_obj_refcount(obj);
	rcu_read_unlock();
	return ref;
}

/*
 * Check the slab and the table: a final put, a release and a collection
 * return objects to the slab at once, so refcache's own count has nothing
 * to wait for; SLUB's is read after the frees a debugging SLUB defers
 * (refcache_kunit_slub_objects()).
 */
static void refcache_gc_expect_all_freed(struct kunit *test,
					 unsigned long created)
{
	struct refcache_kunit_fixture *f = test->priv;
	struct refcache_stats st;
	struct refcache_obj *obj;
	u32 pos = 0;

	refcache_stats(&f->rc, &st);
	KUNIT_EXPECT_EQ(test, st.live, 0L);
	KUNIT_EXPECT_EQ(test, st.created, created);
	KUNIT_EXPECT_EQ(test, st.freed, created);
	KUNIT_EXPECT_EQ(test, refcache_slab_objects(), f->slab_before);
	/* SLUB has the memory back, not only refcache's count. */
	KUNIT_EXPECT_EQ(test, refcache_kunit_slub(test), 0L);
	rcu_read_lock();
	obj = refcache_find_next(&f->rc, &pos);
	rcu_read_unlock();
	KUNIT_EXPECT_NULL(test, obj);
}

static void refcache_gc_collects_self_loop(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 a;

	refcache_kunit_create(test, 1, &a);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, a, a), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, a), 1);
	/* Only its own link holds it now: nothing outside may drop that. */
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, a), -EBUSY);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 1L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 1UL);

	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 1L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_get_id(rc, a), -ENOENT);
	/* Garbage is collected once. */
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_runs, 2UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_collected, 1UL);
	refcache_gc_expect_all_freed(test, 1);
}

static void refcache_gc_collects_two_cycle(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[2];

	refcache_kunit_create(test, 2, ids);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, ids[0], ids[1]), 2);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, ids[1], ids[0]), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[0]), 1);
	/* Still reachable from ids[1]'s outside reference. */
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 2L);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[1]), 1);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 2L);

	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 2L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 0L);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	refcache_gc_expect_all_freed(test, 2);
}

static void refcache_gc_keeps_cycle_held_from_outside(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[3], root, a, b;

	refcache_kunit_create(test, 3, ids);
	root = ids[0];
	a = ids[1];
	b = ids[2];
	/* root -> a <-> b, only root held from outside. */
	KUNIT_EXPECT_EQ(test, refcache_link(rc, root, a), 2);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, a, b), 2);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, b, a), 3);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, a), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), 1);

	KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 0L);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 3L);
	/* Marking changes no count: every one is as it was. */
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, root), 1U);
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, a), 2U);
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, b), 1U);

	/* Dropping root frees it by refcount; the cycle is now garbage. */
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, root), 0);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 2L);
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, a), 1U);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 2L);
	refcache_gc_expect_all_freed(test, 3);
}

static void refcache_gc_collects_chain_off_garbage_cycle(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[6], held;
	unsigned int i;

	/*
	 * ids[0] <-> ids[1] -> ids[2] -> ids[3] -> ids[4] -> held, and held
	 * keeps its outside reference: the collector frees the cycle and the
	 * chain but not held, which loses only the link the chain had on it.
	 */
	refcache_kunit_create(test, 6, ids);
	held = ids[5];
	KUNIT_EXPECT_EQ(test, refcache_link(rc, ids[0], ids[1]), 2);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, ids[1], ids[0]), 2);
	for (i = 1; i < 5; i++)
		KUNIT_EXPECT_EQ(test, refcache_link(rc, ids[i], ids[i + 1]), 2);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[i]), 1);

	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 6UL);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 5L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 1L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_collected, 5UL);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_EQ(test, refcache_get_id(rc, ids[i]), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, held), 1U);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, held), 0);
	refcache_gc_expect_all_freed(test, 6);
}

static void refcache_gc_diamond_freed_by_refcount(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[4], a, b, c, d;

	refcache_kunit_create(test, 4, ids);
	a = ids[0];
	b = ids[1];
	c = ids[2];
	d = ids[3];
	KUNIT_EXPECT_EQ(test, refcache_link(rc, a, b), 2);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, a, c), 2);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, b, d), 2);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, c, d), 3);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), 1);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, c), 1);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, d), 2);

	/* Everything hangs off a: nothing is garbage. */
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 0L);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 4L);
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, d), 2U);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 4UL);

	/*
	 * There is no cycle, so the put of a's only outside reference frees
	 * the whole diamond by refcount alone, d only after both b and c.
	 * The collector then has nothing left to do.
	 */
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, a), 0);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_get_id(rc, d), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 0L);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_collected, 0UL);
	refcache_gc_expect_all_freed(test, 4);
}

/*
 * Garbage: ids[0] <-> ids[1] -> ids[2]; kept: ids[3] -> ids[4] -> ids[3],
 * ids[3] with its outside reference. Counts: 1, 1, 1, 2, 1.
 */
static void refcache_gc_dry_graph(struct kunit *test, u32 *ids)
{
	struct refcache *rc = refcache_kunit_rc(test);

	refcache_kunit_create(test, 5, ids);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[0], ids[1]), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[1], ids[0]), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[1], ids[2]), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[3], ids[4]), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[4], ids[3]), 2);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, ids[0]), 1);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, ids[1]), 1);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, ids[2]), 1);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, ids[4]), 1);
}

static void refcache_gc_dry_run_counts_garbage(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[5];

	refcache_gc_dry_graph(test, ids);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 3L);
	/* The same again: the first run took nothing away. */
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 3L);
}

static void refcache_gc_dry_run_frees_nothing(struct kunit *test)
{
	struct refcache_kunit_fixture *f = test->priv;
	struct refcache *rc = &f->rc;
	struct refcache_stats st;
	u32 ids[5];

	refcache_gc_dry_graph(test, ids);
	KUNIT_ASSERT_EQ(test, refcache_gc(rc, true), 3L);
	refcache_stats(rc, &st);
	KUNIT_EXPECT_EQ(test, st.live, 5L);
	KUNIT_EXPECT_EQ(test, st.freed, 0UL);
	KUNIT_EXPECT_EQ(test, st.links, 5UL);
	KUNIT_EXPECT_EQ(test, refcache_slab_objects(), f->slab_before + 5);
	KUNIT_EXPECT_EQ(test, refcache_kunit_slub(test), 5L);
	/* Counts as they were, and only links hold the garbage still. */
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, ids[0]), 1U);
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, ids[2]), 1U);
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, ids[3]), 2U);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[0]), -EBUSY);
}

static void refcache_gc_dry_run_counts_as_a_run(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_stats st;
	u32 ids[5];

	refcache_gc_dry_graph(test, ids);
	KUNIT_ASSERT_EQ(test, refcache_gc(rc, true), 3L);
	KUNIT_ASSERT_EQ(test, refcache_gc(rc, true), 3L);
	refcache_stats(rc, &st);
	/* refcache.h: gc_runs counts dry runs too; nothing was collected. */
	KUNIT_EXPECT_EQ(test, st.gc_runs, 2UL);
	KUNIT_EXPECT_EQ(test, st.gc_collected, 0UL);
}

/*
 * No link, no garbage: the run touches nothing (no candidate scanned, no
 * memory used; the only wait it can cause is its one short hold of
 * graph_lock, the whole run) and still counts as one. With a link, the
 * same table is marked.
 */
static void refcache_gc_without_links_marks_nothing(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_stats st;
	u32 ids[100];

	KUNIT_ASSERT_EQ(test, refcache_create_batch(rc, ARRAY_SIZE(ids), ids), 0);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	st = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, st.gc_runs, 1UL);
	KUNIT_EXPECT_EQ(test, st.gc_last_objects, 0UL);
	KUNIT_EXPECT_EQ(test, st.gc_last_bytes, 0UL);
	KUNIT_EXPECT_LE(test, st.gc_last_pause_ns, st.gc_last_ns);
	KUNIT_EXPECT_EQ(test, st.live, 100L);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[0], ids[1]), 2);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	st = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, st.gc_runs, 2UL);
	KUNIT_EXPECT_EQ(test, st.live, 100L);
}

/*
 * A run's own figures: a ring of 10 held by one outside reference, beside
 * 5 objects without links. The run looks at the 10 candidates only (the
 * objects with links), follows each of the ring's 10 links once, and uses
 * its mark stack (a page), the directory of bitmaps (a pointer per chunk
 * of the table) and one chunk's bitmaps (four bits per slot); a run with
 * no link looks at nothing and allocates nothing.
 */
static void refcache_gc_reports_what_a_run_did(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_stats st;
	u32 ring[10], loose[5];
	unsigned int i;

	refcache_kunit_create(test, ARRAY_SIZE(loose), loose);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	st = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, st.gc_last_objects, 0UL);
	KUNIT_EXPECT_EQ(test, st.gc_last_links, 0UL);
	KUNIT_EXPECT_EQ(test, st.gc_last_bytes, 0UL);

	refcache_kunit_create(test, ARRAY_SIZE(ring), ring);
	for (i = 0; i < ARRAY_SIZE(ring); i++)
		KUNIT_ASSERT_EQ(test, refcache_link(rc, ring[i],
						    ring[(i + 1) % ARRAY_SIZE(ring)]),
				2);
	for (i = 1; i < ARRAY_SIZE(ring); i++)
		KUNIT_ASSERT_EQ(test, refcache_put_id(rc, ring[i]), 1);

	KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 0L);
	st = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, st.gc_last_objects, 10UL);
	KUNIT_EXPECT_EQ(test, st.gc_last_links, 10UL);
	KUNIT_EXPECT_EQ(test, st.gc_last_collected, 0L);
	KUNIT_EXPECT_EQ(test, st.gc_last_bytes,
			PAGE_SIZE + REFCACHE_CHUNKS * sizeof(void *) +
			4 * REFCACHE_CHUNK_SLOTS / BITS_PER_BYTE);

	/* Without its root the ring is garbage: no link is followed. */
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ring[0]), 1);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 10L);
	st = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, st.gc_last_objects, 10UL);
	KUNIT_EXPECT_EQ(test, st.gc_last_links, 0UL);
	KUNIT_EXPECT_EQ(test, st.gc_last_collected, 10L);
	KUNIT_EXPECT_EQ(test, st.gc_collected, 10UL);
	KUNIT_EXPECT_EQ(test, st.live, 5L);
}

static void refcache_gc_frees_what_dry_run_counted(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[5];

	refcache_gc_dry_graph(test, ids);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 3L);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 3L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 2L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 2UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_slub(test), 2L);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 0L);
	/* Without its outside reference the kept cycle is garbage too. */
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[3]), 1);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 2L);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 2L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_collected, 5UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_runs, 5UL);
	refcache_gc_expect_all_freed(test, 5);
}

/* Outgoing links of live object @id into @out (at most @max); total or -1. */
static int refcache_gc_links_of(struct kunit *test, u32 id, u32 *out,
				unsigned int max)
{
	struct refcache_obj *obj;
	int total = -1;

	rcu_read_lock();
	obj = refcache_gc_find(test, id);
	if (obj)
		total = refcache_obj_links(obj, out, max);
	rcu_read_unlock();
	return total;
}

/*
 * ids[0] = a and ids[1] = b, live; ids[2] made and put, dead. Then, with
 * @links, a -> b, a -> b, a -> a, in that order: a's count is 2, b's 3.
 */
static void refcache_gc_a_b_dead(struct kunit *test, u32 *ids, bool links)
{
	struct refcache *rc = refcache_kunit_rc(test);

	refcache_kunit_create(test, 3, ids);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, ids[2]), 0);
	if (!links)
		return;
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[0], ids[1]), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[0], ids[1]), 3);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[0], ids[0]), 2);
}

static void refcache_link_returns_target_refcount(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[3];

	refcache_gc_a_b_dead(test, ids, false);
	/* Each link counts, repeated ones too, a self link too. */
	KUNIT_EXPECT_EQ(test, refcache_link(rc, ids[0], ids[1]), 2);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, ids[0], ids[1]), 3);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, ids[0], ids[0]), 2);
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, ids[0]), 2U);
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, ids[1]), 3U);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 3UL);
}

static void refcache_obj_links_lists_targets_newest_first(struct kunit *test)
{
	u32 ids[3], out[4] = { 0, 0, 0, 0 };

	refcache_gc_a_b_dead(test, ids, true);
	KUNIT_EXPECT_EQ(test, refcache_gc_links_of(test, ids[0], out, 4), 3);
	KUNIT_EXPECT_EQ(test, out[0], ids[0]);
	KUNIT_EXPECT_EQ(test, out[1], ids[1]);
	KUNIT_EXPECT_EQ(test, out[2], ids[1]);
	KUNIT_EXPECT_EQ(test, out[3], 0U);
	/* b holds none. */
	KUNIT_EXPECT_EQ(test, refcache_gc_links_of(test, ids[1], out, 4), 0);
}

static void refcache_obj_links_reports_total_beyond_max(struct kunit *test)
{
	u32 ids[3], out[2] = { 0, 0 };

	refcache_gc_a_b_dead(test, ids, true);
	/* A short buffer gets the newest; the total is of all. */
	KUNIT_EXPECT_EQ(test, refcache_gc_links_of(test, ids[0], out, 1), 3);
	KUNIT_EXPECT_EQ(test, out[0], ids[0]);
	KUNIT_EXPECT_EQ(test, out[1], 0U);
	KUNIT_EXPECT_EQ(test, refcache_gc_links_of(test, ids[0], NULL, 0), 3);
}

static void refcache_unlink_returns_target_refcount(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[3], out[4];

	refcache_gc_a_b_dead(test, ids, true);
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, ids[0], ids[1]), 2);
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, ids[0], ids[0]), 1);
	KUNIT_EXPECT_EQ(test, refcache_gc_links_of(test, ids[0], out, 4), 1);
	KUNIT_EXPECT_EQ(test, out[0], ids[1]);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 1UL);
}

/**
 * struct refcache_missing_end - a link or unlink that finds nothing to do
 * @desc: what it is
 * @unlink: an unlink, else a link
 * @from: which object it starts at (enum refcache_gc_role)
 * @to: which object it ends at
 */
struct refcache_missing_end {
	const char *desc;
	bool unlink;
	unsigned int from;
	unsigned int to;
};

/* The objects of refcache_gc_a_b_dead(), and ids that never were. */
enum refcache_gc_role { GC_A, GC_B, GC_DEAD, GC_ZERO, GC_MAX_ID };

static const struct refcache_missing_end refcache_missing_ends[] = {
	{ "link a -> dead", false, GC_A, GC_DEAD },
	{ "link dead -> a", false, GC_DEAD, GC_A },
	{ "link dead -> dead", false, GC_DEAD, GC_DEAD },
	{ "link a -> 0", false, GC_A, GC_ZERO },
	{ "link U32_MAX -> a", false, GC_MAX_ID, GC_A },
	{ "unlink a -> a, no such link", true, GC_A, GC_A },
	{ "unlink b -> a, no such link", true, GC_B, GC_A },
	{ "unlink a -> dead", true, GC_A, GC_DEAD },
	{ "unlink dead -> a", true, GC_DEAD, GC_A },
	{ "unlink U32_MAX -> a", true, GC_MAX_ID, GC_A },
};

static void refcache_missing_end_desc(const struct refcache_missing_end *t,
				      char *desc)
{
	strscpy(desc, t->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(refcache_missing_end, refcache_missing_ends,
		  refcache_missing_end_desc);

static u32 refcache_gc_role_id(const u32 *ids, unsigned int role)
{
	switch (role) {
	case GC_ZERO:
		return 0;
	case GC_MAX_ID:
		return U32_MAX;
	default:
		return ids[role];
	}
}

static void refcache_link_unlink_refuse_missing_ends(struct kunit *test)
{
	const struct refcache_missing_end *t = test->param_value;
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[3], from, to;
	int ret;

	refcache_gc_a_b_dead(test, ids, false);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[0], ids[1]), 2);
	from = refcache_gc_role_id(ids, t->from);
	to = refcache_gc_role_id(ids, t->to);
	ret = t->unlink ? refcache_unlink(rc, from, to) : refcache_link(rc, from, to);
	KUNIT_EXPECT_EQ(test, ret, -ENOENT);
	/* The refusal changed nothing. */
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, ids[0]), 1U);
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, ids[1]), 2U);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 2L);
}

static void refcache_unlink_of_last_reference_releases_target(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[3], out[4];

	refcache_gc_a_b_dead(test, ids, false);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[0], ids[1]), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[1]), 1);
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, ids[0], ids[1]), 0);
	KUNIT_EXPECT_EQ(test, refcache_get_id(rc, ids[1]), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, ids[0], ids[1]), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_gc_links_of(test, ids[0], out, 4), 0);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 1L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_slub(test), 1L);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[0]), 0);
	refcache_gc_expect_all_freed(test, 3);
}

/* a = ids[0] links b = ids[1] and c = ids[2]: a -> b, a -> c, a -> b, a -> c. */
static void refcache_gc_a_to_b_c_twice(struct kunit *test, u32 *ids)
{
	struct refcache *rc = refcache_kunit_rc(test);

	refcache_kunit_create(test, 3, ids);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[0], ids[1]), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[0], ids[2]), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[0], ids[1]), 3);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[0], ids[2]), 3);
}

static void refcache_unlink_drops_newest_matching_link(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[3], out[4];

	refcache_gc_a_to_b_c_twice(test, ids);
	/* Listed c, b, c, b: the newest a -> b is second, not last. */
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, ids[0], ids[1]), 2);
	KUNIT_EXPECT_EQ(test, refcache_gc_links_of(test, ids[0], out, 4), 3);
	KUNIT_EXPECT_EQ(test, out[0], ids[2]);
	KUNIT_EXPECT_EQ(test, out[1], ids[2]);
	KUNIT_EXPECT_EQ(test, out[2], ids[1]);
}

static void refcache_unlink_keeps_other_links_in_order(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[3], out[4];

	refcache_gc_a_to_b_c_twice(test, ids);
	/* The newest a -> c, in front, then the newest a -> b. */
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, ids[0], ids[2]), 2);
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, ids[0], ids[1]), 2);
	KUNIT_EXPECT_EQ(test, refcache_gc_links_of(test, ids[0], out, 4), 2);
	KUNIT_EXPECT_EQ(test, out[0], ids[2]);
	KUNIT_EXPECT_EQ(test, out[1], ids[1]);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 2UL);
}

static void refcache_new_link_goes_in_front(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[3], out[6] = { 0, 0, 0, 0, 0, 0 };

	refcache_gc_a_to_b_c_twice(test, ids);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, ids[0], ids[0]), 2);
	KUNIT_EXPECT_EQ(test, refcache_gc_links_of(test, ids[0], out, 6), 5);
	KUNIT_EXPECT_EQ(test, out[0], ids[0]);
	KUNIT_EXPECT_EQ(test, out[1], ids[2]);
	KUNIT_EXPECT_EQ(test, out[2], ids[1]);
	KUNIT_EXPECT_EQ(test, out[3], ids[2]);
	KUNIT_EXPECT_EQ(test, out[4], ids[1]);
	KUNIT_EXPECT_EQ(test, out[5], 0U);
}

static void refcache_unlink_of_last_self_link_releases(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 a;

	refcache_kunit_create(test, 1, &a);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, a, a), 2);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, a, a), 3);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, a), 2);
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, a, a), 1);
	/* The last reference was a's own link: a dies of dropping it. */
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, a, a), 0);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_get_id(rc, a), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, a, a), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	refcache_gc_expect_all_freed(test, 1);
}

static void refcache_link_refused_at_max_refs(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[2], out[4], a, c;

	KUNIT_ASSERT_EQ(test, refcache_set_max_refs(rc, 3), 0);
	refcache_kunit_create(test, 2, ids);
	a = ids[0];
	c = ids[1];
	KUNIT_EXPECT_EQ(test, refcache_link(rc, a, c), 2);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, a, c), 3);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, a, c), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, c, c), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, refcache_get_id(rc, c), -EOVERFLOW);
	/* The refused links were not made. */
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, c), 3U);
	KUNIT_EXPECT_EQ(test, refcache_gc_links_of(test, a, out, 4), 2);
	KUNIT_EXPECT_EQ(test, refcache_gc_links_of(test, c, out, 4), 0);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 2UL);
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, a, c), 2);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, c, c), 3);
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, c, c), 2);
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, a, c), 1);
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, a, c), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, c), 0);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, a), 0);
	refcache_gc_expect_all_freed(test, 2);
}

static void refcache_put_refused_when_only_links_hold(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_obj *obj;
	u32 ids[2], a, b;

	refcache_kunit_create(test, 2, ids);
	a = ids[0];
	b = ids[1];
	KUNIT_EXPECT_EQ(test, refcache_link(rc, a, b), 2);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, a, b), 3);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), -EBUSY);
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, b), 2U);

	/* By pointer: a lookup's reference may be dropped, no more. */
	obj = refcache_lookup(rc, b);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, refcache_obj_refcount(obj), 3U);
	KUNIT_EXPECT_EQ(test, refcache_put(obj), 2);
	/* Still valid: a's links keep b alive. */
	KUNIT_EXPECT_EQ(test, refcache_put(obj), -EBUSY);
	KUNIT_EXPECT_EQ(test, refcache_obj_refcount(obj), 2U);

	/* An outside reference taken later may be dropped again. */
	KUNIT_EXPECT_EQ(test, refcache_get_id(rc, b), 3);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), -EBUSY);

	/* b is reachable from a: not garbage. */
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 2L);
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, a, b), 1);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), -EBUSY);
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, a, b), 0);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, a), 0);
	refcache_gc_expect_all_freed(test, 2);
}

/**
 * struct refcache_gc_getter - a get by id in a thread of its own
 * @rc: the table
 * @id: the object
 * @ret: what refcache_get_id() returned
 * @done: completed when it returned
 */
struct refcache_gc_getter {
	struct refcache *rc;
	u32 id;
	int ret;
	struct completion done;
};

static int refcache_gc_getter_fn(void *data)
{
	struct refcache_gc_getter *g = data;

	g->ret = refcache_get_id(g->rc, g->id);
	complete(&g->done);
	return 0;
}

static bool refcache_gc_getter_sleeps(struct refcache *rc)
{
	/*
	 * Nobody else waits on this table's gc_wait, and only the wakeup of
	 * refcache_gc_get_while_deciding() ends the sleep: no barrier needed.
	 */
	return waitqueue_active(&rc->gc_wait);
}

/*
 * A get of @id while, as far as gets can tell, a run of the collector is
 * drawing its last marks and has marked nothing (rc->gc_phase FINAL, as
 * refcache_gc() sets it, with the marks of a table no run has used: all
 * clear). Sets *@waited if the get
 * went to sleep on rc->gc_wait rather than returning; ends the pretended
 * collection either way and returns the get's result.
 */
static int refcache_gc_get_while_deciding(struct kunit *test, u32 id,
					  bool *waited)
{
	struct refcache *rc = refcache_kunit_rc(test);
	unsigned long deadline = jiffies + 10 * HZ;
	struct refcache_gc_getter *g;
	struct task_struct *t;
	bool done;

	g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g);
	g->rc = rc;
	g->id = id;
	init_completion(&g->done);
	mutex_lock(&rc->graph_lock);
	KUNIT_ASSERT_EQ(test, rc->gc_runs, 0);
	/* As refcache_gc() publishes a phase, for refcache_gc_get(). */
	smp_store_release(&rc->gc_phase, REFCACHE_GC_FINAL);
	mutex_unlock(&rc->graph_lock);
	t = kthread_run(refcache_gc_getter_fn, g, "rc_gc_getter");
	if (!IS_ERR(t)) {
		/* Until it returned or sleeps in wait_event(). */
		while (!completion_done(&g->done) &&
		       !refcache_gc_getter_sleeps(rc) &&
		       time_before(jiffies, deadline))
			usleep_range(1000, 2000);
	}
	*waited = refcache_gc_getter_sleeps(rc);
	mutex_lock(&rc->graph_lock);
	/* As refcache_gc() publishes a phase. */
	smp_store_release(&rc->gc_phase, REFCACHE_GC_IDLE);
	mutex_unlock(&rc->graph_lock);
	wake_up_all(&rc->gc_wait);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	done = wait_for_completion_timeout(&g->done, 10 * HZ);
	KUNIT_ASSERT_TRUE_MSG(test, done, "the get of %u never returned", id);
	return g->ret;
}

/*
 * Gets wait for a collection only for objects that links point at (or a
 * graph operation pins): the graph flag in the state word says which, set
 * with the first link and cleared with the last, self links included.
 */
static void refcache_gets_wait_for_the_collector_only_while_linked(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	bool waited;
	u32 ids[2];

	refcache_kunit_create(test, 2, ids);
	KUNIT_EXPECT_EQ(test, refcache_gc_get_while_deciding(test, ids[1], &waited), 2);
	KUNIT_EXPECT_FALSE_MSG(test, waited, "a get of an object without links waited");
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[1]), 1);

	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[0], ids[1]), 2);
	KUNIT_EXPECT_EQ(test, refcache_gc_get_while_deciding(test, ids[1], &waited), 3);
	KUNIT_EXPECT_TRUE_MSG(test, waited, "a get of a linked object did not wait");
	/* The source of the link has no links pointing at it. */
	KUNIT_EXPECT_EQ(test, refcache_gc_get_while_deciding(test, ids[0], &waited), 2);
	KUNIT_EXPECT_FALSE(test, waited);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[0]), 1);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[1]), 2);

	KUNIT_ASSERT_EQ(test, refcache_unlink(rc, ids[0], ids[1]), 1);
	KUNIT_EXPECT_EQ(test, refcache_gc_get_while_deciding(test, ids[1], &waited), 2);
	KUNIT_EXPECT_FALSE_MSG(test, waited, "the flag outlived the last link");
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[1]), 1);

	/* A self link: pinned twice while it is made, flagged while it lasts. */
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[1], ids[1]), 2);
	KUNIT_EXPECT_EQ(test, refcache_gc_get_while_deciding(test, ids[1], &waited), 3);
	KUNIT_EXPECT_TRUE(test, waited);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[1]), 2);
	KUNIT_ASSERT_EQ(test, refcache_unlink(rc, ids[1], ids[1]), 1);
	KUNIT_EXPECT_EQ(test, refcache_gc_get_while_deciding(test, ids[1], &waited), 2);
	KUNIT_EXPECT_FALSE_MSG(test, waited, "the flag outlived the last self link");
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[1]), 1);

	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[0]), 0);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[1]), 0);
	refcache_gc_expect_all_freed(test, 2);
}

/* Pretend a run of the collector is in @phase, using the first marks. */
static void refcache_gc_pretend(struct refcache *rc, enum refcache_gc_phase phase)
{
	mutex_lock(&rc->graph_lock);
	/* As refcache_gc() publishes a phase. */
	smp_store_release(&rc->gc_phase, phase);
	mutex_unlock(&rc->graph_lock);
	wake_up_all(&rc->gc_wait);
}

/*
 * The collector's barriers, one phase at a time, on a garbage ring of 3 in
 * a table no run has used (its first marks all clear): while a run marks,
 * a get shades the object it got; once the run kills, a get or a link of a
 * candidate it did not mark fails as if it were dead, and one of an object
 * it marked goes on.
 */
static void refcache_gc_barriers_shade_and_refuse(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ring[3], loose;
	unsigned int i;

	refcache_kunit_create(test, ARRAY_SIZE(ring), ring);
	refcache_kunit_create(test, 1, &loose);
	for (i = 0; i < ARRAY_SIZE(ring); i++)
		KUNIT_ASSERT_EQ(test, refcache_link(rc, ring[i], ring[(i + 1) % 3]), 2);
	for (i = 0; i < ARRAY_SIZE(ring); i++)
		KUNIT_ASSERT_EQ(test, refcache_put_id(rc, ring[i]), 1);
	KUNIT_ASSERT_EQ(test, refcache_kunit_stats(test).gc_runs, 0UL);

	/* MARK: the get succeeds and shades ring[0]. */
	refcache_gc_pretend(rc, REFCACHE_GC_MARK);
	KUNIT_EXPECT_EQ(test, refcache_get_id(rc, ring[0]), 2);
	/* KILL: ring[1] and ring[2] were not marked, ring[0] was. */
	refcache_gc_pretend(rc, REFCACHE_GC_KILL);
	KUNIT_EXPECT_EQ(test, refcache_get_id(rc, ring[1]), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, loose, ring[2]), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, ring[2], loose), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_get_id(rc, ring[0]), 3);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ring[0]), 2);
	/* An object without links is no candidate: it is never refused. */
	KUNIT_EXPECT_EQ(test, refcache_get_id(rc, loose), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, loose), 1);
	/* A link made now marks its new candidate as it joins. */
	KUNIT_EXPECT_EQ(test, refcache_link(rc, ring[0], loose), 2);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, loose, ring[0]), 3);
	refcache_gc_pretend(rc, REFCACHE_GC_IDLE);

	/* A real run: ring[0] held from outside keeps the ring and loose. */
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_last_objects, 4UL);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ring[0]), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, loose), 1);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 4L);
	refcache_gc_expect_all_freed(test, 4);
}

/*
 * Candidates are exactly the objects with links in or out: unlinking and
 * releases take them out, so a run passes by what had links once.
 */
static void refcache_gc_candidates_are_objects_with_links(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[6];

	refcache_kunit_create(test, ARRAY_SIZE(ids), ids);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[0], ids[1]), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[2], ids[3]), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[4], ids[5]), 2);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_last_objects, 6UL);
	/* Unlinked: both ends go. */
	KUNIT_ASSERT_EQ(test, refcache_unlink(rc, ids[0], ids[1]), 1);
	/* Released with its link: it and, once unlinked, its target go. */
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, ids[2]), 0);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_last_objects, 2UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_last_links, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[0]), 0);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[1]), 0);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[3]), 0);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[4]), 0);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[5]), 0);
	refcache_gc_expect_all_freed(test, 6);
}

/*
 * gc freeze: a garbage ring frozen is kept by every later run, which does
 * not look at it; an object a frozen one links to later is frozen too,
 * and so is what it reaches; unfreeze gives all of it back to the next
 * run. Frozen objects leave the generation when they lose their links.
 */
static void refcache_gc_freeze_keeps_what_was_live(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ring[4], pair[2], late[2];
	unsigned int i;

	KUNIT_EXPECT_EQ(test, refcache_gc_freeze(rc), 0L);
	refcache_kunit_create(test, ARRAY_SIZE(ring), ring);
	refcache_kunit_create(test, ARRAY_SIZE(pair), pair);
	refcache_kunit_create(test, ARRAY_SIZE(late), late);
	for (i = 0; i < ARRAY_SIZE(ring); i++)
		KUNIT_ASSERT_EQ(test, refcache_link(rc, ring[i], ring[(i + 1) % 4]), 2);
	KUNIT_EXPECT_EQ(test, refcache_gc_freeze(rc), 4L);
	KUNIT_EXPECT_EQ(test, refcache_gc_freeze(rc), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_frozen, 4UL);
	for (i = 0; i < ARRAY_SIZE(ring); i++)
		KUNIT_ASSERT_EQ(test, refcache_put_id(rc, ring[i]), 1);

	/* Garbage made after the freeze is collected; the frozen ring is not. */
	KUNIT_ASSERT_EQ(test, refcache_link(rc, pair[0], pair[1]), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, pair[1], pair[0]), 2);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, pair[0]), 1);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, pair[1]), 1);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 2L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_last_objects, 2UL);

	/* late[0] -> late[1], then ring[0] -> late[0]: both frozen. */
	KUNIT_ASSERT_EQ(test, refcache_link(rc, late[0], late[1]), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ring[0], late[0]), 2);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_frozen, 6UL);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, late[0]), 1);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, late[1]), 1);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_last_objects, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 6L);

	KUNIT_EXPECT_EQ(test, refcache_gc_unfreeze(rc), 6L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_frozen, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 6L);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 6L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_candidates, 0UL);
	refcache_gc_expect_all_freed(test, 8);
}

/* A frozen object that dies, or loses its last link, leaves the generation. */
static void refcache_gc_frozen_leave_with_their_links(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[3];

	refcache_kunit_create(test, ARRAY_SIZE(ids), ids);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[0], ids[1]), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[1], ids[2]), 2);
	KUNIT_EXPECT_EQ(test, refcache_gc_freeze(rc), 3L);
	KUNIT_ASSERT_EQ(test, refcache_unlink(rc, ids[1], ids[2]), 1);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_frozen, 2UL);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[1]), 1);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[0]), 0);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_frozen, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_candidates, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[2]), 0);
	KUNIT_EXPECT_EQ(test, refcache_gc_unfreeze(rc), 0L);
	refcache_gc_expect_all_freed(test, 3);
}

/*
 * gc_threshold counts links as well as creations: links alone, with no
 * creation since the threshold was set, start a run, from a work item.
 */
static void refcache_gc_threshold_counts_links(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[4];

	refcache_kunit_create(test, ARRAY_SIZE(ids), ids);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[0], ids[1]), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[1], ids[0]), 2);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, ids[0]), 1);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, ids[1]), 1);
	refcache_set_gc_threshold(rc, 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[2], ids[3]), 2);
	flush_work(&rc->gc_work);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_runs, 0UL);
	KUNIT_ASSERT_EQ(test, refcache_unlink(rc, ids[2], ids[3]), 1);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[3], ids[2]), 2);
	flush_work(&rc->gc_work);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_runs, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_collected, 2UL);
	refcache_set_gc_threshold(rc, 0);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[3]), 0);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[2]), 0);
	refcache_gc_expect_all_freed(test, 4);
}

/*
 * A run finds nothing to do, and skips, when nothing that makes garbage
 * happened since the last run that collected began: a link does not make
 * garbage; a put of a linked object, an unlink or a release may.
 */
static void refcache_gc_skips_when_nothing_changed(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ring[3];
	unsigned int i;

	refcache_kunit_create(test, ARRAY_SIZE(ring), ring);
	for (i = 0; i < ARRAY_SIZE(ring); i++)
		KUNIT_ASSERT_EQ(test, refcache_link(rc, ring[i], ring[(i + 1) % 3]), 2);
	for (i = 1; i < ARRAY_SIZE(ring); i++)
		KUNIT_ASSERT_EQ(test, refcache_put_id(rc, ring[i]), 1);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_last_objects, 3UL);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_last_objects, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_last_objects, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_runs, 3UL);

	/* A get and put of a linked object: the next run looks. */
	KUNIT_EXPECT_EQ(test, refcache_get_id(rc, ring[1]), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ring[1]), 1);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_last_objects, 3UL);
	/* A link alone makes no garbage. */
	KUNIT_ASSERT_EQ(test, refcache_link(rc, ring[0], ring[2]), 2);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_last_objects, 0UL);
	/* An unlink may. */
	KUNIT_ASSERT_EQ(test, refcache_unlink(rc, ring[0], ring[2]), 1);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_last_objects, 3UL);
	/* The last outside put: the ring is garbage, and the run sees it. */
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ring[0]), 1);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 3L);
	refcache_gc_expect_all_freed(test, 3);
}

static void refcache_release_of_long_chain(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	const unsigned int n = max(chain_len, 2U);
	u64 t0, t_create, t_link, t_put, t_gc, t_held, t_release, t_free;
	struct refcache_stats st;
	unsigned int i, batch;
	u32 *ids;
	int ret;

	ids = kvmalloc_array(n, sizeof(*ids), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, refcache_kunit_kvfree, ids),
			0);

	t0 = ktime_get_ns();
	for (i = 0; i < n; i += batch) {
		batch = min(n - i, REFCACHE_BATCH_MAX);
		KUNIT_ASSERT_EQ(test, refcache_create_batch(rc, batch, ids + i), 0);
		cond_resched();
	}
	t_create = ktime_get_ns();
	for (i = 0; i + 1 < n; i++) {
		ret = refcache_link(rc, ids[i], ids[i + 1]);
		KUNIT_ASSERT_EQ_MSG(test, ret, 2, "link %u -> %u", i, i + 1);
		if (!(i % 4096))
			cond_resched();
	}
	t_link = ktime_get_ns();
	for (i = 1; i < n; i++) {
		ret = refcache_put_id(rc, ids[i]);
		KUNIT_ASSERT_EQ_MSG(test, ret, 1, "put of chain object %u", i);
		if (!(i % 4096))
			cond_resched();
	}
	t_put = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[n / 2]), -EBUSY);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, (long)n);
	KUNIT_EXPECT_EQ(test, refcache_gc_refcount(test, ids[n - 1]), 1U);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, (unsigned long)n - 1);

	/* The collector walks the whole chain too: all reachable from the head. */
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	t_gc = ktime_get_ns();
	refcache_stats(rc, &st);
	KUNIT_EXPECT_EQ(test, st.live, (long)n);
	KUNIT_EXPECT_EQ(test, st.gc_runs, 1UL);
	KUNIT_EXPECT_GT(test, st.gc_last_ns, 0ULL);
	/* SLUB holds the whole chain; read outside the timed steps. */
	KUNIT_EXPECT_EQ(test, refcache_kunit_slub(test), (long)n);
	t_held = ktime_get_ns();

	/* One put releases the head and, link by link, all of the rest. */
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, ids[0]), 0);
	t_release = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_get_id(rc, ids[n - 1]), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	refcache_gc_expect_all_freed(test, n);
	t_free = ktime_get_ns();

	kunit_info(test,
		   "chain of %u: create %llu ms, link %llu ms, put %llu ms, gc %llu ms, release %llu ms, back in slab %llu ms\n",
		   n, div_u64(t_create - t0, NSEC_PER_MSEC),
		   div_u64(t_link - t_create, NSEC_PER_MSEC),
		   div_u64(t_put - t_link, NSEC_PER_MSEC),
		   div_u64(t_gc - t_put, NSEC_PER_MSEC),
		   div_u64(t_release - t_held, NSEC_PER_MSEC),
		   div_u64(t_free - t_release, NSEC_PER_MSEC));
}

/**
 * struct refcache_gc_model - what one random graph should look like
 * @n: nodes in the graph
 * @ids: the table's id of each node
 * @live: node is in the table
 * @ext: outside references the test holds on the node
 * @mult: mult[from][to] is the number of links from -> to; links of nodes
 *	that are not live do not count
 *
 * Kept apart from the table: a node's refcount is its outside references
 * plus the links from live nodes to it, a node whose refcount reaches 0 is
 * released, and gc frees the live nodes no node with an outside reference
 * reaches.
 */
struct refcache_gc_model {
	unsigned int n;
	u32 ids[GC_MAX_NODES];
	bool live[GC_MAX_NODES];
	unsigned int ext[GC_MAX_NODES];
	u8 mult[GC_MAX_NODES][GC_MAX_NODES];
};

static u32 refcache_gc_xorshift(u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static unsigned int refcache_gc_model_refcount(const struct refcache_gc_model *m,
					       unsigned int i)
{
	unsigned int j, ref = m->ext[i];

	for (j = 0; j < m->n; j++) {
		if (m->live[j])
			ref += m->mult[j][i];
	}
	return ref;
}

/* Release every node whose refcount fell to 0, and what that cascades to. */
static void refcache_gc_model_settle(struct refcache_gc_model *m)
{
	bool changed = true;
	unsigned int i;

	while (changed) {
		changed = false;
		for (i = 0; i < m->n; i++) {
			if (m->live[i] && !refcache_gc_model_refcount(m, i)) {
				m->live[i] = false;
				changed = true;
			}
		}
	}
}

static unsigned int refcache_gc_model_live(const struct refcache_gc_model *m)
{
	unsigned int i, live = 0;

	for (i = 0; i < m->n; i++)
		live += m->live[i];
	return live;
}

static unsigned long refcache_gc_model_links(const struct refcache_gc_model *m)
{
	unsigned long links = 0;
	unsigned int i, j;

	for (i = 0; i < m->n; i++) {
		for (j = 0; j < m->n && m->live[i]; j++)
			links += m->mult[i][j];
	}
	return links;
}

/* Mark in @reach the nodes an outside reference reaches; return the rest. */
static unsigned int refcache_gc_model_garbage(const struct refcache_gc_model *m,
					      bool *reach)
{
	unsigned int stack[GC_MAX_NODES], sp = 0, i, j, garbage = 0;

	for (i = 0; i < m->n; i++) {
		reach[i] = m->live[i] && m->ext[i];
		if (reach[i])
			stack[sp++] = i;
	}
	while (sp) {
		i = stack[--sp];
		for (j = 0; j < m->n; j++) {
			if (m->mult[i][j] && m->live[j] && !reach[j]) {
				reach[j] = true;
				stack[sp++] = j;
			}
		}
	}
	for (i = 0; i < m->n; i++)
		garbage += m->live[i] && !reach[i];
	return garbage;
}

static unsigned int refcache_gc_model_index(const struct refcache_gc_model *m,
					    u32 id)
{
	unsigned int i;

	for (i = 0; i < m->n; i++) {
		if (m->ids[i] == id)
			return i;
	}
	return GC_MAX_NODES;
}

/**
 * struct refcache_gc_seen - the table's view of one random graph
 * @nr: live objects found in the table
 * @stray: live objects found that are not nodes of the graph
 * @live: node was found
 * @ref: its refcount
 * @nr_links: what refcache_obj_links() returned for it
 * @mult: links found, counted like &struct refcache_gc_model.mult
 */
struct refcache_gc_seen {
	unsigned int nr;
	unsigned int stray;
	bool live[GC_MAX_NODES];
	unsigned int ref[GC_MAX_NODES];
	unsigned int nr_links[GC_MAX_NODES];
	u8 mult[GC_MAX_NODES][GC_MAX_NODES];
};

/*
 * Read the graph back from the whole table under RCU, without asserting
 * there (a failing assertion allocates and may sleep). The graph's objects
 * are the only ones in the table; freed slots are used again, so they may
 * lie anywhere in it.
 */
static void refcache_gc_read_back(struct kunit *test,
				  const struct refcache_gc_model *m,
				  struct refcache_gc_seen *s)
{
	u32 out[GC_MAX_LINKS + 1], pos = 0;
	struct refcache_obj *obj;
	unsigned int i, k, t, nl;

	memset(s, 0, sizeof(*s));
	rcu_read_lock();
	for (; (obj = refcache_find_next(refcache_kunit_rc(test), &pos)); pos++) {
		s->nr++;
		i = refcache_gc_model_index(m, refcache_obj_id(obj));
		if (i == GC_MAX_NODES) {
			s->stray++;
		} else {
			s->live[i] = true;
			s->ref[i] = refcache_obj_refcount(obj);
			nl = refcache_obj_links(obj, out, ARRAY_SIZE(out));
			s->nr_links[i] = nl;
			for (k = 0; k < min_t(unsigned int, nl, ARRAY_SIZE(out)); k++) {
				t = refcache_gc_model_index(m, out[k]);
				if (t == GC_MAX_NODES)
					s->stray++;
				else
					s->mult[i][t]++;
			}
		}
	}
	rcu_read_unlock();
}

/* The table must hold exactly the model's live nodes, counts and links. */
static void refcache_gc_compare(struct kunit *test,
				const struct refcache_gc_model *m,
				unsigned int graph, const char *when)
{
	struct refcache_gc_seen *s;
	unsigned int i, j, links;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	refcache_gc_read_back(test, m, s);
	KUNIT_ASSERT_EQ_MSG(test, s->stray, 0U, "graph %u %s", graph, when);
	KUNIT_ASSERT_EQ_MSG(test, s->nr, refcache_gc_model_live(m),
			    "graph %u %s: live objects", graph, when);
	KUNIT_ASSERT_EQ_MSG(test, refcache_kunit_stats(test).live,
			    (long)refcache_gc_model_live(m),
			    "graph %u %s: stats.live", graph, when);
	for (i = 0; i < m->n; i++) {
		KUNIT_ASSERT_EQ_MSG(test, s->live[i], m->live[i],
				    "graph %u %s: node %u live", graph, when, i);
		if (!m->live[i])
			continue;
		KUNIT_ASSERT_EQ_MSG(test, s->ref[i], refcache_gc_model_refcount(m, i),
				    "graph %u %s: node %u refcount", graph, when, i);
		links = 0;
		for (j = 0; j < m->n; j++) {
			links += m->mult[i][j];
			KUNIT_ASSERT_EQ_MSG(test, s->mult[i][j], m->mult[i][j],
					    "graph %u %s: links %u -> %u",
					    graph, when, i, j);
		}
		KUNIT_ASSERT_EQ_MSG(test, s->nr_links[i], links,
				    "graph %u %s: links of node %u", graph, when, i);
	}
	KUNIT_ASSERT_EQ_MSG(test, refcache_kunit_stats(test).links,
			    refcache_gc_model_links(m),
			    "graph %u %s: stats.links", graph, when);
	kunit_kfree(test, s);
}

/* Drop one outside reference on node @i and check what put_id returned. */
static void refcache_gc_model_put(struct kunit *test, struct refcache_gc_model *m,
				  unsigned int i, unsigned int graph)
{
	int ret = refcache_put_id(refcache_kunit_rc(test), m->ids[i]);

	m->ext[i]--;
	KUNIT_ASSERT_EQ_MSG(test, ret, (int)refcache_gc_model_refcount(m, i),
			    "graph %u: put of node %u", graph, i);
	refcache_gc_model_settle(m);
}

/* Run gc, dry first, and apply to the model what it should have freed. */
static unsigned int refcache_gc_model_collect(struct kunit *test,
					      struct refcache_gc_model *m,
					      unsigned int graph)
{
	struct refcache *rc = refcache_kunit_rc(test);
	bool reach[GC_MAX_NODES];
	unsigned int garbage, i;

	garbage = refcache_gc_model_garbage(m, reach);
	KUNIT_ASSERT_EQ_MSG(test, refcache_gc(rc, true), (long)garbage,
			    "graph %u: dry run", graph);
	KUNIT_ASSERT_EQ_MSG(test, refcache_kunit_stats(test).live,
			    (long)refcache_gc_model_live(m),
			    "graph %u: dry run freed objects", graph);
	KUNIT_ASSERT_EQ_MSG(test, refcache_gc(rc, false), (long)garbage,
			    "graph %u: gc", graph);
	for (i = 0; i < m->n; i++)
		m->live[i] = m->live[i] && reach[i];
	return garbage;
}

/* Drop a random link, or try one that does not exist; check the result. */
static void refcache_gc_model_unlink(struct kunit *test,
				     struct refcache_gc_model *m, u32 *seed,
				     unsigned int graph)
{
	unsigned int from = refcache_gc_xorshift(seed) % m->n;
	unsigned int to = refcache_gc_xorshift(seed) % m->n;
	int ret, want = -ENOENT;

	if (!(refcache_gc_xorshift(seed) % 4))
		to = from;
	ret = refcache_unlink(refcache_kunit_rc(test), m->ids[from], m->ids[to]);
	if (m->live[from] && m->mult[from][to]) {
		m->mult[from][to]--;
		want = refcache_gc_model_refcount(m, to);
		refcache_gc_model_settle(m);
	}
	KUNIT_ASSERT_EQ_MSG(test, ret, want, "graph %u: unlink %u -> %u%s",
			    graph, from, to, from == to ? " (self link)" : "");
}

/**
 * struct refcache_gc_expected - table-wide counters the random graphs predict
 * @created: objects created
 * @collected: objects freed by gc (not by refcount)
 * @runs: gc runs, dry runs included
 */
struct refcache_gc_expected {
	unsigned long created;
	unsigned long collected;
	unsigned long runs;
};

/*
 * Build one random graph on a table with nothing live, check every result
 * against the model, collect, and leave the table empty again. With
 * @unlinks, links are also dropped at random along the way.
 */
static void refcache_gc_random_graph(struct kunit *test,
				     struct refcache_gc_model *m, u32 *seed,
				     unsigned int graph, bool unlinks,
				     struct refcache_gc_expected *exp)
{
	struct refcache *rc = refcache_kunit_rc(test);
	unsigned int i, k, nl, from, to;
	int ret;

	memset(m, 0, sizeof(*m));
	m->n = 1 + refcache_gc_xorshift(seed) % GC_MAX_NODES;
	refcache_kunit_create(test, m->n, m->ids);
	exp->created += m->n;
	for (i = 0; i < m->n; i++) {
		m->live[i] = true;
		m->ext[i] = 1;
	}

	/* 0..3n links; about one in eight is forced to be a self link. */
	nl = refcache_gc_xorshift(seed) % (3 * m->n + 1);
	for (k = 0; k < nl; k++) {
		from = refcache_gc_xorshift(seed) % m->n;
		to = refcache_gc_xorshift(seed) % m->n;
		if (!(refcache_gc_xorshift(seed) % 8))
			to = from;
		ret = refcache_link(rc, m->ids[from], m->ids[to]);
		m->mult[from][to]++;
		KUNIT_ASSERT_EQ_MSG(test, ret, (int)refcache_gc_model_refcount(m, to),
				    "graph %u: link %u -> %u", graph, from, to);
	}

	/* A quarter of the nodes get a second outside reference. */
	for (i = 0; i < m->n; i++) {
		if (refcache_gc_xorshift(seed) % 4)
			continue;
		ret = refcache_get_id(rc, m->ids[i]);
		m->ext[i]++;
		KUNIT_ASSERT_EQ_MSG(test, ret, (int)refcache_gc_model_refcount(m, i),
				    "graph %u: get of node %u", graph, i);
	}

	/* About half keep one outside reference; the rest drop all. */
	for (i = 0; i < m->n; i++) {
		bool keep = refcache_gc_xorshift(seed) % 2;

		while (m->ext[i] > keep)
			refcache_gc_model_put(test, m, i, graph);
	}
	/* Nothing outside holds these: put is refused or finds nothing. */
	for (i = 0; i < m->n; i++) {
		if (m->ext[i])
			continue;
		KUNIT_ASSERT_EQ_MSG(test, refcache_put_id(rc, m->ids[i]),
				    m->live[i] ? -EBUSY : -ENOENT,
				    "graph %u: put of unheld node %u", graph, i);
	}
	/* Unlinks now may release objects only links held, and cascade. */
	for (k = 0; unlinks && k < m->n; k++)
		refcache_gc_model_unlink(test, m, seed, graph);
	refcache_gc_compare(test, m, graph, "before gc");

	exp->collected += refcache_gc_model_collect(test, m, graph);
	exp->runs += 2;
	refcache_gc_compare(test, m, graph, "after gc");

	/* Drop what is left; the remaining cycles go to a second gc. */
	for (i = 0; i < m->n; i++) {
		while (m->ext[i])
			refcache_gc_model_put(test, m, i, graph);
	}
	refcache_gc_compare(test, m, graph, "after final puts");
	exp->collected += refcache_gc_model_collect(test, m, graph);
	exp->runs += 2;
	KUNIT_ASSERT_EQ_MSG(test, refcache_gc_model_live(m), 0U,
			    "graph %u: model", graph);
	refcache_gc_compare(test, m, graph, "at the end");
}

static void refcache_gc_random_graphs(struct kunit *test, u32 seed,
				      bool unlinks)
{
	struct refcache_gc_expected exp = {};
	struct refcache_gc_model *m;
	struct refcache_stats st;
	u64 t0 = ktime_get_ns();
	unsigned int graph;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	for (graph = 0; graph < GC_GRAPHS; graph++) {
		refcache_gc_random_graph(test, m, &seed, graph, unlinks, &exp);
		cond_resched();
	}
	refcache_gc_expect_all_freed(test, exp.created);
	refcache_stats(refcache_kunit_rc(test), &st);
	KUNIT_EXPECT_EQ(test, st.gc_runs, exp.runs);
	KUNIT_EXPECT_EQ(test, st.gc_collected, exp.collected);
	KUNIT_EXPECT_EQ(test, st.links, 0UL);
	kunit_info(test, "%u graphs, %lu objects, %lu collected by gc in %llu ms\n",
		   GC_GRAPHS, exp.created, exp.collected,
		   div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
	/* The generator must have produced garbage for gc to find. */
	KUNIT_EXPECT_GT(test, exp.collected, 0UL);
}

static void refcache_gc_matches_reachability_model(struct kunit *test)
{
	refcache_gc_random_graphs(test, 0x2545f491, false);
}

static void refcache_unlink_matches_reachability_model(struct kunit *test)
{
	refcache_gc_random_graphs(test, 0x9e3779b9, true);
}

static struct kunit_case refcache_gc_test_cases[] = {
	KUNIT_CASE(refcache_gc_collects_self_loop),
	KUNIT_CASE(refcache_gc_collects_two_cycle),
	KUNIT_CASE(refcache_gc_keeps_cycle_held_from_outside),
	KUNIT_CASE(refcache_gc_collects_chain_off_garbage_cycle),
	KUNIT_CASE(refcache_gc_diamond_freed_by_refcount),
	KUNIT_CASE(refcache_gc_dry_run_counts_garbage),
	KUNIT_CASE(refcache_gc_dry_run_frees_nothing),
	KUNIT_CASE(refcache_gc_dry_run_counts_as_a_run),
	KUNIT_CASE(refcache_gc_frees_what_dry_run_counted),
	KUNIT_CASE(refcache_gc_without_links_marks_nothing),
	KUNIT_CASE(refcache_gc_reports_what_a_run_did),
	KUNIT_CASE(refcache_link_returns_target_refcount),
	KUNIT_CASE(refcache_obj_links_lists_targets_newest_first),
	KUNIT_CASE(refcache_obj_links_reports_total_beyond_max),
	KUNIT_CASE(refcache_unlink_returns_target_refcount),
	KUNIT_CASE_PARAM(refcache_link_unlink_refuse_missing_ends,
			 refcache_missing_end_gen_params),
	KUNIT_CASE(refcache_unlink_of_last_reference_releases_target),
	KUNIT_CASE(refcache_unlink_drops_newest_matching_link),
	KUNIT_CASE(refcache_unlink_keeps_other_links_in_order),
	KUNIT_CASE(refcache_new_link_goes_in_front),
	KUNIT_CASE(refcache_unlink_of_last_self_link_releases),
	KUNIT_CASE(refcache_link_refused_at_max_refs),
	KUNIT_CASE(refcache_put_refused_when_only_links_hold),
	KUNIT_CASE(refcache_gets_wait_for_the_collector_only_while_linked),
	KUNIT_CASE(refcache_gc_barriers_shade_and_refuse),
	KUNIT_CASE(refcache_gc_candidates_are_objects_with_links),
	KUNIT_CASE(refcache_gc_freeze_keeps_what_was_live),
	KUNIT_CASE(refcache_gc_frozen_leave_with_their_links),
	KUNIT_CASE(refcache_gc_threshold_counts_links),
	KUNIT_CASE(refcache_gc_skips_when_nothing_changed),
	KUNIT_CASE_SLOW(refcache_release_of_long_chain),
	KUNIT_CASE_SLOW(refcache_gc_matches_reachability_model),
	KUNIT_CASE_SLOW(refcache_unlink_matches_reachability_model),
	{}
};

static struct kunit_suite refcache_gc_test_suite = {
	.name = "refcache_gc",
	.init = refcache_gc_test_init,
	.exit = refcache_kunit_fixture_exit,
	.test_cases = refcache_gc_test_cases,
};

kunit_test_suite(refcache_gc_test_suite);
