// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the refcache object lifecycle, the max_objects limit and
 * the listing (refcache_next_info()).
 *
 * Every case gets a table of its own (suite init/exit), so the module's
 * default table and the other cases are never disturbed. A final put
 * returns the object to the slab at once, so refcache_slab_objects() and
 * the "freed" counter are checked right after it, with no grace period.
 * Those are refcache's own counts: the lifecycle cases also check what
 * SLUB counts in use in the table's cache (refcache_kunit_slub_objects(),
 * kunit/slub.c), which only kmem_cache_free() lowers.
 *
 * Ids are a slot (id & (REFCACHE_SLOTS - 1)) with a generation above it;
 * refcache_find_next() walks slots, and an object's id is read with
 * refcache_obj_id().
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "refcache.h"
#include "refcache_kunit.h"

/**
 * struct refcache_fixture - one case's table and what its hooks saw
 * @rc: the table
 * @destroyed: @rc is not there (yet) to destroy: the case destroyed it
 *	itself, or .init failed before it was made
 * @fail_at: fail the allocation with this 1-based number (0: never)
 * @allocs: allocations attempted so far
 * @released: ids passed to the released hook, in order
 * @nr_released: how many
 * @dying_get: refcache_get_id() result seen from inside the released hook
 * @dying_put: refcache_put_id() result seen from inside the released hook
 * @dying_lookup: refcache_lookup() result seen from inside the released hook
 * @slab_before: refcache_slab_objects() when the case started
 * @list_dying: the released hook also lists the table from the dying
 *	object's slot (refcache_next_info())
 * @dying_next: what that listing returned
 * @dying_next_id: the id it found, if it returned 0
 * @name: the name of the table's cache, for refcache_kunit_slub_objects()
 */
struct refcache_fixture {
	struct refcache rc;
	bool destroyed;
	unsigned int fail_at;
	unsigned int allocs;
	u32 released[8];
	unsigned int nr_released;
	int dying_get;
	int dying_put;
	long dying_lookup;
	long slab_before;
	bool list_dying;
	int dying_next;
	u32 dying_next_id;
	char name[REFCACHE_KUNIT_NAME_LEN];
};

static bool refcache_test_fail_alloc(struct refcache *rc)
{
	struct refcache_fixture *f = rc->priv;

	return ++f->allocs == f->fail_at;
}

static void refcache_test_released(struct refcache *rc, u32 id)
{
	struct refcache_fixture *f = rc->priv;
	struct refcache_obj *obj;

	if (f->nr_released < ARRAY_SIZE(f->released))
		f->released[f->nr_released] = id;
	f->nr_released++;
	/* The object is dying: refcount 0 but still in the table. */
	f->dying_get = refcache_get_id(rc, id);
	f->dying_put = refcache_put_id(rc, id);
	obj = refcache_lookup(rc, id);
	f->dying_lookup = PTR_ERR_OR_ZERO(obj);
	if (f->list_dying) {
		struct refcache_info info = {};
		u32 pos = id & (REFCACHE_SLOTS - 1);

		f->dying_next = refcache_next_info(rc, &pos, &info, NULL, 0);
		f->dying_next_id = f->dying_next ? 0 : info.id;
	}
}

static const struct refcache_ops refcache_test_ops = {
	.fail_alloc = refcache_test_fail_alloc,
	.released = refcache_test_released,
};

static int refcache_test_init(struct kunit *test)
{
	struct refcache_fixture *f;
	int err;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f);
	/* .exit runs after a failed .init too: it must know what exists. */
	f->destroyed = true;
	test->priv = f;
	refcache_quiesce();
	f->slab_before = refcache_slab_objects();
	err = refcache_kunit_table(&f->rc, 1000, 0, &refcache_test_ops, f->name);
	KUNIT_ASSERT_EQ(test, err, 0);
	f->rc.priv = f;
	f->destroyed = false;
	return 0;
}

static void refcache_test_exit(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;

	if (!f)
		return;
	if (!f->destroyed)
		refcache_destroy(&f->rc);
	/* Whatever a case did, every object it made is back in the slab. */
	KUNIT_EXPECT_EQ(test, refcache_slab_objects(), f->slab_before);
}

static struct refcache_stats refcache_test_stats(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_stats st;

	refcache_stats(&f->rc, &st);
	return st;
}

/* SLUB's count of the objects in use in the case's table's cache. */
static long refcache_test_slub(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;

	return refcache_kunit_slub_objects(test, &f->rc, f->name);
}

static u32 refcache_test_create(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_obj *obj = refcache_create(&f->rc);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	return refcache_obj_id(obj);
}

/*
 * Keep the case on the CPU it runs on. Ids come from per-CPU batches of
 * slots (table.c), and a slot freed on one CPU waits in that CPU's ring
 * until more than 1024 later frees there: a case that expects particular
 * ids, or waits for a freed slot to come round, sees what one CPU does only
 * if it stays on one, which on several CPUs only this makes sure of. KUnit runs each case
 * in a thread of its own, so the pinning ends with the case.
 */
static void refcache_test_stay_on_cpu(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current,
						   cpumask_of(raw_smp_processor_id())), 0);
}

static void refcache_create_gives_refcount_one(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_obj *obj = refcache_create(&f->rc);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, refcache_obj_refcount(obj), 1U);
	KUNIT_EXPECT_GE(test, refcache_obj_id(obj), 1U);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).live, 1L);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).created, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_slab_objects(), f->slab_before + 1);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 1L);
}

static void refcache_get_put_arithmetic(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	u32 id = refcache_test_create(test);
	int i;

	for (i = 2; i <= 10; i++)
		KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, id), i);
	for (i = 9; i >= 1; i--)
		KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, id), i);
	KUNIT_EXPECT_EQ(test, f->nr_released, 0U);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 1L);
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, id), 0);
	KUNIT_EXPECT_EQ(test, f->nr_released, 1U);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 0L);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).gets, 9UL);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).puts, 10UL);
}

