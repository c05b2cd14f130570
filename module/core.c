// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: the object lifecycle.
 *
 * Locking and lifetime rules (struct refcache and struct refcache_obj in
 * the headers say what protects each field):
 *
 * - refcache_cachep, refcache_payload_size: set once in
 *   refcache_cache_create() before any table exists, cleared once in
 *   refcache_cache_destroy() after every table is gone; never changed in
 *   between, so read without locks.
 * - Lookups hold rcu_read_lock() from xa_load() until they have either
 *   taken a reference or given up. An object leaves the table before it is
 *   handed to call_rcu() or to a batch (refcache_free_list()), which returns
 *   it to the slab a
 *   grace period later, so a reader that found the pointer may always read
 *   its counter, and sees 0 there once it is dying.
 * - No helper ever moves a counter away from 0: a dead object stays dead
 *   even while a racing reader can still see it in the table.
 * - Gets and puts of outside references run inside a read section of
 *   rc->gc_sem, and so does the release of an object that has no links; an
 *   object with links is released under rc->graph_lock. The collector holds
 *   both, so while it runs no object changes its outside count or vanishes.
 * - obj->id, obj->rc and the payload are written before the object is
 *   published in rc->ids (xa_store() orders them) and never change after.
 * - Only the final put (and the collector, and refcache_destroy() on a
 *   table nobody uses any more) frees an object, always through
 *   refcache_unpublish() and the RCU callback.
 */
#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu-rwsem.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "refcache.h"
#include "refcache_compat.h"
#include "refcache_internal.h"

#define CREATE_TRACE_POINTS
#include "refcache_trace.h"

static struct kmem_cache *refcache_cachep;
static unsigned int refcache_payload_size;

/* Objects taken from refcache_cachep and not yet returned to it. */
static DEFINE_PER_CPU(long, refcache_slab_count);

/* Allocations for objects may fail; they must not invoke the OOM killer. */
#define REFCACHE_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/* Frees objects in batches, a grace period after they died (see below). */
static struct workqueue_struct *refcache_wq;

int refcache_cache_create(unsigned int obj_size)
{
	refcache_wq = alloc_workqueue("refcache", WQ_UNBOUND, 0);
	if (!refcache_wq)
		return -ENOMEM;
	refcache_cachep = kmem_cache_create("refcache_obj",
					    sizeof(struct refcache_obj) + obj_size,
					    0, REFCACHE_SLAB_NO_MERGE, NULL);
	if (!refcache_cachep) {
		destroy_workqueue(refcache_wq);
		return -ENOMEM;
	}
	refcache_payload_size = obj_size;
	return 0;
}

void refcache_cache_destroy(void)
{
	refcache_quiesce();
	destroy_workqueue(refcache_wq);
	kmem_cache_destroy(refcache_cachep);
	refcache_cachep = NULL;
}

/* The canary: byte i of object @id's payload. */
static u8 refcache_pattern(u32 id, size_t i)
{
	u32 seed = id * 0x9e3779b9U;

	return (u8)(seed >> ((i & 3) * 8)) ^ (u8)(i >> 2);
}

static void refcache_fill(struct refcache_obj *obj)
{
	size_t i;

	for (i = 0; i < refcache_payload_size; i++)
		obj->payload[i] = refcache_pattern(obj->id, i);
}

/* Report the first byte that differs, once per object; count the object. */
static void refcache_check(struct refcache_obj *obj)
{
	size_t i;

	for (i = 0; i < refcache_payload_size; i++) {
		if (obj->payload[i] == refcache_pattern(obj->id, i))
			continue;
		this_cpu_inc(obj->rc->stats->canary_failures);
		pr_err_ratelimited("refcache: object %u: payload overwritten at offset %zu (%#04x, expected %#04x)\n",
				   obj->id, i, obj->payload[i],
				   refcache_pattern(obj->id, i));
		return;
	}
}

static struct refcache_obj *refcache_alloc(struct refcache *rc)
{
	struct refcache_obj *obj = NULL;

