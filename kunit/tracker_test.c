// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for refcache's tracked references (module/tracker.c):
 * refcache_get_tracked() and refcache_put_tracked(), the double puts they
 * catch, the trackers a dying object or a destroyed table still had, and
 * the quarantine.
 *
 * Every case gets a table of its own (suite init/exit); the exit checks
 * that every object the case made went back to the slab and every tracker
 * it made was freed, as refcache counts them (refcache_slab_objects(),
 * refcache_tracker_objects()). A tracker whose put was made stays in its
 * table's quarantine until the table is destroyed, so the cases count
 * those as still allocated until then.
 *
 * The cases that catch a misuse make refcache print its report (pr_err
 * lines with the stacks involved): that is expected.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/minmax.h>
#include <linux/slab.h>

#include "refcache.h"
#include "refcache_kunit.h"

/**
 * struct refcache_tracker_fixture - one case's table
 * @fx: the table, made and checked by the shared fixture
 * @fail_tracker: what the fail_tracker hook answers
 * @hook_calls: how many times it was asked
 * @trackers_before: refcache_tracker_objects() when the case started
 */
struct refcache_tracker_fixture {
	struct refcache_kunit_fixture fx;
	bool fail_tracker;
	unsigned int hook_calls;
	long trackers_before;
};

static bool refcache_tracker_test_fail(struct refcache *rc)
{
	struct refcache_tracker_fixture *f = rc->priv;

	f->hook_calls++;
	return f->fail_tracker;
}

static const struct refcache_ops refcache_tracker_test_ops = {
	.fail_tracker = refcache_tracker_test_fail,
};

static int refcache_tracker_test_init(struct kunit *test)
{
	struct refcache_tracker_fixture *f;

	f = refcache_kunit_fixture_init(test, sizeof(*f),
					&refcache_tracker_test_ops);
	f->trackers_before = refcache_tracker_objects();
	return 0;
}

static void refcache_tracker_test_exit(struct kunit *test)
{
	struct refcache_tracker_fixture *f = test->priv;

	refcache_kunit_fixture_exit(test);
	if (f && f->fx.made)
		KUNIT_EXPECT_EQ(test, refcache_tracker_objects(),
				f->trackers_before);
}

/* Trackers the case has allocated and not yet freed. */
static long refcache_tracker_made(struct kunit *test)
{
	struct refcache_tracker_fixture *f = test->priv;

	return refcache_tracker_objects() - f->trackers_before;
}

/* One new object, holding the create's reference, by id. */
static u32 refcache_tracker_create(struct kunit *test)
{
	struct refcache_obj *obj = refcache_create(refcache_kunit_rc(test));

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	return refcache_obj_id(obj);
}

/* The refcount of live object @id, read through a lookup and put back. */
static unsigned int refcache_tracker_refcount(struct kunit *test, u32 id)
{
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_obj *obj = refcache_lookup(rc, id);
	unsigned int count;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	count = refcache_obj_refcount(obj) - 1;
	KUNIT_ASSERT_GT(test, refcache_put(obj), 0);
	return count;
}

static void refcache_tracked_get_put_count_as_untracked(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 plain = refcache_tracker_create(test);
	u32 tracked = refcache_tracker_create(test);
	struct refcache_tracker *t;
	struct refcache_stats before, st;

	before = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, refcache_get_id(rc, plain), 2);
	KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, tracked, &t, GFP_KERNEL), 2);
	st = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, st.gets - before.gets, 2UL);
	KUNIT_EXPECT_EQ(test, st.trackers, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_tracker_refcount(test, tracked), 2U);
	KUNIT_EXPECT_EQ(test, refcache_tracker_refcount(test, plain), 2U);

	/* After the lookups of refcache_tracker_refcount(). */
	before = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, plain), 1);
	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, t), 1);
	st = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, st.puts - before.puts, 2UL);
	KUNIT_EXPECT_EQ(test, st.trackers, 0UL);
	KUNIT_EXPECT_EQ(test, st.tracker_double_puts, 0UL);
	KUNIT_EXPECT_EQ(test, st.tracker_leaks, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_tracker_refcount(test, tracked), 1U);
	KUNIT_EXPECT_EQ(test, refcache_tracker_refcount(test, plain), 1U);
	/* In the quarantine now: still allocated, until the destroy. */
	KUNIT_EXPECT_EQ(test, refcache_tracker_made(test), 1L);

	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, plain), 0);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, tracked), 0);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).tracker_leaks, 0UL);
}