static void refcache_pointer_get_put_arithmetic(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_obj *obj = refcache_create(&f->rc);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, refcache_get(obj), 2);
	KUNIT_EXPECT_EQ(test, refcache_get(obj), 3);
	KUNIT_EXPECT_EQ(test, refcache_put(obj), 2);
	KUNIT_EXPECT_EQ(test, refcache_put(obj), 1);
	KUNIT_EXPECT_EQ(test, refcache_put(obj), 0);
	KUNIT_EXPECT_EQ(test, f->nr_released, 1U);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 0L);
}

static void refcache_final_put_releases_once(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	u32 id = refcache_test_create(test);

	KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, id), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, id), 1);
	KUNIT_EXPECT_EQ(test, f->nr_released, 0U);
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, id), 0);
	KUNIT_EXPECT_EQ(test, f->nr_released, 1U);
	KUNIT_EXPECT_EQ(test, f->released[0], id);
	/* Further puts find nothing and release nothing. */
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, id), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, id), -ENOENT);
	KUNIT_EXPECT_EQ(test, f->nr_released, 1U);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).live, 0L);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 0L);
}

static void refcache_final_put_returns_object_to_slab(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	u32 ids[16];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, refcache_create_batch(&f->rc, 16, ids), 0);
	KUNIT_EXPECT_EQ(test, refcache_slab_objects(), f->slab_before + 16);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 16L);
	for (i = 0; i < 16; i++) {
		KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, ids[i]), 0);
		/* At once: no grace period between the final put and the slab. */
		KUNIT_EXPECT_EQ(test, refcache_slab_objects(),
				f->slab_before + 15 - i);
		KUNIT_EXPECT_EQ(test, refcache_test_stats(test).freed, i + 1UL);
		/* And SLUB has the memory back (after frees it defers). */
		KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 15L - i);
	}
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).created, 16UL);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).live, 0L);
}

static void refcache_dead_id_get_fails(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	u32 id = refcache_test_create(test);

	KUNIT_ASSERT_EQ(test, refcache_put_id(&f->rc, id), 0);
	KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, id), -ENOENT);
	KUNIT_EXPECT_PTR_EQ(test, refcache_lookup(&f->rc, id),
			    ERR_PTR(-ENOENT));
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).gets, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 0L);
}

static void refcache_dead_id_put_fails(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	u32 id = refcache_test_create(test);

	KUNIT_ASSERT_EQ(test, refcache_put_id(&f->rc, id), 0);
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, id), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).puts, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 0L);
}

static void refcache_unknown_id_fails(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;

	KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, U32_MAX), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, 0), -ENOENT);
	/* Slot 0 is never used, also once the table has objects. */
	KUNIT_EXPECT_EQ(test, refcache_test_create(test), 1U);
	KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, REFCACHE_SLOTS), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, 2), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).gets, 0UL);
}

static void refcache_id_of_other_generation_misses(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_obj *obj = refcache_create(&f->rc);
	u32 id, other;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	id = refcache_obj_id(obj);
	/* The same slot, every other generation: names nothing. */
	for (other = id + REFCACHE_SLOTS; other != id; other += REFCACHE_SLOTS) {
		KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, other), -ENOENT);
		KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, other), -ENOENT);
		KUNIT_EXPECT_PTR_EQ(test, refcache_lookup(&f->rc, other),
				    ERR_PTR(-ENOENT));
	}
	KUNIT_EXPECT_EQ(test, refcache_obj_refcount(obj), 1U);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).gets, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).puts, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, id), 0);
}

static void refcache_dying_object_cannot_be_got(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	u32 id = refcache_test_create(test);

	/* The released hook tries get, put and lookup on the dying object. */
	KUNIT_ASSERT_EQ(test, refcache_put_id(&f->rc, id), 0);
	KUNIT_ASSERT_EQ(test, f->nr_released, 1U);
	KUNIT_EXPECT_EQ(test, f->dying_get, -ENOENT);
	KUNIT_EXPECT_EQ(test, f->dying_put, -ENOENT);
	KUNIT_EXPECT_EQ(test, f->dying_lookup, (long)-ENOENT);
	KUNIT_EXPECT_EQ(test, f->nr_released, 1U);
}

static void refcache_max_refs_refuses_get(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	u32 id;

	KUNIT_ASSERT_EQ(test, refcache_set_max_refs(&f->rc, 3), 0);
	id = refcache_test_create(test);
	KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, id), 2);
	KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, id), 3);
	KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, id), -EOVERFLOW);
	KUNIT_EXPECT_PTR_EQ(test, refcache_lookup(&f->rc, id),
			    ERR_PTR(-EOVERFLOW));
	/* The refused gets changed nothing. */
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, id), 2);
	KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, id), 3);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).gets, 3UL);
}

static void refcache_max_refs_one_allows_no_get(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_obj *obj;

	KUNIT_ASSERT_EQ(test, refcache_set_max_refs(&f->rc, 1), 0);
	obj = refcache_create(&f->rc);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, refcache_get(obj), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, refcache_obj_refcount(obj), 1U);
	KUNIT_EXPECT_EQ(test, refcache_put(obj), 0);
}

static void refcache_init_rejects_bad_max_refs(struct kunit *test)
{
	/* A table is too big for the stack: its directory is 16 KiB. */
	struct refcache *rc = kunit_kzalloc(test, sizeof(*rc), GFP_KERNEL);
	struct refcache_params params = {
		.name = "refcache_kunit-bad",
		.obj_size = REFCACHE_KUNIT_OBJ_SIZE,
	};

	KUNIT_ASSERT_NOT_NULL(test, rc);
	params.max_refs = 0;
	KUNIT_EXPECT_EQ(test, refcache_init(rc, &params), -EINVAL);
	params.max_refs = REFCACHE_MAX_REFS_LIMIT + 1;
	KUNIT_EXPECT_EQ(test, refcache_init(rc, &params), -EINVAL);
	params.max_refs = 1;
	params.obj_size = REFCACHE_OBJ_SIZE_MAX + 1;
	KUNIT_EXPECT_EQ(test, refcache_init(rc, &params), -EINVAL);
}

