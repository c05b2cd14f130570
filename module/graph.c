// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: references between objects: links, pins and cascading releases.
 *
 * Reference counting frees an object when nothing points at it any more,
 * but objects that point at each other keep each other's counts above zero
 * and leak. refcache counts links (refcache_link()) like any reference and
 * adds a collector for what counting alone cannot free.
 *
 * Counting links. Every object keeps links_in, the links that point at it;
 * its count minus links_in is what outside users (create, get) hold, and an
 * outside put may only drop that part (refcache_ref_put() in core.c). All
 * writes to links_in happen under graph_lock, on objects that cannot die
 * meanwhile (or by the owner of their release).
 *
 * The graph flag. Most objects have no links pointing at them, and their
 * gets and puts should not have to look: REFCACHE_STATE_GRAPH, in the
 * state word, is set while links_in is not 0 or a graph operation pins the
 * object (below). It changes only under graph_lock, and only in the same
 * compare-and-exchange as the count (refcache_graph_pin(),
 * refcache_graph_drop()); gets and puts carry it through unchanged. A put
 * that succeeds on a state without it did so at a moment when no link and
 * no pin held the object; a get without it never waits for the collector.
 *
 * Puts of flagged objects read links_in and the pins without the lock, so
 * the order matters:
 *
 *   taking a reference:   links_in + 1, smp_mb(), count + 1
 *   dropping one:         count - 1, smp_mb(), links_in - 1
 *
 * A lockless reader that reads the count and then links_in can thus only
 * underestimate the outside references, never overestimate them; it then
 * repeats its decision under graph_lock. (A link's target is pinned while
 * links_in goes up, so the flag is set before; the drop that clears it is
 * the one that takes the last link's reference, before links_in goes to 0.)
 *
 * Pins. A graph operation holds the (at most two) objects it works on with
 * a reference of its own, a pin, named in rc->pinned[] before the count
 * goes up (with the flag) and cleared after it went down again, with the
 * same barriers. An outside put of a flagged object refuses (-EBUSY, then
 * repeats under graph_lock) while it is pinned, so that it cannot take the
 * pin's reference for an outside one. A pin changes the object only by a
 * compare-and-exchange that checks its id: the memory may be a new object
 * by then, which its creator is initialising (core.c).
 *
 * Releasing. When an object dies its links are dropped, and each target
 * whose count reaches 0 dies in turn. refcache_release_list() walks that as
 * a work list threaded through the objects (gc_next, a slot number), not by
 * recursion, so the head of a chain of a million objects is released in
 * constant stack.
 *
 * Weak links (refcache_link_weak()) are link nodes on the same list that
 * take no reference: their target's count and links_in do not change, the
 * collector and freezing do not follow them, and a release drops them
 * without touching their target. Their target is live while they exist:
 * a dying object's weak links in are cleared under graph_lock before it
 * leaves its slot (refcache_weak_clear_to(): in refcache_release_list(), in
 * refcache_weak_release() for an object without links, which core.c calls
 * only while the table has weak links, and in gc.c for all garbage before
 * any is released), but those from objects dying too, which go with their
 * source. refcache_follow() reads the link under graph_lock and then gets
 * the target by id, so a follow never reaches a dead object or a slot's
 * next one.
 *
 * Back-links. Every link, counted or weak, is also on the list of links
 * that point at its target's slot (struct refcache_link.in; a head per
 * slot in rc->link_heads, allocated per chunk at its first link), under
 * graph_lock: refcache_referrers() walks it, and so does the clearing of
 * weak links. A stale entry (a weak link from a dying source to a target
 * that died first) names another id than the slot's new object, and every
 * walker compares ids.
 *
 * The collector (gc.c) frees what only links keep alive. It looks only at
 * objects that have links (refcache_gc_linked() when a link is made,
 * refcache_gc_leave() when an object may have lost its last one), marks in
 * slices with graph_lock dropped between them, and its barriers are here:
 * a link shades both its ends, and a pin fails for an object the collector
 * is killing (refcache_gc_doomed()), as a get of it does.
 */
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "refcache.h"
#include "refcache_internal.h"
#include "refcache_trace.h"