	if (!(rc->ops && rc->ops->fail_alloc && rc->ops->fail_alloc(rc)))
		obj = kmem_cache_alloc(refcache_cachep, REFCACHE_GFP);
	if (!obj) {
		this_cpu_inc(rc->stats->alloc_failures);
		return NULL;
	}
	this_cpu_inc(refcache_slab_count);
	obj->rc = rc;
	obj->links_in = 0;
	obj->gc_state = REFCACHE_GC_REACHABLE;
	INIT_LIST_HEAD(&obj->links);
	return obj;
}

/* Return an object the table never published, or one a grace period after. */
static void refcache_free(struct refcache_obj *obj)
{
	this_cpu_dec(refcache_slab_count);
	kmem_cache_free(refcache_cachep, obj);
}

/*
 * Return a dead object to the slab, with the links it still carries (a dead
 * object's link list is left as it was, for RCU readers). Runs a grace
 * period after the object left its table.
 */
static void refcache_free_dead(struct refcache_obj *obj)
{
	struct refcache_link *link, *tmp;

	list_for_each_entry_safe(link, tmp, &obj->links, node)
		kfree(link);
	this_cpu_inc(obj->rc->stats->freed);
	refcache_free(obj);
}

static void refcache_free_rcu(struct rcu_head *head)
{
	refcache_free_dead(container_of(head, struct refcache_obj, rcu));
}

/**
 * struct refcache_batch - dead objects freed together
 * @rwork: runs refcache_free_batch() a grace period after it was queued
 * @list: the objects, linked through gc_next
 *
 * One call_rcu() per object is fine for single puts, but a cascade or a
 * collection can kill a million objects at once; one deferred work item
 * frees them all, in process context, with one RCU callback.
 */
struct refcache_batch {
	struct rcu_work rwork;
	struct refcache_obj *list;
};

static void refcache_free_batch(struct work_struct *work)
{
	struct refcache_batch *batch =
		container_of(to_rcu_work(work), struct refcache_batch, rwork);
	struct refcache_obj *obj = batch->list;

	while (obj) {
		struct refcache_obj *next = obj->gc_next;

		refcache_free_dead(obj);
		obj = next;
		cond_resched();
	}
	kfree(batch);
}

/*
 * Take a dead @obj out of its table, check its canary and count it out.
 * Called inside a read section of rc->gc_sem or under rc->graph_lock (or on
 * a table nobody uses), so never while the collector looks at the table.
 * The caller then frees it through refcache_unpublish() or
 * refcache_free_list().
 */
void refcache_retire(struct refcache_obj *obj)
{
	struct refcache *rc = obj->rc;

	xa_erase(&rc->ids, obj->id);
	trace_refcache_release(obj->id, 0);
	refcache_check(obj);
	atomic_long_dec(&rc->live);
}

/* Retire @obj; it goes back to the slab after a grace period. */
void refcache_unpublish(struct refcache_obj *obj)
{
	refcache_retire(obj);
	call_rcu(&obj->rcu, refcache_free_rcu);
}

/*
 * Free the retired objects on @list (linked through gc_next) after a grace
 * period, in one batch when there are several and memory for it.
 */
void refcache_free_list(struct refcache_obj *list)
{
	struct refcache_batch *batch = NULL;

	if (list && list->gc_next)
		batch = kmalloc(sizeof(*batch), GFP_KERNEL | __GFP_NOWARN);
	if (batch) {
		batch->list = list;
		INIT_RCU_WORK(&batch->rwork, refcache_free_batch);
		queue_rcu_work(refcache_wq, &batch->rwork);
		return;
	}
	while (list) {
		struct refcache_obj *next = list->gc_next;

		call_rcu(&list->rcu, refcache_free_rcu);
		list = next;
	}
}

/*
 * The counter helpers. refcount_t offers get-unless-zero but no upper bound
 * below its saturation point, and no put-unless-zero that reports the new
 * value, so these do the same compare-and-exchange loop as
 * __refcount_add_not_zero() with those additions. Every bound is at most
 * INT_MAX and max_refs is at most REFCACHE_MAX_REFS_LIMIT, so a counter
 * never reaches saturation, and neither helper moves a counter that is 0.
 */

/*
 * Get unless zero, refused at @max. Returns the new count or -errno.
 * The caller holds rcu_read_lock() or a reference.
 */
