// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for refcache's weak links and referrers (weak-spec.md, issue
 * 16): refcache_link_weak(), refcache_unlink_weak(), refcache_follow(),
 * refcache_referrers(), the weak part of refcache_next_info() and of the
 * statistics, and the ops->weak_cleared hook.
 *
 * A weak link A -> B names B without counting: B's refcount is its
 * outside references and counted links only, and B dies when those are
 * gone. Every weak link to B is then cleared before B's memory goes back
 * to the slab (counted in weak_cleared, reported to the hook), unless its
 * source dies too: a dying object's own weak links go with it, uncounted.
 * The collector does not follow weak links, so what only weak links reach
 * is garbage.
 *
 * The small cases pin down one shape each: a weak link changes no count;
 * its target dying in each way it can (final put, unlink cascade,
 * collector) clears it, and a table destroy frees every link and, since
 * the whole table dies at once, as garbage does, clears none; follow,
 * also across a slot's reuse; unlink; the collector's ordering; weak
 * links are no edges.
 *
 * Two cases compare with a model kept apart from the table:
 *
 * - refcache_weak_referrers_match_model: random graphs of held objects
 *   with counted and weak links (repeated pairs, self links), made and
 *   partly unmade at random; for every node, refcache_referrers() must
 *   list exactly the model's in-list (id, counted links, weak links), by
 *   ascending id, and keep the max/total contract.
 *
 * - refcache_weak_matches_reachability_model: gc_test.c's reachability
 *   model (a refcount is outside references plus counted links from live
 *   nodes, a node at 0 is released, gc frees what no held node reaches
 *   through counted links) with weak links added, which are not edges.
 *   Each operation that kills (a put, an unlink, a gc) kills a set D of
 *   nodes, known from the model before the operation. A weak link X -> Y
 *   with Y in D and X not in D must be cleared and reported (exactly:
 *   the hook must see that pair); one with X in D goes with X. The
 *   collector kills all of D at once, so its rule is exact: weak links
 *   from garbage are never reported. A cascade of releases (a put or an
 *   unlink) kills D one object at a time, in an order the spec leaves
 *   open, so a weak link X -> Y between two different members of D may
 *   or may not be reported (X may still be live when Y dies); a self link
 *   never is. The hook's pairs of each operation must cover the sure ones
 *   and be drawn from the sure and the open ones only, and weak_cleared
 *   must rise by as many as the hook saw. Afterwards the table must hold
 *   exactly the model's live nodes, counts, counted and weak links
 *   (refcache_next_info()) and referrers.
 *
 * Every case gets a table of its own, with the hook (suite init/exit);
 * the exit destroys it and checks that every object went back to the
 * slab. The hook only records (it runs under graph_lock): the pairs it
 * saw, and whether refcache_slab_objects() was what the case said it
 * should be at every call (the collector must clear weak links to
 * garbage before it releases any).
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "refcache.h"
#include "refcache_kunit.h"

/* The hook's log: pairs kept per case (or per operation, for the model). */
#define WEAK_LOG_MAX	1024U
/* Random graphs: how many, and at most how many nodes each. */
#define WEAK_GRAPHS	1000U
#define WEAK_REF_GRAPHS	200U
#define WEAK_MAX_NODES	16U
/* Up to 3n counted and 3n weak links per graph. */
#define WEAK_MAX_LINKS	(3 * WEAK_MAX_NODES)
/* The destroy case: objects that all weak-link to each other. */
#define WEAK_CLIQUE	40U

/**
 * struct refcache_weak_pair - one call of the weak_cleared hook
 * @from: the cleared link's source
 * @to: its target, dying
 */
struct refcache_weak_pair {
	u32 from;
	u32 to;
};

/**
 * struct refcache_weak_fixture - one case's table and what its hook saw
 * @fx: the table, made and checked by the shared fixture
 * @calls: hook calls since the case started (or the log was reset)
 * @log: the first WEAK_LOG_MAX of them
 * @watch_slab: check refcache_slab_objects() at every hook call
 * @slab_want: what it must be then
 * @slab_bad: hook calls that saw another value
 * @slab_seen: the first other value seen
 * @open_links: the model case: weak links between two nodes of one
 *	cascade, which the hook may or may not report
 * @open_seen: how many of those it reported
 */
struct refcache_weak_fixture {
	struct refcache_kunit_fixture fx;
	unsigned int calls;
	struct refcache_weak_pair log[WEAK_LOG_MAX];
	bool watch_slab;
	long slab_want;
	unsigned int slab_bad;
	long slab_seen;
	unsigned long open_links;
	unsigned long open_seen;
};

/* Under graph_lock: record, nothing more (no refcache call, no assert). */
static void refcache_weak_hook(struct refcache *rc, u32 from, u32 to)
{
	struct refcache_weak_fixture *f = rc->priv;

	if (f->calls < WEAK_LOG_MAX) {
		f->log[f->calls].from = from;
		f->log[f->calls].to = to;
	}
	f->calls++;
	if (f->watch_slab) {
		long now = refcache_slab_objects();

		if (now != f->slab_want && !f->slab_bad++)
			f->slab_seen = now;
	}
}

static const struct refcache_ops refcache_weak_ops = {
	.weak_cleared = refcache_weak_hook,
};

static int refcache_weak_test_init(struct kunit *test)
{
	refcache_kunit_fixture_init(test, sizeof(struct refcache_weak_fixture),
				    &refcache_weak_ops);
	return 0;
}

static struct refcache_weak_fixture *refcache_weak_fixture(struct kunit *test)
{
	return test->priv;
}

/*
 * refcache_next_info() of live object @id, with up to @max targets: true
 * if it is live. A listing: no reference taken, no get counted.
 */
static bool refcache_weak_info(struct kunit *test, u32 id,
			       struct refcache_info *info, u32 *targets,
			       unsigned int max)
{
	u32 pos = id & (REFCACHE_SLOTS - 1);

	if (refcache_next_info(refcache_kunit_rc(test), &pos, info, targets,
			       max))
		return false;
	return info->id == id;
}

/* The refcount of live object @id, or 0 if it is not live. */
static unsigned int refcache_weak_refcount(struct kunit *test, u32 id)
{
	struct refcache_info info;

	return refcache_weak_info(test, id, &info, NULL, 0) ? info.refcount : 0;
}

/* Live object @id holds @links counted and @weak weak links. */
static void refcache_weak_expect_holds(struct kunit *test, u32 id,
				       unsigned int links, unsigned int weak)
{
	struct refcache_info info;

	KUNIT_ASSERT_TRUE_MSG(test, refcache_weak_info(test, id, &info, NULL, 0),
			      "object %u is not live", id);
	KUNIT_EXPECT_EQ_MSG(test, info.nr_links, links, "counted links of %u", id);
	KUNIT_EXPECT_EQ_MSG(test, info.nr_weak, weak, "weak links of %u", id);
}

static int refcache_weak_pair_cmp(const void *a, const void *b)
{
	const struct refcache_weak_pair *p = a, *q = b;

	if (p->from != q->from)
		return p->from < q->from ? -1 : 1;
	if (p->to != q->to)
		return p->to < q->to ? -1 : 1;
	return 0;
}

/*
 * The hook saw exactly the @n pairs of @want (in any order) since the
 * case started, and weak_cleared counts them.
 */
