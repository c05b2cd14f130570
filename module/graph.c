// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: references between objects, and the cycle collector.
 *
 * Reference counting frees an object when nothing points at it any more,
 * but objects that point at each other keep each other's counts above zero
 * and leak. refcache counts links (refcache_link()) like any reference and
 * adds a collector for what counting alone cannot free.
 *
 * Counting links. Every object keeps links_in, the links that point at it;
 * its count minus links_in is what outside users (create, get) hold, and an
 * outside put may only drop that part (refcache_ref_put() in core.c). Graph
 * operations also pin the objects they work on by raising links_in and the
 * count together, so that no outside put can take those references either.
 * All writes to links_in happen under graph_lock. Puts read it without the
 * lock, so the order matters:
 *
 *   taking a reference:   links_in + 1, smp_mb(), count + 1
 *   dropping one:         count - 1, smp_mb(), links_in - 1
 *
 * A lockless reader that reads the count and then links_in can thus only
 * underestimate the outside references, never overestimate them; it then
 * repeats its decision under graph_lock.
 *
 * Releasing. When an object dies its links are dropped, and each target
 * whose count reaches 0 dies in turn. refcache_release_list() walks that as
 * a work list threaded through the objects (gc_next), not by recursion, so
 * the head of a chain of a million objects is released in constant stack.
 *
 * The collector (refcache_gc()) is the reachability half of CPython's
 * cycle collector (Python/gc.c), made simpler by links_in: CPython has to
 * subtract internal references from each count to find the outside ones
 * ("gc_refs"); here count - links_in already is that number. So:
 *
 *   1. roots: objects with outside references (count > links_in), and dying
 *      objects whose links are still to be dropped;
 *   2. mark everything reachable from a root through links (a depth-first
 *      walk with an explicit stack, gc_next);
 *   3. whatever is left unmarked is garbage: only links from other garbage
 *      hold it. Its counts are set to 0 (nothing can get it: see below) and
 *      it is released like any dead object; links from garbage to survivors
 *      are dropped normally.
 *
 * Each step visits every object once and every link at most once: the cost
 * is linear in objects plus links. Steps 1 to 3 need a graph that holds
 * still: graph_lock stops links and unlinks, and gc_sem, held for writing,
 * stops outside gets and puts (and the release of objects without links,
 * which happens inside a gc_sem read section). That is the pause the
 * collector imposes, measured in gc_last_pause_ns; the release of the
 * garbage happens after gc_sem is dropped, since nothing can reach it.
 * Creates go on throughout: a new object has an outside reference and
 * starts out marked reachable, and nothing can link to it before the run
 * ends.
 */
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/percpu-rwsem.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "refcache.h"
#include "refcache_internal.h"
#include "refcache_trace.h"

#define REFCACHE_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/*
 * Under graph_lock: take a reference on @obj that links_in accounts for,
 * unless it is dead or its count is at @max. Returns the new count or
 * -errno.
 */
static int refcache_graph_ref(struct refcache_obj *obj, unsigned int max)
{
	int ret;

	WRITE_ONCE(obj->links_in, obj->links_in + 1);
	smp_mb();	/* links_in before the count: see the top of the file */
	ret = refcache_ref_get(obj, max);
	if (ret < 0)
		WRITE_ONCE(obj->links_in, obj->links_in - 1);
	return ret;
}

/*
 * Under graph_lock: drop a reference that links_in accounts for. Returns
 * the count after it; at 0 the caller owns the release of @obj.
 */
static int refcache_graph_unref(struct refcache_obj *obj)
{
	bool last;
	int old;

	last = __refcount_dec_and_test(&obj->ref.refcount, &old);
	smp_mb();	/* the count before links_in: see the top of the file */
	WRITE_ONCE(obj->links_in, obj->links_in - 1);
	return last ? 0 : old - 1;
}

/*
 * Under graph_lock: release the dead objects on the work list starting at
 * @obj (linked through gc_next): drop their links' references, add every
 * target that dies of it to the list, retire them, and free them all in one
 * batch. A dead object keeps its link list as it is, for RCU readers; the
 * entries go with the object. Garbage the collector is releasing is dead
 * already: references to it are not dropped.
 */
static void refcache_release_list(struct refcache *rc, struct refcache_obj *obj)
{
	struct refcache_obj *dead = NULL;

	lockdep_assert_held(&rc->graph_lock);
	while (obj) {
		struct refcache_obj *next = obj->gc_next;
		struct refcache_link *link;

		list_for_each_entry(link, &obj->links, node) {
			struct refcache_obj *to = link->to;

			WRITE_ONCE(rc->nr_links, rc->nr_links - 1);
			if (to->gc_state == REFCACHE_GC_GARBAGE)
				continue;
			if (!refcache_graph_unref(to)) {
				to->gc_next = next;
				next = to;
			}
		}
		refcache_retire(obj);
		obj->gc_next = dead;
		dead = obj;
		obj = next;
		cond_resched();
	}
	refcache_free_list(dead);
}