int refcache_ref_get(struct refcache_obj *obj, unsigned int max)
{
	int old = refcount_read(&obj->ref.refcount);

	do {
		if (!old)
			return -ENOENT;
		if (old >= max)
			return -EOVERFLOW;
	} while (!atomic_try_cmpxchg_relaxed(&obj->ref.refcount.refs, &old,
					     old + 1));
	return old + 1;
}

/*
 * Put of an outside reference: unless zero, and never one of the
 * references links_in accounts for. Returns the count after the put,
 * -ENOENT, or -EBUSY when the count does not exceed links_in. Ordering as
 * refcount_dec_and_test(): release on the decrement, acquire before the
 * object is released.
 *
 * links_in is read after the count (smp_rmb()); graph.c raises it before it
 * raises the count and lowers it after it lowered the count, so the check
 * can only err towards -EBUSY, and only while a graph operation on this
 * object is in flight: callers repeat an -EBUSY under graph_lock, where
 * links_in is exact.
 */
static int refcache_ref_put(struct refcache_obj *obj)
{
	int old = refcount_read(&obj->ref.refcount);

	for (;;) {
		/* Pairs with the barriers around links_in in graph.c. */
		smp_rmb();
		if (!old)
			return -ENOENT;
		if (old <= READ_ONCE(obj->links_in))
			return -EBUSY;
		if (atomic_try_cmpxchg_release(&obj->ref.refcount.refs, &old,
					       old - 1))
			break;
	}
	if (old == 1)
		smp_acquire__after_ctrl_dep();
	return old - 1;
}

/*
 * The final put happened and the caller owns the dead @obj. Called with no
 * refcache lock held.
 */
static void refcache_release(struct refcache_obj *obj)
{
	struct refcache *rc = obj->rc;

	if (rc->ops && rc->ops->released)
		rc->ops->released(rc, obj->id);
	/* A dead object gains no links: this list only shrinks from now on. */
	if (!list_empty(&obj->links)) {
		refcache_release_links(obj);
		return;
	}
	percpu_down_read(&rc->gc_sem);
	refcache_unpublish(obj);
	percpu_up_read(&rc->gc_sem);
}

/*
 * A put the lockless check refused with -EBUSY, repeated under graph_lock,
 * where links_in is exact. Graph operations and the collector hold that
 * lock, so this needs no gc_sem. @obj is NULL for a put by @id.
 */
static int refcache_put_exact(struct refcache *rc, u32 id,
			      struct refcache_obj **objp)
{
	struct refcache_obj *obj = *objp;
	int ret = -ENOENT;

	mutex_lock(&rc->graph_lock);
	rcu_read_lock();
	if (!obj)
		obj = xa_load(&rc->ids, id);
	if (obj)
		ret = refcache_ref_put(obj);
	rcu_read_unlock();
	mutex_unlock(&rc->graph_lock);
	*objp = obj;
	return ret;
}

/* Count and trace an outside get or put, before any release it causes. */
static void refcache_outside_done(struct refcache *rc, bool get, u32 id,
				  int ret)
{
	if (ret < 0)
		return;
	if (get) {
		this_cpu_inc(rc->stats->gets);
		trace_refcache_get(id, ret);
	} else {
		this_cpu_inc(rc->stats->puts);
		trace_refcache_put(id, ret);
	}
}

/*
 * A get (@get) or put of an outside reference of @held, an object the caller
 * holds a reference on, or if that is NULL of the object @id. Returns the
 * count after it or -errno; a final put has released the object. Counts the
 * operation in the table's statistics.
 */
static int refcache_outside(struct refcache *rc, u32 id,
			    struct refcache_obj *held, bool get,
			    struct refcache_obj **objp)
{
	struct refcache_obj *obj = held;
	u32 oid = held ? held->id : id;
	bool release = false;
	int ret = -ENOENT;

	percpu_down_read(&rc->gc_sem);
	rcu_read_lock();
	if (!obj)
		obj = xa_load(&rc->ids, id);
	if (obj)
		ret = get ? refcache_ref_get(obj, READ_ONCE(rc->max_refs)) :
			    refcache_ref_put(obj);
	rcu_read_unlock();
	if (ret != -EBUSY)
		refcache_outside_done(rc, get, oid, ret);
	if (!ret) {
		/* The common final put: no hook, no links, one section. */
		release = (rc->ops && rc->ops->released) ||
			  !list_empty(&obj->links);
		if (!release)
			refcache_unpublish(obj);
	}
	percpu_up_read(&rc->gc_sem);

