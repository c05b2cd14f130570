// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: the object lifecycle.
 *
 * Locking and lifetime rules, in one place:
 *
 * - refcache_cachep, refcache_payload_size: set once in
 *   refcache_cache_create() before any table exists, cleared once in
 *   refcache_cache_destroy() after every table is gone; never changed in
 *   between, so read without locks.
 * - rc->ids: the XArray's internal spinlock (xa_lock) serialises every
 *   change to it and to rc->next_id. Readers hold rcu_read_lock() from
 *   xa_load() until they have either taken a reference or given up.
 * - obj->ref: changed only by the three helpers below. None of them ever
 *   moves a counter away from 0, so an object whose count reached 0 stays
 *   dead even while a racing reader can still see it in the table.
 * - The final put erases the object from rc->ids and hands it to call_rcu();
 *   refcache_free_rcu() returns it to the slab after a grace period. A reader
 *   that found the pointer under rcu_read_lock() can therefore always read
 *   its counter, and sees 0 there once it is dying.
 * - obj->id, obj->rc and the payload are written before the object is
 *   published in rc->ids (xa_store() orders them) and never change after.
 * - Nothing else frees an object: refcache_destroy() erases whatever is left
 *   in a table that has no users any more, and uses the same RCU free.
 */
#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "refcache.h"
#include "refcache_compat.h"
#include "refcache_internal.h"

/**
 * struct refcache_obj - one counted object
 * @ref: the reference count; see the helpers below for the rules.
 * @id: its key in @rc->ids.
 * @rc: the table it lives in.
 * @rcu: for the deferred return to the slab.
 * @payload: refcache_payload_size bytes, a pattern derived from @id.
 */
struct refcache_obj {
	struct kref ref;
	u32 id;
	struct refcache *rc;
	struct rcu_head rcu;
	u8 payload[];
};

static struct kmem_cache *refcache_cachep;
static unsigned int refcache_payload_size;

/* Objects taken from refcache_cachep and not yet returned to it. */
static DEFINE_PER_CPU(long, refcache_slab_count);

/* Allocations for objects may fail; they must not invoke the OOM killer. */
#define REFCACHE_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

int refcache_cache_create(unsigned int obj_size)
{
	refcache_cachep = kmem_cache_create("refcache_obj",
					    sizeof(struct refcache_obj) + obj_size,
					    0, REFCACHE_SLAB_NO_MERGE, NULL);
	if (!refcache_cachep)
		return -ENOMEM;
	refcache_payload_size = obj_size;
	return 0;
}

void refcache_cache_destroy(void)
{
	/* Wait for the frees that refcache_free_rcu() still has pending. */
	rcu_barrier();
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
	return obj;
}

/* Return an object the table never published, or one a grace period after. */
static void refcache_free(struct refcache_obj *obj)
{
	this_cpu_dec(refcache_slab_count);
	kmem_cache_free(refcache_cachep, obj);
}

static void refcache_free_rcu(struct rcu_head *head)
{
	struct refcache_obj *obj = container_of(head, struct refcache_obj, rcu);

	this_cpu_inc(obj->rc->stats->freed);
	refcache_free(obj);
}

/* Take @obj out of its table; it goes back to the slab after a grace period. */
static void refcache_unpublish(struct refcache_obj *obj)
{
	struct refcache *rc = obj->rc;

	xa_erase(&rc->ids, obj->id);
	refcache_check(obj);
	atomic_long_dec(&rc->live);
	call_rcu(&obj->rcu, refcache_free_rcu);
}

/* The final put: the count reached 0 and will never leave it. */
static void refcache_release(struct refcache_obj *obj)
{
	struct refcache *rc = obj->rc;

	if (rc->ops && rc->ops->released)
		rc->ops->released(rc, obj->id);
	refcache_unpublish(obj);
}

/*
 * The counter helpers. refcount_t offers get-unless-zero but no upper bound
 * below its saturation point and no put-unless-zero that reports the new
 * value, so these do the same compare-and-exchange loop as
 * __refcount_add_not_zero() with those two additions. max_refs is at most
 * REFCACHE_MAX_REFS_LIMIT, so a counter can never reach saturation, and
 * neither helper moves a counter that is 0.
 */

