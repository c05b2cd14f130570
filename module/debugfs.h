/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache: the debugfs front end (debugfs.c), for the module's load and
 * unload (main.c). It drives a table through the public API only, its
 * outside references through the table's holders (refcache_holders.h).
 */
#ifndef _REFCACHE_DEBUGFS_H
#define _REFCACHE_DEBUGFS_H

struct dentry;
struct refcache;
struct refcache_holders;
struct seq_file;

int refcache_debugfs_init(struct refcache_holders *hs);
void refcache_debugfs_exit(void);

/* debugfs_slabs.c: the where and slabs views, and stats' class lines */
void refcache_debugfs_slabs_init(struct dentry *dir, struct refcache *rc);
void refcache_debugfs_classes(struct seq_file *m, struct refcache *rc);

#endif /* _REFCACHE_DEBUGFS_H */
