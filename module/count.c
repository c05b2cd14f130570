// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: counting objects - the live count, its peak, and max_objects.
 *
 * Every create and every free changes these, on any CPU, so none of them
 * is a shared atomic on that path: each CPU keeps its own parts (struct
 * refcache_pcpu), under its local lock, and meets the others in a shared
 * counter only once per batch of changes.
 *
 * The limit: credits.
 *
 *   max_objects = budget + the CPUs' credits + objects
 *
 * refcache.budget is what the limit still allows; a CPU takes
 * REFCACHE_CREDIT_BATCH of it at a time as credits of its own
 * (refcache_charge_slow()), spends one per create and gains one per free
 * (refcache_charge(), refcache_credit_give()), and gives a batch back when
 * it holds more than two. A create that finds too few credits and too little
 * budget cannot tell "the limit is reached" from "the other CPUs hold what
 * is missing", so it makes the table tight: refcache.limit_tight is set, a
 * grace period lets every per-CPU section that still saw it clear finish,
 * and the credits are then drained into the budget (refcache_limit_tighten()).
 * While the table is tight, creates and frees take from and give to the
 * budget itself, which is then exact: a create fails with -ENOMEM if and
 * only if it would take the objects (with the creates in flight) above
 * max_objects. A tight table loosens once the budget is back above
 * REFCACHE_LOOSEN_AT, when CPUs may hold credits again.
 *
 *   state   create                          free
 *   loose   credit (one batch in 64: budget) credit (one batch in 64: budget)
 *   tight   budget (an atomic)              budget (an atomic)
 *
 * A table with no limit has REFCACHE_UNLIMITED, more than its ids, and stays
 * loose; one within a few hundred objects of its limit is tight and pays an
 * atomic per create and per free, the price of an exact limit.
 *
 * The grace period is what makes draining another CPU's credits safe: a
 * CPU's lock is a local_lock, which disables preemption (or, on PREEMPT_RT,
 * is a spinlock, which is an RCU reader there), so every section is an RCU
 * read-side critical section. One that saw limit_tight clear ends before
 * synchronize_rcu() returns; one that ends after it began after the flag
 * was set, and sees it. Tight sections never touch the credits.
 *
 * The peak: lower bounds.
 *
 *   objects = refcache.live + the CPUs' parts
 *
 * A CPU's part (struct refcache_pcpu.live) counts creates and frees on it;
 * at REFCACHE_LIVE_BATCH it folds all but half into refcache.live
 * (refcache_live_fold()), and a free that finds it at 0 first borrows half
 * a batch back (refcache_live_borrow()). So no part is ever negative, and
 * refcache.live plus one CPU's part never exceeds the number of objects: at
 * every create that is the peak's candidate (refcache_live_add()). The
 * peak never reads high; it is exact while only one CPU is at work, and
 * reads low by up to REFCACHE_LIVE_BATCH - 1 for each other CPU's part.
 *
 * The live count of the statistics (refcache_live()) is created minus freed,
 * summed over the CPUs with every "created" read before any "freed": never
 * above the number of objects at the moment between the two, exact at rest.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>

#include "refcache.h"
#include "refcache_internal.h"

static long refcache_limit_of(unsigned int max_objects)
{
	return max_objects ? max_objects : REFCACHE_UNLIMITED;
}

/**
 * refcache_count_init() - the counters of a new table
 * @rc: the table, its per-CPU part allocated and zeroed
 * @max_objects: its limit (0: none)
 */
void refcache_count_init(struct refcache *rc, unsigned int max_objects)
{
	mutex_init(&rc->limit_lock);
	rc->max_objects = max_objects;
	atomic_long_set(&rc->budget, refcache_limit_of(max_objects));
	rc->limit_tight = atomic_long_read(&rc->budget) < REFCACHE_LOOSEN_AT;
	atomic_long_set(&rc->live, 0);
}

/* Take @n from the budget if it holds that much. */
static bool refcache_budget_take(struct refcache *rc, long n)
{
	long b = atomic_long_read(&rc->budget);

	do {
		if (b < n)
			return false;
	} while (!atomic_long_try_cmpxchg(&rc->budget, &b, b - n));
	return true;
}

/*
 * Under limit_lock: make the table tight, and its budget exact. Sleeps for
 * a grace period if it was loose.
 */
static void refcache_limit_tighten(struct refcache *rc)
{
	int cpu;

	lockdep_assert_held(&rc->limit_lock);
	if (rc->limit_tight)
		return;
	WRITE_ONCE(rc->limit_tight, true);
	/* Every per-CPU section that saw the table loose has ended (top). */
	synchronize_rcu();
	for_each_possible_cpu(cpu) {
		struct refcache_pcpu *p = per_cpu_ptr(rc->pcpu, cpu);

		atomic_long_add(p->credit, &rc->budget);
		p->credit = 0;
	}
}

/* Under limit_lock: loosen a tight table if its budget allows. */
static void refcache_limit_try_loosen(struct refcache *rc)
{
	lockdep_assert_held(&rc->limit_lock);
	if (rc->limit_tight &&
	    atomic_long_read(&rc->budget) >= REFCACHE_LOOSEN_AT)
		/*
		 * Release: pairs with the acquire of the CPUs' sections, so
		 * that one that sees the table loose sees its credits drained.
		 */
		smp_store_release(&rc->limit_tight, false);
}