static void refcache_tracked_final_put_releases_without_report(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 id = refcache_tracker_create(test);
	struct refcache_tracker *t;
	struct refcache_stats st;

	KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, id, &t, GFP_KERNEL), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, id), 1);
	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, t), 0);
	st = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, st.live, 0L);
	KUNIT_EXPECT_EQ(test, st.freed, 1UL);
	KUNIT_EXPECT_EQ(test, st.trackers, 0UL);
	KUNIT_EXPECT_EQ(test, st.tracker_leaks, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_get_id(rc, id), -ENOENT);
}

static void refcache_tracked_double_put_is_refused(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 id = refcache_tracker_create(test);
	struct refcache_tracker *t;
	struct refcache_stats before, st;

	KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, id, &t, GFP_KERNEL), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, t), 1);
	before = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, t), -EINVAL);
	st = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, st.tracker_double_puts, 1UL);
	KUNIT_EXPECT_EQ(test, st.puts, before.puts);
	KUNIT_EXPECT_EQ(test, st.trackers, 0UL);
	KUNIT_EXPECT_EQ(test, st.tracker_leaks, 0UL);
	/* The create's reference is still there, and only it. */
	KUNIT_EXPECT_EQ(test, refcache_tracker_refcount(test, id), 1U);

	/* Caught every time, while the tracker is in the quarantine. */
	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, t), -EINVAL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).tracker_double_puts, 2UL);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, id), 0);
}

static void refcache_tracked_put_after_death_returns_enoent(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 id = refcache_tracker_create(test);
	struct refcache_tracker *t;
	struct refcache_stats before, st;

	KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, id, &t, GFP_KERNEL), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, id), 1);
	/* An untracked put drops the tracked reference: the object dies. */
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, id), 0);
	st = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, st.live, 0L);
	KUNIT_EXPECT_EQ(test, st.tracker_leaks, 1UL);
	KUNIT_EXPECT_EQ(test, st.trackers, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_tracker_made(test), 1L);

	before = st;
	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, t), -ENOENT);
	st = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, st.puts, before.puts);
	KUNIT_EXPECT_EQ(test, st.tracker_double_puts, 0UL);
	KUNIT_EXPECT_EQ(test, st.tracker_leaks, 1UL);
	/* That put freed the tracker. */
	KUNIT_EXPECT_EQ(test, refcache_tracker_made(test), 0L);
}

static void refcache_tracked_reference_outlived_by_unlink(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 a = refcache_tracker_create(test);
	u32 b = refcache_tracker_create(test);
	struct refcache_tracker *t;

	KUNIT_EXPECT_EQ(test, refcache_link(rc, a, b), 2);
	KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, b, &t, GFP_KERNEL), 3);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), 2);
	/* Untracked, takes the tracked reference: only the link is left. */
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), 1);

	/* Refused: the tracker stays outstanding, nothing counted. */
	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, t), -EBUSY);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).trackers, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).tracker_double_puts, 0UL);

	/* b dies of the dropped link, with its tracker outstanding. */
	KUNIT_EXPECT_EQ(test, refcache_unlink(rc, a, b), 0);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).tracker_leaks, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).trackers, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, t), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_tracker_made(test), 0L);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, a), 0);
}

static void refcache_tracked_reference_outlived_by_collection(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 a = refcache_tracker_create(test);
	u32 b = refcache_tracker_create(test);
	struct refcache_tracker *t;

	KUNIT_EXPECT_EQ(test, refcache_link(rc, a, b), 2);
	KUNIT_EXPECT_EQ(test, refcache_link(rc, b, a), 2);
	KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, a, &t, GFP_KERNEL), 3);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), 1);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, a), 2);
	/* The tracked reference is a root: nothing is garbage. */
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 0L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).tracker_leaks, 0UL);

	/* Untracked, takes the tracked reference: a garbage cycle. */
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, a), 1);
	KUNIT_EXPECT_EQ(test, refcache_gc(rc, false), 2L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).tracker_leaks, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).trackers, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, t), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_tracker_made(test), 0L);
}