static void refcache_weak_expect_cleared(struct kunit *test,
					 struct refcache_weak_pair *want,
					 unsigned int n)
{
	struct refcache_weak_fixture *f = refcache_weak_fixture(test);
	unsigned int i;

	KUNIT_ASSERT_EQ_MSG(test, f->calls, n, "weak_cleared hook calls");
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_cleared,
			(unsigned long)n);
	sort(want, n, sizeof(*want), refcache_weak_pair_cmp, NULL);
	sort(f->log, n, sizeof(*f->log), refcache_weak_pair_cmp, NULL);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, f->log[i].from, want[i].from,
				    "cleared pair %u: from", i);
		KUNIT_EXPECT_EQ_MSG(test, f->log[i].to, want[i].to,
				    "cleared pair %u: to", i);
	}
}

/* Case 1. */
static void refcache_weak_link_keeps_the_count(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_info info;
	u32 ids[3], targets[4] = {}, a, b, dead;

	refcache_kunit_create(test, 3, ids);
	a = ids[0];
	b = ids[1];
	dead = ids[2];
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, dead), 0);

	/* The result is b's count, unchanged. */
	KUNIT_EXPECT_EQ(test, refcache_link_weak(rc, a, b), 1);
	KUNIT_EXPECT_EQ(test, refcache_weak_refcount(test, b), 1U);
	KUNIT_EXPECT_EQ(test, refcache_weak_refcount(test, a), 1U);
	KUNIT_ASSERT_TRUE(test, refcache_weak_info(test, a, &info, targets, 4));
	KUNIT_EXPECT_EQ(test, info.refcount, 1U);
	KUNIT_EXPECT_EQ(test, info.nr_links, 0U);
	KUNIT_EXPECT_EQ(test, info.nr_weak, 1U);
	KUNIT_EXPECT_EQ(test, targets[0], b);
	KUNIT_EXPECT_EQ(test, targets[1], 0U);
	/* The target holds nothing. */
	refcache_weak_expect_holds(test, b, 0, 0);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_links, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_cleared, 0UL);

	/* A second one to b, a self one, then a counted one, listed first. */
	KUNIT_EXPECT_EQ(test, refcache_link_weak(rc, a, b), 1);
	KUNIT_EXPECT_EQ(test, refcache_link_weak(rc, a, a), 1);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, a, b), 2);
	KUNIT_ASSERT_TRUE(test, refcache_weak_info(test, a, &info, targets, 4));
	KUNIT_EXPECT_EQ(test, info.refcount, 1U);
	KUNIT_EXPECT_EQ(test, info.nr_links, 1U);
	KUNIT_EXPECT_EQ(test, info.nr_weak, 3U);
	KUNIT_EXPECT_EQ(test, targets[0], b);
	/* The weak ones newest first. */
	KUNIT_EXPECT_EQ(test, targets[1], a);
	KUNIT_EXPECT_EQ(test, targets[2], b);
	KUNIT_EXPECT_EQ(test, targets[3], b);
	KUNIT_EXPECT_EQ(test, refcache_weak_refcount(test, b), 2U);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_links, 3UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 1UL);

	/* Room for two: the counted one first, then the newest weak one. */
	memset(targets, 0, sizeof(targets));
	KUNIT_ASSERT_TRUE(test, refcache_weak_info(test, a, &info, targets, 2));
	KUNIT_EXPECT_EQ(test, info.nr_links, 1U);
	KUNIT_EXPECT_EQ(test, info.nr_weak, 3U);
	KUNIT_EXPECT_EQ(test, targets[0], b);
	KUNIT_EXPECT_EQ(test, targets[1], a);
	KUNIT_EXPECT_EQ(test, targets[2], 0U);

	/* Ends that are not live. */
	KUNIT_EXPECT_EQ(test, refcache_link_weak(rc, a, dead), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_link_weak(rc, dead, a), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_link_weak(rc, a, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_links, 3UL);

	/* b's only outside reference goes; the counted link keeps it. */
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), 1);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), -EBUSY);
	KUNIT_EXPECT_EQ(test, refcache_weak_fixture(test)->calls, 0U);
}

/* The ways a weak link's target can die (case 2). */
enum refcache_weak_death {
	WEAK_DIES_OF_PUT,
	WEAK_DIES_OF_UNLINK,
	WEAK_DIES_OF_GC,
};

static const char * const refcache_weak_deaths[] = {
	[WEAK_DIES_OF_PUT] = "final outside put",
	[WEAK_DIES_OF_UNLINK] = "unlink of the last counted link",
	[WEAK_DIES_OF_GC] = "collected in a garbage cycle",
};

static void refcache_weak_death_desc(const char * const *t, char *desc)
{
	strscpy(desc, *t, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(refcache_weak_death, refcache_weak_deaths,
		  refcache_weak_death_desc);

/*
 * Case 2: held a and c weak-link the target b (a twice, c once) and a
 * weak-links c; b weak-links a (from the dying one: goes with it). Then b
 * dies, as the parameter says.
 */
static void refcache_weak_cleared_when_target_dies(struct kunit *test)
{
	const char * const *way = test->param_value;
	unsigned int death = way - refcache_weak_deaths;
	struct refcache_weak_fixture *f = refcache_weak_fixture(test);
	struct refcache *rc = &f->fx.rc;
	struct refcache_weak_pair want[3];
	struct refcache_referrer ref[2];
	struct refcache_info info;
	u32 ids[5], targets[4], a, b, c, d, e;

	refcache_kunit_create(test, 5, ids);
	a = ids[0];
	b = ids[1];
	c = ids[2];
	d = ids[3];
	e = ids[4];
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, b), 1);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, c, b), 1);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, c), 1);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, b), 1);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, b, a), 1);
	KUNIT_ASSERT_EQ(test, refcache_kunit_stats(test).weak_links, 5UL);

	switch (death) {
	case WEAK_DIES_OF_PUT:
		KUNIT_ASSERT_EQ(test, refcache_put_id(rc, b), 0);
		break;
	case WEAK_DIES_OF_UNLINK:
		/* Only d's counted link holds b, then that goes. */
		KUNIT_ASSERT_EQ(test, refcache_link(rc, d, b), 2);
		KUNIT_ASSERT_EQ(test, refcache_put_id(rc, b), 1);
		KUNIT_EXPECT_EQ(test, f->calls, 0U);
		KUNIT_ASSERT_EQ(test, refcache_unlink(rc, d, b), 0);
		refcache_weak_expect_holds(test, d, 0, 0);
		break;
	case WEAK_DIES_OF_GC:
		/* b <-> e, nothing outside: garbage, with e's weak link to a. */
		KUNIT_ASSERT_EQ(test, refcache_link(rc, b, e), 2);
		KUNIT_ASSERT_EQ(test, refcache_link(rc, e, b), 2);
		KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, e, a), 1);
		KUNIT_ASSERT_EQ(test, refcache_put_id(rc, b), 1);
		KUNIT_ASSERT_EQ(test, refcache_put_id(rc, e), 1);
		KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 2L);
		KUNIT_EXPECT_EQ(test, f->calls, 0U);
		KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 2L);
		KUNIT_EXPECT_EQ(test, refcache_weak_refcount(test, e), 0U);
		break;
	}
	KUNIT_EXPECT_EQ(test, refcache_weak_refcount(test, b), 0U);

	want[0] = (struct refcache_weak_pair){ a, b };
	want[1] = (struct refcache_weak_pair){ a, b };
	want[2] = (struct refcache_weak_pair){ c, b };
	refcache_weak_expect_cleared(test, want, 3);
	/* a's weak link to c is all that is left. */
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_links, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, b), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, c, b), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_unlink_weak(rc, a, b), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_referrers(rc, b, ref, 2), -ENOENT);
	KUNIT_ASSERT_TRUE(test, refcache_weak_info(test, a, &info, targets, 4));
	KUNIT_EXPECT_EQ(test, info.refcount, 1U);
	KUNIT_EXPECT_EQ(test, info.nr_links, 0U);
	KUNIT_EXPECT_EQ(test, info.nr_weak, 1U);
	KUNIT_EXPECT_EQ(test, targets[0], c);
	refcache_weak_expect_holds(test, c, 0, 0);
	/* b's weak link to a went with b: a has no referrer. */
	KUNIT_EXPECT_EQ(test, refcache_referrers(rc, a, ref, 2), 0L);
	KUNIT_EXPECT_EQ(test, refcache_referrers(rc, c, ref, 2), 1L);
	KUNIT_EXPECT_EQ(test, ref[0].id, a);
	KUNIT_EXPECT_EQ(test, ref[0].links, 0U);
	KUNIT_EXPECT_EQ(test, ref[0].weak, 1U);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, c), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, c), 1);
}

