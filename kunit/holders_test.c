// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the holders of a table (module/holders.c): the accounting
 * behind the ctl files' holders view, through the functions the front end
 * calls (refcache_holder_create/get/put, refcache_holders_next).
 *
 * Every case gets a table and holders of its own (suite init/exit); the
 * exit destroys both and checks that every object went back to the slab.
 * Expected views are written out by hand, or come from a plain model
 * (refcache_holders_matches_model), never from the code under test.
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "refcache.h"
#include "refcache_holders.h"
#include "refcache_kunit.h"

/**
 * struct refcache_holders_fixture - one case's table and holders
 * @fx: the table, made and checked by the shared fixture
 * @hs: its holders
 * @hold_name: the name of the holds' cache
 * @hs_made: .init made @hs (.exit runs after a failed .init too)
 */
struct refcache_holders_fixture {
	struct refcache_kunit_fixture fx;
	struct refcache_holders hs;
	char hold_name[REFCACHE_KUNIT_NAME_LEN + 8];
	bool hs_made;
};

static int refcache_holders_test_init(struct kunit *test)
{
	struct refcache_holders_fixture *f;

	f = refcache_kunit_fixture_init(test, sizeof(*f), NULL);
	snprintf(f->hold_name, sizeof(f->hold_name), "%s_hold", f->fx.name);
	KUNIT_ASSERT_EQ(test, refcache_holders_init(&f->hs, &f->fx.rc,
						    f->hold_name), 0);
	f->hs_made = true;
	return 0;
}

/* The table first, then the holds' records, as the module's unload does. */
static void refcache_holders_test_exit(struct kunit *test)
{
	struct refcache_holders_fixture *f = test->priv;

	refcache_kunit_fixture_exit(test);
	if (f && f->hs_made)
		refcache_holders_destroy(&f->hs);
}

static struct refcache_holders *hs_of(struct kunit *test)
{
	return &((struct refcache_holders_fixture *)test->priv)->hs;
}

static struct refcache_holder *open_holder(struct kunit *test)
{
	struct refcache_holder *h = refcache_holder_open(hs_of(test));

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, h);
	return h;
}

/* Room for the holders of one line in these tests. */
#define HT_BY	16

/**
 * struct ht_line - one holders line as a test reads it
 * @held: the object, its references and the orphaned ones
 * @by: its open holders, by number
 */
struct ht_line {
	struct refcache_held held;
	struct refcache_held_by by[HT_BY];
};

/* The line of @id, or false if holders has none for it. */
static bool ht_line_of(struct kunit *test, u32 id, struct ht_line *l)
{
	u32 pos = 0;

	while (!refcache_holders_next(hs_of(test), &pos, &l->held, l->by,
				      HT_BY)) {
		KUNIT_ASSERT_LE(test, l->held.nr_by, HT_BY);
		if (l->held.id == id)
			return true;
		pos++;
	}
	return false;
}

/* The lines holders has, counted. */
static unsigned int ht_lines(struct kunit *test)
{
	struct ht_line l;
	unsigned int n = 0;
	u32 pos = 0;

	while (!refcache_holders_next(hs_of(test), &pos, &l.held, l.by, HT_BY)) {
		n++;
		pos++;
	}
	return n;
}

static u32 ht_create(struct kunit *test, struct refcache_holder *h)
{
	u32 id = 0;

	KUNIT_ASSERT_EQ(test, refcache_holder_create(hs_of(test), h, 1, NULL,
						     &id), 0);
	return id;
}

