/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mmf selftests.  Include after kselftest_harness.h.
 */
#ifndef MMF_TEST_H
#define MMF_TEST_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Sequence number of the newest record in the kernel log, so that a test
 * can later count what it made the kernel print.  0 when /dev/kmsg is
 * unreadable (then kmsg_count_since() counts everything, erring loud).
 */
static inline unsigned long long kmsg_mark(void)
{
	unsigned long long seq = 0, s;
	char rec[8192];
	ssize_t n;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n > 0) {
			rec[n] = '\0';
			if (sscanf(rec, "%*u,%llu", &s) == 1)
				seq = s;
		}
	}
	close(fd);
	return seq;
}

/* Kernel log records newer than @mark that contain @needle. */
static inline int kmsg_count_since(unsigned long long mark, const char *needle)
{
	unsigned long long s;
	char rec[8192];
	ssize_t n;
	int count = 0;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		if (sscanf(rec, "%*u,%llu", &s) == 1 && s > mark && strstr(rec, needle))
			count++;
	}
	close(fd);
	return count;
}

#endif /* MMF_TEST_H */