/**
 * refcache_kunit_table() - a table of the tests' own
 * @rc: the table to set up
 * @max_refs: its max_refs
 * @max_objects: its max_objects (0: no limit)
 * @ops: its hooks, or NULL
 * @name: receives the name of its cache (REFCACHE_KUNIT_NAME_LEN bytes), for
 *	refcache_kunit_slub_objects(); or NULL
 *
 * Its cache is named "refcache_kunit-N", N counting up, so that tables of
 * cases running side by side never share a name.
 *
 * Return: what refcache_init() returns.
 */
int refcache_kunit_table(struct refcache *rc, unsigned int max_refs,
			 unsigned int max_objects,
			 const struct refcache_ops *ops, char *name)
{
	static atomic_t seq = ATOMIC_INIT(0);
	char own[REFCACHE_KUNIT_NAME_LEN];
	struct refcache_params params = {
		.name = name ? name : own,
		.obj_size = REFCACHE_KUNIT_OBJ_SIZE,
		.max_refs = max_refs,
		.max_objects = max_objects,
		.ops = ops,
	};

	snprintf(name ? name : own, REFCACHE_KUNIT_NAME_LEN, "refcache_kunit-%d",
		 atomic_inc_return(&seq));
	return refcache_init(rc, &params);
}

static void refcache_fresh_table_counts_ids_up_from_one(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	u32 ids[5];
	unsigned int i;

	refcache_test_stay_on_cpu(test);
	KUNIT_EXPECT_EQ(test, refcache_test_create(test), 1U);
	KUNIT_EXPECT_EQ(test, refcache_test_create(test), 2U);
	KUNIT_ASSERT_EQ(test, refcache_create_batch(&f->rc, 5, ids), 0);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_EQ(test, ids[i], i + 3);
}

static void refcache_batch_create_gives_distinct_ids(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	const unsigned int n = 1000;
	unsigned int i;
	u32 *ids;

	ids = kunit_kcalloc(test, n, sizeof(*ids), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	KUNIT_ASSERT_EQ(test, refcache_create_batch(&f->rc, n, ids), 0);
	for (i = 1; i < n; i++)
		KUNIT_EXPECT_GT(test, ids[i], ids[i - 1]);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, ids[i]), 2);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).live, (long)n);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).peak_live, (long)n);
}

/* Fail allocation number @fail_at of a batch of @n; nothing may survive. */
static void refcache_check_failed_batch(struct kunit *test, unsigned int n,
					unsigned int fail_at)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_stats before, after;
	struct refcache_obj *obj;
	u32 ids[8], pos = 0;

	refcache_stats(&f->rc, &before);
	f->allocs = 0;
	f->fail_at = fail_at;
	KUNIT_EXPECT_EQ(test, refcache_create_batch(&f->rc, n, ids), -ENOMEM);
	f->fail_at = 0;
	refcache_stats(&f->rc, &after);
	KUNIT_EXPECT_EQ(test, after.live, before.live);
	KUNIT_EXPECT_EQ(test, after.created, before.created);
	KUNIT_EXPECT_EQ(test, after.alloc_failures, before.alloc_failures + 1);
	KUNIT_EXPECT_EQ(test, refcache_slab_objects(),
			f->slab_before + before.live);
	/* Every case calls this on an empty table. */
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 0L);
	rcu_read_lock();
	obj = refcache_find_next(&f->rc, &pos);
	rcu_read_unlock();
	KUNIT_EXPECT_NULL(test, obj);
}

static void refcache_batch_create_is_all_or_nothing(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	u32 ids[8];

	refcache_check_failed_batch(test, 8, 1);
	refcache_check_failed_batch(test, 8, 5);
	refcache_check_failed_batch(test, 8, 8);
	refcache_check_failed_batch(test, 1, 1);
	/* With the fault gone the same batch succeeds. */
	KUNIT_EXPECT_EQ(test, refcache_create_batch(&f->rc, 8, ids), 0);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).live, 8L);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 8L);
}

static void refcache_create_fails_cleanly(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;

	f->fail_at = 1;
	KUNIT_EXPECT_PTR_EQ(test, refcache_create(&f->rc), ERR_PTR(-ENOMEM));
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).alloc_failures, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).live, 0L);
	KUNIT_EXPECT_EQ(test, refcache_slab_objects(), f->slab_before);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 0L);
}

static void refcache_batch_create_rejects_bad_count(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	u32 id;

	KUNIT_EXPECT_EQ(test, refcache_create_batch(&f->rc, 0, &id), -EINVAL);
	KUNIT_EXPECT_EQ(test,
			refcache_create_batch(&f->rc, REFCACHE_BATCH_MAX + 1, &id),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, f->allocs, 0U);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).created, 0UL);
}

static int refcache_test_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* Create and at once put one object, @n times; return its ids in @ids. */
static void refcache_test_cycle(struct kunit *test, u32 *ids, unsigned int n)
{
	struct refcache_fixture *f = test->priv;
	unsigned int i;

	for (i = 0; i < n; i++) {
		ids[i] = refcache_test_create(test);
		KUNIT_ASSERT_EQ(test, refcache_put_id(&f->rc, ids[i]), 0);
		if (!(i % 1024))
			cond_resched();
	}
}

/* Create/put cycles: enough for every slot to be used again several times. */
#define REFCACHE_TEST_CYCLES	10000U

