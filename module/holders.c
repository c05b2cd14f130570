// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: who holds each outside reference (include/refcache_holders.h).
 *
 * Records. A holder (struct refcache_holder) is made when a ctl file is
 * opened and named by a number that is never reused; it keeps the pid and
 * command name of the process that opened it. For each object a holder
 * holds outside references on, one struct refcache_hold counts them. A hold
 * is on two lists: its holder's (in the order taken: what the leak report
 * prints) and a hash bucket of its object's id (what a get, a put and the
 * view look up). A hold exists while its count is above 0; a closed holder
 * exists while it has a hold, so closed holders never pile up beyond the
 * objects they keep alive.
 *
 * Locking. Everything is under struct refcache_holders.lock, a mutex, held
 * across the table operation it accounts for: the outside counts of the
 * table change only under it, and the view reads each object under it, so
 * a line never shows a reference taken but not yet counted, or counted but
 * already dropped. Lock order: this lock, then the table's (graph_lock,
 * through refcache_next_outside()). Links, unlinks and the collector do not
 * take it: they never change an object's outside references (a put is
 * refused while links hold every reference left, and only objects without
 * outside references die of an unlink or the collector).
 *
 * Failure. Whatever a command needs (its holds, within the holder's
 * max_holds) is allocated before the table operation runs; when it cannot
 * be, the command fails with -ENOMEM and neither the table nor the records
 * change. A table operation that fails leaves the records as they were.
 *
 * Reports. refcache_holder_close() of a holder that still holds
 * references logs one line naming them (at most REFCACHE_HOLDS_LINE bytes,
 * then "...") and fires the refcache_holder_leak tracepoint;
 * refcache_holders_destroy() logs one line per holder still on record. The
 * lines carry ids, counts, pids and command names: no address.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "refcache.h"
#include "refcache_compat.h"
#include "refcache_holders.h"
#include "refcache_trace.h"

/* The longest list of ids one report line prints. */
#define REFCACHE_HOLDS_LINE	640

/**
 * struct refcache_holder - one holder (one open ctl file)
 * @node: on struct refcache_holders.list
 * @holds: its holds, oldest first (struct refcache_hold.of_holder)
 * @nr_holds: entries of @holds
 * @nr_refs: the references they count
 * @number: its number, from 1
 * @pid: the process that opened it
 * @comm: that process's command name then, with bytes outside printable
 *	ASCII and blanks replaced by '?', so that a line splits on blanks
 * @closed: its file was closed; it stays while it has holds
 *
 * All under struct refcache_holders.lock; @number, @pid and @comm are
 * constant.
 */
struct refcache_holder {
	struct list_head node;
	struct list_head holds;
	unsigned long nr_holds;
	unsigned long nr_refs;
	u32 number;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	bool closed;
};

/**
 * struct refcache_hold - the references one holder holds on one object
 * @by_id: in the hash bucket of @id
 * @of_holder: on @holder's list
 * @holder: who holds them
 * @id: the object
 * @count: how many, above 0
 *
 * All under struct refcache_holders.lock.
 */
struct refcache_hold {
	struct hlist_node by_id;
	struct list_head of_holder;
	struct refcache_holder *holder;
	u32 id;
	unsigned int count;
};

static struct hlist_head *refcache_holds_bucket(struct refcache_holders *hs,
						u32 id)
{
	return &hs->hash[hash_32(id, REFCACHE_HOLDS_HASH_BITS)];
}

/* Under hs->lock: @h's hold on @id, or NULL. */
static struct refcache_hold *refcache_hold_find(struct refcache_holders *hs,
						struct refcache_holder *h,
						u32 id)
{
	struct refcache_hold *hold;

	hlist_for_each_entry(hold, refcache_holds_bucket(hs, id), by_id)
		if (hold->id == id && hold->holder == h)
			return hold;
	return NULL;
}

/*
 * Under hs->lock: the hold a put of @id by a holder that holds none of it
 * takes its reference from: a closed holder's (orphaned), else the oldest
 * open holder's; NULL if nobody holds one.
 */
static struct refcache_hold *refcache_hold_other(struct refcache_holders *hs,
						 u32 id)
{
	struct refcache_hold *hold, *best = NULL;

	hlist_for_each_entry(hold, refcache_holds_bucket(hs, id), by_id) {
		if (hold->id != id)
			continue;
		if (hold->holder->closed)
			return hold;
		if (!best || hold->holder->number < best->holder->number)
			best = hold;
	}
	return best;
}

/*
 * Under hs->lock: count one more reference of @id for @h, in its hold, or
 * in @spare (then used up: *@spare is set to NULL) if it has none.
 */
static void refcache_hold_take(struct refcache_holders *hs,
			       struct refcache_holder *h, u32 id,
			       struct refcache_hold **spare)
{
	struct refcache_hold *hold = refcache_hold_find(hs, h, id);

