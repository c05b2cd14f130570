/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache: the debugfs front end (debugfs.c), for the module's load and
 * unload (main.c). It drives a table through the public API only.
 */
#ifndef _REFCACHE_DEBUGFS_H
#define _REFCACHE_DEBUGFS_H

struct refcache;

int refcache_debugfs_init(struct refcache *rc);
void refcache_debugfs_exit(void);

#endif /* _REFCACHE_DEBUGFS_H */
