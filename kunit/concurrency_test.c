// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests that race refcache operations from kthreads, and that run
 * steps of one case on different CPUs.
 *
 * Each case asserts only what every interleaving guarantees. Where it also
 * asserts that the race it is about took place (getters saw live objects
 * and dead ones, the linker ran among the outside gets and puts), it does
 * not hope the scheduler made that happen: it waits for the other side to
 * report it (a completion, or a count it waits on), on one CPU as on many.
 * Nothing sleeps for a while in the hope that the others ran meanwhile.
 * The waits have a deadline, far beyond what any run needs, so that a
 * case whose threads never answer fails instead of hanging.
 *
 * Every case gets the suite's fixture: a table of its own, made by .init,
 * and the threads the case starts, which .exit stops before it destroys
 * the table, so a failed assertion (which ends the case at once) leaves
 * neither threads running nor the table behind.
 *
 * A KASAN or lockdep report from a kthread does not fail the case that
 * started it, so .exit also checks that the kernel was not tainted by a
 * bad-page (KASAN), warning or oops report and that lockdep is still
 * running. Under UML there is one CPU but the kernel is preemptible, so the
 * threads do interleave; under QEMU there are two.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debug_locks.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/panic.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "refcache.h"
#include "refcache_kunit.h"

#define RACE_WORKERS	4
#define RACE_IDS	64
/* Batches the lookup race creates and drops. */
#define RACE_BATCHES	200
/* Longest wait for the other side: beyond any run, within KUnit's timeout. */
#define RACE_DEADLINE	(120 * HZ)

/**
 * struct refcache_race - one case's table and the state its threads share
 * @rc: the table they hammer
 * @name: the name of its cache, for refcache_kunit_slub_objects()
 * @destroyed: @rc is not there (yet) to destroy: the case destroyed it
 *	itself, or .init failed before it was made
 * @tasks: the threads the case started, stopped by .exit
 * @nr_tasks: how many
 * @ids: the ids the threads aim at: for the lookup race, the current and
 *	the previous batch of the creating thread, which rewrites them
 *	(WRITE_ONCE) while the others run; else objects that stay live
 * @rounds: how many rounds each worker runs
 * @nr_workers: the threads that report to @finished when their rounds are
 *	done
 * @started: workers that have started, for those that number themselves
 * @done: workers that have run all their rounds
 * @finished: completed when @done reaches @nr_workers
 * @errors: results no correct implementation can return
 * @gets: successful gets, summed
 * @misses: -ENOENT results (-EBUSY for the outside puts), summed
 * @want_hit: the lookup race's creator waits for a getter to find a live
 *	object; the first getter that does clears it and completes @hit
 * @want_miss: the same for a getter that found a dead one, and @miss
 * @hit: see @want_hit
 * @miss: see @want_miss
 * @steps: link/unlink steps the linker finished
 * @step_wait: where the outside workers wait for the next step
 */
struct refcache_race {
	struct refcache rc;
	char name[REFCACHE_KUNIT_NAME_LEN];
	bool destroyed;
	struct task_struct *tasks[RACE_WORKERS];
	unsigned int nr_tasks;
	u32 ids[2 * RACE_IDS];
	unsigned int rounds;
	unsigned int nr_workers;
	atomic_t started;
	atomic_t done;
	struct completion finished;
	atomic_t errors;
	atomic_t gets;
	atomic_t misses;
	bool want_hit;
	bool want_miss;
	struct completion hit;
	struct completion miss;
	atomic_t steps;
	wait_queue_head_t step_wait;
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
	struct refcache_race *r;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	/* .exit runs after a failed .init too: it must know what exists. */
	r->destroyed = true;
	test->priv = r;
	KUNIT_ASSERT_FALSE_MSG(test, refcache_kernel_tainted(),
			       "kernel already tainted: kthread reports would go unseen");
	init_completion(&r->finished);
	init_completion(&r->hit);
	init_completion(&r->miss);
	init_waitqueue_head(&r->step_wait);
	KUNIT_ASSERT_EQ(test, refcache_kunit_table(&r->rc, REFCACHE_MAX_REFS_LIMIT,
						   0, NULL, r->name), 0);
	r->destroyed = false;
	return 0;
}

/* Stop every thread the case started, the last started first. */
static void refcache_race_stop(struct kunit *test)
{
	struct refcache_race *r = test->priv;

	while (r->nr_tasks)
		kthread_stop(r->tasks[--r->nr_tasks]);
}