/**
 * refcache_charge_slow() - refcache_charge() without the credits for it
 * @rc: the table
 * @n: objects about to be created
 *
 * Refills this CPU's credits from the budget, with a batch to spare if
 * there is one; or, tight, takes @n from the budget itself. If the budget
 * is short, makes the table tight, which drains every CPU's credits into
 * it, and decides from what is then exact.
 *
 * Return: 0, or -ENOMEM if the limit does not allow @n more.
 */
int refcache_charge_slow(struct refcache *rc, unsigned int n)
{
	struct refcache_pcpu *p;
	bool ok;

	local_lock(&rc->pcpu->lock);
	p = this_cpu_ptr(rc->pcpu);
	/* Pairs with refcache_limit_try_loosen(): no stale credits. */
	if (smp_load_acquire(&rc->limit_tight)) {
		ok = refcache_budget_take(rc, n);
	} else if (p->credit >= n) {
		/* Loosened since refcache_charge() looked. */
		p->credit -= n;
		ok = true;
	} else {
		long missing = n - p->credit;

		ok = refcache_budget_take(rc, missing + REFCACHE_CREDIT_BATCH);
		if (ok) {
			p->credit = REFCACHE_CREDIT_BATCH;
		} else {
			ok = refcache_budget_take(rc, missing);
			if (ok)
				p->credit = 0;
		}
	}
	local_unlock(&rc->pcpu->lock);
	if (ok)
		return 0;

	/* Exact: no credits anywhere while limit_lock keeps the table tight. */
	mutex_lock(&rc->limit_lock);
	refcache_limit_tighten(rc);
	ok = refcache_budget_take(rc, n);
	mutex_unlock(&rc->limit_lock);
	return ok ? 0 : -ENOMEM;
}

/* Under the CPU's lock, loose, with more than two batches: give one back. */
void refcache_credit_spill(struct refcache *rc, struct refcache_pcpu *p)
{
	p->credit -= REFCACHE_CREDIT_BATCH;
	atomic_long_add(REFCACHE_CREDIT_BATCH, &rc->budget);
}

/**
 * refcache_limit_loosen() - a tight table's budget grew: loosen it if it may
 * @rc: the table
 *
 * Called after a free of a tight table, with no lock held; does nothing
 * unless the budget reached REFCACHE_LOOSEN_AT and limit_lock is free.
 */
void refcache_limit_loosen(struct refcache *rc)
{
	if (atomic_long_read(&rc->budget) < REFCACHE_LOOSEN_AT ||
	    !mutex_trylock(&rc->limit_lock))
		return;
	refcache_limit_try_loosen(rc);
	mutex_unlock(&rc->limit_lock);
}

/**
 * refcache_set_max_objects() - change a table's limit
 * @rc: the table
 * @max_objects: most live objects from now on, 0 for no limit
 *
 * Takes effect at once and exactly: creates fail with -ENOMEM while they
 * would take the objects above it, also when there are already more (until
 * puts bring them below). Existing objects are not touched. May sleep (for
 * a grace period).
 */
void refcache_set_max_objects(struct refcache *rc, unsigned int max_objects)
{
	mutex_lock(&rc->limit_lock);
	refcache_limit_tighten(rc);
	atomic_long_add(refcache_limit_of(max_objects) -
			refcache_limit_of(rc->max_objects), &rc->budget);
	WRITE_ONCE(rc->max_objects, max_objects);
	refcache_limit_try_loosen(rc);
	mutex_unlock(&rc->limit_lock);
}
EXPORT_SYMBOL_GPL(refcache_set_max_objects);

/* Under the CPU's lock: fold all but half a batch into refcache.live. */
void refcache_live_fold(struct refcache *rc, struct refcache_pcpu *p)
{
	long keep = REFCACHE_LIVE_BATCH / 2;

	atomic_long_add(p->live - keep, &rc->live);
	p->live = keep;
}

/*
 * Under the CPU's lock, freeing with its part at 0: borrow half a batch
 * from refcache.live first (which only lowers the others' bounds), then
 * count the free in the part.
 */
void refcache_live_borrow(struct refcache *rc, struct refcache_pcpu *p)
{
	long half = REFCACHE_LIVE_BATCH / 2;

	atomic_long_sub(half, &rc->live);
	p->live = half - 1;
}

/**
 * refcache_live() - the number of objects in a table, never overstated
 * @rc: the table
 *
 * Return: objects created minus objects freed, every CPU's "created" read
 * before any "freed" (top of file).
 */
long refcache_live(struct refcache *rc)
{
	long live = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		live += READ_ONCE(per_cpu_ptr(rc->pcpu, cpu)->created);
	/* Frees read after creates: a free counted has its create counted. */
	smp_rmb();
	for_each_possible_cpu(cpu)
		live -= READ_ONCE(per_cpu_ptr(rc->pcpu, cpu)->freed);
	return live;
}