	if (ret == -EBUSY) {
		obj = held;
		ret = refcache_put_exact(rc, id, &obj);
		refcache_outside_done(rc, get, oid, ret);
		release = !ret;
	}
	if (release)
		refcache_release(obj);
	if (objp)
		*objp = obj;
	return ret;
}

/**
 * refcache_init() - set up an empty table
 * @rc: the table
 * @max_refs: the highest refcount a get may produce, 1..REFCACHE_MAX_REFS_LIMIT
 * @ops: test hooks, or NULL
 *
 * Return: 0, -EINVAL for a bad @max_refs, or -ENOMEM.
 */
int refcache_init(struct refcache *rc, unsigned int max_refs,
		  const struct refcache_ops *ops)
{
	if (!max_refs || max_refs > REFCACHE_MAX_REFS_LIMIT)
		return -EINVAL;
	rc->stats = alloc_percpu(struct refcache_pcpu_stats);
	if (!rc->stats)
		return -ENOMEM;
	if (refcache_graph_init(rc)) {
		free_percpu(rc->stats);
		return -ENOMEM;
	}
	xa_init_flags(&rc->ids, XA_FLAGS_ALLOC1);
	rc->next_id = 1;
	rc->max_refs = max_refs;
	rc->max_objects = 0;
	atomic_long_set(&rc->live, 0);
	atomic_long_set(&rc->peak_live, 0);
	rc->ops = ops;
	return 0;
}
EXPORT_SYMBOL_GPL(refcache_init);

/**
 * refcache_destroy() - reclaim every object still in a table, then free it
 * @rc: a table nobody uses any more
 *
 * Whatever references and links are outstanding, each object is released
 * exactly once and returned to the slab before this returns.
 *
 * Return: the number of objects that were still live.
 */
unsigned long refcache_destroy(struct refcache *rc)
{
	struct refcache_obj *obj, *dead = NULL;
	unsigned long index, n = 0;

	refcache_graph_destroy(rc);
	xa_for_each(&rc->ids, index, obj) {
		refcache_retire(obj);
		obj->gc_next = dead;
		dead = obj;
		n++;
		cond_resched();
	}
	refcache_free_list(dead);
	/* The frees write rc->stats: wait for all of them. */
	refcache_quiesce();
	xa_destroy(&rc->ids);
	free_percpu(rc->stats);
	rc->stats = NULL;
	return n;
}
EXPORT_SYMBOL_GPL(refcache_destroy);

static void refcache_account_created(struct refcache *rc, unsigned int n)
{
	long live = atomic_long_add_return(n, &rc->live);
	long peak = atomic_long_read(&rc->peak_live);

	this_cpu_add(rc->stats->created, n);
	while (live > peak &&
	       !atomic_long_try_cmpxchg(&rc->peak_live, &peak, live))
		;
	refcache_gc_note_created(rc, n);
}

/*
 * Create @count objects, all or nothing. Objects are allocated and their ids
 * reserved first (a reserved slot reads as empty); only when every one of
 * them succeeded are they filled and stored, and a store into a reserved
 * slot needs no memory, so nothing can fail after the first object becomes
 * visible.
 */
static int refcache_create_many(struct refcache *rc, unsigned int count,
				struct refcache_obj **objs, u32 *ids)
{
	unsigned int max = READ_ONCE(rc->max_objects);
	unsigned int n, i;
	int err;

	/*
	 * A soft cap (concurrent creates may pass it by a batch each), so
	 * that user space cannot hand all of memory to the slab.
	 */
	if (max && atomic_long_read(&rc->live) + count > max) {
		this_cpu_inc(rc->stats->alloc_failures);
		return -ENOMEM;
	}
	for (n = 0; n < count; n++) {
		objs[n] = refcache_alloc(rc);
		if (!objs[n]) {
			err = -ENOMEM;
			goto undo;
		}
		err = xa_alloc_cyclic(&rc->ids, &ids[n], NULL,
				      XA_LIMIT(1, U32_MAX), &rc->next_id,
				      REFCACHE_GFP);
		if (err < 0) {
			if (err == -ENOMEM)
				this_cpu_inc(rc->stats->alloc_failures);
			refcache_free(objs[n]);
			goto undo;
		}
	}