/* Stops the case's threads, then destroys its table: also after a failure. */
static void refcache_race_exit(struct kunit *test)
{
	struct refcache_race *r = test->priv;

	if (!r)
		return;
	refcache_race_stop(test);
	if (!r->destroyed)
		refcache_destroy(&r->rc);
	KUNIT_EXPECT_FALSE_MSG(test, refcache_kernel_tainted(),
			       "a kthread triggered a KASAN, WARN or oops report");
	KUNIT_EXPECT_TRUE_MSG(test, debug_locks, "lockdep reported a problem");
}

/*
 * Start @n threads running @fn, named "refcache-@what/N"; fails the case if
 * one cannot start. Every thread runs until it is told to stop (workers
 * wait for that once they have reported to r->finished), so the case and
 * .exit may stop them whether or not they are done.
 */
static void refcache_race_start(struct kunit *test, int (*fn)(void *),
				const char *what, unsigned int n)
{
	struct refcache_race *r = test->priv;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct task_struct *t;

		KUNIT_ASSERT_LT(test, r->nr_tasks, (unsigned int)RACE_WORKERS);
		t = kthread_run(fn, r, "refcache-%s/%u", what, i);
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(t), "could not start %s thread %u",
				       what, i);
		r->tasks[r->nr_tasks++] = t;
	}
}

/* Thread side: one worker ran its rounds; then wait to be stopped. */
static int refcache_race_worker_done(struct refcache_race *r)
{
	if (atomic_inc_return(&r->done) == r->nr_workers)
		complete(&r->finished);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/* Wait until every worker ran all its rounds. */
static void refcache_race_wait_workers(struct kunit *test)
{
	struct refcache_race *r = test->priv;

	KUNIT_ASSERT_NE_MSG(test,
			    wait_for_completion_timeout(&r->finished, RACE_DEADLINE),
			    0UL, "%d of %u workers finished",
			    atomic_read(&r->done), r->nr_workers);
}

static u32 refcache_xorshift(u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Report the first result of a kind the creator waits for (@want, @seen). */
static void refcache_race_report(bool *want, struct completion *seen)
{
	if (READ_ONCE(*want) && xchg(want, false))
		complete(seen);
}

/*
 * Thread: get and put random ids of the current and the previous batch
 * until stopped; they may die under it at any moment.
 */
static int refcache_race_getter(void *data)
{
	struct refcache_race *r = data;
	u32 seed = (u32)(unsigned long)current ^ 0x2545f491;
	unsigned int i;

	for (i = 0; !kthread_should_stop(); i++) {
		/* Before the first batch, 0: never an id. */
		u32 id = READ_ONCE(r->ids[refcache_xorshift(&seed) % (2 * RACE_IDS)]);
		int ret = refcache_get_id(&r->rc, id);

		if (ret == -ENOENT) {
			atomic_inc(&r->misses);
			refcache_race_report(&r->want_miss, &r->miss);
		} else if (ret < 2) {
			/* We raced the owner's put: we must see it still held. */
			atomic_inc(&r->errors);
		} else {
			atomic_inc(&r->gets);
			if (refcache_put_id(&r->rc, id) < 0)
				atomic_inc(&r->errors);
			refcache_race_report(&r->want_hit, &r->hit);
		}
		if (!(i % 64))
			cond_resched();
	}
	return 0;
}

/*
 * Getters race against the case's own thread, which keeps creating the
 * objects they look up and dropping them to zero. They aim at the ids of
 * the current and the previous batch, so they hit live, dying and dead
 * objects, and, once freed slots are used again, dead ids whose slot holds
 * a newer object. Every get must either find the live object of that id
 * or fail with -ENOENT, and every object must be released exactly once.
 *
 * Each batch stays held until a getter found one of its objects live and
 * one missed (an id of the previous batch, released in the round before,
 * or in the first round an id 0, which names nothing): on one CPU the
 * getters might otherwise only ever run while everything is dead. Slots
 * are used again after 1,024 frees (table.c), which 200 batches of 64
 * pass many times over.
 */
static void refcache_lookups_race_final_puts(struct kunit *test)
{
	struct refcache_race *r = test->priv;
	long slab_before = refcache_slab_objects();
	struct refcache_stats st;
	u32 ids[RACE_IDS], reused = 0;
	unsigned int j;
	int round;

	refcache_race_start(test, refcache_race_getter, "get", RACE_WORKERS);
	for (round = 0; round < RACE_BATCHES; round++) {
		KUNIT_ASSERT_EQ_MSG(test, refcache_create_batch(&r->rc, RACE_IDS, ids),
				    0, "create failed in round %d", round);
		/* This batch replaces the one before the previous. */
		for (j = 0; j < RACE_IDS; j++) {
			WRITE_ONCE(r->ids[(round % 2) * RACE_IDS + j], ids[j]);
			reused += ids[j] >= REFCACHE_SLOTS;
		}
		/* Armed after the ids are out: what they report is about them. */
		reinit_completion(&r->hit);
		reinit_completion(&r->miss);
		/* The completions reset before the flags: pairs with the xchg(). */
		smp_wmb();
		WRITE_ONCE(r->want_hit, true);
		WRITE_ONCE(r->want_miss, true);
		KUNIT_ASSERT_NE_MSG(test,
				    wait_for_completion_timeout(&r->hit, RACE_DEADLINE),
				    0UL, "no getter found a live object in round %d",
				    round);
		KUNIT_ASSERT_NE_MSG(test,
				    wait_for_completion_timeout(&r->miss, RACE_DEADLINE),
				    0UL, "no getter missed in round %d", round);
		/* Drop the creator's references; getters may hold others. */
		for (j = 0; j < RACE_IDS; j++) {
			if (refcache_put_id(&r->rc, ids[j]) < 0)
				atomic_inc(&r->errors);
		}
		cond_resched();
	}
	refcache_race_stop(test);
	refcache_stats(&r->rc, &st);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->errors), 0);
	KUNIT_EXPECT_GE(test, atomic_read(&r->gets), RACE_BATCHES);
	KUNIT_EXPECT_GE(test, atomic_read(&r->misses), RACE_BATCHES);
	/* Some slots were used again: stale ids met newer objects. */
	KUNIT_EXPECT_GT(test, reused, 0U);
	KUNIT_EXPECT_EQ(test, st.live, 0L);
	KUNIT_EXPECT_EQ(test, st.created, (unsigned long)RACE_BATCHES * RACE_IDS);
	KUNIT_EXPECT_EQ(test, st.freed, (unsigned long)RACE_BATCHES * RACE_IDS);
	KUNIT_EXPECT_EQ(test, refcache_slab_objects(), slab_before);
	KUNIT_EXPECT_EQ(test, refcache_kunit_slub_objects(test, &r->rc, r->name), 0L);
	r->destroyed = true;
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
	return refcache_race_worker_done(r);
}

