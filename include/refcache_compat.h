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
 * does, so that its slab is its own, and so does the holders' cache of
 * holds, so that failslab can aim at it alone. Before 6.5 SLUB may merge
 * those with another cache of the same size.
 */
#ifdef SLAB_NO_MERGE
#define REFCACHE_SLAB_NO_MERGE	SLAB_NO_MERGE
#else
#define REFCACHE_SLAB_NO_MERGE	0
#endif

/*
 * refcache_cache_create() - a SLAB_TYPESAFE_BY_RCU cache of @size-byte
 * objects whose free pointer SLUB may keep at @freeptr_offset. 6.12 can do
 * that (struct kmem_cache_args, which came with kmem_cache_create() turning
 * into a macro); earlier kernels put it after the object, which costs a
 * word per object.
 */
#ifdef kmem_cache_create
static inline struct kmem_cache *
refcache_cache_create(const char *name, unsigned int size,
		      unsigned int freeptr_offset)
{
	struct kmem_cache_args args = {
		.freeptr_offset = freeptr_offset,
		.use_freeptr_offset = true,
	};

	return kmem_cache_create(name, size, &args, SLAB_TYPESAFE_BY_RCU);
}
#else
static inline struct kmem_cache *
refcache_cache_create(const char *name, unsigned int size,
		      unsigned int freeptr_offset)
{
	return kmem_cache_create(name, size, 0, SLAB_TYPESAFE_BY_RCU, NULL);
}
#endif

#endif /* _REFCACHE_COMPAT_H */
