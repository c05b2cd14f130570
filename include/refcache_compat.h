/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache: the differences between the kernels it builds against (6.1 and
 * 6.12), all in one place.
 */
#ifndef _REFCACHE_COMPAT_H
#define _REFCACHE_COMPAT_H

#include <linux/slab.h>

/*
 * SLAB_NO_MERGE arrived in 6.5. Without it SLUB may merge refcache_obj into
 * another cache of the same size, and /sys/kernel/slab/refcache_obj is then
 * a link to the merged cache: its counts include other users' objects. On
 * such kernels boot with "slab_nomerge" to get a cache of its own.
 */
#ifdef SLAB_NO_MERGE
#define REFCACHE_SLAB_NO_MERGE	SLAB_NO_MERGE
#else
#define REFCACHE_SLAB_NO_MERGE	0
#endif

#endif /* _REFCACHE_COMPAT_H */