/* Balanced gets and puts from many threads leave every count where it was. */
static void refcache_concurrent_get_put_is_exact(struct kunit *test)
{
	struct refcache_race *r = test->priv;
	const unsigned long total = RACE_WORKERS * 300UL * RACE_IDS;
	struct refcache_stats st;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, refcache_create_batch(&r->rc, RACE_IDS, r->ids), 0);
	r->rounds = 300;
	r->nr_workers = RACE_WORKERS;
	refcache_race_start(test, refcache_race_pairs, "pair", RACE_WORKERS);
	refcache_race_wait_workers(test);
	refcache_race_stop(test);

	refcache_stats(&r->rc, &st);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->errors), 0);
	KUNIT_EXPECT_EQ(test, st.gets, total);
	KUNIT_EXPECT_EQ(test, st.puts, total);
	KUNIT_EXPECT_EQ(test, refcache_kunit_slub_objects(test, &r->rc, r->name),
			(long)RACE_IDS);
	for (i = 0; i < RACE_IDS; i++)
		KUNIT_EXPECT_EQ(test, refcache_put_id(&r->rc, r->ids[i]), 0);
	KUNIT_EXPECT_EQ(test, refcache_kunit_slub_objects(test, &r->rc, r->name), 0L);
	r->destroyed = true;
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
	return refcache_race_worker_done(r);
}