/* Under graph_lock: whether a graph operation pins @obj. */
static bool refcache_pinned(struct refcache *rc, struct refcache_obj *obj)
{
	return rc->pinned[0] == obj || rc->pinned[1] == obj;
}

/* The head of the links that point at @slot, or NULL if none ever did. */
static struct hlist_head *refcache_link_head(struct refcache *rc, u32 slot)
{
	struct hlist_head **heads = READ_ONCE(rc->link_heads);
	struct hlist_head *chunk;

	if (!heads)
		return NULL;
	chunk = READ_ONCE(heads[slot >> REFCACHE_CHUNK_BITS]);
	return chunk ? &chunk[slot & (REFCACHE_CHUNK_SLOTS - 1)] : NULL;
}

/*
 * Under graph_lock, before a link to @to is made: the heads of @to's chunk,
 * allocated if this is the chunk's first link. -ENOMEM changes nothing.
 */
static int refcache_link_heads_prepare(struct refcache *rc, u32 to)
{
	unsigned int c = refcache_id_slot(to) >> REFCACHE_CHUNK_BITS;
	struct hlist_head *chunk;

	if (!rc->link_heads) {
		struct hlist_head **heads;

		heads = kvcalloc(REFCACHE_CHUNKS, sizeof(*heads), REFCACHE_GFP);
		if (!heads)
			return -ENOMEM;
		/* Read without the lock by refcache_weak_release(). */
		smp_store_release(&rc->link_heads, heads);
	}
	if (rc->link_heads[c])
		return 0;
	chunk = kvcalloc(REFCACHE_CHUNK_SLOTS, sizeof(*chunk), REFCACHE_GFP);
	if (!chunk)
		return -ENOMEM;
	/* Zeroed heads before they can be seen, as for the array above. */
	smp_store_release(&rc->link_heads[c], chunk);
	return 0;
}

/**
 * refcache_link_heads_free() - free the back-links' heads, with the table
 * @rc: a table whose links are all gone
 */
void refcache_link_heads_free(struct refcache *rc)
{
	unsigned int c;

	if (!rc->link_heads)
		return;
	for (c = 0; c < REFCACHE_CHUNKS; c++)
		kvfree(rc->link_heads[c]);
	kvfree(rc->link_heads);
	rc->link_heads = NULL;
}

/**
 * refcache_has_counted_links() - whether an object holds a counted link
 * @rc: its table
 * @obj: the object; under graph_lock
 *
 * Weak links come after no counted one in particular, so this walks until
 * the first counted link: one step for an object without weak links.
 *
 * Return: true if it holds at least one.
 */
bool refcache_has_counted_links(struct refcache *rc,
				const struct refcache_obj *obj)
{
	const struct refcache_link *link;

	for (link = refcache_links_locked(rc, obj->links); link;
	     link = refcache_links_locked(rc, link->next))
		if (!link->weak)
			return true;
	return false;
}

/*
 * Under graph_lock: take weak @link off its source's list (found at @pp if
 * the caller knows where, else looked for) and off its target's back-links,
 * and free it after a grace period.
 */
static void refcache_weak_remove(struct refcache *rc,
				 struct refcache_link *link,
				 struct refcache_link __rcu **pp)
{
	if (!pp) {
		struct refcache_link *l;

		for (pp = &link->from->links;
		     (l = refcache_links_locked(rc, *pp)) != link;
		     pp = &l->next)
			;
	}
	rcu_assign_pointer(*pp, refcache_links_locked(rc, link->next));
	hlist_del(&link->in);
	WRITE_ONCE(rc->nr_weak, rc->nr_weak - 1);
	kfree_rcu(link, rcu);
}

