/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache: what the module's own files share and nothing else may use.
 */
#ifndef _REFCACHE_INTERNAL_H
#define _REFCACHE_INTERNAL_H

#include <linux/types.h>

struct refcache;

/* core.c: the slab cache, created once at load, destroyed once at unload. */
int refcache_cache_create(unsigned int obj_size);
void refcache_cache_destroy(void);

/* debugfs.c: the front end over @rc. */
int refcache_debugfs_init(struct refcache *rc);
void refcache_debugfs_exit(void);

#endif /* _REFCACHE_INTERNAL_H */