	for (i = 0; i < count; i++) {
		struct refcache_obj *obj = objs[i];
		void *old;

		obj->id = ids[i];
		kref_init(&obj->ref);
		refcache_fill(obj);
		old = xa_store(&rc->ids, obj->id, obj, REFCACHE_GFP);
		WARN_ON_ONCE(old);
		trace_refcache_create(obj->id, 1);
	}
	refcache_account_created(rc, count);
	return 0;

undo:
	while (n--) {
		xa_release(&rc->ids, ids[n]);
		refcache_free(objs[n]);
	}
	return err;
}

/**
 * refcache_create() - make one object
 * @rc: the table
 *
 * Return: the object, holding one reference that the caller owns, or
 * ERR_PTR(-ENOMEM).
 */
struct refcache_obj *refcache_create(struct refcache *rc)
{
	struct refcache_obj *obj;
	u32 id;
	int err;

	err = refcache_create_many(rc, 1, &obj, &id);
	return err ? ERR_PTR(err) : obj;
}
EXPORT_SYMBOL_GPL(refcache_create);

/**
 * refcache_create_batch() - make @count objects, all or nothing
 * @rc: the table
 * @count: 1..REFCACHE_BATCH_MAX
 * @ids: receives the @count new ids, each object holding one reference
 *
 * Return: 0; -EINVAL for a bad @count; -ENOMEM, in which case no object
 * of the batch exists and @ids is garbage.
 */
int refcache_create_batch(struct refcache *rc, unsigned int count, u32 *ids)
{
	struct refcache_obj **objs;
	int err;

	if (!count || count > REFCACHE_BATCH_MAX)
		return -EINVAL;
	objs = kvmalloc_array(count, sizeof(*objs), REFCACHE_GFP);
	if (!objs) {
		this_cpu_inc(rc->stats->alloc_failures);
		return -ENOMEM;
	}
	err = refcache_create_many(rc, count, objs, ids);
	kvfree(objs);
	return err;
}
EXPORT_SYMBOL_GPL(refcache_create_batch);

/**
 * refcache_lookup() - find a live object by id and take a reference on it
 * @rc: the table
 * @id: its id
 *
 * Return: the object, or ERR_PTR(-ENOENT) if no live object has that id
 * (including one whose final put already happened), or ERR_PTR(-EOVERFLOW)
 * if it already holds max_refs references.
 */
struct refcache_obj *refcache_lookup(struct refcache *rc, u32 id)
{
	struct refcache_obj *obj;
	int ret = refcache_outside(rc, id, NULL, true, &obj);

	return ret < 0 ? ERR_PTR(ret) : obj;
}
EXPORT_SYMBOL_GPL(refcache_lookup);

/**
 * refcache_get() - take one more reference on an object the caller holds
 * @obj: the object
 *
 * Return: the new refcount, or -EOVERFLOW at max_refs.
 */
int refcache_get(struct refcache_obj *obj)
{
	return refcache_outside(obj->rc, 0, obj, true, NULL);
}
EXPORT_SYMBOL_GPL(refcache_get);

/**
 * refcache_put() - drop a reference the caller holds
 * @obj: the object; on the final put it is gone when this returns
 *
 * Return: the refcount after the put; 0 means the object was released.
 * -EBUSY if links hold every reference left (the caller's was not its own).
 */
int refcache_put(struct refcache_obj *obj)
{
	int ret = refcache_outside(obj->rc, 0, obj, false, NULL);

	/* The caller held a reference, so the count was not 0. */
	WARN_ON_ONCE(ret == -ENOENT);
	return ret;
}
EXPORT_SYMBOL_GPL(refcache_put);

/**
 * refcache_get_id() - take a reference on the live object @id
 * @rc: the table
 * @id: its id
 *
 * Return: the new refcount, -ENOENT or -EOVERFLOW.
 */
int refcache_get_id(struct refcache *rc, u32 id)
{
	return refcache_outside(rc, id, NULL, true, NULL);
}
EXPORT_SYMBOL_GPL(refcache_get_id);