static void refcache_ids_are_not_reused_at_once(struct kunit *test)
{
	const unsigned int n = REFCACHE_TEST_CYCLES;
	unsigned int i, again = 0, twice = 0;
	u32 *ids;

	ids = kunit_kcalloc(test, n, sizeof(*ids), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	refcache_test_cycle(test, ids, n);
	for (i = 0; i < n; i++)
		again += ids[i] >= REFCACHE_SLOTS;
	/* Slots were used again (with a new generation): that is the point. */
	KUNIT_EXPECT_GT(test, again, 0U);
	sort(ids, n, sizeof(*ids), refcache_test_cmp_u32, NULL);
	for (i = 1; i < n; i++) {
		if (ids[i] != ids[i - 1])
			continue;
		if (!twice++)
			KUNIT_FAIL(test, "id %u handed out twice in %u create/put cycles",
				   ids[i], n);
	}
	KUNIT_EXPECT_EQ_MSG(test, twice, 0U, "ids handed out more than once");
}

/*
 * README and table.c: a freed slot goes to the back of its CPU's ring, and
 * is handed out again only with more than 1024 later frees behind it
 * (fresh slots are taken before that). So more than 1024 objects are
 * created and put before a freed slot is used again.
 */
static void refcache_freed_slot_waits_behind_others(struct kunit *test)
{
	const unsigned int n = 1024;
	unsigned int i, early = 0;
	u32 first, *ids;

	ids = kunit_kcalloc(test, n, sizeof(*ids), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	refcache_test_cycle(test, &first, 1);
	refcache_test_cycle(test, ids, n);
	for (i = 0; i < n; i++) {
		if ((ids[i] & (REFCACHE_SLOTS - 1)) != (first & (REFCACHE_SLOTS - 1)))
			continue;
		if (!early++)
			KUNIT_FAIL(test, "slot of id %u used again by id %u, %u creates later",
				   first, ids[i], i + 1);
	}
	KUNIT_EXPECT_EQ(test, early, 0U);
}

/* Slots the reuse model below tracks; the table stays far below. */
#define REFCACHE_TEST_MODEL_SLOTS	BIT(15)
#define REFCACHE_TEST_MODEL_LIVE	3000U

/**
 * struct refcache_reuse_model - what the reuse case expects of each slot
 * @last_id: the id its last object had (0: never used)
 * @freed_at: the number of frees before its last free, plus one (0: not
 *	freed since it was last handed out)
 * @live: ids of the objects alive now
 * @nr_live: how many
 * @frees: frees so far
 * @reused: creates that reused a slot
 */
struct refcache_reuse_model {
	u32 last_id[REFCACHE_TEST_MODEL_SLOTS];
	unsigned long freed_at[REFCACHE_TEST_MODEL_SLOTS];
	u32 live[REFCACHE_TEST_MODEL_LIVE];
	unsigned int nr_live;
	unsigned long frees;
	unsigned long reused;
};

/* One create, checked against the model: a slot's next id, after 1024 frees. */
static void refcache_model_create(struct kunit *test,
				  struct refcache_reuse_model *m)
{
	u32 id = refcache_test_create(test), slot = id & (REFCACHE_SLOTS - 1);

	KUNIT_ASSERT_LT(test, slot, REFCACHE_TEST_MODEL_SLOTS);
	if (m->last_id[slot]) {
		KUNIT_ASSERT_NE_MSG(test, m->freed_at[slot], 0UL,
				    "slot %u handed out while object %u lives",
				    slot, m->last_id[slot]);
		KUNIT_ASSERT_GT_MSG(test, m->frees - m->freed_at[slot], 1024UL,
				    "slot %u used again after %lu later frees",
				    slot, m->frees - m->freed_at[slot]);
		/* The next generation of the slot. */
		KUNIT_ASSERT_EQ(test, id, m->last_id[slot] + (u32)REFCACHE_SLOTS);
		m->reused++;
	} else {
		KUNIT_ASSERT_LT(test, id, (u32)REFCACHE_SLOTS);
	}
	m->last_id[slot] = id;
	m->freed_at[slot] = 0;
	m->live[m->nr_live++] = id;
}

/* The final put of the live object at index @i of the model. */
static void refcache_model_put(struct kunit *test,
			       struct refcache_reuse_model *m, unsigned int i)
{
	struct refcache_fixture *f = test->priv;
	u32 id = m->live[i];

	KUNIT_ASSERT_EQ(test, refcache_put_id(&f->rc, id), 0);
	m->freed_at[id & (REFCACHE_SLOTS - 1)] = m->frees + 1;
	m->frees++;
	m->live[i] = m->live[--m->nr_live];
}

/*
 * The reuse promise against a model, on every path a slot takes: straight
 * through a CPU's ring (random creates and puts, few live), and through the
 * shared list (thousands of frees in a row overflow a ring, which passes
 * its oldest on). Every reused slot must have more than 1024 later frees
 * behind it, wherever they happened, and come back one generation on.
 */
static void refcache_reuse_keeps_its_promise_on_every_path(struct kunit *test)
{
	struct refcache_reuse_model *m;
	u32 seed = 0x2545f491;
	unsigned int round, i;

	m = kvzalloc(sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, refcache_kunit_kvfree, m),
			0);
	for (round = 0; round < 4; round++) {
		/* Fill, then drain in random order: 3000 frees in a row. */
		while (m->nr_live < REFCACHE_TEST_MODEL_LIVE)
			refcache_model_create(test, m);
		while (m->nr_live) {
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			refcache_model_put(test, m, seed % m->nr_live);
		}
		/* Then a random walk with at most 64 live. */
		for (i = 0; i < 5000; i++) {
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			if (m->nr_live < 64 && (seed & 1 || !m->nr_live))
				refcache_model_create(test, m);
			else
				refcache_model_put(test, m, (seed >> 1) % m->nr_live);
		}
		cond_resched();
	}
	while (m->nr_live)
		refcache_model_put(test, m, 0);
	kunit_info(test, "%lu frees, %lu creates reused a slot\n", m->frees,
		   m->reused);
	/* Both paths were taken: most creates after the first fill reuse. */
	KUNIT_EXPECT_GT(test, m->reused, m->frees / 2);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).live, 0L);
}

