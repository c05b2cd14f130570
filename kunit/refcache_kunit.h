/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache KUnit: what the test files share. Each case makes tables of its
 * own (refcache_kunit_table()), and can ask SLUB how many objects of such a
 * table's cache are in use (refcache_kunit_slub_objects()), which is what
 * the memory says, not what refcache counted, or read any other number SLUB
 * shows for a cache (refcache_kunit_slub_value()). Most suites' cases get
 * one table each from a shared fixture (struct refcache_kunit_fixture, in
 * fixture.c), whose .exit checks that every object went back to the slab.
 */
#ifndef _REFCACHE_KUNIT_H
#define _REFCACHE_KUNIT_H

#include <kunit/test.h>
#include <linux/slab.h>

#include "refcache.h"

/* Payload bytes of the tests' objects. */
#define REFCACHE_KUNIT_OBJ_SIZE	64U
/* Room for the name of a test table's cache, "refcache_kunit-N". */
#define REFCACHE_KUNIT_NAME_LEN	32

int refcache_kunit_table(struct refcache *rc, unsigned int max_refs,
			 unsigned int max_objects,
			 const struct refcache_ops *ops, char *name);
long refcache_kunit_slub_attr(const char *cache, const char *attr);
long refcache_kunit_slub_value(struct kunit *test, const char *cache,
			       const char *attr);
long refcache_kunit_slub_read(struct refcache *rc, const char *name);
long refcache_kunit_slub_objects(struct kunit *test, struct refcache *rc,
				 const char *name);

/**
 * struct refcache_kunit_fixture - a case's table, made by .init, checked by .exit
 * @rc: the table
 * @slab_before: refcache_slab_objects() when the case started
 * @name: the name of the table's cache, for refcache_kunit_slub_objects()
 * @made: refcache_kunit_fixture_init() made @rc (.exit runs after a failed
 *	.init too)
 * @destroyed: the case destroyed @rc itself
 *
 * A suite whose cases need more keeps it as the first member of a fixture
 * of its own, so that test->priv points at both: refcache_kunit_rc() and
 * the helpers below work for every suite that uses one.
 */
struct refcache_kunit_fixture {
	struct refcache rc;
	long slab_before;
	char name[REFCACHE_KUNIT_NAME_LEN];
	bool made;
	bool destroyed;
};

void *refcache_kunit_fixture_init(struct kunit *test, size_t size,
				  const struct refcache_ops *ops);
void refcache_kunit_fixture_exit(struct kunit *test);
struct refcache *refcache_kunit_rc(struct kunit *test);
struct refcache_stats refcache_kunit_stats(struct kunit *test);
void refcache_kunit_create(struct kunit *test, unsigned int n, u32 *ids);
long refcache_kunit_slub(struct kunit *test);

/* kvfree() as a KUnit action: kunit_add_action_or_reset(test, this, p). */
static inline void refcache_kunit_kvfree(void *p)
{
	kvfree(p);
}

#endif /* _REFCACHE_KUNIT_H */