/**
 * refcache_weak_clear_to() - clear the weak links to a dying object
 * @rc: its table
 * @obj: the object: dead (count 0), still in its slot; under graph_lock
 *
 * Every weak link to @obj from an object that is not dying too is taken
 * off its source, counted in weak_cleared and traced (refcache_weak_clear),
 * before @obj's memory goes back to the slab. Weak links from dying objects
 * go with them (refcache_unlink_all()).
 */
void refcache_weak_clear_to(struct refcache *rc, struct refcache_obj *obj)
{
	u32 id = refcache_state_id(atomic64_read(&obj->state));
	struct hlist_head *head;
	struct refcache_link *link;
	struct hlist_node *tmp;

	lockdep_assert_held(&rc->graph_lock);
	if (!rc->nr_weak)
		return;
	head = refcache_link_head(rc, refcache_id_slot(id));
	if (!head)
		return;
	hlist_for_each_entry_safe(link, tmp, head, in) {
		u32 from;

		if (!link->weak || link->to_id != id ||
		    !refcache_obj_refcount(link->from))
			continue;
		from = refcache_obj_id(link->from);
		refcache_weak_remove(rc, link, NULL);
		WRITE_ONCE(rc->weak_cleared, rc->weak_cleared + 1);
		trace_refcache_weak_clear(from, id);
		if (unlikely(rc->ops && rc->ops->weak_cleared))
			rc->ops->weak_cleared(rc, from, id);
	}
}

/**
 * refcache_weak_release() - before a dead object without links is retired
 * @rc: its table, which has weak links
 * @obj: the object, dead (its final put happened), still in its slot
 *
 * Clears the weak links that point at @obj, if any, under graph_lock. Its
 * count is 0, so no new one can be made meanwhile.
 */
void refcache_weak_release(struct refcache *rc, struct refcache_obj *obj)
{
	struct hlist_head *head = refcache_link_head(rc, refcache_obj_slot(obj));

	/* Made under graph_lock before the pin the final put came after. */
	if (!head || !READ_ONCE(head->first))
		return;
	mutex_lock(&rc->graph_lock);
	refcache_weak_clear_to(rc, obj);
	mutex_unlock(&rc->graph_lock);
}

/*
 * Under graph_lock: take a reference on the pinned object @id that links_in
 * accounts for, unless its count is at @max. The pin keeps the graph flag
 * set. Returns the new count or -errno.
 */
static int refcache_graph_ref(struct refcache_obj *obj, u32 id,
			      unsigned int max)
{
	int ret;

	WRITE_ONCE(obj->links_in, obj->links_in + 1);
	smp_mb();	/* links_in before the count: see the top of the file */
	ret = refcache_ref_get(obj, id, max);
	if (ret < 0)
		WRITE_ONCE(obj->links_in, obj->links_in - 1);
	return ret;
}

/*
 * Under graph_lock: drop a reference that a link or a pin accounts for,
 * clearing the graph flag in the same step unless @keep_flag (a link or
 * another pin still holds @obj), then smp_mb() (see the top of the file).
 * Returns the count after it; at 0 the caller owns the release of @obj.
 */
static unsigned int refcache_graph_drop(struct refcache_obj *obj,
					bool keep_flag)
{
	s64 old = atomic64_read(&obj->state), new;

	do {
		new = old - 1;
		if (!keep_flag)
			new &= ~REFCACHE_STATE_GRAPH;
	} while (!atomic64_try_cmpxchg_release(&obj->state, &old, new));
	/* Orders the release too, as smp_acquire__after_ctrl_dep() would. */
	smp_mb();
	return refcache_state_count(new);
}

/*
 * Under graph_lock: drop a reference that links_in accounts for. Returns
 * the count after it; at 0 the caller owns the release of @obj.
 */
static unsigned int refcache_graph_unref(struct refcache *rc,
					 struct refcache_obj *obj)
{
	unsigned int count;

	count = refcache_graph_drop(obj, obj->links_in > 1 ||
				    refcache_pinned(rc, obj));
	WRITE_ONCE(obj->links_in, obj->links_in - 1);
	refcache_gc_leave(rc, obj);
	return count;
}