/* A holder's creates and gets are its own; its puts drop its own. */
static void refcache_holders_count_creates_gets_puts(struct kunit *test)
{
	struct refcache_holders *hs = hs_of(test);
	struct refcache_holder *a = open_holder(test);
	struct ht_line l;
	u32 ids[2];

	KUNIT_ASSERT_EQ(test, refcache_holder_create(hs, a, 2, NULL, ids), 0);
	KUNIT_EXPECT_EQ(test, refcache_holder_get(hs, a, ids[0]), 2);
	KUNIT_EXPECT_EQ(test, refcache_holder_get(hs, a, ids[0]), 3);

	KUNIT_ASSERT_TRUE(test, ht_line_of(test, ids[0], &l));
	KUNIT_EXPECT_EQ(test, l.held.refs, 3U);
	KUNIT_EXPECT_EQ(test, l.held.orphaned, 0U);
	KUNIT_ASSERT_EQ(test, l.held.nr_by, 1U);
	KUNIT_EXPECT_EQ(test, l.by[0].holder, refcache_holder_number(a));
	KUNIT_EXPECT_EQ(test, l.by[0].count, 3U);
	KUNIT_EXPECT_EQ(test, l.by[0].pid, task_tgid_nr(current));
	KUNIT_EXPECT_STREQ(test, l.by[0].comm, current->comm);

	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, a, ids[0]), 2);
	KUNIT_ASSERT_TRUE(test, ht_line_of(test, ids[0], &l));
	KUNIT_EXPECT_EQ(test, l.by[0].count, 2U);
	KUNIT_ASSERT_TRUE(test, ht_line_of(test, ids[1], &l));
	KUNIT_EXPECT_EQ(test, l.held.refs, 1U);
	KUNIT_EXPECT_EQ(test, l.by[0].count, 1U);

	/* The final put: the object and its line go. */
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, a, ids[1]), 0);
	KUNIT_EXPECT_FALSE(test, ht_line_of(test, ids[1], &l));
	KUNIT_EXPECT_EQ(test, ht_lines(test), 1U);
	KUNIT_EXPECT_EQ(test, hs->nr_holds, 1UL);
	refcache_holder_close(hs, a);
}

/* A closed holder's references are orphaned; another's put takes them first. */
static void refcache_holders_close_orphans(struct kunit *test)
{
	struct refcache_holders *hs = hs_of(test);
	struct refcache_holder *a = open_holder(test);
	struct refcache_holder *b = open_holder(test);
	struct ht_line l;
	u32 id = ht_create(test, a);

	KUNIT_ASSERT_EQ(test, refcache_holder_get(hs, a, id), 2);
	KUNIT_ASSERT_EQ(test, refcache_holder_get(hs, b, id), 3);
	refcache_holder_close(hs, a);

	KUNIT_ASSERT_TRUE(test, ht_line_of(test, id, &l));
	KUNIT_EXPECT_EQ(test, l.held.refs, 3U);
	KUNIT_EXPECT_EQ(test, l.held.orphaned, 2U);
	KUNIT_ASSERT_EQ(test, l.held.nr_by, 1U);
	KUNIT_EXPECT_EQ(test, l.by[0].holder, refcache_holder_number(b));
	KUNIT_EXPECT_EQ(test, l.by[0].count, 1U);

	/* c holds none: its puts take the orphaned ones, then b's. */
	{
		struct refcache_holder *c = open_holder(test);

		KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, c, id), 2);
		KUNIT_ASSERT_TRUE(test, ht_line_of(test, id, &l));
		KUNIT_EXPECT_EQ(test, l.held.orphaned, 1U);
		KUNIT_EXPECT_EQ(test, l.by[0].count, 1U);
		KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, c, id), 1);
		KUNIT_ASSERT_TRUE(test, ht_line_of(test, id, &l));
		KUNIT_EXPECT_EQ(test, l.held.orphaned, 0U);
		KUNIT_EXPECT_EQ(test, l.held.nr_by, 1U);
		/* a's record went with its last hold: only b's and c's are left. */
		KUNIT_EXPECT_EQ(test, hs->nr_holds, 1UL);
		KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, c, id), 0);
		KUNIT_EXPECT_EQ(test, hs->nr_holds, 0UL);
		KUNIT_EXPECT_EQ(test, ht_lines(test), 0U);
		refcache_holder_close(hs, c);
	}
	refcache_holder_close(hs, b);
	KUNIT_EXPECT_TRUE(test, list_empty(&hs->list));
}