/*
 * What SLUB holds in the kmalloc cache of links (a struct refcache_link is
 * 64 bytes, allocated as graph.c's REFCACHE_GFP says: GFP_KERNEL_ACCOUNT,
 * with other flags that choose no cache), after a grace period, with
 * KASAN's quarantine of the cache emptied and the CPUs' slabs flushed.
 * kfree_rcu() batches its frees beyond a grace period, and other users
 * share the cache: the figure is approximate, and a caller that waits for
 * frees asks again (refcache_weak_links_freed()).
 */
static long refcache_weak_link_slab(struct kunit *test)
{
	enum kmalloc_cache_type type = kmalloc_type(GFP_KERNEL_ACCOUNT, _RET_IP_);
	const char *name;

	if (type == KMALLOC_NORMAL)
		name = "kmalloc-64";
	else if (type == KMALLOC_CGROUP)
		name = "kmalloc-cg-64";
	else
		name = "kmalloc-rcl-64";
	refcache_quiesce();
	kmem_cache_shrink(kmalloc_caches[type][kmalloc_index(64)]);
	return refcache_kunit_slub_value(test, name, "objects");
}

/*
 * Whether the link cache is back to within @slack of @before: kfree_rcu()
 * may take a few of its batches (tens of ms each) to get there.
 */
static bool refcache_weak_links_freed(struct kunit *test, long before,
				      long slack, long *now)
{
	unsigned int tries;

	for (tries = 0; tries < 50; tries++) {
		*now = refcache_weak_link_slab(test);
		if (*now - before <= slack)
			return true;
		msleep(100);
	}
	return false;
}

/*
 * Case 2, table destroy: WEAK_CLIQUE objects held from outside, each
 * weak-linking every other once, and a counted cycle through all of them.
 * Makes them, fills @ids, and destroys the table; *@before is the link
 * cache's figure before the links were made.
 */
static void refcache_weak_destroy_clique(struct kunit *test, u32 *ids,
					 long *before)
{
	struct refcache_weak_fixture *f = refcache_weak_fixture(test);
	const unsigned int n = WEAK_CLIQUE;
	struct refcache *rc = &f->fx.rc;
	unsigned int i, j;
	long linked;

	refcache_kunit_create(test, n, ids);
	*before = refcache_weak_link_slab(test);
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			if (i != j)
				KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, ids[i], ids[j]),
						1);
		}
	}
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, refcache_link(rc, ids[i], ids[(i + 1) % n]), 2);
	KUNIT_ASSERT_EQ(test, refcache_kunit_stats(test).weak_links,
			(unsigned long)n * (n - 1));
	KUNIT_ASSERT_EQ(test, f->calls, 0U);
	linked = refcache_weak_link_slab(test);
	/* n * n links of 64 bytes (and a few objects of other users). */
	KUNIT_EXPECT_GE(test, linked - *before, (long)(n * n) - 64);

	KUNIT_EXPECT_EQ(test, refcache_destroy(rc), (unsigned long)n);
	f->fx.destroyed = true;
}

/*
 * Nothing is left behind by a destroy: the objects are back in the slab,
 * and the memory of every link, weak ones too, in the link cache.
 */
static void refcache_weak_freed_by_destroy(struct kunit *test)
{
	struct refcache_weak_fixture *f = refcache_weak_fixture(test);
	u32 ids[WEAK_CLIQUE];
	long before, after;

	refcache_weak_destroy_clique(test, ids, &before);
	KUNIT_EXPECT_EQ(test, refcache_slab_objects(), f->fx.slab_before);
	KUNIT_EXPECT_TRUE_MSG(test, refcache_weak_links_freed(test, before, 64, &after),
			      "%ld link-sized objects more than before the links, after 5 s",
			      after - before);
}

/*
 * Destroy kills the whole table at once, as the collector kills its
 * garbage: every weak link goes with its source, and none is cleared for a
 * source that lives on, so the hook is not called (the memory is checked by
 * refcache_weak_freed_by_destroy).
 */
static void refcache_weak_destroy_clears_none(struct kunit *test)
{
	struct refcache_weak_fixture *f = refcache_weak_fixture(test);
	u32 ids[WEAK_CLIQUE];
	long before;

	refcache_weak_destroy_clique(test, ids, &before);
	KUNIT_EXPECT_EQ_MSG(test, f->calls, 0U,
			    "weak_cleared hook calls during refcache_destroy()");
}

/* Case 3: follow takes a counted, outside reference through a weak link. */
static void refcache_weak_follow_takes_a_reference(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[4], a, b, c, dead;

	refcache_kunit_create(test, 4, ids);
	a = ids[0];
	b = ids[1];
	c = ids[2];
	dead = ids[3];
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, dead), 0);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, b), 1);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, c, b), 2);

	KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, b), 3);
	KUNIT_EXPECT_EQ(test, refcache_weak_refcount(test, b), 3U);
	/* The weak link is still there, and still weak. */
	refcache_weak_expect_holds(test, a, 0, 1);
	/* The follower holds an outside reference: it may put it. */
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), 1);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), -EBUSY);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, b), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), 1);

	/* No weak link to follow: none made, a counted one, the other way. */
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, c, b), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, b, a), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, a), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, c), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, dead, b), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, dead), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_weak_refcount(test, b), 1U);

	/* At max_refs: refused, nothing taken. */
	KUNIT_ASSERT_EQ(test, refcache_set_max_refs(rc, 2), 0);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, b), 2);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, b), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, refcache_weak_refcount(test, b), 2U);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), 1);
	KUNIT_ASSERT_EQ(test, refcache_set_max_refs(rc, 1000), 0);

	/* Once b is dead, the follow fails. */
	KUNIT_ASSERT_EQ(test, refcache_unlink(rc, c, b), 0);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, b), -ENOENT);
	refcache_weak_expect_holds(test, a, 0, 0);
	KUNIT_EXPECT_EQ(test, refcache_weak_fixture(test)->calls, 1U);
}

/*
 * Case 3: b dies, and new objects are made until one takes b's slot, with
 * another id (a new generation). A freed slot is handed out again only
 * after enough later frees (table.c), so each new object that did not
 * take it is put at once. a's weak link named the old b: following it
 * must not find the new object, whose count stays as it was.
 */
