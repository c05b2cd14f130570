// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests that race refcache operations from kthreads.
 *
 * A KASAN or lockdep report from a kthread does not fail the case that
 * started it, so every case here also checks, at its end, that the kernel
 * was not tainted by a bad-page (KASAN), warning or oops report and that
 * lockdep is still running. Under UML there is one CPU but the kernel is
 * preemptible, so the threads do interleave.
 */
#include <kunit/test.h>
#include <linux/debug_locks.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/panic.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "refcache.h"
#include "refcache_kunit.h"

#define RACE_WORKERS	4
#define RACE_IDS	64

/**
 * struct refcache_race - state shared by one case's threads
 * @rc: the table they hammer
 * @ids: the ids the threads aim at: for the lookup race, the current and
 *	the previous batch of the creating thread, which rewrites them
 *	(WRITE_ONCE) while the others run; else objects that stay live
 * @rounds: how many rounds each worker runs
 * @started: workers that have started, for those that number themselves
 * @errors: results no correct implementation can return
 * @gets: successful gets, summed
 * @misses: -ENOENT results, summed
 */
struct refcache_race {
	struct refcache rc;
	u32 ids[2 * RACE_IDS];
	unsigned int rounds;
	atomic_t started;
	atomic_t errors;
	atomic_t gets;
	atomic_t misses;
};

/* What KASAN, WARN and oops reports leave behind, even from a kthread. */
static const unsigned int refcache_bad_taints[] = {
	TAINT_BAD_PAGE, TAINT_WARN, TAINT_DIE,
};

static bool refcache_kernel_tainted(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(refcache_bad_taints); i++) {
		if (test_taint(refcache_bad_taints[i]))
			return true;
	}
	return false;
}

/*
 * Taints cannot be cleared: on a kernel that is already tainted these cases
 * could not notice a report of their own, so they fail instead of passing
 * blind.
 */
static int refcache_race_init(struct kunit *test)
{
	KUNIT_ASSERT_FALSE_MSG(test, refcache_kernel_tainted(),
			       "kernel already tainted: kthread reports would go unseen");
	return 0;
}

static void refcache_race_exit(struct kunit *test)
{
	KUNIT_EXPECT_FALSE_MSG(test, refcache_kernel_tainted(),
			       "a kthread triggered a KASAN, WARN or oops report");
	KUNIT_EXPECT_TRUE_MSG(test, debug_locks, "lockdep reported a problem");
}

