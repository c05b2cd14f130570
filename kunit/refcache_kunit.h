/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache KUnit: what the test files share. Each case makes tables of its
 * own (refcache_kunit_table()), and can ask SLUB how many objects of such a
 * table's cache are in use (refcache_kunit_slub_objects()), which is what
 * the memory says, not what refcache counted, or read any other number SLUB
 * shows for a cache (refcache_kunit_slub_value()).
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

/* kvfree() as a KUnit action: kunit_add_action_or_reset(test, this, p). */
static inline void refcache_kunit_kvfree(void *p)
{
	kvfree(p);
}

#endif /* _REFCACHE_KUNIT_H */