static void refcache_weak_follow_fails_across_slot_reuse(struct kunit *test)
{
	const unsigned int limit = 4 * REFCACHE_BATCH_MAX;
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_referrer ref[1];
	u32 ids[2], a, b, made, reuse = 0;
	unsigned int n;

	refcache_kunit_create(test, 2, ids);
	a = ids[0];
	b = ids[1];
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, b), 1);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, b), 0);
	for (n = 0; n < limit; n++) {
		refcache_kunit_create(test, 1, &made);
		if ((made & (REFCACHE_SLOTS - 1)) == (b & (REFCACHE_SLOTS - 1))) {
			reuse = made;
			break;
		}
		KUNIT_ASSERT_EQ(test, refcache_put_id(rc, made), 0);
		if (!(n % 4096))
			cond_resched();
	}
	KUNIT_ASSERT_NE_MSG(test, reuse, 0U, "no object reused slot %u in %u creates",
			    (u32)(b & (REFCACHE_SLOTS - 1)), limit);
	KUNIT_ASSERT_NE(test, reuse, b);

	KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, b), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, reuse), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_weak_refcount(test, reuse), 1U);
	refcache_weak_expect_holds(test, a, 0, 0);
	/* The new object has no referrer; the old id names nothing. */
	KUNIT_EXPECT_EQ(test, refcache_referrers(rc, reuse, ref, 1), 0L);
	KUNIT_EXPECT_EQ(test, refcache_referrers(rc, b, ref, 1), (long)-ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_link_weak(rc, a, b), -ENOENT);
	/*
	 * A weak link to the new object, in the same slot: following the
	 * old id through it must still fail (the generation differs).
	 */
	KUNIT_EXPECT_EQ(test, refcache_link_weak(rc, a, reuse), 1);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, b), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, reuse), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, reuse), 1);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, reuse), 0);
	refcache_weak_expect_holds(test, a, 0, 0);
	/* The old b's death, then the new object's, each cleared one. */
	KUNIT_EXPECT_EQ(test, refcache_weak_fixture(test)->calls, 2U);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_cleared, 2UL);
}

/*
 * Case 4: unlink_weak removes one weak link, the newest of the pair; it
 * touches no counted link and clears nothing (weak_cleared is for dead
 * targets).
 */
static void refcache_weak_unlink_removes_the_newest(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_info info;
	u32 ids[4], targets[4], a, b, c, dead;

	refcache_kunit_create(test, 4, ids);
	a = ids[0];
	b = ids[1];
	c = ids[2];
	dead = ids[3];
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, dead), 0);
	/* Weak a -> b, a -> c, a -> b: listed b, c, b; and a counted a -> b. */
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, b), 1);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, c), 1);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, b), 1);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, a, b), 2);

	/* The result is b's count, which the counted link is part of. */
	KUNIT_EXPECT_EQ(test, refcache_unlink_weak(rc, a, b), 2);
	KUNIT_ASSERT_TRUE(test, refcache_weak_info(test, a, &info, targets, 4));
	KUNIT_EXPECT_EQ(test, info.nr_links, 1U);
	KUNIT_EXPECT_EQ(test, info.nr_weak, 2U);
	KUNIT_EXPECT_EQ(test, targets[0], b);
	/* The newest a -> b went: c is in front. */
	KUNIT_EXPECT_EQ(test, targets[1], c);
	KUNIT_EXPECT_EQ(test, targets[2], b);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_links, 2UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 1UL);

	KUNIT_EXPECT_EQ(test, refcache_unlink_weak(rc, a, b), 2);
	KUNIT_EXPECT_EQ(test, refcache_unlink_weak(rc, a, b), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_unlink_weak(rc, a, c), 1);
	KUNIT_EXPECT_EQ(test, refcache_unlink_weak(rc, a, c), -ENOENT);
	/* None the other way, none to or from the dead. */
	KUNIT_EXPECT_EQ(test, refcache_unlink_weak(rc, b, a), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_unlink_weak(rc, a, dead), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_unlink_weak(rc, dead, a), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_unlink_weak(rc, a, a), -ENOENT);
	/* The counted link stays, and is no weak one to unlink. */
	refcache_weak_expect_holds(test, a, 1, 0);
	KUNIT_EXPECT_EQ(test, refcache_weak_refcount(test, b), 2U);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_links, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_cleared, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_weak_fixture(test)->calls, 0U);
}

/* Case 4: a dying source takes its weak links with it, uncounted. */
static void refcache_weak_links_go_with_their_source(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_referrer ref[2];
	u32 ids[3], a, b, c;

	refcache_kunit_create(test, 3, ids);
	a = ids[0];
	b = ids[1];
	c = ids[2];
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, b), 1);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, b), 1);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, a), 1);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, c), 1);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, c, b), 1);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, a), 0);

	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_links, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_cleared, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_weak_fixture(test)->calls, 0U);
	KUNIT_EXPECT_EQ(test, refcache_weak_refcount(test, b), 1U);
	KUNIT_EXPECT_EQ(test, refcache_referrers(rc, b, ref, 2), 1L);
	KUNIT_EXPECT_EQ(test, ref[0].id, c);
	KUNIT_EXPECT_EQ(test, ref[0].weak, 1U);
	KUNIT_EXPECT_EQ(test, refcache_referrers(rc, c, ref, 2), 0L);
	KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, b), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_unlink_weak(rc, a, b), -ENOENT);

	/* Killed by a counted link's drop, the same. */
	KUNIT_ASSERT_EQ(test, refcache_link(rc, b, c), 2);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, c), 1);
	KUNIT_ASSERT_EQ(test, refcache_unlink(rc, b, c), 0);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_links, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_cleared, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_weak_fixture(test)->calls, 0U);
	KUNIT_EXPECT_EQ(test, refcache_referrers(rc, b, ref, 2), 0L);
	refcache_weak_expect_holds(test, b, 0, 0);
}

/*
 * Case 5: garbage g0 <-> g1 -> g2, weak links to it from live a (only
 * those) and e (and one to a), and weak links from it (to a, and among
 * itself). The collector clears the weak links to garbage before it
 * releases any of it: at every hook call, no object has gone back to the
 * slab. a and e live on, without the weak links to the dead; the weak
 * links from garbage are not reported. A dry run clears nothing.
 */
static void refcache_weak_gc_clears_before_it_frees(struct kunit *test)
{
	struct refcache_weak_fixture *f = refcache_weak_fixture(test);
	struct refcache *rc = &f->fx.rc;
	struct refcache_weak_pair want[6];
	struct refcache_info info;
	u32 ids[5], targets[4], a, e, g0, g1, g2;
	unsigned int i;

	refcache_kunit_create(test, 5, ids);
	a = ids[0];
	e = ids[1];
	g0 = ids[2];
	g1 = ids[3];
	g2 = ids[4];
	KUNIT_ASSERT_EQ(test, refcache_link(rc, g0, g1), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, g1, g0), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, g1, g2), 2);
	/* g0, g1, g2: their outside reference and one counted link each. */
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, g0), 2);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, g1), 2);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, g2), 2);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, e, g2), 2);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, e, a), 1);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, e, g0), 2);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, e, g2), 2);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, g0, a), 1);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, g2, g0), 2);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, g1, g1), 2);
	for (i = 2; i < 5; i++)
		KUNIT_ASSERT_EQ(test, refcache_put_id(rc, ids[i]), 1);

	KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 3L);
	KUNIT_EXPECT_EQ(test, f->calls, 0U);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_links, 10UL);

	f->slab_want = refcache_slab_objects();
	f->watch_slab = true;
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 3L);
	f->watch_slab = false;
	KUNIT_EXPECT_EQ_MSG(test, f->slab_bad, 0U,
			    "a hook call saw %ld objects in the slab, not %ld",
			    f->slab_seen, f->slab_want);
	KUNIT_EXPECT_EQ(test, refcache_slab_objects(), f->slab_want - 3);

	want[0] = (struct refcache_weak_pair){ a, g0 };
	want[1] = (struct refcache_weak_pair){ a, g1 };
	want[2] = (struct refcache_weak_pair){ a, g2 };
	want[3] = (struct refcache_weak_pair){ e, g2 };
	want[4] = (struct refcache_weak_pair){ e, g0 };
	want[5] = (struct refcache_weak_pair){ e, g2 };
	refcache_weak_expect_cleared(test, want, 6);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_links, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 2L);
	KUNIT_EXPECT_EQ(test, refcache_weak_refcount(test, a), 1U);
	refcache_weak_expect_holds(test, a, 0, 0);
	KUNIT_ASSERT_TRUE(test, refcache_weak_info(test, e, &info, targets, 4));
	KUNIT_EXPECT_EQ(test, info.refcount, 1U);
	KUNIT_EXPECT_EQ(test, info.nr_weak, 1U);
	KUNIT_EXPECT_EQ(test, targets[0], a);
	for (i = 2; i < 5; i++)
		KUNIT_EXPECT_EQ(test, refcache_follow(rc, a, ids[i]), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
}