/* A new object in the slot of a dead one: the dead one's id stays dead. */
static void refcache_stale_id_misses_after_its_slot_is_reused(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	const u32 mask = REFCACHE_SLOTS - 1;
	struct refcache_obj *obj;
	u32 old, id = 0, pos, listed;
	unsigned int i;

	refcache_test_stay_on_cpu(test);
	old = refcache_test_create(test);
	KUNIT_ASSERT_EQ(test, refcache_put_id(&f->rc, old), 0);
	for (i = 0; i < REFCACHE_BATCH_MAX; i++) {
		id = refcache_test_create(test);
		if ((id & mask) == (old & mask))
			break;
		KUNIT_ASSERT_EQ(test, refcache_put_id(&f->rc, id), 0);
		if (!(i % 1024))
			cond_resched();
	}
	KUNIT_ASSERT_EQ_MSG(test, id & mask, old & mask,
			    "slot of id %u not used again in %u creates", old, i);
	kunit_info(test, "slot %u used again after %u creates: id %u, then %u\n",
		   old & mask, i + 1, old, id);

	/* The next generation of the slot. */
	KUNIT_EXPECT_EQ(test, id, (u32)(old + REFCACHE_SLOTS));
	KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, old), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, old), -ENOENT);
	KUNIT_EXPECT_PTR_EQ(test, refcache_lookup(&f->rc, old), ERR_PTR(-ENOENT));
	KUNIT_EXPECT_EQ(test, refcache_link(&f->rc, old, id), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_link(&f->rc, id, old), -ENOENT);
	KUNIT_EXPECT_EQ(test, refcache_unlink(&f->rc, old, id), -ENOENT);
	/* The new object took none of that. */
	KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, id), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, id), 1);

	/* Listed at its slot, under its own id. */
	pos = id & mask;
	rcu_read_lock();
	obj = refcache_find_next(&f->rc, &pos);
	listed = obj ? refcache_obj_id(obj) : 0;
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, listed, id);
	KUNIT_EXPECT_EQ(test, pos, id & mask);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).live, 1L);
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, id), 0);
	KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, id), -ENOENT);
}

static void refcache_destroy_reclaims_live_objects(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	const unsigned int n = 5000;
	unsigned int i;
	u32 *ids;

	ids = kunit_kcalloc(test, n, sizeof(*ids), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	KUNIT_ASSERT_EQ(test, refcache_create_batch(&f->rc, n, ids), 0);
	for (i = 0; i < n; i += 2)
		KUNIT_EXPECT_EQ(test, refcache_get_id(&f->rc, ids[i]), 2);
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, ids[1]), 0);
	KUNIT_EXPECT_EQ(test, refcache_slab_objects(), f->slab_before + n - 1);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 4999L);

	KUNIT_EXPECT_EQ(test, refcache_destroy(&f->rc), (unsigned long)n - 1);
	f->destroyed = true;
	/* Every object went back to the slab inside destroy. */
	KUNIT_EXPECT_EQ(test, refcache_slab_objects(), f->slab_before);
	/* Reclaim is not a release: the hook saw only the one final put. */
	KUNIT_EXPECT_EQ(test, f->nr_released, 1U);
}

static void refcache_canary_catches_payload_overwrite(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_obj *obj;
	u8 *payload;

	/* The tests' tables have a payload (REFCACHE_KUNIT_OBJ_SIZE). */
	KUNIT_ASSERT_EQ(test, refcache_obj_size(&f->rc), REFCACHE_KUNIT_OBJ_SIZE);
	obj = refcache_create(&f->rc);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	payload = refcache_obj_payload(obj);
	payload[refcache_obj_size(&f->rc) - 1] ^= 0x5a;
	KUNIT_EXPECT_EQ(test, refcache_put(obj), 0);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).canary_failures, 1UL);
	/* A damaged object is still freed. */
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 0L);
}

static void refcache_canary_quiet_when_untouched(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	u32 ids[64];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, refcache_create_batch(&f->rc, 64, ids), 0);
	for (i = 0; i < 64; i++)
		KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, ids[i]), 0);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).canary_failures, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 0L);
}

/* Payload sizes around every boundary of the canary's code (core.c). */
static const unsigned int refcache_canary_sizes[] = {
	1, 7, 8, 9, 15, 16, 17, 24, 56, 63, 64, 65, 71, 72, 80, 81, 127, 128,
	136, 4096,
};

/* Whether the canary case corrupts byte @i of a payload of @size bytes. */
static bool refcache_canary_probe(unsigned int size, unsigned int i)
{
	return size <= 160 || i < 72 || i + 72 >= size || i == size / 2;
}

/*
 * The canary covers every byte of the payload, whatever its size: one
 * object per probed byte, with that byte flipped, is reported once each;
 * untouched objects never are.
 */
static void refcache_canary_covers_every_byte_of_every_size(struct kunit *test)
{
	struct refcache_stats st;
	struct refcache *rc;
	unsigned int s, i;

	rc = kunit_kzalloc(test, sizeof(*rc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rc);
	for (s = 0; s < ARRAY_SIZE(refcache_canary_sizes); s++) {
		unsigned int size = refcache_canary_sizes[s];
		unsigned long probed = 0;
		char name[REFCACHE_KUNIT_NAME_LEN];
		struct refcache_params params = {
			.name = name,
			.obj_size = size,
			.max_refs = 10,
		};
		struct refcache_obj *obj;

		snprintf(name, sizeof(name), "refcache_kunit_canary-%u", size);
		KUNIT_ASSERT_EQ(test, refcache_init(rc, &params), 0);
		obj = refcache_create(rc);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
		KUNIT_EXPECT_EQ(test, refcache_put(obj), 0);
		for (i = 0; i < size; i++) {
			if (!refcache_canary_probe(size, i))
				continue;
			obj = refcache_create(rc);
			if (IS_ERR(obj))
				break;
			((u8 *)refcache_obj_payload(obj))[i] ^= 0x01;
			KUNIT_EXPECT_EQ(test, refcache_put(obj), 0);
			probed++;
		}
		refcache_stats(rc, &st);
		KUNIT_EXPECT_EQ_MSG(test, st.canary_failures, probed,
				    "payload of %u bytes: %lu bytes flipped", size,
				    probed);
		KUNIT_EXPECT_EQ(test, st.live, 0L);
		KUNIT_EXPECT_EQ(test, refcache_destroy(rc), 0UL);
		cond_resched();
	}
}

static void refcache_find_next_lists_live_in_slot_order(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_obj *obj, *end[2];
	u32 ids[6], seen[6], slot[6], pos = 0;
	unsigned int i, n = 0;

	KUNIT_ASSERT_EQ(test, refcache_create_batch(&f->rc, 6, ids), 0);
	KUNIT_ASSERT_EQ(test, refcache_put_id(&f->rc, ids[1]), 0);
	KUNIT_ASSERT_EQ(test, refcache_put_id(&f->rc, ids[4]), 0);
	rcu_read_lock();
	while (n < ARRAY_SIZE(seen) && (obj = refcache_find_next(&f->rc, &pos))) {
		seen[n] = refcache_obj_id(obj);
		slot[n++] = pos++;
	}
	rcu_read_unlock();
	KUNIT_ASSERT_EQ(test, n, 4U);
	/* The position is the object's slot. */
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, slot[i], seen[i] & (REFCACHE_SLOTS - 1));
	KUNIT_EXPECT_EQ(test, seen[0], ids[0]);
	KUNIT_EXPECT_EQ(test, seen[1], ids[2]);
	KUNIT_EXPECT_EQ(test, seen[2], ids[3]);
	KUNIT_EXPECT_EQ(test, seen[3], ids[5]);
	/* Nothing at or past the last slot. */
	rcu_read_lock();
	pos = REFCACHE_SLOTS - 1;
	end[0] = refcache_find_next(&f->rc, &pos);
	pos = REFCACHE_SLOTS;
	end[1] = refcache_find_next(&f->rc, &pos);
	rcu_read_unlock();
	KUNIT_EXPECT_NULL(test, end[0]);
	KUNIT_EXPECT_NULL(test, end[1]);
}

