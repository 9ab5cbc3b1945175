// SPDX-License-Identifier: GPL-2.0
/*
 * Preloaded into the selftests by make check-debug: stretches every alarm(2)
 * by MMF_ALARM_SCALE (default 10).  The kselftest harness bounds each test
 * with alarm(30), sized for a stock kernel; a KASAN + lockdep + kmemleak
 * kernel under TCG runs the same test several times slower, and a test
 * killed by the harness's clock would report the host's speed, not a bug.
 * A real hang is still caught by the guest's time limit (run-vm.sh -t).
 */
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>

unsigned int alarm(unsigned int seconds)
{
	const char *env = getenv("MMF_ALARM_SCALE");
	unsigned long scale = env ? strtoul(env, NULL, 10) : 10;
	struct itimerval new = { 0 }, old;

	if (scale == 0)
		scale = 1;
	new.it_value.tv_sec = (time_t)seconds * (time_t)scale;
	if (setitimer(ITIMER_REAL, &new, &old))
		return 0;
	/* What is left, in the caller's (unstretched) seconds, rounded up. */
	return (unsigned int)((old.it_value.tv_sec + (old.it_value.tv_usec > 0) +
			       (time_t)scale - 1) / (time_t)scale);
}