static void refcache_release_reports_only_its_own_trackers(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 a = refcache_tracker_create(test);
	u32 b = refcache_tracker_create(test);
	struct refcache_tracker *ta[2], *tb;

	KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, a, &ta[0], GFP_KERNEL), 2);
	KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, b, &tb, GFP_KERNEL), 2);
	KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, a, &ta[1], GFP_KERNEL), 3);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).trackers, 3UL);

	/* b dies under its tracker; a's two are none of its business. */
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), 1);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, b), 0);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).tracker_leaks, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).trackers, 2UL);

	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, ta[0]), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, ta[1]), 1);
	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, tb), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).trackers, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).tracker_leaks, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).tracker_double_puts, 0UL);
	/* a's two, in the quarantine; b's was freed by its put. */
	KUNIT_EXPECT_EQ(test, refcache_tracker_made(test), 2L);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, a), 0);
}

static void refcache_release_counts_every_outstanding_tracker(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 id = refcache_tracker_create(test);
	/* More than one report shows: the rest are counted all the same. */
	struct refcache_tracker *t[10];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, id, &t[i], GFP_KERNEL),
				(int)i + 2);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).trackers, 10UL);
	for (i = 0; i < ARRAY_SIZE(t); i++)
		KUNIT_EXPECT_EQ(test, refcache_put_id(rc, id), 10 - (int)i);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, id), 0);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).tracker_leaks, 10UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).trackers, 0UL);
	for (i = 0; i < ARRAY_SIZE(t); i++)
		KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, t[i]), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_tracker_made(test), 0L);
}

static void refcache_destroy_frees_every_tracker(struct kunit *test)
{
	struct refcache_tracker_fixture *f = test->priv;
	struct refcache *rc = refcache_kunit_rc(test);
	u32 a = refcache_tracker_create(test);
	u32 b = refcache_tracker_create(test);
	u32 c = refcache_tracker_create(test);
	struct refcache_tracker *t[5];

	KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, a, &t[0], GFP_KERNEL), 2);
	KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, a, &t[1], GFP_KERNEL), 3);
	KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, b, &t[2], GFP_KERNEL), 2);
	/* One in the quarantine, one orphan (c died under it). */
	KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, b, &t[3], GFP_KERNEL), 3);
	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, t[3]), 2);
	KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, c, &t[4], GFP_KERNEL), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, c), 1);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, c), 0);

	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).trackers, 3UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).tracker_leaks, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_tracker_made(test), 5L);

	/* a and b still live, their references held through trackers. */
	f->fx.destroyed = true;
	KUNIT_EXPECT_EQ(test, refcache_destroy(rc), 2UL);
	KUNIT_EXPECT_EQ(test, refcache_tracker_made(test), 0L);
}

static void refcache_tracker_alloc_failure_leaves_nothing(struct kunit *test)
{
	struct refcache_tracker_fixture *f = test->priv;
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_tracker *untouched = ERR_PTR(-ESRCH), *t = untouched;
	u32 id = refcache_tracker_create(test);
	struct refcache_stats before, st;

	before = refcache_kunit_stats(test);
	f->fail_tracker = true;
	KUNIT_EXPECT_EQ(test, refcache_get_tracked(rc, id, &t, GFP_KERNEL), -ENOMEM);
	KUNIT_EXPECT_EQ(test, f->hook_calls, 1U);
	KUNIT_EXPECT_PTR_EQ(test, t, untouched);
	st = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, st.gets, before.gets);
	KUNIT_EXPECT_EQ(test, st.trackers, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_tracker_made(test), 0L);
	KUNIT_EXPECT_EQ(test, refcache_tracker_refcount(test, id), 1U);

	/* The next one, allowed, works. */
	f->fail_tracker = false;
	KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, id, &t, GFP_KERNEL), 2);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).trackers, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, t), 1);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, id), 0);
}