/*
 * Take the links of a dead @obj apart, for its release or the table's end:
 * the list is emptied at once, its entries freed after a grace period, for
 * RCU readers still walking it. With @drop, each link's reference on its
 * target is dropped, and targets that die of it are pushed on the work list
 * *@next (slots, through gc_next). A target whose count is 0 already is
 * garbage the collector is releasing (or @obj itself, through a self link):
 * a link holds a reference, so nothing else it points at can be dead, and
 * nothing it points at has been freed yet (refcache_gc_release()).
 */
void refcache_unlink_all(struct refcache *rc, struct refcache_obj *obj,
			 bool drop, u32 *next)
{
	struct refcache_link *link, *tmp;

	link = refcache_links_locked(rc, obj->links);
	RCU_INIT_POINTER(obj->links, NULL);
	for (; link; link = tmp) {
		struct refcache_obj *to = link->to;

		tmp = refcache_links_locked(rc, link->next);
		hlist_del(&link->in);
		if (link->weak) {
			/* Its target may be gone: only the link is touched. */
			WRITE_ONCE(rc->nr_weak, rc->nr_weak - 1);
			kfree_rcu(link, rcu);
			continue;
		}
		WRITE_ONCE(rc->nr_links, rc->nr_links - 1);
		if (drop && refcache_obj_refcount(to) &&
		    !refcache_graph_unref(rc, to)) {
			to->gc_next = *next;
			*next = refcache_obj_slot(to);
		}
		kfree_rcu(link, rcu);
	}
}

/*
 * Under graph_lock: release the dead objects on the work list starting at
 * @obj (linked by slot through gc_next): drop their links' references, add
 * every target that dies of it to the list, and retire them one by one.
 * Objects on the list are dead but still in their slots, and only this
 * function frees them.
 */
void refcache_release_list(struct refcache *rc, struct refcache_obj *obj)
{
	lockdep_assert_held(&rc->graph_lock);
	while (obj) {
		u32 next = obj->gc_next;

		refcache_unlink_all(rc, obj, true, &next);
		refcache_weak_clear_to(rc, obj);
		refcache_gc_leave(rc, obj);
		refcache_retire(obj);
		obj = next ? refcache_table_at(rc, next) : NULL;
		cond_resched();
	}
}

/*
 * Under graph_lock: release @obj, whose count went to 0 under our hands,
 * and whatever dies with it.
 */
static void refcache_graph_release(struct refcache *rc, struct refcache_obj *obj)
{
	/* What it linked to may be garbage now. */
	WRITE_ONCE(rc->gc_dirty, true);
	obj->gc_next = 0;
	refcache_release_list(rc, obj);
}

/* The final put of @obj, which has links, happened; no lock is held. */
void refcache_release_links(struct refcache_obj *obj)
{
	struct refcache *rc = refcache_obj_table(obj);

	mutex_lock(&rc->graph_lock);
	refcache_graph_release(rc, obj);
	mutex_unlock(&rc->graph_lock);
}

/* At the table's end: free the links of @obj without touching their targets. */
void refcache_free_links(struct refcache_obj *obj)
{
	struct refcache *rc = refcache_obj_table(obj);

	mutex_lock(&rc->graph_lock);
	refcache_unlink_all(rc, obj, false, NULL);
	mutex_unlock(&rc->graph_lock);
}

/*
 * Under graph_lock and rcu_read_lock(): find @id and pin it as rc->pinned[@i],
 * setting the graph flag with the count. Returns the object or NULL if it is
 * not live. Pins add at most two to counts that max_refs bounds: never
 * near the flag.
 */
