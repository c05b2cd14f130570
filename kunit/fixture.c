// SPDX-License-Identifier: GPL-2.0
/*
 * refcache KUnit: the fixture most suites share. Each case gets a table of
 * its own from .init (refcache_kunit_fixture_init()), and .exit
 * (refcache_kunit_fixture_exit()) destroys it, unless the case did, and
 * checks that refcache_slab_objects() is back where it was when the case
 * started: whatever the case did, every object it made went back to the
 * slab. A suite that needs more state keeps struct refcache_kunit_fixture
 * as the first member of its own fixture.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "refcache.h"
#include "refcache_kunit.h"

/**
 * refcache_kunit_fixture_init() - .init's work: a fixture and its table
 * @test: the case
 * @size: the size of the suite's fixture, whose first member is a
 *	struct refcache_kunit_fixture
 * @ops: the table's hooks, or NULL
 *
 * Allocates the fixture zeroed, for the life of the case, and points
 * test->priv and the table's priv at it. Waits for deferred frees first
 * (refcache_quiesce()), so that the slab count it keeps is exact. The table
 * allows 1,000 references per object and any number of objects. Fails the
 * case if either allocation fails; .exit copes with that.
 *
 * Return: the fixture.
 */
void *refcache_kunit_fixture_init(struct kunit *test, size_t size,
				  const struct refcache_ops *ops)
{
	struct refcache_kunit_fixture *fx;
	int err;

	fx = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fx);
	test->priv = fx;
	refcache_quiesce();
	fx->slab_before = refcache_slab_objects();
	err = refcache_kunit_table(&fx->rc, 1000, 0, ops, fx->name);
	KUNIT_ASSERT_EQ(test, err, 0);
	fx->rc.priv = fx;
	fx->made = true;
	return fx;
}

/**
 * refcache_kunit_fixture_exit() - .exit's work: destroy the table, check the slab
 * @test: the case, whose test->priv refcache_kunit_fixture_init() set, or
 *	NULL if it failed to allocate
 *
 * Destroys the table unless .init failed to make it or the case destroyed
 * it itself (@destroyed); destroy must also reclaim objects that still
 * hold links. Then expects refcache_slab_objects() to be what it was before
 * the case.
 */
void refcache_kunit_fixture_exit(struct kunit *test)
{
	struct refcache_kunit_fixture *fx = test->priv;

	if (!fx || !fx->made)
		return;
	if (!fx->destroyed)
		refcache_destroy(&fx->rc);
	KUNIT_EXPECT_EQ(test, refcache_slab_objects(), fx->slab_before);
}

/**
 * refcache_kunit_rc() - the case's table
 * @test: the case
 *
 * Return: the table refcache_kunit_fixture_init() made.
 */
struct refcache *refcache_kunit_rc(struct kunit *test)
{
	struct refcache_kunit_fixture *fx = test->priv;

	return &fx->rc;
}

/**
 * refcache_kunit_stats() - the case's table's counters
 * @test: the case
 *
 * Return: a snapshot of them (refcache_stats()).
 */
struct refcache_stats refcache_kunit_stats(struct kunit *test)
{
	struct refcache_stats st;

	refcache_stats(refcache_kunit_rc(test), &st);
	return st;
}

/**
 * refcache_kunit_create() - objects in the case's table, or fail the case
 * @test: the case
 * @n: how many
 * @ids: where their ids go, @n of them
 *
 * Each new object holds one outside reference, the create's.
 */
void refcache_kunit_create(struct kunit *test, unsigned int n, u32 *ids)
{
	KUNIT_ASSERT_EQ(test, refcache_create_batch(refcache_kunit_rc(test), n,
						    ids), 0);
}

/**
 * refcache_kunit_slub() - SLUB's count of the objects in use in the case's table
 * @test: the case
 *
 * Return: refcache_kunit_slub_objects() of the table's cache.
 */
long refcache_kunit_slub(struct kunit *test)
{
	struct refcache_kunit_fixture *fx = test->priv;

	return refcache_kunit_slub_objects(test, &fx->rc, fx->name);
}
