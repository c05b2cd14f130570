// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: the debugfs views of where objects live (slabmap.c).
 *
 *   where  "ID CACHE SIZE SLAB SLOT PREV" per live object, in table order:
 *          the cache of its size class, the payload bytes its create asked
 *          for, refcache's number for its slab and its slot there (both "-"
 *          for an object in KFENCE's memory, which is in no slab), and the
 *          id of the dead object whose memory it reuses (0: fresh memory;
 *          "-" for the default class, which does not record it)
 *   slabs  the slab map: first a line per size class whose cache exists,
 *            "cache NAME payload P slot_bytes S slots_per_slab N
 *             objects O slabs L asked A used U"
 *          (U = O * S: the slab bytes the live objects occupy, against the
 *          A bytes their creates asked for), then a line per slab holding
 *          live objects, by class and number,
 *            "slab NUM NAME N USED E0 ... E(N-1)"
 *          where slot i holds "-" (free), "ID" (a live object) or "ID*" (one
 *          that reuses a dead object's memory: size classes above 0), and a
 *          line "kfence NAME COUNT" for a class with objects in KFENCE's
 *          memory
 *
 * stats ends with a line per size class whose cache exists,
 *   "class NAME objects O asked A used U", from the counters (no walk).
 *
 * where takes no lock between lines, as objects does; slabs is a snapshot
 * built when the file is opened (refcache_map_build()). Slab numbers are
 * never addresses: slabmap.c says what they are.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "refcache.h"
#include "debugfs.h"

/* One open where file: the table, and the line being shown. */
struct refcache_where_iter {
	struct refcache *rc;
	struct refcache_where w;
};

static void *refcache_where_find(struct refcache_where_iter *it, loff_t *pos)
{
	u32 slot;
	int err;

	if (*pos >= REFCACHE_SLOTS)
		return NULL;
	slot = *pos;
	err = refcache_next_where(it->rc, &slot, &it->w);
	if (err)
		return err == -ENOENT ? NULL : ERR_PTR(err);
	*pos = slot;
	return it;
}

static void *refcache_where_start(struct seq_file *m, loff_t *pos)
{
	return refcache_where_find(m->private, pos);
}

static void *refcache_where_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return refcache_where_find(m->private, pos);
}

static void refcache_where_stop(struct seq_file *m, void *v)
{
}

static int refcache_where_show(struct seq_file *m, void *v)
{
	const struct refcache_where_iter *it = v;
	const struct refcache_where *w = &it->w;
	struct refcache_class_stats cs = { .name = "?" };

	refcache_class_stats(it->rc, w->class, &cs);
	seq_printf(m, "%u %s %u ", w->id, cs.name, w->size);
	if (w->slab)
		seq_printf(m, "%u %u", w->slab, w->slot);
	else
		seq_puts(m, "- -");
	if (w->reuse_known)
		seq_printf(m, " %u\n", w->prev);
	else
		seq_puts(m, " -\n");
	return 0;
}

static const struct seq_operations refcache_where_sops = {
	.start = refcache_where_start,
	.next = refcache_where_next,
	.stop = refcache_where_stop,
	.show = refcache_where_show,
};