/* Without orphans, a non-holder's put takes the oldest open holder's. */
static void refcache_holders_nonholder_put_takes_oldest(struct kunit *test)
{
	struct refcache_holders *hs = hs_of(test);
	struct refcache_holder *a = open_holder(test);
	struct refcache_holder *b = open_holder(test);
	struct refcache_holder *c = open_holder(test);
	struct ht_line l;
	u32 id = ht_create(test, b);

	KUNIT_ASSERT_EQ(test, refcache_holder_get(hs, a, id), 2);
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, c, id), 1);
	KUNIT_ASSERT_TRUE(test, ht_line_of(test, id, &l));
	KUNIT_ASSERT_EQ(test, l.held.nr_by, 1U);
	KUNIT_EXPECT_EQ(test, l.by[0].holder, refcache_holder_number(b));
	KUNIT_EXPECT_EQ(test, l.by[0].count, 1U);
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, b, id), 0);
	refcache_holder_close(hs, a);
	refcache_holder_close(hs, b);
	refcache_holder_close(hs, c);
}

/* Strict mode: a non-holder's put fails EPERM and changes nothing. */
static void refcache_holders_strict_refuses_nonholder(struct kunit *test)
{
	struct refcache_holders *hs = hs_of(test);
	struct refcache_holder *a = open_holder(test);
	struct refcache_holder *b = open_holder(test);
	struct ht_line l;
	u32 id = ht_create(test, a);

	KUNIT_ASSERT_EQ(test, refcache_holder_get(hs, a, id), 2);
	WRITE_ONCE(hs->strict, true);
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, b, id), -EPERM);
	KUNIT_ASSERT_TRUE(test, ht_line_of(test, id, &l));
	KUNIT_EXPECT_EQ(test, l.held.refs, 2U);
	KUNIT_EXPECT_EQ(test, l.by[0].count, 2U);
	/* Its own put passes, strict or not. */
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, a, id), 1);
	/* The same refused put passes with strict mode off. */
	WRITE_ONCE(hs->strict, false);
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, b, id), 0);
	KUNIT_EXPECT_EQ(test, ht_lines(test), 0U);
	refcache_holder_close(hs, a);
	refcache_holder_close(hs, b);
}

/* max_holds bounds a holder's records: beyond, -ENOMEM and nothing made. */
static void refcache_holders_bound_per_holder(struct kunit *test)
{
	struct refcache_holders *hs = hs_of(test);
	struct refcache_holder *a = open_holder(test);
	struct refcache_holder *b = open_holder(test);
	struct refcache_stats st;
	u32 ids[3];
	u32 other;

	WRITE_ONCE(hs->max_holds, 2);
	other = ht_create(test, b);
	KUNIT_EXPECT_EQ(test, refcache_holder_create(hs, a, 3, NULL, ids),
			-ENOMEM);
	st = refcache_kunit_stats(test);
	KUNIT_EXPECT_EQ(test, st.live, 1L);
	KUNIT_EXPECT_EQ(test, st.created, 1UL);
	KUNIT_ASSERT_EQ(test, refcache_holder_create(hs, a, 2, NULL, ids), 0);
	/* A third object: no room, nothing changed; one it holds needs none. */
	KUNIT_EXPECT_EQ(test, refcache_holder_get(hs, a, other), -ENOMEM);
	{
		struct ht_line l;

		KUNIT_ASSERT_TRUE(test, ht_line_of(test, other, &l));
		KUNIT_EXPECT_EQ(test, l.held.refs, 1U);
		KUNIT_ASSERT_EQ(test, l.held.nr_by, 1U);
		KUNIT_EXPECT_EQ(test, l.by[0].holder, refcache_holder_number(b));
	}
	KUNIT_EXPECT_EQ(test, refcache_holder_get(hs, a, ids[0]), 2);
	KUNIT_EXPECT_EQ(test, hs->nr_holds, 3UL);
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, a, ids[0]), 1);
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, a, ids[0]), 0);
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, a, ids[1]), 0);
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, b, other), 0);
	KUNIT_EXPECT_EQ(test, hs->nr_holds, 0UL);
	refcache_holder_close(hs, a);
	refcache_holder_close(hs, b);
}

