// SPDX-License-Identifier: GPL-2.0
/*
 * mmf: the /dev/mmf misc device, its file operations and ioctl dispatch.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

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
	v.features = 0;
	return mmf_uarg_out(uarg, &v, sizeof(v));
}

/*
 * Commands are matched on their number alone: the size encoded in the
 * command grows with the struct, the struct's own size field is the truth.
 */
static long mmf_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (_IOC_TYPE(cmd) != MMF_IOC_MAGIC ||
	    _IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE))
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(MMF_IOC_VERSION):
		return mmf_ioctl_version(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mmf_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= mmf_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/* Mode 0666: every permission check is made against the backing file. */
static struct miscdevice mmf_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "mmf",
	.fops	= &mmf_fops,
	.mode	= 0666,
};

static int __init mmf_init(void)
{
	return misc_register(&mmf_misc);
}

static void __exit mmf_exit(void)
{
	misc_deregister(&mmf_misc);
}

module_init(mmf_init);
module_exit(mmf_exit);

MODULE_DESCRIPTION("Win32-style memory-mapped file sections and views");
MODULE_AUTHOR("The mmf developers");
MODULE_LICENSE("GPL");
