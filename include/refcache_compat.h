/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache: the differences between the kernels it builds against (6.1 and
 * 6.12), all in one place.
 */
#ifndef _REFCACHE_COMPAT_H
#define _REFCACHE_COMPAT_H

#include <linux/slab.h>

/*
 * SLAB_NO_MERGE arrived in 6.5. The tables' caches do not need it (SLUB never
 * merges a SLAB_TYPESAFE_BY_RCU cache); the benchmark's baseline cache
 * does, so that its slab is its own. Before 6.5 SLUB may merge that one
 * with another cache of the same size.
 */
#ifdef SLAB_NO_MERGE
#define REFCACHE_SLAB_NO_MERGE	SLAB_NO_MERGE
#else
#define REFCACHE_SLAB_NO_MERGE	0
#endif

#endif /* _REFCACHE_COMPAT_H */