static struct refcache_obj *refcache_graph_pin(struct refcache *rc, u32 id,
					       unsigned int i)
{
	struct refcache_obj *obj = refcache_table_lookup(rc, id);
	s64 old;

	if (!obj)
		return NULL;
	WRITE_ONCE(rc->pinned[i], obj);
	smp_mb();	/* the pin before the count: see the top of the file */
	old = atomic64_read(&obj->state);
	do {
		if (refcache_state_id(old) != id || !refcache_state_count(old) ||
		    refcache_gc_doomed(rc, refcache_id_slot(id))) {
			WRITE_ONCE(rc->pinned[i], NULL);
			return NULL;
		}
	} while (!atomic64_try_cmpxchg_acquire(&obj->state, &old,
					       (old + 1) | REFCACHE_STATE_GRAPH));
	return obj;
}

/* Under graph_lock: drop the pin rc->pinned[@i] on @obj. */
static void refcache_graph_unpin(struct refcache *rc, struct refcache_obj *obj,
				 unsigned int i)
{
	unsigned int count;

	count = refcache_graph_drop(obj, obj->links_in || rc->pinned[!i] == obj);
	WRITE_ONCE(rc->pinned[i], NULL);
	/*
	 * Outside puts of a pinned object wait, but the pin can still be the
	 * last reference: unlink of the last self link of an object nothing
	 * else holds.
	 */
	if (!count)
		refcache_graph_release(rc, obj);
}

/*
 * Under graph_lock: drop a link's reference on @obj and release it if that
 * was its last reference. Returns the count after.
 */
static int refcache_graph_put(struct refcache *rc, struct refcache_obj *obj)
{
	int ret = refcache_graph_unref(rc, obj);

	if (!ret)
		refcache_graph_release(rc, obj);
	return ret;
}

/*
 * Make a link from @from to @to: counted, or @weak. Returns @to's refcount
 * after (without our pins) or -errno; nothing changed on an error.
 */
static int refcache_link_make(struct refcache *rc, u32 from, u32 to, bool weak)
{
	struct refcache_link *link;
	struct refcache_obj *a, *b;
	int ret;

	link = kmalloc(sizeof(*link), REFCACHE_GFP);
	if (!link)
		return -ENOMEM;

	mutex_lock(&rc->graph_lock);
	ret = weak ? 0 : refcache_gc_prepare(rc, from, to);
	if (!ret)
		ret = refcache_link_heads_prepare(rc, to);
	if (ret) {
		mutex_unlock(&rc->graph_lock);
		kfree(link);
		return ret;
	}
	ret = -ENOENT;
	rcu_read_lock();
	a = refcache_graph_pin(rc, from, 0);
	b = a ? refcache_graph_pin(rc, to, 1) : NULL;
	rcu_read_unlock();
	if (b) {
		/* max_refs bounds the count without our pins. */
		unsigned int pins = 1 + (a == b);

		if (weak)
			ret = refcache_obj_refcount(b);
		else
			ret = refcache_graph_ref(b, to, READ_ONCE(rc->max_refs) + pins);
		if (ret > 0) {
			link->to = b;
			link->from = a;
			link->to_id = to;
			link->weak = weak;
			hlist_add_head(&link->in,
				       refcache_link_head(rc, refcache_id_slot(to)));
			RCU_INIT_POINTER(link->next,
					 refcache_links_locked(rc, a->links));
			rcu_assign_pointer(a->links, link);
			if (weak) {
				WRITE_ONCE(rc->nr_weak, rc->nr_weak + 1);
			} else {
				WRITE_ONCE(rc->nr_links, rc->nr_links + 1);
				refcache_gc_linked(rc, a, b);
			}
			link = NULL;
			ret -= pins;
		}
		refcache_graph_unpin(rc, b, 1);
	}
	if (a)
		refcache_graph_unpin(rc, a, 0);
	mutex_unlock(&rc->graph_lock);
	kfree(link);
	if (ret >= 0) {
		trace_refcache_link(from, to, ret);
		if (!weak && unlikely(READ_ONCE(rc->gc_threshold)))
			refcache_gc_note(rc, 1);
	}
	return ret;
}