static void refcache_stats_track_lifecycle(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_stats st;
	u32 ids[10];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, refcache_create_batch(&f->rc, 10, ids), 0);
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, refcache_put_id(&f->rc, ids[i]), 0);
	KUNIT_ASSERT_EQ(test, refcache_get_id(&f->rc, ids[9]), 2);
	refcache_stats(&f->rc, &st);
	KUNIT_EXPECT_EQ(test, st.created, 10UL);
	KUNIT_EXPECT_EQ(test, st.freed, 4UL);
	KUNIT_EXPECT_EQ(test, st.live, 6L);
	KUNIT_EXPECT_EQ(test, st.peak_live, 10L);
	KUNIT_EXPECT_EQ(test, st.gets, 1UL);
	KUNIT_EXPECT_EQ(test, st.puts, 4UL);
	KUNIT_EXPECT_EQ(test, st.max_refs, 1000U);
	KUNIT_EXPECT_EQ(test, st.obj_size, refcache_obj_size(&f->rc));
	KUNIT_EXPECT_GE(test, st.slab_object_size, st.obj_size);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 6L);
}

static void refcache_stats_count_id_table_bytes(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	unsigned long empty;
	u32 ids[2];

	/* Before the first object: the directory alone, 16 KiB. */
	empty = refcache_test_stats(test).id_table_bytes;
	KUNIT_EXPECT_EQ(test, empty, REFCACHE_CHUNKS * sizeof(unsigned long *));
	/* The first object brings in a chunk of slots. */
	KUNIT_ASSERT_EQ(test, refcache_create_batch(&f->rc, 2, ids), 0);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).id_table_bytes,
			empty + REFCACHE_CHUNK_SLOTS * sizeof(unsigned long));
	/* Chunks stay until the table is destroyed. */
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, ids[0]), 0);
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, ids[1]), 0);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).id_table_bytes,
			empty + REFCACHE_CHUNK_SLOTS * sizeof(unsigned long));
}

/*
 * max_objects (refcache_set_max_objects(), struct refcache_params): a
 * create that would take the objects of a table above its limit fails with
 * -ENOMEM, creates nothing, reaches no allocation and counts one
 * alloc_failure. The limit is exact (count.c), so these cases count to it.
 */

/* @n single creates: how many succeeded; the others must fail -ENOMEM. */
static unsigned int refcache_test_create_singles(struct kunit *test,
						 unsigned int n)
{
	struct refcache_fixture *f = test->priv;
	unsigned int i, made = 0;

	for (i = 0; i < n; i++) {
		struct refcache_obj *obj = refcache_create(&f->rc);

		if (IS_ERR(obj))
			KUNIT_EXPECT_PTR_EQ(test, obj, ERR_PTR(-ENOMEM));
		else
			made++;
	}
	return made;
}

static void refcache_max_objects_admits_exactly_the_limit(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_stats st;

	refcache_set_max_objects(&f->rc, 5);
	KUNIT_EXPECT_EQ(test, refcache_test_create_singles(test, 8), 5U);
	refcache_stats(&f->rc, &st);
	KUNIT_EXPECT_EQ(test, st.max_objects, 5U);
	KUNIT_EXPECT_EQ(test, st.live, 5L);
	KUNIT_EXPECT_EQ(test, st.created, 5UL);
	KUNIT_EXPECT_EQ(test, st.alloc_failures, 3UL);
	/* The refused creates never reached the slab. */
	KUNIT_EXPECT_EQ(test, f->allocs, 5U);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 5L);
}

static void refcache_max_objects_admits_batches_that_fit(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_stats st;
	u32 ids[40];

	KUNIT_ASSERT_EQ(test, refcache_create_batch(&f->rc, 40, ids), 0);
	refcache_set_max_objects(&f->rc, 50);
	KUNIT_EXPECT_EQ(test, refcache_create_batch(&f->rc, 5, ids), 0);
	KUNIT_EXPECT_EQ(test, refcache_create_batch(&f->rc, 5, ids), 0);
	KUNIT_EXPECT_PTR_EQ(test, refcache_create(&f->rc), ERR_PTR(-ENOMEM));
	refcache_stats(&f->rc, &st);
	KUNIT_EXPECT_EQ(test, st.live, 50L);
	KUNIT_EXPECT_EQ(test, st.created, 50UL);
	KUNIT_EXPECT_EQ(test, st.alloc_failures, 1UL);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 50L);
}