/* The final put of @obj, which has links, happened; no lock is held. */
void refcache_release_links(struct refcache_obj *obj)
{
	struct refcache *rc = obj->rc;

	mutex_lock(&rc->graph_lock);
	obj->gc_next = NULL;
	refcache_release_list(rc, obj);
	mutex_unlock(&rc->graph_lock);
}

/*
 * Under graph_lock and rcu_read_lock(): find @id and pin it. Returns the
 * object or NULL if it is not live.
 */
static struct refcache_obj *refcache_graph_pin(struct refcache *rc, u32 id)
{
	struct refcache_obj *obj = xa_load(&rc->ids, id);

	if (obj && refcache_graph_ref(obj, INT_MAX) < 0)
		obj = NULL;
	return obj;
}

/*
 * Under graph_lock: drop a pin, or a link's reference, and release the
 * object if that was its last reference.
 */
static int refcache_graph_put(struct refcache *rc, struct refcache_obj *obj)
{
	int ret = refcache_graph_unref(obj);

	if (!ret) {
		obj->gc_next = NULL;
		refcache_release_list(rc, obj);
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
	struct refcache_link *link;
	struct refcache_obj *a, *b;
	int ret = -ENOENT;

	link = kmalloc(sizeof(*link), REFCACHE_GFP);
	if (!link)
		return -ENOMEM;

	mutex_lock(&rc->graph_lock);
	rcu_read_lock();
	a = refcache_graph_pin(rc, from);
	b = a ? refcache_graph_pin(rc, to) : NULL;
	rcu_read_unlock();
	if (b) {
		/* max_refs bounds the count without our pins. */
		unsigned int pins = 1 + (a == b);

		ret = refcache_graph_ref(b, READ_ONCE(rc->max_refs) + pins);
		if (ret > 0) {
			link->to = b;
			list_add_tail_rcu(&link->node, &a->links);
			WRITE_ONCE(rc->nr_links, rc->nr_links + 1);
			link = NULL;
			ret -= pins;
		}
		refcache_graph_put(rc, b);
	}
	if (a)
		refcache_graph_put(rc, a);
	mutex_unlock(&rc->graph_lock);
	kfree(link);
	if (ret >= 0)
		trace_refcache_link(from, to, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(refcache_link);

/**
 * refcache_unlink() - drop one link from object @from to object @to
 * @rc: the table
 * @from: the holder
 * @to: the target
 *
 * Return: @to's refcount after (0: it was released, and so was whatever
 * died with it), or -ENOENT if @from is not live or holds no link to @to.
 */
int refcache_unlink(struct refcache *rc, u32 from, u32 to)
{
	struct refcache_link *link;
	struct refcache_obj *a;
	int ret = -ENOENT;

	mutex_lock(&rc->graph_lock);
	rcu_read_lock();
	a = refcache_graph_pin(rc, from);
	rcu_read_unlock();
	if (a) {
		list_for_each_entry(link, &a->links, node) {
			if (link->to->id != to)
				continue;
			list_del_rcu(&link->node);
			WRITE_ONCE(rc->nr_links, rc->nr_links - 1);
			/*
			 * A self link is still pinned: it cannot die here, and
			 * our pin is not part of the count we report.
			 */
			ret = refcache_graph_put(rc, link->to);
			if (link->to == a)
				ret--;
			kfree_rcu(link, rcu);
			break;
		}
		refcache_graph_put(rc, a);
	}
	mutex_unlock(&rc->graph_lock);
	if (ret >= 0)
		trace_refcache_unlink(from, to, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(refcache_unlink);

/**
 * refcache_obj_links() - the targets of an object's links
 * @obj: the object; call under rcu_read_lock()
 * @ids: receives up to @max target ids, in the order the links were made
 * @max: room in @ids
 *
 * Return: the number of links @obj holds (which may exceed @max).
 */
unsigned int refcache_obj_links(const struct refcache_obj *obj, u32 *ids,
				unsigned int max)
{
	struct refcache_link *link;
	unsigned int n = 0;

	list_for_each_entry_rcu(link, &obj->links, node) {
		if (n < max)
			ids[n] = READ_ONCE(link->to->id);
		n++;
	}
	return n;
}
EXPORT_SYMBOL_GPL(refcache_obj_links);

/* Steps 1 and 2: mark what outside references can reach. */
static void refcache_gc_mark(struct refcache *rc)
{
	struct refcache_obj *obj, *stack = NULL;
	unsigned long index;

	xa_for_each(&rc->ids, index, obj) {
		unsigned int refs = refcount_read(&obj->ref.refcount);

		if (refs > obj->links_in || (!refs && !list_empty(&obj->links))) {
			obj->gc_state = REFCACHE_GC_REACHABLE;
			obj->gc_next = stack;
			stack = obj;
		} else {
			/* Dead without links is not ours: it is on its way out. */
			obj->gc_state = refs ? REFCACHE_GC_UNKNOWN :
					       REFCACHE_GC_REACHABLE;
		}
		cond_resched();
	}
	while (stack) {
		struct refcache_link *link;

		obj = stack;
		stack = obj->gc_next;
		list_for_each_entry(link, &obj->links, node) {
			struct refcache_obj *to = link->to;

			if (to->gc_state != REFCACHE_GC_UNKNOWN)
				continue;
			to->gc_state = REFCACHE_GC_REACHABLE;
			to->gc_next = stack;
			stack = to;
		}
		cond_resched();
	}
}

/**
 * refcache_gc() - collect the objects only links keep alive
 * @rc: the table
 * @dry_run: count them, change nothing
 *
 * Frees exactly the objects that no outside reference (create, get,
 * lookup) can reach through links: cycles, and whatever hangs off them.
 * Safe against every other operation running concurrently; outside gets and
 * puts wait while it marks.
 *
 * Return: the number of objects freed (or, with @dry_run, that would be).
 */
long refcache_gc(struct refcache *rc, bool dry_run)
{
	struct refcache_obj *obj, *garbage = NULL;
	unsigned long index;
	u64 start, paused;
	long n = 0;

	percpu_down_write(&rc->gc_sem);
	mutex_lock(&rc->graph_lock);
	start = ktime_get_ns();
	refcache_gc_mark(rc);
	/* Step 3: the unmarked rest is garbage. */
	xa_for_each(&rc->ids, index, obj) {
		if (obj->gc_state != REFCACHE_GC_UNKNOWN)
			continue;
		n++;
		if (dry_run) {
			obj->gc_state = REFCACHE_GC_REACHABLE;
			continue;
		}
		/* No get can see it again: gets wait for gc_sem. */
		refcount_set(&obj->ref.refcount, 0);
		obj->gc_state = REFCACHE_GC_GARBAGE;
		obj->gc_next = garbage;
		garbage = obj;
	}
	paused = ktime_get_ns() - start;
	percpu_up_write(&rc->gc_sem);

	refcache_release_list(rc, garbage);
	atomic_set(&rc->gc_pending, 0);
	WRITE_ONCE(rc->gc_runs, rc->gc_runs + 1);
	if (!dry_run)
		WRITE_ONCE(rc->gc_collected, rc->gc_collected + n);
	WRITE_ONCE(rc->gc_last_pause_ns, paused);
	WRITE_ONCE(rc->gc_last_ns, ktime_get_ns() - start);
	trace_refcache_gc(n, dry_run, rc->gc_last_ns, paused);
	mutex_unlock(&rc->graph_lock);
	return n;
}
EXPORT_SYMBOL_GPL(refcache_gc);

static void refcache_gc_work(struct work_struct *work)
{
	refcache_gc(container_of(work, struct refcache, gc_work), false);
}

/* @n objects were created: collect automatically past gc_threshold. */
void refcache_gc_note_created(struct refcache *rc, unsigned int n)
{
	unsigned int threshold = READ_ONCE(rc->gc_threshold);

	if (threshold && atomic_add_return(n, &rc->gc_pending) >= threshold)
		queue_work(system_unbound_wq, &rc->gc_work);
}

int refcache_graph_init(struct refcache *rc)
{
	mutex_init(&rc->graph_lock);
	INIT_WORK(&rc->gc_work, refcache_gc_work);
	atomic_set(&rc->gc_pending, 0);
	rc->nr_links = 0;
	rc->gc_runs = 0;
	rc->gc_collected = 0;
	rc->gc_last_ns = 0;
	rc->gc_last_pause_ns = 0;
	rc->gc_threshold = 0;
	return percpu_init_rwsem(&rc->gc_sem);
}

/* Before the table goes: no collection may be pending or running. */
void refcache_graph_destroy(struct refcache *rc)
{
	WRITE_ONCE(rc->gc_threshold, 0);
	cancel_work_sync(&rc->gc_work);
	percpu_free_rwsem(&rc->gc_sem);
	mutex_destroy(&rc->graph_lock);
}
