// SPDX-License-Identifier: GPL-2.0
/*
 * mmf: the /dev/mmf misc device, its file operations and ioctl dispatch.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "mmf.h"

static long mmf_ioctl_version(void __user *uarg)
{
	struct mmf_version v;
	int ret;

	ret = mmf_uarg_in(&v, sizeof(v), uarg);
	if (ret)
		return ret;
	if (v.reserved)
		return -EINVAL;
	v.abi_version = MMF_ABI_VERSION;
	v.page_size = PAGE_SIZE;
	v.features = MMF_FEATURE_PAST_EOF | MMF_FEATURE_UNTRACKED;
	return mmf_uarg_out(uarg, &v, sizeof(v));
}

/*
 * Commands are matched on their number alone: the size encoded in the
 * command grows with the struct, the struct's own size field is the truth.
 */
static long mmf_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mmf_handle *h = file->private_data;
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != MMF_IOC_MAGIC ||
	    _IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE))
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(MMF_IOC_VERSION):
		return mmf_ioctl_version(uarg);
	case _IOC_NR(MMF_IOC_CREATE):
		return mmf_ioctl_create(h, uarg);
	case _IOC_NR(MMF_IOC_OPEN):
		return mmf_ioctl_open(h, uarg);
	case _IOC_NR(MMF_IOC_FLUSH):
		return mmf_ioctl_flush(h, uarg);
	case _IOC_NR(MMF_IOC_WRITE_WATCH):
		return mmf_ioctl_write_watch(uarg);
	case _IOC_NR(MMF_IOC_STAT):
		return mmf_ioctl_stat(h, uarg);
	case _IOC_NR(MMF_IOC_QUERY):
		return mmf_ioctl_query(uarg);
	case _IOC_NR(MMF_IOC_FILE_MAPPED):
		return mmf_ioctl_file_mapped(uarg);
	default:
		return -ENOTTY;
	}
}

static int mmf_open(struct inode *inode, struct file *file)
{
	struct mmf_handle *h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);

	if (!h)
		return -ENOMEM;
	mutex_init(&h->lock);
	xa_init(&h->cursors);
	file->private_data = h;
	return 0;
}

/* The handle goes: its name binding and its section reference with it. */
static int mmf_release(struct inode *inode, struct file *file)
{
	struct mmf_handle *h = file->private_data;
	struct mmf_section *sec = h->sec;

	if (sec) {
		if (sec->name) {
			mutex_lock(&mmf_names_lock);
			mmf_names_unbind(sec);
			mutex_unlock(&mmf_names_lock);
		}
		mmf_section_put(sec);
		put_cred(h->cred);
	}
	/* The cursors on sections still alive (dead ones went with them). */
	mmf_cursors_drop_handle(h);
	mutex_destroy(&h->lock);
	kfree(h);
	return 0;
}

static int mmf_mmap(struct file *file, struct vm_area_struct *vma)
{
	return mmf_view_mmap(file->private_data, vma);
}

/*
 * Views are placed as the page cache's large folios need: a view whose
 * address is congruent with its file offset modulo PMD_SIZE (as mmap(2) of
 * a file on ext4 or tmpfs gets) lets the core map a large folio with one
 * fault (7.2), where a view placed anywhere else takes a fault per page of
 * every folio that straddles a page table.  Too small a view is placed as
 * any other mapping.
 */
static const struct file_operations mmf_fops = {
	.owner		= THIS_MODULE,
	.open		= mmf_open,
	.release	= mmf_release,
	.get_unmapped_area = thp_get_unmapped_area,
	.mmap		= mmf_mmap,
	.unlocked_ioctl	= mmf_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/*
 * Mode 0666: every permission check is made against the backing file (and
 * a named section's own mode), never against /dev/mmf; an open of the
 * device grants nothing by itself (Documentation/security.rst).
 */
static struct miscdevice mmf_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "mmf",
	.fops	= &mmf_fops,
	.mode	= 0666,
};

static int __init mmf_init(void)
{
	int err = mmf_files_init();

	if (err)
		return err;
	err = misc_register(&mmf_misc);
	if (err) {
		mmf_files_exit();
		return err;
	}
	mmf_debugfs_init();
	return 0;
}

static void __exit mmf_exit(void)
{
	mmf_debugfs_exit();
	misc_deregister(&mmf_misc);
	mmf_files_exit();
}

module_init(mmf_init);
module_exit(mmf_exit);

MODULE_DESCRIPTION("Win32-style memory-mapped file sections and views");
MODULE_AUTHOR("The mmf developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(MMF_VERSION);