static u32 refcache_xorshift(u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Thread: get and put random ids; they may die under it at any moment. */
static int refcache_race_getter(void *data)
{
	struct refcache_race *r = data;
	u32 seed = (u32)(unsigned long)current ^ 0x2545f491;
	unsigned int i;

	for (i = 0; i < r->rounds && !kthread_should_stop(); i++) {
		/* Before the first batch, 0: never an id. */
		u32 id = READ_ONCE(r->ids[refcache_xorshift(&seed) % (2 * RACE_IDS)]);
		int ret = refcache_get_id(&r->rc, id);

		if (ret == -ENOENT) {
			atomic_inc(&r->misses);
		} else if (ret < 2) {
			/* We raced the owner's put: we must see it still held. */
			atomic_inc(&r->errors);
		} else {
			atomic_inc(&r->gets);
			if (refcache_put_id(&r->rc, id) < 0)
				atomic_inc(&r->errors);
		}
		if (!(i % 64))
			cond_resched();
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static void refcache_race_stop(struct task_struct **tasks, unsigned int n)
{
	while (n--)
		kthread_stop(tasks[n]);
}

static struct refcache_race *refcache_race_setup(struct kunit *test,
						 unsigned int rounds)
{
	struct refcache_race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_EQ(test, refcache_kunit_table(&r->rc, REFCACHE_MAX_REFS_LIMIT,
						   0, NULL, NULL), 0);
	r->rounds = rounds;
	return r;
}

/*
 * Getters race against this thread, which keeps creating the objects they
 * look up and dropping them to zero. They aim at the ids of the current and
 * the previous batch, so they hit live, dying and dead objects, and, once
 * freed slots are used again, dead ids whose slot holds a newer object.
 * Every get must either find the live object of that id or fail with
 * -ENOENT, and every object must be released exactly once.
 */
static void refcache_lookups_race_final_puts(struct kunit *test)
{
	struct refcache_race *r = refcache_race_setup(test, 20000);
	struct task_struct *tasks[RACE_WORKERS];
	long slab_before = refcache_slab_objects();
	struct refcache_stats st;
	u32 ids[RACE_IDS], reused = 0;
	unsigned int i, j, n = 0;
	int round;

	for (i = 0; i < RACE_WORKERS; i++) {
		tasks[i] = kthread_run(refcache_race_getter, r, "refcache-get/%u", i);
		if (IS_ERR(tasks[i]))
			break;
		n++;
	}
	if (n != RACE_WORKERS) {
		KUNIT_FAIL(test, "could not start the getters");
		goto stop;
	}

	for (round = 0; round < 200; round++) {
		if (refcache_create_batch(&r->rc, RACE_IDS, ids)) {
			KUNIT_FAIL(test, "create failed in round %d", round);
			break;
		}
		/* This batch replaces the one before the previous. */
		for (j = 0; j < RACE_IDS; j++) {
			WRITE_ONCE(r->ids[(round % 2) * RACE_IDS + j], ids[j]);
			reused += ids[j] >= REFCACHE_SLOTS;
		}
		/*
		 * Let the getters run while these objects are live: on one CPU
		 * they may otherwise only ever see dead ones.
		 */
		usleep_range(20, 50);
		/* Drop the creator's references; getters may hold others. */
		for (j = 0; j < RACE_IDS; j++) {
			if (refcache_put_id(&r->rc, ids[j]) < 0)
				atomic_inc(&r->errors);
		}
		cond_resched();
	}
stop:
	refcache_race_stop(tasks, n);
	refcache_quiesce();
	refcache_stats(&r->rc, &st);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->errors), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&r->gets), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&r->misses), 0);
	/* Some slots were used again: stale ids met newer objects. */
	KUNIT_EXPECT_GT(test, reused, 0U);
	KUNIT_EXPECT_EQ(test, st.live, 0L);
	KUNIT_EXPECT_EQ(test, st.created, 200UL * RACE_IDS);
	KUNIT_EXPECT_EQ(test, st.freed, st.created);
	KUNIT_EXPECT_EQ(test, refcache_slab_objects(), slab_before);
	KUNIT_EXPECT_EQ(test, refcache_destroy(&r->rc), 0UL);
}

/* Thread: take and drop references on every shared object, in pairs. */
static int refcache_race_pairs(void *data)
{
	struct refcache_race *r = data;
	unsigned int i, j;

	for (i = 0; i < r->rounds && !kthread_should_stop(); i++) {
		for (j = 0; j < RACE_IDS; j++) {
			if (refcache_get_id(&r->rc, r->ids[j]) < 2)
				atomic_inc(&r->errors);
		}
		for (j = 0; j < RACE_IDS; j++) {
			if (refcache_put_id(&r->rc, r->ids[j]) < 1)
				atomic_inc(&r->errors);
		}
		cond_resched();
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/* Balanced gets and puts from many threads leave every count where it was. */
static void refcache_concurrent_get_put_is_exact(struct kunit *test)
{
	struct refcache_race *r = refcache_race_setup(test, 300);
	struct task_struct *tasks[RACE_WORKERS];
	struct refcache_stats st;
	unsigned int i, n = 0;

	KUNIT_ASSERT_EQ(test, refcache_create_batch(&r->rc, RACE_IDS, r->ids), 0);
	for (i = 0; i < RACE_WORKERS; i++) {
		tasks[i] = kthread_run(refcache_race_pairs, r, "refcache-pair/%u", i);
		if (IS_ERR(tasks[i]))
			break;
		n++;
	}
	/* Wait until every worker finished its rounds, then stop them. */
	for (i = 0; i < 1000; i++) {
		refcache_stats(&r->rc, &st);
		if (st.puts == (unsigned long)n * r->rounds * RACE_IDS)
			break;
		msleep(20);
	}
	refcache_race_stop(tasks, n);
	KUNIT_ASSERT_EQ(test, n, RACE_WORKERS);

	refcache_stats(&r->rc, &st);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->errors), 0);
	KUNIT_EXPECT_EQ(test, st.gets, (unsigned long)n * r->rounds * RACE_IDS);
	KUNIT_EXPECT_EQ(test, st.puts, st.gets);
	for (i = 0; i < RACE_IDS; i++)
		KUNIT_EXPECT_EQ(test, refcache_put_id(&r->rc, r->ids[i]), 0);
	KUNIT_EXPECT_EQ(test, refcache_destroy(&r->rc), 0UL);
}

