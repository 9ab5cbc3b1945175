// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs mmf/sections: module-wide counters (sections, views, dirty-index
 * chunks, write-back error cursors), then one line per section.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "mmf.h"

static struct dentry *mmf_debugfs_dir;

static void mmf_show_section(struct seq_file *m, struct mmf_section *sec, char *buf)
{
	struct mmf_pcpu_stats sum;
	const char *path;

	if (sec->swap) {
		path = "[swap]";
	} else {
		path = file_path(sec->file, buf, PATH_MAX);
		if (IS_ERR(path))
			path = "[?]";
	}
	/* Without memory for it, "dirty" may count pages written back since. */
	mmf_settle_written_back(sec);
	mmf_section_stats(sec, &sum);
	seq_printf(m, "%llu ", sec->id);
	if (sec->name)
		seq_escape(m, sec->name, " \t\n\\");
	else
		seq_puts(m, "-");
	seq_puts(m, " ");
	seq_escape(m, path, " \t\n\\");
	seq_printf(m, " size=%lld prot=%u views=%d faults=%llu major=%llu dirtied=%llu dirty=%ld flushed=%lld flushes=%lld wb_errors=%lld\n",
		   sec->size, sec->prot, atomic_read(&sec->views), sum.faults,
		   sum.major_faults, sum.pages_dirtied, atomic_long_read(&sec->dirty.count),
		   (long long)atomic64_read(&sec->pages_flushed),
		   (long long)atomic64_read(&sec->flushes),
		   (long long)atomic64_read(&sec->wb_errors));
}

static int mmf_sections_show(struct seq_file *m, void *unused)
{
	struct mmf_section *sec;
	char *buf = kmalloc(PATH_MAX, GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	seq_printf(m, "sections %d\nviews %d\nchunks %ld\ncursors %ld\n",
		   atomic_read(&mmf_nr_sections), atomic_read(&mmf_nr_views),
		   atomic_long_read(&mmf_nr_chunks), atomic_long_read(&mmf_nr_cursors));
	seq_puts(m, "# id name path size prot views faults major dirtied dirty flushed flushes wb_errors\n");
	/* Names are set after a section is listed: read them under the lock. */
	mutex_lock(&mmf_names_lock);
	mutex_lock(&mmf_sections_lock);
	list_for_each_entry(sec, &mmf_sections, node)
		mmf_show_section(m, sec, buf);
	mutex_unlock(&mmf_sections_lock);
	mutex_unlock(&mmf_names_lock);
	kfree(buf);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mmf_sections);

void mmf_debugfs_init(void)
{
	mmf_debugfs_dir = debugfs_create_dir("mmf", NULL);
	debugfs_create_file("sections", 0400, mmf_debugfs_dir, NULL, &mmf_sections_fops);
}

void mmf_debugfs_exit(void)
{
	debugfs_remove_recursive(mmf_debugfs_dir);
}