/* Links are not outside references: a line counts only what holders hold. */
static void refcache_holders_links_are_not_outside(struct kunit *test)
{
	struct refcache_holders_fixture *f = test->priv;
	struct refcache_holders *hs = &f->hs;
	struct refcache_holder *a = open_holder(test);
	struct ht_line l;
	u32 from = ht_create(test, a), to = ht_create(test, a);

	KUNIT_ASSERT_EQ(test, refcache_link(&f->fx.rc, from, to), 2);
	KUNIT_ASSERT_EQ(test, refcache_link(&f->fx.rc, to, to), 3);
	KUNIT_ASSERT_TRUE(test, ht_line_of(test, to, &l));
	KUNIT_EXPECT_EQ(test, l.held.refs, 1U);
	KUNIT_EXPECT_EQ(test, l.by[0].count, 1U);
	/* Only links hold it now: no line, and the put is refused. */
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, a, to), 2);
	KUNIT_EXPECT_FALSE(test, ht_line_of(test, to, &l));
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, a, to), -EBUSY);
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, a, from), 0);
	KUNIT_EXPECT_EQ(test, refcache_gc(&f->fx.rc, false), 1L);
	KUNIT_EXPECT_EQ(test, ht_lines(test), 0U);
	refcache_holder_close(hs, a);
}

/* A follow through a weak link takes a reference the holder then holds. */
static void refcache_holders_follow_is_a_get(struct kunit *test)
{
	struct refcache_holders_fixture *f = test->priv;
	struct refcache_holders *hs = &f->hs;
	struct refcache_holder *a = open_holder(test);
	struct refcache_holder *b = open_holder(test);
	struct ht_line l;
	u32 child = ht_create(test, a), parent = ht_create(test, a);

	KUNIT_ASSERT_EQ(test, refcache_link_weak(&f->fx.rc, child, parent), 1);
	KUNIT_EXPECT_EQ(test, refcache_holder_follow(hs, b, child, parent), 2);
	KUNIT_ASSERT_TRUE(test, ht_line_of(test, parent, &l));
	KUNIT_EXPECT_EQ(test, l.held.refs, 2U);
	KUNIT_ASSERT_EQ(test, l.held.nr_by, 2U);
	KUNIT_EXPECT_EQ(test, l.by[1].holder, refcache_holder_number(b));
	KUNIT_EXPECT_EQ(test, l.by[1].count, 1U);
	/* Without the weak link there is nothing to follow, and nothing changes. */
	KUNIT_ASSERT_EQ(test, refcache_unlink_weak(&f->fx.rc, child, parent), 2);
	KUNIT_EXPECT_EQ(test, refcache_holder_follow(hs, b, child, parent),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, hs->nr_holds, 3UL);
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, b, parent), 1);
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, a, parent), 0);
	KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, a, child), 0);
	refcache_holder_close(hs, a);
	refcache_holder_close(hs, b);
}

/* A line with more holders than room says so, and lists them all when asked again. */
static void refcache_holders_line_grows(struct kunit *test)
{
	struct refcache_holders *hs = hs_of(test);
	struct refcache_holder *h[10];
	struct refcache_held_by by[10];
	struct refcache_held held;
	unsigned int i;
	u32 pos = 0, id;

	for (i = 0; i < ARRAY_SIZE(h); i++)
		h[i] = open_holder(test);
	id = ht_create(test, h[9]);
	for (i = 0; i < 9; i++)
		KUNIT_ASSERT_EQ(test, refcache_holder_get(hs, h[i], id), i + 2);
	KUNIT_ASSERT_EQ(test, refcache_holders_next(hs, &pos, &held, by, 2), 0);
	KUNIT_EXPECT_EQ(test, held.nr_by, 10U);
	KUNIT_ASSERT_EQ(test, refcache_holders_next(hs, &pos, &held, by, 10), 0);
	KUNIT_EXPECT_EQ(test, held.refs, 10U);
	for (i = 0; i < 10; i++) {
		KUNIT_EXPECT_EQ(test, by[i].holder, refcache_holder_number(h[i]));
		KUNIT_EXPECT_EQ(test, by[i].count, 1U);
	}
	for (i = 0; i < 10; i++) {
		KUNIT_EXPECT_EQ(test, refcache_holder_put(hs, h[i], id), 9 - i);
		refcache_holder_close(hs, h[i]);
	}
}