/**
 * refcache_link() - make object @from hold a reference on object @to
 * @rc: the table
 * @from: the holder
 * @to: the target; may be @from itself, and may be linked several times
 *
 * Return: @to's new refcount, -ENOENT if either is not live, -EOVERFLOW if
 * @to is at max_refs, -ENOMEM.
 */
int refcache_link(struct refcache *rc, u32 from, u32 to)
{
	return refcache_link_make(rc, from, to, false);
}
EXPORT_SYMBOL_GPL(refcache_link);

/**
 * refcache_link_weak() - make object @from refer to object @to, uncounted
 * @rc: the table
 * @from: the source
 * @to: the target; may be @from itself, and may be linked several times
 *
 * @to's count does not change: it dies when its counted references are
 * gone, and then the link is cleared (refcache_weak_clear_to()). Weak links
 * are no edges for the collector. refcache_follow() takes a reference on
 * @to through it while @to lives.
 *
 * Return: @to's refcount (unchanged), -ENOENT if either is not live,
 * -ENOMEM.
 */
int refcache_link_weak(struct refcache *rc, u32 from, u32 to)
{
	return refcache_link_make(rc, from, to, true);
}
EXPORT_SYMBOL_GPL(refcache_link_weak);

/* Drop the newest link, counted or @weak, from @from to @to. */
static int refcache_unlink_one(struct refcache *rc, u32 from, u32 to,
			       bool weak)
{
	struct refcache_link __rcu **pp;
	struct refcache_link *link;
	struct refcache_obj *a;
	int ret = -ENOENT;

	mutex_lock(&rc->graph_lock);
	rcu_read_lock();
	a = refcache_graph_pin(rc, from, 0);
	rcu_read_unlock();
	if (a) {
		for (pp = &a->links; (link = refcache_links_locked(rc, *pp));
		     pp = &link->next) {
			if (link->weak != weak || link->to_id != to)
				continue;
			if (weak) {
				/* A weak link's target is live: it is cleared first. */
				ret = refcache_obj_refcount(link->to) - (link->to == a);
				refcache_weak_remove(rc, link, pp);
				break;
			}
			/* Readers on this link go on to the next one. */
			rcu_assign_pointer(*pp, refcache_links_locked(rc, link->next));
			hlist_del(&link->in);
			WRITE_ONCE(rc->nr_links, rc->nr_links - 1);
			/*
			 * A self link is still pinned: it cannot die here, and
			 * our pin is not part of the count we report.
			 */
			ret = refcache_graph_put(rc, link->to);
			if (link->to == a)
				ret--;
			kfree_rcu(link, rcu);
			refcache_gc_leave(rc, a);
			WRITE_ONCE(rc->gc_dirty, true);
			break;
		}
		refcache_graph_unpin(rc, a, 0);
	}
	mutex_unlock(&rc->graph_lock);
	if (ret >= 0)
		trace_refcache_unlink(from, to, ret);
	return ret;
}

/**
 * refcache_unlink() - drop one link from object @from to object @to
 * @rc: the table
 * @from: the holder
 * @to: the target
 *
 * Drops the newest such link.
 *
 * Return: @to's refcount after (0: it was released, and so was whatever
 * died with it), or -ENOENT if @from is not live or holds no link to @to.
 */
int refcache_unlink(struct refcache *rc, u32 from, u32 to)
{
	return refcache_unlink_one(rc, from, to, false);
}
EXPORT_SYMBOL_GPL(refcache_unlink);

/**
 * refcache_unlink_weak() - drop one weak link from object @from to object @to
 * @rc: the table
 * @from: the source
 * @to: the target
 *
 * Drops the newest such weak link.
 *
 * Return: @to's refcount (unchanged), or -ENOENT if @from is not live or
 * has no weak link to @to (never made, dropped, or cleared as @to died).
 */
int refcache_unlink_weak(struct refcache *rc, u32 from, u32 to)
{
	return refcache_unlink_one(rc, from, to, true);
}
EXPORT_SYMBOL_GPL(refcache_unlink_weak);