	if (!hold) {
		hold = *spare;
		*spare = NULL;
		hold->holder = h;
		hold->id = id;
		hold->count = 0;
		hlist_add_head(&hold->by_id, refcache_holds_bucket(hs, id));
		list_add_tail(&hold->of_holder, &h->holds);
		h->nr_holds++;
		hs->nr_holds++;
	}
	hold->count++;
	h->nr_refs++;
}

static void refcache_holder_free(struct refcache_holder *h)
{
	list_del(&h->node);
	kfree(h);
}

/* Under hs->lock: one reference of @hold was dropped. */
static void refcache_hold_drop(struct refcache_holders *hs,
			       struct refcache_hold *hold)
{
	struct refcache_holder *h = hold->holder;

	h->nr_refs--;
	if (--hold->count)
		return;
	hlist_del(&hold->by_id);
	list_del(&hold->of_holder);
	h->nr_holds--;
	hs->nr_holds--;
	kmem_cache_free(hs->cache, hold);
	if (h->closed && !h->nr_holds)
		refcache_holder_free(h);
}

/**
 * refcache_holders_init() - set up the holders of a table
 * @hs: the holders
 * @rc: the table; its outside references must all be taken and dropped
 *	through @hs from now on
 * @name: the name of the cache of the holds (unique among the system's
 *	caches; copied)
 *
 * Starts with max_holds REFCACHE_HOLDS_MAX_DEFAULT and strict mode off.
 *
 * Return: 0 or -ENOMEM.
 */