/*
 * Case 6: weak links are no edges. Held a weak-links b, and b <-> c is a
 * counted cycle that nothing outside holds: gc collects b and c, though a
 * reaches b (and c weak-links a). The same for h -> t, t -> t, t -> h,
 * which a weak-links at both ends: four objects collected, a kept, and
 * a's three weak links to them cleared (c's to a goes with c).
 */
static void refcache_weak_links_are_not_edges(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 ids[5], a, b, c, h, t;

	refcache_kunit_create(test, 5, ids);
	a = ids[0];
	b = ids[1];
	c = ids[2];
	h = ids[3];
	t = ids[4];
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, b), 1);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, b, c), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, c, b), 2);
	/* c also weak-links a: a is held anyway. */
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, c, a), 1);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, b), 1);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, c), 1);
	/* h -> t -> t, weakly reached from a and from t: garbage too. */
	KUNIT_ASSERT_EQ(test, refcache_link(rc, h, t), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, t, t), 3);
	KUNIT_ASSERT_EQ(test, refcache_link(rc, t, h), 2);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, h), 2);
	KUNIT_ASSERT_EQ(test, refcache_link_weak(rc, a, t), 3);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, h), 1);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, t), 2);

	KUNIT_EXPECT_EQ(test, refcache_gc(rc, true), 4L);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 4L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).live, 1L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).gc_collected, 4UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).links, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_links, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_cleared, 3UL);
	KUNIT_EXPECT_EQ(test, refcache_weak_refcount(test, a), 1U);
	refcache_weak_expect_holds(test, a, 0, 0);
	KUNIT_EXPECT_EQ(test, refcache_weak_refcount(test, b), 0U);
	KUNIT_EXPECT_EQ(test, refcache_weak_refcount(test, c), 0U);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
}