static void refcache_max_objects_at_init_refuses_whole_batch(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_stats st;
	struct refcache_obj *obj;
	u32 *ids;

	ids = kunit_kcalloc(test, 100, sizeof(*ids), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	/* The fixture's table has no limit: this case's is made with one. */
	refcache_destroy(&f->rc);
	f->destroyed = true;
	KUNIT_ASSERT_EQ(test, refcache_kunit_table(&f->rc, 1000, 100,
						   &refcache_test_ops, f->name), 0);
	f->rc.priv = f;
	f->destroyed = false;
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).max_objects, 100U);

	obj = refcache_create(&f->rc);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	/* 1 + 100 > 100: none of the batch is made. */
	KUNIT_EXPECT_EQ(test, refcache_create_batch(&f->rc, 100, ids), -ENOMEM);
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).live, 1L);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 1L);
	KUNIT_EXPECT_EQ(test, refcache_create_batch(&f->rc, 99, ids), 0);
	KUNIT_EXPECT_PTR_EQ(test, refcache_create(&f->rc), ERR_PTR(-ENOMEM));
	refcache_stats(&f->rc, &st);
	KUNIT_EXPECT_EQ(test, st.live, 100L);
	KUNIT_EXPECT_EQ(test, st.created, 100UL);
	KUNIT_EXPECT_EQ(test, st.alloc_failures, 2UL);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 100L);
}

static void refcache_max_objects_below_live_refuses_until_puts(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_stats st;
	unsigned int i;
	u32 ids[10];

	KUNIT_ASSERT_EQ(test, refcache_create_batch(&f->rc, 10, ids), 0);
	refcache_set_max_objects(&f->rc, 5);
	/* The objects above the limit stay. */
	KUNIT_EXPECT_EQ(test, refcache_test_stats(test).live, 10L);
	KUNIT_EXPECT_PTR_EQ(test, refcache_create(&f->rc), ERR_PTR(-ENOMEM));
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, ids[i]), 0);
	/* 5 live: at the limit, still no room. */
	KUNIT_EXPECT_PTR_EQ(test, refcache_create(&f->rc), ERR_PTR(-ENOMEM));
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, ids[5]), 0);
	/* 4 live: room for one. */
	KUNIT_EXPECT_EQ(test, refcache_test_create_singles(test, 2), 1U);
	refcache_stats(&f->rc, &st);
	KUNIT_EXPECT_EQ(test, st.live, 5L);
	KUNIT_EXPECT_EQ(test, st.created, 11UL);
	KUNIT_EXPECT_EQ(test, st.alloc_failures, 3UL);
	KUNIT_EXPECT_EQ(test, refcache_test_slub(test), 5L);
}

static void refcache_max_objects_zero_lifts_the_limit(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_stats st;
	u32 *ids;

	ids = kunit_kcalloc(test, 100, sizeof(*ids), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	refcache_set_max_objects(&f->rc, 2);
	KUNIT_EXPECT_EQ(test, refcache_test_create_singles(test, 3), 2U);
	refcache_set_max_objects(&f->rc, 0);
	KUNIT_EXPECT_EQ(test, refcache_test_create_singles(test, 1), 1U);
	KUNIT_EXPECT_EQ(test, refcache_create_batch(&f->rc, 100, ids), 0);
	refcache_stats(&f->rc, &st);
	KUNIT_EXPECT_EQ(test, st.max_objects, 0U);
	KUNIT_EXPECT_EQ(test, st.live, 103L);
	KUNIT_EXPECT_EQ(test, st.alloc_failures, 1UL);
}

/*
 * refcache_next_info(): a listing that reads each object once. Positions
 * are slots; the caller asks again at the position it got, plus one.
 */
static void refcache_next_info_lists_live_objects_in_slot_order(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	struct refcache_info info[6];
	u32 ids[6], slot[6], pos = 0;
	unsigned int i, n = 0;
	int ret;

	KUNIT_ASSERT_EQ(test, refcache_create_batch(&f->rc, 6, ids), 0);
	KUNIT_ASSERT_EQ(test, refcache_put_id(&f->rc, ids[1]), 0);
	KUNIT_ASSERT_EQ(test, refcache_put_id(&f->rc, ids[4]), 0);
	KUNIT_ASSERT_EQ(test, refcache_get_id(&f->rc, ids[2]), 2);
	KUNIT_ASSERT_EQ(test, refcache_get_id(&f->rc, ids[2]), 3);
	while (n < ARRAY_SIZE(info) &&
	       !(ret = refcache_next_info(&f->rc, &pos, &info[n], NULL, 0)))
		slot[n++] = pos++;
	KUNIT_ASSERT_EQ(test, n, 4U);
	/* The walk ended because the table did. */
	KUNIT_EXPECT_EQ(test, ret, -ENOENT);
	KUNIT_EXPECT_EQ(test, info[0].id, ids[0]);
	KUNIT_EXPECT_EQ(test, info[1].id, ids[2]);
	KUNIT_EXPECT_EQ(test, info[2].id, ids[3]);
	KUNIT_EXPECT_EQ(test, info[3].id, ids[5]);
	KUNIT_EXPECT_EQ(test, info[0].refcount, 1U);
	KUNIT_EXPECT_EQ(test, info[1].refcount, 3U);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, slot[i], info[i].id & (REFCACHE_SLOTS - 1));
		KUNIT_EXPECT_EQ(test, info[i].nr_links, 0U);
	}
	/* Nothing past the last slot either. */
	pos = REFCACHE_SLOTS;
	KUNIT_EXPECT_EQ(test, refcache_next_info(&f->rc, &pos, &info[0], NULL, 0),
			-ENOENT);
}

/* a -> b, a -> c, a -> a, in that order; returns a's slot. */
static u32 refcache_test_three_links(struct kunit *test, u32 *ids)
{
	struct refcache_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, refcache_create_batch(&f->rc, 3, ids), 0);
	KUNIT_ASSERT_EQ(test, refcache_link(&f->rc, ids[0], ids[1]), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(&f->rc, ids[0], ids[2]), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(&f->rc, ids[0], ids[0]), 2);
	return ids[0] & (REFCACHE_SLOTS - 1);
}