static int refcache_where_open(struct inode *inode, struct file *file)
{
	struct refcache_where_iter *it;

	it = __seq_open_private(file, &refcache_where_sops, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->rc = inode->i_private;
	return 0;
}

static const struct file_operations refcache_where_fops = {
	.owner = THIS_MODULE,
	.open = refcache_where_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

/*
 * slabs: the seq_file position counts the class lines (one per class,
 * shown only for those whose cache exists), then the slabs of the map, then
 * the kfence lines.
 */
static void *refcache_slabs_at(struct seq_file *m, loff_t pos)
{
	const struct refcache_map *map = m->private;

	return pos < REFCACHE_NR_CLASSES + map->nr_slabs + REFCACHE_NR_CLASSES ?
	       (void *)(uintptr_t)(pos + 1) : NULL;
}

static void *refcache_slabs_start(struct seq_file *m, loff_t *pos)
{
	return refcache_slabs_at(m, *pos);
}

static void *refcache_slabs_next(struct seq_file *m, void *v, loff_t *pos)
{
	return refcache_slabs_at(m, ++*pos);
}

static void refcache_slabs_stop(struct seq_file *m, void *v)
{
}

static void refcache_slabs_slab(struct seq_file *m,
				const struct refcache_map *map,
				const struct refcache_map_slab *slab)
{
	const struct refcache_class_stats *cs = &map->classes[slab->class];
	const struct refcache_map_slot *s = &map->slots[slab->first];
	unsigned int slot, i = 0;

	seq_printf(m, "slab %u %s %u %u", slab->number, cs->name, cs->per_slab,
		   slab->used);
	for (slot = 0; slot < cs->per_slab; slot++) {
		if (i < slab->used && s[i].slot == slot) {
			seq_printf(m, " %u%s", s[i].id, s[i].prev ? "*" : "");
			i++;
		} else {
			seq_puts(m, " -");
		}
	}
	seq_putc(m, '\n');
}

static int refcache_slabs_show(struct seq_file *m, void *v)
{
	const struct refcache_map *map = m->private;
	unsigned long pos = (uintptr_t)v - 1;
	const struct refcache_class_stats *cs;

	if (pos < REFCACHE_NR_CLASSES) {
		cs = &map->classes[pos];
		if (cs->name)
			seq_printf(m, "cache %s payload %u slot_bytes %u slots_per_slab %u objects %lu slabs %lu asked %lu used %lu\n",
				   cs->name, cs->size, cs->stride, cs->per_slab,
				   cs->objects, map->slabs_of[pos], cs->asked,
				   cs->used);
		return 0;
	}
	pos -= REFCACHE_NR_CLASSES;
	if (pos < map->nr_slabs) {
		refcache_slabs_slab(m, map, &map->slabs[pos]);
		return 0;
	}
	pos -= map->nr_slabs;
	if (map->kfence[pos])
		seq_printf(m, "kfence %s %lu\n", map->classes[pos].name,
			   map->kfence[pos]);
	return 0;
}

static const struct seq_operations refcache_slabs_sops = {
	.start = refcache_slabs_start,
	.next = refcache_slabs_next,
	.stop = refcache_slabs_stop,
	.show = refcache_slabs_show,
};

static int refcache_slabs_open(struct inode *inode, struct file *file)
{
	struct refcache_map *map = refcache_map_build(inode->i_private);
	int err;

	if (IS_ERR(map))
		return PTR_ERR(map);
	err = seq_open(file, &refcache_slabs_sops);
	if (err) {
		refcache_map_free(map);
		return err;
	}
	((struct seq_file *)file->private_data)->private = map;
	return 0;
}

static int refcache_slabs_release(struct inode *inode, struct file *file)
{
	refcache_map_free(((struct seq_file *)file->private_data)->private);
	return seq_release(inode, file);
}

static const struct file_operations refcache_slabs_fops = {
	.owner = THIS_MODULE,
	.open = refcache_slabs_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = refcache_slabs_release,
};

/**
 * refcache_debugfs_classes() - stats' class lines
 * @m: the stats file
 * @rc: its table
 */
void refcache_debugfs_classes(struct seq_file *m, struct refcache *rc)
{
	struct refcache_class_stats cs;
	unsigned int class;

	for (class = 0; class < REFCACHE_NR_CLASSES; class++)
		if (refcache_class_stats(rc, class, &cs))
			seq_printf(m, "class %s objects %lu asked %lu used %lu\n",
				   cs.name, cs.objects, cs.asked, cs.used);
}

/**
 * refcache_debugfs_slabs_init() - add the where and slabs files
 * @dir: refcache's debugfs directory
 * @rc: the table they show
 */
void refcache_debugfs_slabs_init(struct dentry *dir, struct refcache *rc)
{
	debugfs_create_file("where", 0400, dir, rc, &refcache_where_fops);
	debugfs_create_file("slabs", 0400, dir, rc, &refcache_slabs_fops);
}
