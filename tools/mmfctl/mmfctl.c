// SPDX-License-Identifier: GPL-2.0
/*
 * mmfctl: load and unload the mmf module (through libkmod) and report on
 * the device.
 *
 *   mmfctl load [MODULE.ko]   load the module (by path, or the installed one)
 *   mmfctl unload             unload it; fails while sections or views live
 *   mmfctl version            the ABI version reported by /dev/mmf
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <libkmod.h>
#include <linux/mmf.h>

enum { EXIT_USAGE = 2, EXIT_NOT_LOADED = 3 };

static int with_module(const char *path, int (*fn)(struct kmod_module *))
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_module *mod = NULL;
	int err, ret;

	if (!ctx) {
		fprintf(stderr, "mmfctl: cannot start libkmod\n");
		return EXIT_FAILURE;
	}
	if (path)
		err = kmod_module_new_from_path(ctx, path, &mod);
	else
		err = kmod_module_new_from_name(ctx, "mmf", &mod);
	if (err < 0) {
		fprintf(stderr, "mmfctl: %s: %s\n", path ? path : "mmf", strerror(-err));
		kmod_unref(ctx);
		return EXIT_FAILURE;
	}
	ret = fn(mod);
	kmod_module_unref(mod);
	kmod_unref(ctx);
	return ret;
}

static int do_load(struct kmod_module *mod)
{
	int err = kmod_module_insert_module(mod, 0, NULL);

	if (err == -EEXIST) {
		fprintf(stderr, "mmfctl: the mmf module is already loaded\n");
		return EXIT_FAILURE;
	}
	if (err < 0) {
		fprintf(stderr, "mmfctl: cannot load %s: %s\n",
			kmod_module_get_path(mod) ?: "mmf", strerror(-err));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

static int do_unload(struct kmod_module *mod)
{
	int err = kmod_module_remove_module(mod, 0);

	if (err == -ENOENT) {
		fprintf(stderr, "mmfctl: the mmf module is not loaded\n");
		return EXIT_NOT_LOADED;
	}
	if (err == -EAGAIN || err == -EBUSY) {
		fprintf(stderr, "mmfctl: the mmf module is in use (%d users)\n",
			kmod_module_get_refcnt(mod));
		return EXIT_FAILURE;
	}
	if (err < 0) {
		fprintf(stderr, "mmfctl: cannot unload mmf: %s\n", strerror(-err));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

static int do_version(void)
{
	struct mmf_version v = { .size = sizeof(v) };
	int fd = open(MMF_DEVICE_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "mmfctl: %s: %s%s\n", MMF_DEVICE_PATH, strerror(errno),
			errno == ENOENT ? " (is the module loaded?)" : "");
		return errno == ENOENT ? EXIT_NOT_LOADED : EXIT_FAILURE;
	}
	if (ioctl(fd, MMF_IOC_VERSION, &v) < 0) {
		fprintf(stderr, "mmfctl: MMF_IOC_VERSION: %s\n", strerror(errno));
		close(fd);
		return EXIT_FAILURE;
	}
	close(fd);
	printf("mmf ABI version %u (header %u), page size %u\n",
	       v.abi_version, MMF_ABI_VERSION, v.page_size);
	return EXIT_SUCCESS;
}

static int usage(void)
{
	fprintf(stderr, "usage: mmfctl load [MODULE.ko] | unload | version\n");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "load") && argc <= 3)
		return with_module(argc == 3 ? argv[2] : NULL, do_load);
	if (!strcmp(argv[1], "unload") && argc == 2)
		return with_module(NULL, do_unload);
	if (!strcmp(argv[1], "version") && argc == 2)
		return do_version();
	return usage();
}