static void refcache_next_info_copies_targets_newest_first(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	u32 ids[3], targets[4] = { 0, 0, 0, 0 }, pos;
	struct refcache_info info;

	pos = refcache_test_three_links(test, ids);
	KUNIT_ASSERT_EQ(test, refcache_next_info(&f->rc, &pos, &info, targets, 4), 0);
	KUNIT_EXPECT_EQ(test, info.id, ids[0]);
	/* Its own reference and its self link. */
	KUNIT_EXPECT_EQ(test, info.refcount, 2U);
	KUNIT_EXPECT_EQ(test, info.nr_links, 3U);
	KUNIT_EXPECT_EQ(test, targets[0], ids[0]);
	KUNIT_EXPECT_EQ(test, targets[1], ids[2]);
	KUNIT_EXPECT_EQ(test, targets[2], ids[1]);
	KUNIT_EXPECT_EQ(test, targets[3], 0U);
}

static void refcache_next_info_counts_links_beyond_max(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	u32 ids[3], targets[3] = { 0, 0, 0 }, slot, pos;
	struct refcache_info info;

	slot = refcache_test_three_links(test, ids);
	pos = slot;
	KUNIT_ASSERT_EQ(test, refcache_next_info(&f->rc, &pos, &info, targets, 2), 0);
	/* The newest two fit; the count is of all three. */
	KUNIT_EXPECT_EQ(test, info.nr_links, 3U);
	KUNIT_EXPECT_EQ(test, targets[0], ids[0]);
	KUNIT_EXPECT_EQ(test, targets[1], ids[2]);
	KUNIT_EXPECT_EQ(test, targets[2], 0U);
	/* No room at all: the count alone. */
	pos = slot;
	KUNIT_ASSERT_EQ(test, refcache_next_info(&f->rc, &pos, &info, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, info.id, ids[0]);
	KUNIT_EXPECT_EQ(test, info.nr_links, 3U);
}

static void refcache_next_info_skips_dying_objects(struct kunit *test)
{
	struct refcache_fixture *f = test->priv;
	u32 ids[3];

	KUNIT_ASSERT_EQ(test, refcache_create_batch(&f->rc, 3, ids), 0);
	/* The released hook lists from the dying object's own slot. */
	f->list_dying = true;
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, ids[1]), 0);
	KUNIT_EXPECT_EQ(test, f->dying_next, 0);
	KUNIT_EXPECT_EQ(test, f->dying_next_id, ids[2]);
	KUNIT_EXPECT_EQ(test, refcache_put_id(&f->rc, ids[2]), 0);
	KUNIT_EXPECT_EQ(test, f->dying_next, -ENOENT);
	f->list_dying = false;
	KUNIT_EXPECT_EQ(test, f->nr_released, 2U);
}

static struct kunit_case refcache_test_cases[] = {
	KUNIT_CASE(refcache_create_gives_refcount_one),
	KUNIT_CASE(refcache_get_put_arithmetic),
	KUNIT_CASE(refcache_pointer_get_put_arithmetic),
	KUNIT_CASE(refcache_final_put_releases_once),
	KUNIT_CASE(refcache_final_put_returns_object_to_slab),
	KUNIT_CASE(refcache_dead_id_get_fails),
	KUNIT_CASE(refcache_dead_id_put_fails),
	KUNIT_CASE(refcache_unknown_id_fails),
	KUNIT_CASE(refcache_id_of_other_generation_misses),
	KUNIT_CASE(refcache_dying_object_cannot_be_got),
	KUNIT_CASE(refcache_max_refs_refuses_get),
	KUNIT_CASE(refcache_max_refs_one_allows_no_get),
	KUNIT_CASE(refcache_init_rejects_bad_max_refs),
	KUNIT_CASE(refcache_fresh_table_counts_ids_up_from_one),
	KUNIT_CASE(refcache_batch_create_gives_distinct_ids),
	KUNIT_CASE(refcache_batch_create_is_all_or_nothing),
	KUNIT_CASE(refcache_create_fails_cleanly),
	KUNIT_CASE(refcache_batch_create_rejects_bad_count),
	KUNIT_CASE(refcache_ids_are_not_reused_at_once),
	KUNIT_CASE(refcache_freed_slot_waits_behind_others),
	KUNIT_CASE(refcache_stale_id_misses_after_its_slot_is_reused),
	KUNIT_CASE(refcache_reuse_keeps_its_promise_on_every_path),
	KUNIT_CASE(refcache_destroy_reclaims_live_objects),
	KUNIT_CASE(refcache_canary_catches_payload_overwrite),
	KUNIT_CASE(refcache_canary_quiet_when_untouched),
	KUNIT_CASE(refcache_canary_covers_every_byte_of_every_size),
	KUNIT_CASE(refcache_find_next_lists_live_in_slot_order),
	KUNIT_CASE(refcache_stats_track_lifecycle),
	KUNIT_CASE(refcache_stats_count_id_table_bytes),
	KUNIT_CASE(refcache_max_objects_admits_exactly_the_limit),
	KUNIT_CASE(refcache_max_objects_admits_batches_that_fit),
	KUNIT_CASE(refcache_max_objects_at_init_refuses_whole_batch),
	KUNIT_CASE(refcache_max_objects_below_live_refuses_until_puts),
	KUNIT_CASE(refcache_max_objects_zero_lifts_the_limit),
	KUNIT_CASE(refcache_next_info_lists_live_objects_in_slot_order),
	KUNIT_CASE(refcache_next_info_copies_targets_newest_first),
	KUNIT_CASE(refcache_next_info_counts_links_beyond_max),
	KUNIT_CASE(refcache_next_info_skips_dying_objects),
	{}
};

static struct kunit_suite refcache_test_suite = {
	.name = "refcache",
	.init = refcache_test_init,
	.exit = refcache_test_exit,
	.test_cases = refcache_test_cases,
};

kunit_test_suite(refcache_test_suite);

MODULE_DESCRIPTION("KUnit tests for refcache");
MODULE_LICENSE("GPL");