/* Thread: create batches; the ids every thread got must never collide. */
static int refcache_race_creator(void *data)
{
	struct refcache_race *r = data;
	u32 ids[16];
	unsigned int i;

	for (i = 0; i < r->rounds && !kthread_should_stop(); i++) {
		if (refcache_create_batch(&r->rc, ARRAY_SIZE(ids), ids))
			atomic_inc(&r->errors);
		cond_resched();
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static void refcache_concurrent_creates_get_unique_ids(struct kunit *test)
{
	struct refcache_race *r = refcache_race_setup(test, 200);
	const unsigned long total = RACE_WORKERS * 200 * 16;
	struct task_struct *tasks[RACE_WORKERS];
	struct refcache_obj *obj;
	struct refcache_stats st;
	unsigned long listed = 0, misplaced = 0;
	unsigned int i, n = 0;
	u32 pos = 0;

	for (i = 0; i < RACE_WORKERS; i++) {
		tasks[i] = kthread_run(refcache_race_creator, r, "refcache-new/%u", i);
		if (IS_ERR(tasks[i]))
			break;
		n++;
	}
	for (i = 0; i < 1000; i++) {
		refcache_stats(&r->rc, &st);
		if (st.created == total)
			break;
		msleep(20);
	}
	refcache_race_stop(tasks, n);
	KUNIT_ASSERT_EQ(test, n, RACE_WORKERS);

	KUNIT_EXPECT_EQ(test, atomic_read(&r->errors), 0);
	KUNIT_EXPECT_EQ(test, st.created, total);
	/*
	 * Distinct ids: the table holds as many objects as were created, each
	 * in the slot its id names.
	 */
	rcu_read_lock();
	for (; (obj = refcache_find_next(&r->rc, &pos)); pos++) {
		listed++;
		misplaced += (refcache_obj_id(obj) & (REFCACHE_SLOTS - 1)) != pos;
	}
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, listed, total);
	KUNIT_EXPECT_EQ(test, misplaced, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_destroy(&r->rc), total);
}

/*
 * Thread: take and drop outside references on every shared object, by id or
 * (odd threads) through a lookup and the pointer. The object always keeps
 * the test's own reference, so a put must answer >= 1: an -EBUSY would be
 * a graph operation's pin or link taken for an outside reference.
 */
static int refcache_race_outside(void *data)
{
	struct refcache_race *r = data;
	bool by_pointer = atomic_inc_return(&r->started) % 2;
	struct refcache_obj *obj;
	unsigned int i, j;
	int ret;

	for (i = 0; i < r->rounds && !kthread_should_stop(); i++) {
		for (j = 0; j < RACE_IDS; j++) {
			if (by_pointer) {
				obj = refcache_lookup(&r->rc, r->ids[j]);
				if (IS_ERR(obj)) {
					atomic_inc(&r->errors);
					continue;
				}
				ret = refcache_put(obj);
			} else {
				ret = refcache_get_id(&r->rc, r->ids[j]);
				if (ret < 2) {
					atomic_inc(&r->errors);
					continue;
				}
				ret = refcache_put_id(&r->rc, r->ids[j]);
			}
			if (ret == -EBUSY)
				atomic_inc(&r->misses);
			else if (ret < 1)
				atomic_inc(&r->errors);
			else
				atomic_inc(&r->gets);
		}
		cond_resched();
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/*
 * Thread: link and unlink random pairs of the shared objects (each link
 * dropped again in the same step), with a collection now and then, until
 * told to stop. Every object is held from outside, so nothing is garbage.
 */
static int refcache_race_linker(void *data)
{
	struct refcache_race *r = data;
	u32 seed = (u32)(unsigned long)current ^ 0x9e3779b9;
	unsigned int i;

	for (i = 0; !kthread_should_stop(); i++) {
		u32 a = r->ids[refcache_xorshift(&seed) % RACE_IDS];
		u32 b = r->ids[refcache_xorshift(&seed) % RACE_IDS];

		if (refcache_link(&r->rc, a, b) < 2 ||
		    refcache_unlink(&r->rc, a, b) < 1)
			atomic_inc(&r->errors);
		if (!(i % 64) && refcache_gc(&r->rc, false))
			atomic_inc(&r->errors);
		cond_resched();
	}
	return 0;
}

/*
 * Outside gets and puts race links, unlinks and the collector on the same
 * objects. Every put of a reference the thread took succeeds: none sees the
 * -EBUSY that its lockless check may return while a graph operation has
 * the object pinned (that put is repeated under graph_lock).
 */
static void refcache_outside_puts_never_see_pins(struct kunit *test)
{
	struct refcache_race *r = refcache_race_setup(test, 200);
	const unsigned int outside = RACE_WORKERS - 1;
	struct task_struct *tasks[RACE_WORKERS];
	struct refcache_stats st;
	const int want = outside * r->rounds * RACE_IDS;
	unsigned int i, n = 0;

	KUNIT_ASSERT_EQ(test, refcache_create_batch(&r->rc, RACE_IDS, r->ids), 0);
	for (i = 0; i < RACE_WORKERS; i++) {
		if (i < outside)
			tasks[i] = kthread_run(refcache_race_outside, r,
					       "refcache-out/%u", i);
		else
			tasks[i] = kthread_run(refcache_race_linker, r,
					       "refcache-link/%u", i);
		if (IS_ERR(tasks[i]))
			break;
		n++;
	}
	for (i = 0; i < 1000 && n == RACE_WORKERS; i++) {
		if (atomic_read(&r->gets) + atomic_read(&r->misses) +
		    atomic_read(&r->errors) >= want)
			break;
		msleep(20);
	}
	refcache_race_stop(tasks, n);
	KUNIT_ASSERT_EQ(test, n, RACE_WORKERS);

	refcache_stats(&r->rc, &st);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->errors), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->misses), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->gets), want);
	KUNIT_EXPECT_GT(test, st.gc_runs, 0UL);
	KUNIT_EXPECT_EQ(test, st.gc_collected, 0UL);
	KUNIT_EXPECT_EQ(test, st.links, 0UL);
	/* Links and pins gave back every reference they took. */
	for (i = 0; i < RACE_IDS; i++)
		KUNIT_EXPECT_EQ(test, refcache_put_id(&r->rc, r->ids[i]), 0);
	KUNIT_EXPECT_EQ(test, refcache_destroy(&r->rc), 0UL);
}

static struct kunit_case refcache_concurrency_test_cases[] = {
	KUNIT_CASE_SLOW(refcache_lookups_race_final_puts),
	KUNIT_CASE_SLOW(refcache_concurrent_get_put_is_exact),
	KUNIT_CASE_SLOW(refcache_concurrent_creates_get_unique_ids),
	KUNIT_CASE_SLOW(refcache_outside_puts_never_see_pins),
	{}
};

static struct kunit_suite refcache_concurrency_test_suite = {
	.name = "refcache_concurrency",
	.init = refcache_race_init,
	.exit = refcache_race_exit,
	.test_cases = refcache_concurrency_test_cases,
};

kunit_test_suite(refcache_concurrency_test_suite);