/* Holds live in their own cache: one per holder and object, none left. */
static void refcache_holders_one_record_per_object(struct kunit *test)
{
	struct refcache_holders_fixture *f = test->priv;
	struct refcache_holders *hs = &f->hs;
	struct refcache_holder *a = open_holder(test);
	u32 ids[5];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, refcache_holder_create(hs, a, 5, NULL, ids), 0);
	for (i = 0; i < 5; i++)
		KUNIT_ASSERT_EQ(test, refcache_holder_get(hs, a, ids[i]), 2);
	KUNIT_EXPECT_EQ(test, hs->nr_holds, 5UL);
	kmem_cache_shrink(hs->cache);
	KUNIT_EXPECT_EQ(test, refcache_kunit_slub_value(test, f->hold_name,
							"objects"), 5L);
	/* Closed holding them: the records stay, for the report. */
	refcache_holder_close(hs, a);
	KUNIT_EXPECT_EQ(test, hs->nr_holds, 5UL);
	KUNIT_EXPECT_FALSE(test, list_empty(&hs->list));
	/* The exit's destroy reports and frees them; kmemleak would see a leak. */
}

/*
 * A plain model of the accounting: per holder slot its number, whether it
 * is open, and what it holds of each object; orphaned references are a
 * closed slot's. The model decides whose reference a put takes by the
 * rules in refcache_holders.h, written again here.
 */
#define HM_HOLDERS	4
#define HM_OBJECTS	8
#define HM_STEPS	400

struct hm_model {
	struct refcache_holder *h[HM_HOLDERS];
	u32 number[HM_HOLDERS];
	/* held[slot][obj]; closed slots' counts are orphaned ones. */
	unsigned int held[HM_HOLDERS * 8][HM_OBJECTS];
	bool open[HM_HOLDERS * 8];
	u32 num_of[HM_HOLDERS * 8];
	int slot_of[HM_HOLDERS];
	unsigned int nr_slots;
	u32 id[HM_OBJECTS];
};

static unsigned int hm_refs(const struct hm_model *m, unsigned int o)
{
	unsigned int s, n = 0;

	for (s = 0; s < m->nr_slots; s++)
		n += m->held[s][o];
	return n;
}

static void hm_open(struct kunit *test, struct hm_model *m, unsigned int i)
{
	KUNIT_ASSERT_LT(test, m->nr_slots, (unsigned int)ARRAY_SIZE(m->open));
	m->h[i] = open_holder(test);
	m->slot_of[i] = m->nr_slots;
	m->open[m->nr_slots] = true;
	m->num_of[m->nr_slots] = refcache_holder_number(m->h[i]);
	m->nr_slots++;
}

/* Compare every holders line with the model. */
static void hm_check(struct kunit *test, struct hm_model *m, unsigned int step)
{
	unsigned int o, s, lines = 0, want = 0;
	struct ht_line l;
	u32 pos = 0;

	while (!refcache_holders_next(hs_of(test), &pos, &l.held, l.by, HT_BY)) {
		unsigned int orphaned = 0, nr = 0, i;

		lines++;
		pos++;
		for (o = 0; o < HM_OBJECTS; o++)
			if (m->id[o] == l.held.id)
				break;
		KUNIT_ASSERT_LT_MSG(test, o, HM_OBJECTS, "step %u: unknown id %u",
				    step, l.held.id);
		KUNIT_EXPECT_EQ_MSG(test, l.held.refs, hm_refs(m, o), "step %u", step);
		for (s = 0; s < m->nr_slots; s++) {
			if (!m->open[s]) {
				orphaned += m->held[s][o];
				continue;
			}
			if (!m->held[s][o])
				continue;
			for (i = 0; i < l.held.nr_by; i++)
				if (l.by[i].holder == m->num_of[s])
					break;
			KUNIT_EXPECT_LT_MSG(test, i, l.held.nr_by, "step %u", step);
			if (i < l.held.nr_by)
				KUNIT_EXPECT_EQ_MSG(test, l.by[i].count,
						    m->held[s][o], "step %u", step);
			nr++;
		}
		KUNIT_EXPECT_EQ_MSG(test, l.held.orphaned, orphaned, "step %u", step);
		KUNIT_EXPECT_EQ_MSG(test, l.held.nr_by, nr, "step %u", step);
	}
	for (o = 0; o < HM_OBJECTS; o++)
		want += m->id[o] && hm_refs(m, o);
	KUNIT_EXPECT_EQ_MSG(test, lines, want, "step %u", step);
}