/* Random graphs (cases 7 and 8), as gc_test.c's. */
static u32 refcache_weak_xorshift(u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/**
 * struct refcache_weak_model - what one random graph should look like
 * @n: nodes in the graph
 * @ids: the table's id of each node
 * @live: node is in the table
 * @ext: outside references the test holds on the node
 * @mult: mult[from][to]: counted links from -> to
 * @weak: weak[from][to]: weak links from -> to
 * @dies: scratch: the nodes an operation kills
 *
 * Links of nodes that are not live do not count, and there are none to
 * them: the model removes both when a node dies.
 */
struct refcache_weak_model {
	unsigned int n;
	u32 ids[WEAK_MAX_NODES];
	bool live[WEAK_MAX_NODES];
	unsigned int ext[WEAK_MAX_NODES];
	u8 mult[WEAK_MAX_NODES][WEAK_MAX_NODES];
	u8 weak[WEAK_MAX_NODES][WEAK_MAX_NODES];
	bool dies[WEAK_MAX_NODES];
};

/**
 * struct refcache_weak_scratch - buffers of the model cases, off the stack
 * @targets: for refcache_next_info()
 * @ref: for refcache_referrers(), one more than can be, for a sentinel
 * @want: the in-list the model expects
 * @order: node indices by ascending id
 * @req: req[from][to]: weak links the hook must report, this operation
 * @opt: opt[from][to]: weak links it may report, this operation
 */
struct refcache_weak_scratch {
	u32 targets[2 * WEAK_MAX_LINKS + 1];
	struct refcache_referrer ref[WEAK_MAX_NODES + 1];
	struct refcache_referrer want[WEAK_MAX_NODES];
	unsigned int order[WEAK_MAX_NODES];
	u8 req[WEAK_MAX_NODES][WEAK_MAX_NODES];
	u8 opt[WEAK_MAX_NODES][WEAK_MAX_NODES];
};

static unsigned int refcache_weak_model_refcount(const struct refcache_weak_model *m,
						 unsigned int i)
{
	unsigned int j, ref = m->ext[i];

	for (j = 0; j < m->n; j++) {
		if (m->live[j])
			ref += m->mult[j][i];
	}
	return ref;
}

static unsigned int refcache_weak_model_index(const struct refcache_weak_model *m,
					      u32 id)
{
	unsigned int i;

	for (i = 0; i < m->n; i++) {
		if (m->ids[i] == id)
			return i;
	}
	return WEAK_MAX_NODES;
}

/* Node indices into s->order, by ascending id (insertion sort). */
static void refcache_weak_model_order(const struct refcache_weak_model *m,
				      struct refcache_weak_scratch *s)
{
	unsigned int i, k;

	for (i = 0; i < m->n; i++) {
		for (k = i; k && m->ids[s->order[k - 1]] > m->ids[i]; k--)
			s->order[k] = s->order[k - 1];
		s->order[k] = i;
	}
}

/*
 * refcache_referrers() of live node @to must be the model's in-list, by
 * ascending id, and keep its contract with a short buffer.
 */
static void refcache_weak_compare_referrers(struct kunit *test,
					    const struct refcache_weak_model *m,
					    struct refcache_weak_scratch *s,
					    unsigned int to, unsigned int graph,
					    const char *when)
{
	struct refcache *rc = refcache_kunit_rc(test);
	unsigned int k, i, nr = 0, max;
	long ret;

	refcache_weak_model_order(m, s);
	for (k = 0; k < m->n; k++) {
		i = s->order[k];
		if (!m->live[i] || (!m->mult[i][to] && !m->weak[i][to]))
			continue;
		s->want[nr].id = m->ids[i];
		s->want[nr].links = m->mult[i][to];
		s->want[nr].weak = m->weak[i][to];
		nr++;
	}
	memset(s->ref, 0xa5, sizeof(s->ref));
	ret = refcache_referrers(rc, m->ids[to], s->ref, WEAK_MAX_NODES);
	KUNIT_ASSERT_EQ_MSG(test, ret, (long)nr, "graph %u %s: referrers of node %u",
			    graph, when, to);
	for (k = 0; k < nr; k++) {
		KUNIT_ASSERT_EQ_MSG(test, s->ref[k].id, s->want[k].id,
				    "graph %u %s: referrer %u of node %u",
				    graph, when, k, to);
		KUNIT_ASSERT_EQ_MSG(test, s->ref[k].links, s->want[k].links,
				    "graph %u %s: counted links %u -> %u", graph,
				    when, refcache_weak_model_index(m, s->want[k].id), to);
		KUNIT_ASSERT_EQ_MSG(test, s->ref[k].weak, s->want[k].weak,
				    "graph %u %s: weak links %u -> %u", graph,
				    when, refcache_weak_model_index(m, s->want[k].id), to);
	}
	KUNIT_ASSERT_EQ_MSG(test, s->ref[nr].id, 0xa5a5a5a5U,
			    "graph %u %s: referrers of %u wrote past the last",
			    graph, when, to);
	if (!nr)
		return;
	/* Room for fewer: the first of them, and still the total. */
	max = nr - 1;
	memset(s->ref, 0xa5, sizeof(s->ref));
	ret = refcache_referrers(rc, m->ids[to], s->ref, max);
	KUNIT_ASSERT_EQ_MSG(test, ret, (long)nr, "graph %u %s: referrers of %u, max %u",
			    graph, when, to, max);
	for (k = 0; k < max; k++)
		KUNIT_ASSERT_EQ_MSG(test, s->ref[k].id, s->want[k].id,
				    "graph %u %s: short referrers of %u", graph, when, to);
	KUNIT_ASSERT_EQ_MSG(test, s->ref[max].id, 0xa5a5a5a5U,
			    "graph %u %s: referrers of %u filled more than max %u",
			    graph, when, to, max);
}

/*
 * The table must hold exactly the model's live nodes, their counts, their
 * counted and weak links (next_info: counted targets first, then weak)
 * and referrers; the statistics must count the links.
 */
static void refcache_weak_compare(struct kunit *test,
				  const struct refcache_weak_model *m,
				  struct refcache_weak_scratch *s,
				  unsigned int graph, const char *when)
{
	struct refcache *rc = refcache_kunit_rc(test);
	unsigned int i, j, k, t, nr = 0, live = 0;
	unsigned long links = 0, weak = 0;
	u8 seen[2][WEAK_MAX_NODES];
	struct refcache_info info;
	u32 pos = 0;

	for (; !refcache_next_info(rc, &pos, &info, s->targets,
				   ARRAY_SIZE(s->targets)); pos++) {
		nr++;
		i = refcache_weak_model_index(m, info.id);
		KUNIT_ASSERT_LT_MSG(test, i, m->n, "graph %u %s: stray object %u",
				    graph, when, info.id);
		KUNIT_ASSERT_TRUE_MSG(test, m->live[i], "graph %u %s: node %u live",
				      graph, when, i);
		KUNIT_ASSERT_EQ_MSG(test, info.refcount, refcache_weak_model_refcount(m, i),
				    "graph %u %s: node %u refcount", graph, when, i);
		KUNIT_ASSERT_LE(test, info.nr_links + info.nr_weak,
				(unsigned int)ARRAY_SIZE(s->targets));
		memset(seen, 0, sizeof(seen));
		for (k = 0; k < info.nr_links + info.nr_weak; k++) {
			t = refcache_weak_model_index(m, s->targets[k]);
			KUNIT_ASSERT_LT_MSG(test, t, m->n,
					    "graph %u %s: node %u links to stray %u",
					    graph, when, i, s->targets[k]);
			seen[k >= info.nr_links][t]++;
		}
		for (j = 0; j < m->n; j++) {
			KUNIT_ASSERT_EQ_MSG(test, seen[0][j], m->mult[i][j],
					    "graph %u %s: counted links %u -> %u",
					    graph, when, i, j);
			KUNIT_ASSERT_EQ_MSG(test, seen[1][j], m->weak[i][j],
					    "graph %u %s: weak links %u -> %u",
					    graph, when, i, j);
		}
	}
	for (i = 0; i < m->n; i++) {
		if (!m->live[i])
			continue;
		live++;
		for (j = 0; j < m->n; j++) {
			links += m->mult[i][j];
			weak += m->weak[i][j];
		}
		refcache_weak_compare_referrers(test, m, s, i, graph, when);
	}
	KUNIT_ASSERT_EQ_MSG(test, nr, live, "graph %u %s: live objects", graph, when);
	KUNIT_ASSERT_EQ_MSG(test, refcache_kunit_stats(test).links, links,
			    "graph %u %s: stats.links", graph, when);
	KUNIT_ASSERT_EQ_MSG(test, refcache_kunit_stats(test).weak_links, weak,
			    "graph %u %s: stats.weak_links", graph, when);
}

/* Make a counted (or weak) link, as the model says it must go. */
static void refcache_weak_model_link(struct kunit *test,
				     struct refcache_weak_model *m,
				     unsigned int from, unsigned int to,
				     bool weak, unsigned int graph)
{
	struct refcache *rc = refcache_kunit_rc(test);
	int ret;

	if (weak) {
		ret = refcache_link_weak(rc, m->ids[from], m->ids[to]);
		m->weak[from][to]++;
	} else {
		ret = refcache_link(rc, m->ids[from], m->ids[to]);
		m->mult[from][to]++;
	}
	KUNIT_ASSERT_EQ_MSG(test, ret, (int)refcache_weak_model_refcount(m, to),
			    "graph %u: %s link %u -> %u", graph,
			    weak ? "weak" : "counted", from, to);
}

/*
 * Mark in m->dies the live nodes a change just made kills (their refcount
 * fell to 0, and what that cascades to), before they are taken out.
 */
static void refcache_weak_model_settle_dies(struct refcache_weak_model *m)
{
	bool changed = true;
	unsigned int i, j, ref;

	memset(m->dies, 0, sizeof(m->dies));
	while (changed) {
		changed = false;
		for (i = 0; i < m->n; i++) {
			if (!m->live[i] || m->dies[i])
				continue;
			ref = m->ext[i];
			for (j = 0; j < m->n; j++) {
				if (m->live[j] && !m->dies[j])
					ref += m->mult[j][i];
			}
			if (!ref) {
				m->dies[i] = true;
				changed = true;
			}
		}
	}
}

/*
 * Kill m->dies: say which weak links the hook must report (to a dying
 * node from a surviving one) and which it may (between two dying nodes,
 * when @cascade: the releases go one by one), then take the dying nodes
 * out with their links and the links to them.
 */
static void refcache_weak_model_kill(struct kunit *test,
				     struct refcache_weak_model *m,
				     struct refcache_weak_scratch *s,
				     bool cascade)
{
	unsigned int i, j;

	memset(s->req, 0, sizeof(s->req));
	memset(s->opt, 0, sizeof(s->opt));
	for (i = 0; i < m->n; i++) {
		if (!m->live[i])
			continue;
		for (j = 0; j < m->n; j++) {
			if (!m->dies[j] || !m->weak[i][j])
				continue;
			if (!m->dies[i]) {
				s->req[i][j] = m->weak[i][j];
			} else if (cascade && i != j) {
				s->opt[i][j] = m->weak[i][j];
				refcache_weak_fixture(test)->open_links += m->weak[i][j];
			}
		}
	}
	for (i = 0; i < m->n; i++) {
		if (!m->dies[i])
			continue;
		m->live[i] = false;
		for (j = 0; j < m->n; j++) {
			m->mult[i][j] = 0;
			m->weak[i][j] = 0;
			m->weak[j][i] = 0;
		}
	}
}

/*
 * The hook calls since @from (the fixture's count before the operation):
 * each a pair the model requires or allows, every required one among
 * them; weak_cleared rose by as many. Advances *@cleared.
 */
static void refcache_weak_model_check_cleared(struct kunit *test,
					      const struct refcache_weak_model *m,
					      struct refcache_weak_scratch *s,
					      unsigned int from,
					      unsigned long *cleared,
					      unsigned int graph, const char *what)
{
	struct refcache_weak_fixture *f = refcache_weak_fixture(test);
	unsigned int k, i, j, calls = f->calls - from;

	KUNIT_ASSERT_LE_MSG(test, f->calls, WEAK_LOG_MAX,
			    "graph %u %s: hook log overflow", graph, what);
	for (k = from; k < f->calls; k++) {
		i = refcache_weak_model_index(m, f->log[k].from);
		j = refcache_weak_model_index(m, f->log[k].to);
		KUNIT_ASSERT_TRUE_MSG(test, i < m->n && j < m->n,
				      "graph %u %s: cleared %u -> %u, not the graph's",
				      graph, what, f->log[k].from, f->log[k].to);
		if (s->req[i][j]) {
			s->req[i][j]--;
			continue;
		}
		f->open_seen++;
		KUNIT_ASSERT_GT_MSG(test, s->opt[i][j], 0,
				    "graph %u %s: weak link %u -> %u cleared, not expected (or too often)",
				    graph, what, i, j);
		s->opt[i][j]--;
	}
	for (i = 0; i < m->n; i++) {
		for (j = 0; j < m->n; j++)
			KUNIT_ASSERT_EQ_MSG(test, s->req[i][j], 0,
					    "graph %u %s: weak link %u -> %u to a dead node not reported",
					    graph, what, i, j);
	}
	*cleared += calls;
	KUNIT_ASSERT_EQ_MSG(test, refcache_kunit_stats(test).weak_cleared, *cleared,
			    "graph %u %s: stats.weak_cleared", graph, what);
	/* Keep the log short: start it again for the next operation. */
	f->calls = 0;
}

/* Drop one outside reference on node @i: check the result and the clears. */
static void refcache_weak_model_put(struct kunit *test,
				    struct refcache_weak_model *m,
				    struct refcache_weak_scratch *s,
				    unsigned int i, unsigned long *cleared,
				    unsigned int graph)
{
	struct refcache_weak_fixture *f = refcache_weak_fixture(test);
	unsigned int from = f->calls;
	int ret;

	ret = refcache_put_id(&f->fx.rc, m->ids[i]);
	m->ext[i]--;
	KUNIT_ASSERT_EQ_MSG(test, ret, (int)refcache_weak_model_refcount(m, i),
			    "graph %u: put of node %u", graph, i);
	refcache_weak_model_settle_dies(m);
	refcache_weak_model_kill(test, m, s, true);
	refcache_weak_model_check_cleared(test, m, s, from, cleared, graph, "put");
}

/* Drop a random counted or weak link, or try one that does not exist. */
static void refcache_weak_model_unlink(struct kunit *test,
				       struct refcache_weak_model *m,
				       struct refcache_weak_scratch *s, u32 *seed,
				       unsigned long *cleared, unsigned int graph)
{
	struct refcache_weak_fixture *f = refcache_weak_fixture(test);
	unsigned int a = refcache_weak_xorshift(seed) % m->n;
	unsigned int b = refcache_weak_xorshift(seed) % m->n;
	bool weak = refcache_weak_xorshift(seed) % 2;
	unsigned int from = f->calls;
	int ret, want = -ENOENT;

	if (!(refcache_weak_xorshift(seed) % 4))
		b = a;
	if (weak) {
		ret = refcache_unlink_weak(&f->fx.rc, m->ids[a], m->ids[b]);
		if (m->live[a] && m->live[b] && m->weak[a][b]) {
			m->weak[a][b]--;
			want = refcache_weak_model_refcount(m, b);
		}
	} else {
		ret = refcache_unlink(&f->fx.rc, m->ids[a], m->ids[b]);
		if (m->live[a] && m->mult[a][b]) {
			m->mult[a][b]--;
			want = refcache_weak_model_refcount(m, b);
		}
	}
	KUNIT_ASSERT_EQ_MSG(test, ret, want, "graph %u: %s unlink %u -> %u",
			    graph, weak ? "weak" : "counted", a, b);
	refcache_weak_model_settle_dies(m);
	refcache_weak_model_kill(test, m, s, true);
	refcache_weak_model_check_cleared(test, m, s, from, cleared, graph, "unlink");
}

/*
 * Run gc, dry first: the model's garbage is what no held node reaches
 * through counted links. Check what was cleared, and that no garbage was
 * freed before the last weak link to it was cleared. Returns the garbage.
 */
static unsigned int refcache_weak_model_collect(struct kunit *test,
						struct refcache_weak_model *m,
						struct refcache_weak_scratch *s,
						unsigned long *cleared,
						unsigned int graph)
{
	struct refcache_weak_fixture *f = refcache_weak_fixture(test);
	unsigned int stack[WEAK_MAX_NODES], sp = 0, i, j, garbage = 0;
	bool reach[WEAK_MAX_NODES];

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
	for (i = 0; i < m->n; i++) {
		m->dies[i] = m->live[i] && !reach[i];
		garbage += m->dies[i];
	}
	KUNIT_ASSERT_EQ_MSG(test, refcache_gc(&f->fx.rc, true), (long)garbage,
			    "graph %u: dry run", graph);
	KUNIT_ASSERT_EQ_MSG(test, f->calls, 0U, "graph %u: the dry run cleared", graph);
	f->slab_want = refcache_slab_objects();
	f->slab_bad = 0;
	f->watch_slab = true;
	KUNIT_ASSERT_EQ_MSG(test, refcache_gc(&f->fx.rc, false), (long)garbage,
			    "graph %u: gc", graph);
	f->watch_slab = false;
	KUNIT_ASSERT_EQ_MSG(test, f->slab_bad, 0U,
			    "graph %u: a weak link was cleared with %ld objects in the slab, not %ld",
			    graph, f->slab_seen, f->slab_want);
	KUNIT_ASSERT_EQ_MSG(test, refcache_slab_objects(), f->slab_want - (long)garbage,
			    "graph %u: gc freed", graph);
	refcache_weak_model_kill(test, m, s, false);
	refcache_weak_model_check_cleared(test, m, s, 0, cleared, graph, "gc");
	return garbage;
}

/**
 * struct refcache_weak_expected - table-wide counters the graphs predict
 * @created: objects created
 * @collected: objects freed by gc
 * @cleared: weak links cleared (hook calls, each checked)
 */
struct refcache_weak_expected {
	unsigned long created;
	unsigned long collected;
	unsigned long cleared;
};

/*
 * Case 8: one random graph with counted and weak links on an empty table,
 * every result checked against the model; collect; drop the rest; collect
 * again; the table is empty at the end.
 */
static void refcache_weak_random_graph(struct kunit *test,
				       struct refcache_weak_model *m,
				       struct refcache_weak_scratch *s, u32 *seed,
				       unsigned int graph,
				       struct refcache_weak_expected *exp)
{
	struct refcache *rc = refcache_kunit_rc(test);
	unsigned int i, k, nl, nw, from, to;
	int ret;

	memset(m, 0, sizeof(*m));
	m->n = 1 + refcache_weak_xorshift(seed) % WEAK_MAX_NODES;
	refcache_kunit_create(test, m->n, m->ids);
	exp->created += m->n;
	for (i = 0; i < m->n; i++) {
		m->live[i] = true;
		m->ext[i] = 1;
	}
	/* 0..3n counted and 0..3n weak links, mixed; one in eight a self link. */
	nl = refcache_weak_xorshift(seed) % (3 * m->n + 1);
	nw = refcache_weak_xorshift(seed) % (3 * m->n + 1);
	while (nl || nw) {
		bool weak = nw && (!nl || refcache_weak_xorshift(seed) % 2);

		from = refcache_weak_xorshift(seed) % m->n;
		to = refcache_weak_xorshift(seed) % m->n;
		if (!(refcache_weak_xorshift(seed) % 8))
			to = from;
		refcache_weak_model_link(test, m, from, to, weak, graph);
		if (weak)
			nw--;
		else
			nl--;
	}
	/* A quarter get a second outside reference. */
	for (i = 0; i < m->n; i++) {
		if (refcache_weak_xorshift(seed) % 4)
			continue;
		ret = refcache_get_id(rc, m->ids[i]);
		m->ext[i]++;
		KUNIT_ASSERT_EQ_MSG(test, ret, (int)refcache_weak_model_refcount(m, i),
				    "graph %u: get of node %u", graph, i);
	}
	refcache_weak_compare(test, m, s, graph, "as made");

	/* About half keep one outside reference; the rest drop all. */
	for (i = 0; i < m->n; i++) {
		bool keep = refcache_weak_xorshift(seed) % 2;

		while (m->ext[i] > keep)
			refcache_weak_model_put(test, m, s, i, &exp->cleared, graph);
	}
	for (k = 0; k < m->n / 2; k++)
		refcache_weak_model_unlink(test, m, s, seed, &exp->cleared, graph);
	refcache_weak_compare(test, m, s, graph, "before gc");
	exp->collected += refcache_weak_model_collect(test, m, s, &exp->cleared,
						      graph);
	refcache_weak_compare(test, m, s, graph, "after gc");

	/* Drop what is left; the remaining cycles go to a second gc. */
	for (i = 0; i < m->n; i++) {
		while (m->ext[i])
			refcache_weak_model_put(test, m, s, i, &exp->cleared, graph);
	}
	refcache_weak_compare(test, m, s, graph, "after final puts");
	exp->collected += refcache_weak_model_collect(test, m, s, &exp->cleared,
						      graph);
	for (i = 0; i < m->n; i++)
		KUNIT_ASSERT_FALSE_MSG(test, m->live[i], "graph %u: model", graph);
	refcache_weak_compare(test, m, s, graph, "at the end");
}

static void refcache_weak_matches_reachability_model(struct kunit *test)
{
	struct refcache_weak_expected exp = {};
	struct refcache_weak_scratch *s;
	struct refcache_weak_model *m;
	struct refcache_stats st;
	u64 t0 = ktime_get_ns();
	u32 seed = 0x6b8b4567;
	unsigned int graph;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_ASSERT_NOT_NULL(test, s);
	for (graph = 0; graph < WEAK_GRAPHS; graph++) {
		refcache_weak_random_graph(test, m, s, &seed, graph, &exp);
		cond_resched();
	}
	refcache_stats(refcache_kunit_rc(test), &st);
	KUNIT_EXPECT_EQ(test, st.live, 0L);
	KUNIT_EXPECT_EQ(test, st.created, exp.created);
	KUNIT_EXPECT_EQ(test, st.freed, exp.created);
	KUNIT_EXPECT_EQ(test, st.gc_collected, exp.collected);
	KUNIT_EXPECT_EQ(test, st.weak_cleared, exp.cleared);
	KUNIT_EXPECT_EQ(test, st.links, 0UL);
	KUNIT_EXPECT_EQ(test, st.weak_links, 0UL);
	kunit_info(test, "%u graphs, %lu objects, %lu collected, %lu weak links cleared (%lu of %lu within a cascade) in %llu ms\n",
		   WEAK_GRAPHS, exp.created, exp.collected, exp.cleared,
		   refcache_weak_fixture(test)->open_seen,
		   refcache_weak_fixture(test)->open_links,
		   div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
	/* The generator must have made garbage and clears to check. */
	KUNIT_EXPECT_GT(test, exp.collected, 0UL);
	KUNIT_EXPECT_GT(test, exp.cleared, 0UL);
}

/*
 * Case 7: random graphs of held nodes (nothing dies until the end), with
 * counted and weak links, repeated and self ones, some unmade again; the
 * referrers of every node must be the model's.
 */
static void refcache_weak_referrers_match_model(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_weak_scratch *s;
	struct refcache_weak_model *m;
	u32 seed = 0x2545f491, dead;
	unsigned int graph, i, k, nl, from, to;
	bool weak;
	int ret;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_ASSERT_NOT_NULL(test, s);
	for (graph = 0; graph < WEAK_REF_GRAPHS; graph++) {
		memset(m, 0, sizeof(*m));
		m->n = 1 + refcache_weak_xorshift(&seed) % WEAK_MAX_NODES;
		refcache_kunit_create(test, m->n, m->ids);
		for (i = 0; i < m->n; i++) {
			m->live[i] = true;
			m->ext[i] = 1;
		}
		nl = refcache_weak_xorshift(&seed) % (6 * m->n + 1);
		for (k = 0; k < nl; k++) {
			from = refcache_weak_xorshift(&seed) % m->n;
			to = refcache_weak_xorshift(&seed) % m->n;
			/* Few targets: many referrers, many repeated pairs. */
			if (refcache_weak_xorshift(&seed) % 2)
				to %= 3;
			to %= m->n;
			if (!(refcache_weak_xorshift(&seed) % 8))
				to = from;
			weak = refcache_weak_xorshift(&seed) % 2;
			refcache_weak_model_link(test, m, from, to, weak, graph);
		}
		refcache_weak_compare(test, m, s, graph, "as made");
		/* Unmake some: an unlink of a pair that has none fails. */
		for (k = 0; k < m->n; k++) {
			from = refcache_weak_xorshift(&seed) % m->n;
			to = refcache_weak_xorshift(&seed) % m->n;
			if (refcache_weak_xorshift(&seed) % 2) {
				ret = refcache_unlink_weak(rc, m->ids[from], m->ids[to]);
				KUNIT_ASSERT_EQ(test, ret, m->weak[from][to] ?
						(int)refcache_weak_model_refcount(m, to) :
						-ENOENT);
				if (m->weak[from][to])
					m->weak[from][to]--;
			} else {
				if (m->mult[from][to])
					m->mult[from][to]--;
				else
					continue;
				ret = refcache_unlink(rc, m->ids[from], m->ids[to]);
				KUNIT_ASSERT_EQ(test, ret,
						(int)refcache_weak_model_refcount(m, to));
			}
		}
		refcache_weak_compare(test, m, s, graph, "after unlinks");
		/* Drop them all; a dead id has no referrers to list. */
		for (i = 0; i < m->n; i++)
			KUNIT_ASSERT_GE(test, refcache_put_id(rc, m->ids[i]), 0);
		refcache_gc(rc, false);
		KUNIT_ASSERT_EQ(test, refcache_kunit_stats(test).live, 0L);
		dead = m->ids[refcache_weak_xorshift(&seed) % m->n];
		KUNIT_ASSERT_EQ(test, refcache_referrers(rc, dead, s->ref, WEAK_MAX_NODES),
				(long)-ENOENT);
		cond_resched();
	}
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).weak_links, 0UL);
}