static void refcache_tracker_quarantine_frees_the_oldest(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	/* 8 more than the quarantine holds. */
	struct refcache_tracker *t[40];
	u32 id = refcache_tracker_create(test);
	unsigned int i;

	static_assert(REFCACHE_TRACKER_QUARANTINE == 32);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		KUNIT_ASSERT_EQ(test, refcache_get_tracked(rc, id, &t[i], GFP_KERNEL),
				2);
		KUNIT_ASSERT_EQ(test, refcache_put_tracked(rc, t[i]), 1);
		KUNIT_EXPECT_EQ(test, refcache_tracker_made(test),
				(long)min(i + 1, 32U));
	}
	KUNIT_EXPECT_EQ(test, refcache_tracker_made(test), 32L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).trackers, 0UL);

	/* The oldest still kept is t[8], the newest t[39]: both caught. */
	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, t[8]), -EINVAL);
	KUNIT_EXPECT_EQ(test, refcache_put_tracked(rc, t[39]), -EINVAL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).tracker_double_puts, 2UL);
	KUNIT_EXPECT_EQ(test, refcache_tracker_refcount(test, id), 1U);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, id), 0);
	KUNIT_EXPECT_EQ(test, refcache_tracker_made(test), 32L);
}

static void refcache_tracked_get_of_dead_id_leaves_nothing(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_tracker *untouched = ERR_PTR(-ESRCH), *t = untouched;
	u32 id = refcache_tracker_create(test);
	struct refcache_stats st;

	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, id), 0);
	KUNIT_EXPECT_EQ(test, refcache_get_tracked(rc, id, &t, GFP_KERNEL), -ENOENT);
	KUNIT_EXPECT_PTR_EQ(test, t, untouched);
	/* Never handed out: a dead id with a tracker is no leak. */
	st = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, st.trackers, 0UL);
	KUNIT_EXPECT_EQ(test, st.tracker_leaks, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_tracker_made(test), 0L);
	/* An id that was never handed out, either. */
	KUNIT_EXPECT_EQ(test, refcache_get_tracked(rc, 12345, &t, GFP_KERNEL),
			-ENOENT);
	KUNIT_EXPECT_PTR_EQ(test, t, untouched);
	KUNIT_EXPECT_EQ(test, refcache_tracker_made(test), 0L);
}

static void refcache_tracked_get_at_max_refs_leaves_nothing(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_tracker *untouched = ERR_PTR(-ESRCH), *t = untouched;
	u32 id = refcache_tracker_create(test);

	KUNIT_ASSERT_EQ(test, refcache_set_max_refs(rc, 1), 0);
	KUNIT_EXPECT_EQ(test, refcache_get_tracked(rc, id, &t, GFP_KERNEL),
			-EOVERFLOW);
	KUNIT_EXPECT_PTR_EQ(test, t, untouched);
	KUNIT_EXPECT_EQ(test, refcache_kunit_stats(test).trackers, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_tracker_made(test), 0L);
	KUNIT_ASSERT_EQ(test, refcache_set_max_refs(rc, 1000), 0);
	KUNIT_EXPECT_EQ(test, refcache_tracker_refcount(test, id), 1U);
	KUNIT_EXPECT_EQ(test, refcache_put_id(rc, id), 0);
}

static struct kunit_case refcache_tracker_test_cases[] = {
	KUNIT_CASE(refcache_tracked_get_put_count_as_untracked),
	KUNIT_CASE(refcache_tracked_final_put_releases_without_report),
	KUNIT_CASE(refcache_tracked_double_put_is_refused),
	KUNIT_CASE(refcache_tracked_put_after_death_returns_enoent),
	KUNIT_CASE(refcache_tracked_reference_outlived_by_unlink),
	KUNIT_CASE(refcache_tracked_reference_outlived_by_collection),
	KUNIT_CASE(refcache_release_reports_only_its_own_trackers),
	KUNIT_CASE(refcache_release_counts_every_outstanding_tracker),
	KUNIT_CASE(refcache_destroy_frees_every_tracker),
	KUNIT_CASE(refcache_tracker_alloc_failure_leaves_nothing),
	KUNIT_CASE(refcache_tracker_quarantine_frees_the_oldest),
	KUNIT_CASE(refcache_tracked_get_of_dead_id_leaves_nothing),
	KUNIT_CASE(refcache_tracked_get_at_max_refs_leaves_nothing),
	{}
};

static struct kunit_suite refcache_tracker_test_suite = {
	.name = "refcache_tracker",
	.init = refcache_tracker_test_init,
	.exit = refcache_tracker_test_exit,
	.test_cases = refcache_tracker_test_cases,
};

kunit_test_suite(refcache_tracker_test_suite);
