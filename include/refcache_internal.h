/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache: what the module's own files share and nothing else may use.
 */
#ifndef _REFCACHE_INTERNAL_H
#define _REFCACHE_INTERNAL_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

struct refcache;

/* The collector's marks, in refcache_obj.gc_state. */
enum refcache_gc_state {
	REFCACHE_GC_REACHABLE,	/* default: never collected */
	REFCACHE_GC_UNKNOWN,	/* during a run: not (yet) seen reachable */
	REFCACHE_GC_GARBAGE,	/* being collected: its count was set to 0 */
};

/**
 * struct refcache_obj - one counted object
 * @ref: the reference count: outside references plus @links_in. Changed
 *	only by the helpers in core.c and graph.c, which never move it away
 *	from 0.
 * @id: its key in @rc->ids; set before publication, never changed.
 * @links_in: links that point here. Written under rc->graph_lock, read
 *	locklessly by puts (with the ordering described in graph.c): a put of
 *	an outside reference is refused while @ref <= @links_in.
 * @gc_state: the collector's mark; under rc->graph_lock.
 * @rc: the table it lives in; set before publication, never changed.
 * @links: outgoing links (struct refcache_link.node). An RCU list: writers
 *	hold rc->graph_lock, readers rcu_read_lock(). Once @ref is 0 it does
 *	not change any more, and its entries are freed with the object.
 * @gc_next: work list of the collector and of cascading releases; under
 *	rc->graph_lock.
 * @rcu: for the deferred return to the slab.
 * @payload: refcache_obj_size() bytes, a pattern derived from @id.
 */
struct refcache_obj {
	struct kref ref;
	u32 id;
	unsigned int links_in;
	enum refcache_gc_state gc_state;
	struct refcache *rc;
	struct list_head links;
	struct refcache_obj *gc_next;
	struct rcu_head rcu;
	u8 payload[];
};

/**
 * struct refcache_link - one counted reference from an object to another
 * @node: in the source object's @links
 * @to: the target; holds one of its references
 * @rcu: links are freed after a grace period, for RCU readers of @links
 */
struct refcache_link {
	struct list_head node;
	struct refcache_obj *to;
	struct rcu_head rcu;
};

/* core.c: the slab cache, created once at load, destroyed once at unload. */
int refcache_cache_create(unsigned int obj_size);
void refcache_cache_destroy(void);

/* core.c, for graph.c */
int refcache_ref_get(struct refcache_obj *obj, unsigned int max);
void refcache_retire(struct refcache_obj *obj);
void refcache_unpublish(struct refcache_obj *obj);
void refcache_free_list(struct refcache_obj *list);

/* graph.c, for core.c */
int refcache_graph_init(struct refcache *rc);
void refcache_graph_destroy(struct refcache *rc);
void refcache_release_links(struct refcache_obj *obj);
void refcache_gc_note_created(struct refcache *rc, unsigned int n);

/* debugfs.c: the front end over @rc. */
int refcache_debugfs_init(struct refcache *rc);
void refcache_debugfs_exit(void);

#endif /* _REFCACHE_INTERNAL_H */