/* Get unless zero, refused at max_refs. Returns the new count or -errno. */
static int refcache_ref_get(struct refcache_obj *obj)
{
	unsigned int max = READ_ONCE(obj->rc->max_refs);
	int old = refcount_read(&obj->ref.refcount);

	do {
		if (!old)
			return -ENOENT;
		if (old >= max)
			return -EOVERFLOW;
	} while (!atomic_try_cmpxchg_relaxed(&obj->ref.refcount.refs, &old,
					     old + 1));
	this_cpu_inc(obj->rc->stats->gets);
	return old + 1;
}

/*
 * Put unless zero, releasing on the last one. Returns the count after the
 * put or -ENOENT. Same ordering as refcount_dec_and_test(): release on the
 * decrement, acquire before the release of the object.
 */
static int refcache_ref_put(struct refcache_obj *obj)
{
	int old = refcount_read(&obj->ref.refcount);

	do {
		if (!old)
			return -ENOENT;
	} while (!atomic_try_cmpxchg_release(&obj->ref.refcount.refs, &old,
					     old - 1));
	this_cpu_inc(obj->rc->stats->puts);
	if (old == 1) {
		smp_acquire__after_ctrl_dep();
		refcache_release(obj);
	}
	return old - 1;
}

/*
 * Find @id and apply a get or a put to it, all under one RCU read section so
 * the object cannot return to the slab in between. *@objp gets the object
 * (valid for the caller only if it now holds a reference).
 */
static __always_inline int refcache_id_ref(struct refcache *rc, u32 id,
					   bool get, struct refcache_obj **objp)
{
	struct refcache_obj *obj;
	int ret = -ENOENT;

	rcu_read_lock();
	obj = xa_load(&rc->ids, id);
	if (obj)
		ret = get ? refcache_ref_get(obj) : refcache_ref_put(obj);
	rcu_read_unlock();
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
	xa_init_flags(&rc->ids, XA_FLAGS_ALLOC1);
	rc->next_id = 1;
	rc->max_refs = max_refs;
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
 * Whatever references are outstanding, each object is released exactly once
 * and returned to the slab before this returns.
 *
 * Return: the number of objects that were still live.
 */
unsigned long refcache_destroy(struct refcache *rc)
{
	struct refcache_obj *obj;
	unsigned long index, n = 0;

	xa_for_each(&rc->ids, index, obj) {
		refcache_unpublish(obj);
		n++;
		cond_resched();
	}
	/* refcache_free_rcu() writes rc->stats: wait for all of them. */
	rcu_barrier();
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
	unsigned int n, i;
	int err;

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
	int ret = refcache_id_ref(rc, id, true, &obj);

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
	return refcache_ref_get(obj);
}
EXPORT_SYMBOL_GPL(refcache_get);

/**
 * refcache_put() - drop a reference the caller holds
 * @obj: the object; on the final put it is gone when this returns
 *
 * Return: the refcount after the put; 0 means the object was released.
 */
int refcache_put(struct refcache_obj *obj)
{
	int ret = refcache_ref_put(obj);

	/* The caller held a reference, so the count was not 0. */
	WARN_ON_ONCE(ret < 0);
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
	return refcache_id_ref(rc, id, true, NULL);
}
EXPORT_SYMBOL_GPL(refcache_get_id);

/**
 * refcache_put_id() - drop a reference on the live object @id
 * @rc: the table
 * @id: its id
 *
 * Return: the refcount after the put (0: released), or -ENOENT.
 */
int refcache_put_id(struct refcache *rc, u32 id)
{
	return refcache_id_ref(rc, id, false, NULL);
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
	st->live = atomic_long_read(&rc->live);
	st->peak_live = atomic_long_read(&rc->peak_live);
	st->obj_size = refcache_payload_size;
	st->slab_object_size = kmem_cache_size(refcache_cachep);
	st->max_refs = READ_ONCE(rc->max_refs);
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
	rcu_barrier();
}
EXPORT_SYMBOL_GPL(refcache_quiesce);