/* Whose reference a put of object @o by holder @i takes, as a slot, or -1. */
static int hm_taker(const struct hm_model *m, unsigned int i, unsigned int o)
{
	int s, best = -1;

	if (m->held[m->slot_of[i]][o])
		return m->slot_of[i];
	for (s = 0; s < m->nr_slots; s++)
		if (!m->open[s] && m->held[s][o])
			return s;
	for (s = 0; s < m->nr_slots; s++)
		if (m->open[s] && m->held[s][o] &&
		    (best < 0 || m->num_of[s] < m->num_of[best]))
			best = s;
	return best;
}

/* Random creates, gets, puts, closes and opens, checked after every step. */
static void refcache_holders_matches_model(struct kunit *test)
{
	struct refcache_holders *hs = hs_of(test);
	struct hm_model *m;
	struct rnd_state rnd;
	unsigned int step, i, o;
	int s;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	prandom_seed_state(&rnd, 42);
	for (i = 0; i < HM_HOLDERS; i++)
		hm_open(test, m, i);
	for (step = 0; step < HM_STEPS; step++) {
		unsigned int r = prandom_u32_state(&rnd) % 100;

		i = prandom_u32_state(&rnd) % HM_HOLDERS;
		o = prandom_u32_state(&rnd) % HM_OBJECTS;
		if (!m->id[o]) {
			m->id[o] = ht_create(test, m->h[i]);
			m->held[m->slot_of[i]][o] = 1;
		} else if (r < 40) {
			KUNIT_ASSERT_EQ(test, refcache_holder_get(hs, m->h[i], m->id[o]),
					(int)hm_refs(m, o) + 1);
			m->held[m->slot_of[i]][o]++;
		} else if (r < 90) {
			s = hm_taker(m, i, o);
			KUNIT_ASSERT_GE(test, s, 0);
			KUNIT_ASSERT_EQ(test, refcache_holder_put(hs, m->h[i], m->id[o]),
					(int)hm_refs(m, o) - 1);
			m->held[s][o]--;
			if (!hm_refs(m, o))
				m->id[o] = 0;
		} else if (m->nr_slots < ARRAY_SIZE(m->open)) {
			refcache_holder_close(hs, m->h[i]);
			m->open[m->slot_of[i]] = false;
			hm_open(test, m, i);
		}
		hm_check(test, m, step);
	}
	/* Drop everything through holder 0; nothing is listed after. */
	for (o = 0; o < HM_OBJECTS; o++)
		while (m->id[o] && hm_refs(m, o)) {
			s = hm_taker(m, 0, o);
			KUNIT_ASSERT_EQ(test, refcache_holder_put(hs, m->h[0], m->id[o]),
					(int)hm_refs(m, o) - 1);
			m->held[s][o]--;
		}
	KUNIT_EXPECT_EQ(test, ht_lines(test), 0U);
	KUNIT_EXPECT_EQ(test, hs->nr_holds, 0UL);
	for (i = 0; i < HM_HOLDERS; i++)
		refcache_holder_close(hs, m->h[i]);
	KUNIT_EXPECT_TRUE(test, list_empty(&hs->list));
}

static struct kunit_case refcache_holders_test_cases[] = {
	KUNIT_CASE(refcache_holders_count_creates_gets_puts),
	KUNIT_CASE(refcache_holders_close_orphans),
	KUNIT_CASE(refcache_holders_nonholder_put_takes_oldest),
	KUNIT_CASE(refcache_holders_strict_refuses_nonholder),
	KUNIT_CASE(refcache_holders_bound_per_holder),
	KUNIT_CASE(refcache_holders_links_are_not_outside),
	KUNIT_CASE(refcache_holders_follow_is_a_get),
	KUNIT_CASE(refcache_holders_line_grows),
	KUNIT_CASE(refcache_holders_one_record_per_object),
	KUNIT_CASE(refcache_holders_matches_model),
	{}
};

static struct kunit_suite refcache_holders_test_suite = {
	.name = "refcache_holders",
	.init = refcache_holders_test_init,
	.exit = refcache_holders_test_exit,
	.test_cases = refcache_holders_test_cases,
};

kunit_test_suite(refcache_holders_test_suite);