static void refcache_concurrent_creates_get_unique_ids(struct kunit *test)
{
	struct refcache_race *r = test->priv;
	const unsigned long total = RACE_WORKERS * 200UL * 16;
	struct refcache_obj *obj;
	struct refcache_stats st;
	unsigned long listed = 0, misplaced = 0;
	u32 pos = 0;

	r->rounds = 200;
	r->nr_workers = RACE_WORKERS;
	refcache_race_start(test, refcache_race_creator, "new", RACE_WORKERS);
	refcache_race_wait_workers(test);
	refcache_race_stop(test);

	refcache_stats(&r->rc, &st);
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
	KUNIT_EXPECT_EQ(test, refcache_kunit_slub_objects(test, &r->rc, r->name),
			(long)total);
	r->destroyed = true;
	KUNIT_EXPECT_EQ(test, refcache_destroy(&r->rc), total);
}

/*
 * Thread: take and drop outside references on every shared object, by id or
 * (odd threads) through a lookup and the pointer. The object always keeps
 * the test's own reference, so a put must answer >= 1: an -EBUSY would be
 * a graph operation's pin or link taken for an outside reference. Each
 * round starts only after the linker finished a step since the last one,
 * so graph operations and outside puts of the same objects interleave on
 * any number of CPUs.
 */
static int refcache_race_outside(void *data)
{
	struct refcache_race *r = data;
	bool by_pointer = atomic_inc_return(&r->started) % 2;
	struct refcache_obj *obj;
	unsigned int i, j;
	int ret, seen = 0;

	for (i = 0; i < r->rounds && !kthread_should_stop(); i++) {
		wait_event(r->step_wait, atomic_read(&r->steps) > seen ||
			   kthread_should_stop());
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
		seen = atomic_read(&r->steps);
		cond_resched();
	}
	return refcache_race_worker_done(r);
}

/*
 * Thread: link and unlink random pairs of the shared objects (each link
 * dropped again in the same step), with a collection in every 64th step,
 * the first included, until told to stop. Every object is held from
 * outside, so nothing is garbage.
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
		atomic_inc(&r->steps);
		if (wq_has_sleeper(&r->step_wait))
			wake_up_all(&r->step_wait);
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
	struct refcache_race *r = test->priv;
	const unsigned int outside = RACE_WORKERS - 1;
	struct refcache_stats st;
	const int want = outside * 200 * RACE_IDS;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, refcache_create_batch(&r->rc, RACE_IDS, r->ids), 0);
	r->rounds = 200;
	r->nr_workers = outside;
	refcache_race_start(test, refcache_race_linker, "link", 1);
	refcache_race_start(test, refcache_race_outside, "out", outside);
	refcache_race_wait_workers(test);
	refcache_race_stop(test);

	refcache_stats(&r->rc, &st);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->errors), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->misses), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&r->gets), want);
	/* A step before each of a worker's 200 rounds, a collection per 64. */
	KUNIT_EXPECT_GE(test, atomic_read(&r->steps), 200);
	KUNIT_EXPECT_GE(test, st.gc_runs, 4UL);
	KUNIT_EXPECT_EQ(test, st.gc_collected, 0UL);
	KUNIT_EXPECT_EQ(test, st.links, 0UL);
	/* Links and pins gave back every reference they took. */
	for (i = 0; i < RACE_IDS; i++)
		KUNIT_EXPECT_EQ(test, refcache_put_id(&r->rc, r->ids[i]), 0);
	KUNIT_EXPECT_EQ(test, refcache_kunit_slub_objects(test, &r->rc, r->name), 0L);
	r->destroyed = true;
	KUNIT_EXPECT_EQ(test, refcache_destroy(&r->rc), 0UL);
}

/**
 * struct refcache_cpu_step - a step of a case, run on a given CPU
 * @rc: the table
 * @ids: the ids it creates or puts
 * @n: how many
 * @put: put them, else create them (one batch)
 * @errors: results no correct implementation returns
 */
struct refcache_cpu_step {
	struct refcache *rc;
	u32 *ids;
	unsigned int n;
	bool put;
	unsigned int errors;
};

static long refcache_cpu_step_fn(void *arg)
{
	struct refcache_cpu_step *s = arg;
	unsigned int i;

	if (!s->put)
		return refcache_create_batch(s->rc, s->n, s->ids);
	for (i = 0; i < s->n; i++)
		s->errors += refcache_put_id(s->rc, s->ids[i]) != 0;
	return 0;
}

/* Run @s on @cpu (work_on_cpu_safe()); return what it returned. */
static long refcache_on_cpu(int cpu, struct refcache_cpu_step *s)
{
	return work_on_cpu_safe(cpu, refcache_cpu_step_fn, s);
}