int refcache_holders_init(struct refcache_holders *hs, struct refcache *rc,
			  const char *name)
{
	hs->rc = rc;
	mutex_init(&hs->lock);
	INIT_LIST_HEAD(&hs->list);
	hs->next_number = 1;
	hs->max_holds = REFCACHE_HOLDS_MAX_DEFAULT;
	hs->strict = false;
	hs->nr_holds = 0;
	hs->hash = kvcalloc(1U << REFCACHE_HOLDS_HASH_BITS, sizeof(*hs->hash),
			    GFP_KERNEL);
	if (!hs->hash)
		return -ENOMEM;
	hs->cache = kmem_cache_create(name, sizeof(struct refcache_hold), 0,
				      REFCACHE_SLAB_NO_MERGE, NULL);
	if (!hs->cache) {
		kvfree(hs->hash);
		return -ENOMEM;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(refcache_holders_init);

/*
 * Log "holder N (pid P, COMM) @what R references: ID ID*COUNT ..." for @h,
 * which holds something.
 */
static void refcache_holder_report(const struct refcache_holder *h,
				   const char *what)
{
	const struct refcache_hold *hold;
	unsigned long left = h->nr_holds;
	size_t len = 0;
	char *ids;

	ids = kmalloc(REFCACHE_HOLDS_LINE + 1, GFP_KERNEL);
	if (ids) {
		ids[0] = '\0';
		list_for_each_entry(hold, &h->holds, of_holder) {
			char one[24];
			int n;

			if (hold->count > 1)
				n = scnprintf(one, sizeof(one), " %u*%u",
					      hold->id, hold->count);
			else
				n = scnprintf(one, sizeof(one), " %u",
					      hold->id);
			if (len + n > REFCACHE_HOLDS_LINE)
				break;
			memcpy(ids + len, one, n + 1);
			len += n;
			left--;
		}
	}
	pr_info("holder %u (pid %d, %s) %s %lu reference%s:%s%s\n",
		h->number, h->pid, h->comm, what, h->nr_refs,
		h->nr_refs == 1 ? "" : "s", ids ? ids : " (no memory to list)",
		ids && left ? " ..." : "");
	kfree(ids);
}

/**
 * refcache_holders_destroy() - forget every holder of a table
 * @hs: the holders; no operation on them may be running or start
 *
 * Logs what each holder still on record holds (the closed ones' orphaned
 * references, and those of any still open), then frees all records. The
 * table's objects are not touched: call it before or after the table is
 * destroyed (refcache_destroy() reclaims them whatever their count).
 */
void refcache_holders_destroy(struct refcache_holders *hs)
{
	struct refcache_holder *h, *next;

	list_for_each_entry_safe(h, next, &hs->list, node) {
		struct refcache_hold *hold, *tmp;

		if (h->nr_holds)
			refcache_holder_report(h, "still held");
		list_for_each_entry_safe(hold, tmp, &h->holds, of_holder)
			kmem_cache_free(hs->cache, hold);
		refcache_holder_free(h);
	}
	kmem_cache_destroy(hs->cache);
	kvfree(hs->hash);
	mutex_destroy(&hs->lock);
}
EXPORT_SYMBOL_GPL(refcache_holders_destroy);

/**
 * refcache_holder_open() - a new holder, for the current process
 * @hs: the holders
 *
 * Return: the holder, or ERR_PTR(-ENOMEM).
 */
struct refcache_holder *refcache_holder_open(struct refcache_holders *hs)
{
	struct refcache_holder *h = kzalloc(sizeof(*h), GFP_KERNEL);
	int i;

	if (!h)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&h->holds);
	h->pid = task_tgid_nr(current);
	get_task_comm(h->comm, current);
	for (i = 0; h->comm[i]; i++)
		if (h->comm[i] <= ' ' || h->comm[i] > '~')
			h->comm[i] = '?';
	mutex_lock(&hs->lock);
	h->number = hs->next_number++;
	list_add_tail(&h->node, &hs->list);
	mutex_unlock(&hs->lock);
	return h;
}
EXPORT_SYMBOL_GPL(refcache_holder_open);

/**
 * refcache_holder_close() - a holder is done
 * @hs: the holders
 * @h: the holder; not used by the caller any more
 *
 * A holder that holds no reference goes. One that holds some stays on
 * record, closed: its references are orphaned, and one log line and the
 * refcache_holder_leak tracepoint say which. The references stay.
 */
void refcache_holder_close(struct refcache_holders *hs,
			   struct refcache_holder *h)
{
	mutex_lock(&hs->lock);
	h->closed = true;
	if (h->nr_holds) {
		refcache_holder_report(h, "closed holding");
		trace_refcache_holder_leak(h->number, h->pid, h->comm,
					   h->nr_refs, h->nr_holds);
	} else {
		refcache_holder_free(h);
	}
	mutex_unlock(&hs->lock);
}
EXPORT_SYMBOL_GPL(refcache_holder_close);

/**
 * refcache_holder_number() - a holder's number
 * @h: an open holder
 *
 * Return: its number, from 1, never reused.
 */
u32 refcache_holder_number(const struct refcache_holder *h)
{
	return h->number;
}
EXPORT_SYMBOL_GPL(refcache_holder_number);

/* Under hs->lock: room for @n more holds of @h? */
static bool refcache_holder_room(struct refcache_holders *hs,
				 struct refcache_holder *h, unsigned long n)
{
	unsigned long max = READ_ONCE(hs->max_holds);

	return h->nr_holds <= max && n <= max - h->nr_holds;
}

/**
 * refcache_holder_create() - refcache_create_sized() on behalf of a holder
 * @hs: the holders
 * @h: an open holder
 * @count: objects to create, 1..REFCACHE_BATCH_MAX
 * @sizes: as for refcache_create_sized()
 * @ids: receives their ids
 *
 * The holder holds the new objects' first references. May sleep.
 *
 * Return: 0, or -ENOMEM (also when @h would hold more than max_holds
 * objects) or refcache_create_sized()'s error, with nothing changed.
 */
int refcache_holder_create(struct refcache_holders *hs,
			   struct refcache_holder *h, unsigned int count,
			   const unsigned int *sizes, u32 *ids)
{
	struct refcache_hold **spare;
	unsigned int i;
	int ret = -ENOMEM;

	spare = kvmalloc_array(count, sizeof(*spare), GFP_KERNEL);
	if (!spare)
		return -ENOMEM;
	mutex_lock(&hs->lock);
	if (!refcache_holder_room(hs, h, count) ||
	    !kmem_cache_alloc_bulk(hs->cache, GFP_KERNEL, count,
				   (void **)spare))
		goto unlock;
	ret = refcache_create_sized(hs->rc, count, sizes, ids);
	if (ret) {
		kmem_cache_free_bulk(hs->cache, count, (void **)spare);
		goto unlock;
	}
	for (i = 0; i < count; i++)
		refcache_hold_take(hs, h, ids[i], &spare[i]);
unlock:
	mutex_unlock(&hs->lock);
	kvfree(spare);
	return ret;
}
EXPORT_SYMBOL_GPL(refcache_holder_create);

/**
 * refcache_holder_get() - refcache_get_id() on behalf of a holder
 * @hs: the holders
 * @h: an open holder
 * @id: the object
 *
 * May sleep.
 *
 * Return: as refcache_get_id(), or -ENOMEM (also when @h holds nothing of
 * @id and already holds max_holds objects), with nothing changed.
 */
int refcache_holder_get(struct refcache_holders *hs,
			struct refcache_holder *h, u32 id)
{
	struct refcache_hold *spare = NULL;
	int ret;

	mutex_lock(&hs->lock);
	if (!refcache_hold_find(hs, h, id)) {
		if (refcache_holder_room(hs, h, 1))
			spare = kmem_cache_alloc(hs->cache, GFP_KERNEL);
		if (!spare) {
			ret = -ENOMEM;
			goto unlock;
		}
	}
	ret = refcache_get_id(hs->rc, id);
	if (ret > 0)
		refcache_hold_take(hs, h, id, &spare);
unlock:
	mutex_unlock(&hs->lock);
	if (spare)
		kmem_cache_free(hs->cache, spare);
	return ret;
}
EXPORT_SYMBOL_GPL(refcache_holder_get);

/**
 * refcache_holder_follow() - refcache_follow() on behalf of a holder
 * @hs: the holders
 * @h: an open holder
 * @from: the source of the weak link
 * @to: its target, on which the holder takes the reference
 *
 * As refcache_holder_get(), but the reference is taken through @from's weak
 * link to @to. May sleep.
 *
 * Return: as refcache_follow(), or -ENOMEM as refcache_holder_get(), with
 * nothing changed.
 */
int refcache_holder_follow(struct refcache_holders *hs,
			   struct refcache_holder *h, u32 from, u32 to)
{
	struct refcache_hold *spare = NULL;
	int ret;

	mutex_lock(&hs->lock);
	if (!refcache_hold_find(hs, h, to)) {
		if (refcache_holder_room(hs, h, 1))
			spare = kmem_cache_alloc(hs->cache, GFP_KERNEL);
		if (!spare) {
			ret = -ENOMEM;
			goto unlock;
		}
	}
	ret = refcache_follow(hs->rc, from, to);
	if (ret > 0)
		refcache_hold_take(hs, h, to, &spare);
unlock:
	mutex_unlock(&hs->lock);
	if (spare)
		kmem_cache_free(hs->cache, spare);
	return ret;
}
EXPORT_SYMBOL_GPL(refcache_holder_follow);

/**
 * refcache_holder_put() - refcache_put_id() on behalf of a holder
 * @hs: the holders
 * @h: an open holder
 * @id: the object
 *
 * The reference dropped is one of @h's if it holds any; else an orphaned
 * one, else the oldest other holder's (include/refcache_holders.h). May
 * sleep; a final put releases the object before this returns.
 *
 * Return: as refcache_put_id(), or -EPERM in strict mode when @h holds no
 * reference on @id, with nothing changed.
 */
int refcache_holder_put(struct refcache_holders *hs,
			struct refcache_holder *h, u32 id)
{
	struct refcache_hold *hold;
	int ret;

	mutex_lock(&hs->lock);
	hold = refcache_hold_find(hs, h, id);
	if (!hold && READ_ONCE(hs->strict)) {
		ret = -EPERM;
		goto unlock;
	}
	if (!hold)
		hold = refcache_hold_other(hs, id);
	ret = refcache_put_id(hs->rc, id);
	if (ret >= 0 && hold)
		refcache_hold_drop(hs, hold);
unlock:
	mutex_unlock(&hs->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(refcache_holder_put);

static int refcache_held_by_cmp(const void *a, const void *b)
{
	const struct refcache_held_by *x = a, *y = b;

	return x->holder < y->holder ? -1 : x->holder > y->holder;
}

/**
 * refcache_holders_next() - the next line of the holders view
 * @hs: the holders
 * @pos: as for refcache_find_next(): where to start, set to the object's
 *	position
 * @held: receives the first object at or after *@pos with outside
 *	references: its id, those references, the orphaned ones and how many
 *	open holders hold the rest
 * @by: receives those holders, by number, if @held->nr_by <= @max
 * @max: room in @by
 *
 * Read under the holders' lock, so @held->refs is always @held->orphaned
 * plus the counts of @by, unless something besides @hs changed the
 * table's outside references. If @held->nr_by exceeds @max, call again at
 * the same *@pos with more room. May sleep.
 *
 * Return: 0, or -ENOENT when no object at or after *@pos has outside
 * references.
 */
int refcache_holders_next(struct refcache_holders *hs, u32 *pos,
			  struct refcache_held *held,
			  struct refcache_held_by *by, unsigned int max)
{
	struct refcache_hold *hold;
	int ret;

	mutex_lock(&hs->lock);
	ret = refcache_next_outside(hs->rc, pos, &held->id, &held->refs);
	if (ret)
		goto unlock;
	held->orphaned = 0;
	held->nr_by = 0;
	hlist_for_each_entry(hold, refcache_holds_bucket(hs, held->id), by_id) {
		const struct refcache_holder *h = hold->holder;

		if (hold->id != held->id)
			continue;
		if (h->closed) {
			held->orphaned += hold->count;
			continue;
		}
		if (held->nr_by < max) {
			by[held->nr_by].holder = h->number;
			by[held->nr_by].pid = h->pid;
			memcpy(by[held->nr_by].comm, h->comm, sizeof(h->comm));
			by[held->nr_by].count = hold->count;
		}
		held->nr_by++;
	}
	if (held->nr_by <= max)
		sort(by, held->nr_by, sizeof(*by), refcache_held_by_cmp, NULL);
unlock:
	mutex_unlock(&hs->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(refcache_holders_next);