/**
 * refcache_follow() - take a reference on an object through a weak link
 * @rc: the table
 * @from: the source of the weak link
 * @to: its target
 *
 * A get-unless-zero of @to by its id (generation included, so a slot used
 * again by another object never answers), if @from is live and has a weak
 * link to @to; the reference is the caller's, an outside one, as a get's.
 * @to may die between the look at the link and the get: the get then
 * fails. May sleep.
 *
 * Return: @to's new refcount, -ENOENT (no such live @from, no such weak
 * link, or @to died), or -EOVERFLOW at max_refs.
 */
int refcache_follow(struct refcache *rc, u32 from, u32 to)
{
	struct refcache_link *link;
	struct refcache_obj *a;
	bool found = false;
	s64 state;

	mutex_lock(&rc->graph_lock);
	rcu_read_lock();
	a = refcache_table_lookup(rc, from);
	state = a ? atomic64_read(&a->state) : 0;
	if (a && refcache_state_id(state) == from && refcache_state_count(state))
		for (link = refcache_links_locked(rc, a->links); link;
		     link = refcache_links_locked(rc, link->next))
			if (link->weak && link->to_id == to) {
				found = true;
				break;
			}
	rcu_read_unlock();
	mutex_unlock(&rc->graph_lock);
	return found ? refcache_get_id(rc, to) : -ENOENT;
}
EXPORT_SYMBOL_GPL(refcache_follow);

static int refcache_referrer_cmp(const void *x, const void *y)
{
	const struct refcache_referrer *a = x, *b = y;

	return a->id < b->id ? -1 : a->id > b->id;
}

/**
 * refcache_referrers() - the objects that link to an object
 * @rc: the table
 * @id: the object
 * @out: receives the first min(return, @max) referrers, by id: each with
 *	its counted and its weak links to @id
 * @max: room in @out
 *
 * Walks @id's back-links (struct refcache_link.in) under graph_lock: the
 * cost is the links that point at @id, not the table's size. May sleep.
 *
 * Return: how many objects link to @id, or -ENOENT if it is not live, or
 * -ENOMEM.
 */
long refcache_referrers(struct refcache *rc, u32 id,
			struct refcache_referrer *out, unsigned int max)
{
	struct refcache_referrer *all = NULL;
	struct refcache_link *link;
	struct hlist_head *head;
	struct refcache_obj *obj;
	unsigned long n = 0, i, k;
	long ret = -ENOENT;
	s64 state;

	mutex_lock(&rc->graph_lock);
	rcu_read_lock();
	obj = refcache_table_lookup(rc, id);
	state = obj ? atomic64_read(&obj->state) : 0;
	rcu_read_unlock();
	if (!obj || refcache_state_id(state) != id || !refcache_state_count(state))
		goto unlock;
	head = refcache_link_head(rc, refcache_id_slot(id));
	if (head)
		hlist_for_each_entry(link, head, in)
			n += link->to_id == id;
	ret = 0;
	if (!n)
		goto unlock;
	all = kvmalloc_array(n, sizeof(*all), REFCACHE_GFP);
	ret = -ENOMEM;
	if (!all)
		goto unlock;
	i = 0;
	hlist_for_each_entry(link, head, in) {
		if (link->to_id != id)
			continue;
		all[i].id = refcache_obj_id(link->from);
		all[i].links = !link->weak;
		all[i].weak = link->weak;
		i++;
	}
	sort(all, n, sizeof(*all), refcache_referrer_cmp, NULL);
	/* One entry per referrer. */
	for (i = 0, k = 0; i < n; i++) {
		if (k && all[k - 1].id == all[i].id) {
			all[k - 1].links += all[i].links;
			all[k - 1].weak += all[i].weak;
		} else {
			all[k++] = all[i];
		}
	}
	memcpy(out, all, min_t(unsigned long, k, max) * sizeof(*out));
	ret = k;
unlock:
	mutex_unlock(&rc->graph_lock);
	kvfree(all);
	return ret;
}
EXPORT_SYMBOL_GPL(refcache_referrers);

