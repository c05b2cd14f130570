/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache KUnit: what the test files share.
 */
#ifndef _REFCACHE_KUNIT_H
#define _REFCACHE_KUNIT_H

#include "refcache.h"

/* Payload bytes of the tests' objects. */
#define REFCACHE_KUNIT_OBJ_SIZE	64

int refcache_kunit_table(struct refcache *rc, unsigned int max_refs,
			 const struct refcache_ops *ops);

#endif /* _REFCACHE_KUNIT_H */