/**
 * refcache_put_id() - drop a reference on the live object @id
 * @rc: the table
 * @id: its id
 *
 * Return: the refcount after the put (0: released), -ENOENT, or -EBUSY
 * when links hold every reference left.
 */
int refcache_put_id(struct refcache *rc, u32 id)
{
	return refcache_outside(rc, id, NULL, false, NULL);
}
EXPORT_SYMBOL_GPL(refcache_put_id);

/**
 * refcache_find_next() - the first live object with id >= *@id
 * @rc: the table
 * @id: where to start; set to the id found
 *
 * For listings. Call under rcu_read_lock(); the object stays readable until
 * rcu_read_unlock(), but no reference is taken. Dying objects are skipped.
 *
 * Return: the object, or NULL when there is none.
 */
struct refcache_obj *refcache_find_next(struct refcache *rc, u32 *id)
{
	unsigned long index = *id;
	struct refcache_obj *obj;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "listing without rcu_read_lock()");
	for (obj = xa_find(&rc->ids, &index, U32_MAX, XA_PRESENT); obj;
	     obj = xa_find_after(&rc->ids, &index, U32_MAX, XA_PRESENT)) {
		if (refcount_read(&obj->ref.refcount)) {
			*id = index;
			return obj;
		}
	}
	return NULL;
}
EXPORT_SYMBOL_GPL(refcache_find_next);

u32 refcache_obj_id(const struct refcache_obj *obj)
{
	return obj->id;
}
EXPORT_SYMBOL_GPL(refcache_obj_id);

unsigned int refcache_obj_refcount(const struct refcache_obj *obj)
{
	return refcount_read(&obj->ref.refcount);
}
EXPORT_SYMBOL_GPL(refcache_obj_refcount);

/* The payload; the caller must hold a reference and may write to it. */
void *refcache_obj_payload(struct refcache_obj *obj)
{
	return obj->payload;
}
EXPORT_SYMBOL_GPL(refcache_obj_payload);

/* Payload bytes per object (the obj_size module parameter). */
unsigned int refcache_obj_size(void)
{
	return refcache_payload_size;
}
EXPORT_SYMBOL_GPL(refcache_obj_size);

/**
 * refcache_stats() - sum a table's counters
 * @rc: the table
 * @st: filled in
 *
 * Each counter is read once; under concurrent use they may be from slightly
 * different moments, at rest they are exact.
 */
void refcache_stats(struct refcache *rc, struct refcache_stats *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		const struct refcache_pcpu_stats *p = per_cpu_ptr(rc->stats, cpu);

		st->created += READ_ONCE(p->created);
		st->freed += READ_ONCE(p->freed);
		st->gets += READ_ONCE(p->gets);
		st->puts += READ_ONCE(p->puts);
		st->alloc_failures += READ_ONCE(p->alloc_failures);
		st->canary_failures += READ_ONCE(p->canary_failures);
	}
	st->links = READ_ONCE(rc->nr_links);
	st->gc_runs = READ_ONCE(rc->gc_runs);
	st->gc_collected = READ_ONCE(rc->gc_collected);
	st->gc_last_ns = READ_ONCE(rc->gc_last_ns);
	st->gc_last_pause_ns = READ_ONCE(rc->gc_last_pause_ns);
	st->live = atomic_long_read(&rc->live);
	st->peak_live = atomic_long_read(&rc->peak_live);
	st->obj_size = refcache_payload_size;
	st->slab_object_size = kmem_cache_size(refcache_cachep);
	st->max_refs = READ_ONCE(rc->max_refs);
	st->max_objects = READ_ONCE(rc->max_objects);
}
EXPORT_SYMBOL_GPL(refcache_stats);

/* Objects of all tables taken from the slab and not yet given back. */
long refcache_slab_objects(void)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(refcache_slab_count, cpu);
	return sum;
}
EXPORT_SYMBOL_GPL(refcache_slab_objects);

/* Wait until every released object is back in the slab. */
void refcache_quiesce(void)
{
	/* The RCU callbacks first: they queue the batches. */
	rcu_barrier();
	flush_workqueue(refcache_wq);
}
EXPORT_SYMBOL_GPL(refcache_quiesce);