/**
 * refcache_obj_links() - the targets of an object's links
 * @obj: the object; call under rcu_read_lock()
 * @ids: receives up to @max target ids, newest link first
 * @max: room in @ids
 *
 * Return: the number of links @obj holds (which may exceed @max).
 */
unsigned int refcache_obj_links(const struct refcache_obj *obj, u32 *ids,
				unsigned int max)
{
	struct refcache_link *link;
	unsigned int n = 0;

	for (link = rcu_dereference(obj->links); link;
	     link = rcu_dereference(link->next)) {
		if (link->weak)
			continue;
		if (n < max)
			ids[n] = link->to_id;
		n++;
	}
	return n;
}
EXPORT_SYMBOL_GPL(refcache_obj_links);

/**
 * refcache_obj_weak_links() - the targets of an object's weak links
 * @obj: the object; call under rcu_read_lock()
 * @ids: receives up to @max target ids, newest link first
 * @max: room in @ids
 *
 * Return: the number of weak links @obj holds (which may exceed @max).
 */
unsigned int refcache_obj_weak_links(const struct refcache_obj *obj, u32 *ids,
				     unsigned int max)
{
	struct refcache_link *link;
	unsigned int n = 0;

	for (link = rcu_dereference(obj->links); link;
	     link = rcu_dereference(link->next)) {
		if (!link->weak)
			continue;
		if (n < max)
			ids[n] = link->to_id;
		n++;
	}
	return n;
}
EXPORT_SYMBOL_GPL(refcache_obj_weak_links);

/**
 * refcache_next_outside() - the first object at or after a position that
 *	outside users hold
 * @rc: the table
 * @pos: as for refcache_find_next(): where to start, set to the object's
 *	position
 * @id: receives its id
 * @refs: receives its outside references: its count less the links that
 *	point at it
 *
 * The two are read together: an object without the graph flag has neither
 * links to it nor pins, so its count is all outside; one with the flag is
 * read again under graph_lock, where links_in is exact and no graph
 * operation holds a pin. The object may change right after. May sleep.
 *
 * Return: 0, or -ENOENT when no live object at or after *@pos has outside
 * references.
 */
int refcache_next_outside(struct refcache *rc, u32 *pos, u32 *id,
			  unsigned int *refs)
{
	u32 slot = *pos;

	for (;; slot++) {
		struct refcache_obj *obj;
		unsigned int count;
		s64 state;

		rcu_read_lock();
		obj = refcache_find_next(rc, &slot);
		state = obj ? atomic64_read(&obj->state) : 0;
		rcu_read_unlock();
		if (!obj)
			return -ENOENT;
		count = refcache_state_count(state);
		if (count && refcache_state_graph(state)) {
			u32 want = refcache_state_id(state);

			mutex_lock(&rc->graph_lock);
			rcu_read_lock();
			obj = refcache_table_at(rc, slot);
			state = obj ? atomic64_read(&obj->state) : 0;
			count = 0;
			if (obj && refcache_state_id(state) == want &&
			    refcache_state_count(state))
				count = refcache_state_count(state) -
					READ_ONCE(obj->links_in);
			rcu_read_unlock();
			mutex_unlock(&rc->graph_lock);
		}
		if (count) {
			*id = refcache_state_id(state);
			*refs = count;
			*pos = slot;
			return 0;
		}
		cond_resched();
	}
}
EXPORT_SYMBOL_GPL(refcache_next_outside);

void refcache_graph_init(struct refcache *rc)
{
	mutex_init(&rc->graph_lock);
	rc->pinned[0] = NULL;
	rc->pinned[1] = NULL;
	rc->nr_links = 0;
	rc->nr_weak = 0;
	rc->weak_cleared = 0;
	rc->link_heads = NULL;
	refcache_gc_init(rc);
}

/* Before the table goes: no collection may be pending or running. */
void refcache_graph_destroy(struct refcache *rc)
{
	refcache_gc_destroy(rc);
}