static struct kunit_case refcache_weak_test_cases[] = {
	KUNIT_CASE(refcache_weak_link_keeps_the_count),
	KUNIT_CASE_PARAM(refcache_weak_cleared_when_target_dies,
			 refcache_weak_death_gen_params),
	KUNIT_CASE(refcache_weak_freed_by_destroy),
	KUNIT_CASE(refcache_weak_destroy_clears_none),
	KUNIT_CASE(refcache_weak_follow_takes_a_reference),
	KUNIT_CASE(refcache_weak_follow_fails_across_slot_reuse),
	KUNIT_CASE(refcache_weak_unlink_removes_the_newest),
	KUNIT_CASE(refcache_weak_links_go_with_their_source),
	KUNIT_CASE(refcache_weak_gc_clears_before_it_frees),
	KUNIT_CASE(refcache_weak_links_are_not_edges),
	KUNIT_CASE(refcache_weak_referrers_match_model),
	KUNIT_CASE_SLOW(refcache_weak_matches_reachability_model),
	{}
};

static struct kunit_suite refcache_weak_test_suite = {
	.name = "refcache_weak",
	.init = refcache_weak_test_init,
	.exit = refcache_kunit_fixture_exit,
	.test_cases = refcache_weak_test_cases,
};

kunit_test_suite(refcache_weak_test_suite);