/* An online CPU other than 0, or 0 when it is the only one. */
static int refcache_other_cpu(struct kunit *test)
{
	unsigned int cpu = cpumask_any_but(cpu_online_mask, 0);

	if (cpu >= nr_cpu_ids)
		cpu = 0;
	kunit_info(test, "steps on CPU 0 and CPU %u (%u online)\n", cpu,
		   num_online_cpus());
	return cpu;
}

/*
 * The peak is made of lower bounds of the live count (count.c): the
 * folded count and the creating CPU's own part. Frees on another CPU
 * lower its part, never below 0, so when the first CPU creates again its
 * bound stays at or below the truth, and the peak of 100 stays 100.
 */
static void refcache_peak_live_never_reads_above_true_peak(struct kunit *test)
{
	struct refcache_race *r = test->priv;
	struct refcache_cpu_step step = { .rc = &r->rc };
	int other = refcache_other_cpu(test);
	struct refcache_stats st;
	u32 *ids;

	ids = kunit_kcalloc(test, 101, sizeof(*ids), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	step.ids = ids;
	step.n = 100;
	KUNIT_ASSERT_EQ(test, refcache_on_cpu(0, &step), 0L);
	step.n = 50;
	step.put = true;
	KUNIT_ASSERT_EQ(test, refcache_on_cpu(other, &step), 0L);
	KUNIT_EXPECT_EQ(test, step.errors, 0U);
	step.ids = ids + 100;
	step.n = 1;
	step.put = false;
	KUNIT_ASSERT_EQ(test, refcache_on_cpu(0, &step), 0L);
	refcache_stats(&r->rc, &st);
	KUNIT_EXPECT_EQ(test, st.peak_live, 100L);
	KUNIT_EXPECT_EQ(test, st.live, 51L);
	KUNIT_EXPECT_EQ(test, refcache_kunit_slub_objects(test, &r->rc, r->name), 51L);
}

/*
 * max_objects is exact although the CPUs keep credits of the limit
 * (count.c): a create that finds too few of its own CPU's and too little
 * budget collects the other CPUs' credits before it decides. Here another
 * CPU takes a batch of credits with one create, and CPU 0 then gets all of
 * the rest of the limit in one batch, and not one object more.
 */
static void refcache_max_objects_counts_credits_of_other_cpus(struct kunit *test)
{
	struct refcache_race *r = test->priv;
	struct refcache_cpu_step step = { .rc = &r->rc };
	int other = refcache_other_cpu(test);
	struct refcache_stats st;
	u32 *ids;

	ids = kunit_kcalloc(test, 1000, sizeof(*ids), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	refcache_set_max_objects(&r->rc, 1000);
	step.ids = ids;
	step.n = 1;
	KUNIT_ASSERT_EQ(test, refcache_on_cpu(other, &step), 0L);
	step.ids = ids + 1;
	step.n = 999;
	KUNIT_EXPECT_EQ(test, refcache_on_cpu(0, &step), 0L);
	step.n = 1;
	KUNIT_EXPECT_EQ(test, refcache_on_cpu(0, &step), (long)-ENOMEM);
	KUNIT_EXPECT_EQ(test, refcache_on_cpu(other, &step), (long)-ENOMEM);
	refcache_stats(&r->rc, &st);
	KUNIT_EXPECT_EQ(test, st.live, 1000L);
	KUNIT_EXPECT_EQ(test, st.created, 1000UL);
	KUNIT_EXPECT_EQ(test, st.alloc_failures, 2UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_slub_objects(test, &r->rc, r->name),
			1000L);
}

static struct kunit_case refcache_concurrency_test_cases[] = {
	KUNIT_CASE_SLOW(refcache_lookups_race_final_puts),
	KUNIT_CASE_SLOW(refcache_concurrent_get_put_is_exact),
	KUNIT_CASE_SLOW(refcache_concurrent_creates_get_unique_ids),
	KUNIT_CASE_SLOW(refcache_outside_puts_never_see_pins),
	KUNIT_CASE(refcache_peak_live_never_reads_above_true_peak),
	KUNIT_CASE(refcache_max_objects_counts_credits_of_other_cpus),
	{}
};

static struct kunit_suite refcache_concurrency_test_suite = {
	.name = "refcache_concurrency",
	.init = refcache_race_init,
	.exit = refcache_race_exit,
	.test_cases = refcache_concurrency_test_cases,
};

kunit_test_suite(refcache_concurrency_test_suite);
