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
#include <linux/kthread.h>
#include <linux/panic.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "refcache.h"

#define RACE_WORKERS	4
#define RACE_IDS	64

/**
 * struct refcache_race - state shared by one case's threads
 * @rc: the table they hammer
 * @base: first id the threads aim at; the creating thread moves it
 *	(WRITE_ONCE) while they run
 * @rounds: how many rounds each worker runs
 * @errors: results no correct implementation can return
 * @gets: successful gets, summed
 * @misses: -ENOENT results, summed
 */
struct refcache_race {
	struct refcache rc;
	u32 base;
	unsigned int rounds;
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
		u32 id = READ_ONCE(r->base) +
			 refcache_xorshift(&seed) % (2 * RACE_IDS);
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
	KUNIT_ASSERT_EQ(test, refcache_init(&r->rc, REFCACHE_MAX_REFS_LIMIT, NULL), 0);
	r->rounds = rounds;
	return r;
}

/*
 * Getters race against this thread, which keeps creating the objects they
 * look up and dropping them to zero. They aim at the current and the
 * previous window of ids, so they hit live, dying and dead objects. Every
 * get must either find a live object or fail with -ENOENT, and every object
 * must be released exactly once.
 */
static void refcache_lookups_race_final_puts(struct kunit *test)
{
	struct refcache_race *r = refcache_race_setup(test, 20000);
	struct task_struct *tasks[RACE_WORKERS];
	long slab_before = refcache_slab_objects();
	struct refcache_stats st;
	u32 ids[RACE_IDS];
	unsigned int i, j, n = 0;
	int round;

	r->base = 1;
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
		WRITE_ONCE(r->base, ids[0] > RACE_IDS ? ids[0] - RACE_IDS : 1);
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
			if (refcache_get_id(&r->rc, r->base + j) < 2)
				atomic_inc(&r->errors);
		}
		for (j = 0; j < RACE_IDS; j++) {
			if (refcache_put_id(&r->rc, r->base + j) < 1)
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
	u32 ids[RACE_IDS];
	unsigned int i, n = 0;

	KUNIT_ASSERT_EQ(test, refcache_create_batch(&r->rc, RACE_IDS, ids), 0);
	r->base = ids[0];
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
		KUNIT_EXPECT_EQ(test, refcache_put_id(&r->rc, ids[i]), 0);
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
	unsigned long listed = 0;
	unsigned int i, n = 0;
	u32 id = 0;

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
	/* Distinct ids: the table holds as many objects as were created. */
	rcu_read_lock();
	while ((obj = refcache_find_next(&r->rc, &id))) {
		listed++;
		if (id == U32_MAX)
			break;
		id++;
	}
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, listed, total);
	KUNIT_EXPECT_EQ(test, refcache_destroy(&r->rc), total);
}

static struct kunit_case refcache_concurrency_test_cases[] = {
	KUNIT_CASE_SLOW(refcache_lookups_race_final_puts),
	KUNIT_CASE_SLOW(refcache_concurrent_get_put_is_exact),
	KUNIT_CASE_SLOW(refcache_concurrent_creates_get_unique_ids),
	{}
};

static struct kunit_suite refcache_concurrency_test_suite = {
	.name = "refcache_concurrency",
	.init = refcache_race_init,
	.exit = refcache_race_exit,
	.test_cases = refcache_concurrency_test_cases,
};

kunit_test_suite(refcache_concurrency_test_suite);
