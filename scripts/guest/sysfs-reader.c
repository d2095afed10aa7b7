// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs-reader STOP PATTERN...: read every file the PATTERNs match as fast
 * as one CPU can, until the file STOP exists. A shell loop forks a cat per
 * round and reads each attribute a few hundred times a second; this reads
 * it thousands of times, which is what a race detector that samples
 * (KCSAN) needs. The files stay open and are read again with pread() at
 * offset 0, which runs their show() again: no path lookup in the hot loop
 * (a KCSAN kernel reports the dcache's own benign races there). They are
 * looked up again (glob) when one fails, as files come and go with hotplug
 * and rmmod, and every 64 rounds. Built static for the test guest.
 */
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <unistd.h>

#define MAX_FILES 256

int main(int argc, char **argv)
{
	unsigned long rounds = 0, reads = 0;
	int fds[MAX_FILES], n = 0, a, i, failed = 1;
	char buf[4096];

	if (argc < 3) {
		fprintf(stderr, "usage: sysfs-reader STOP PATTERN...\n");
		return 2;
	}
	for (;;) {
		if (failed || !(rounds % 64)) {
			if (access(argv[1], F_OK) == 0)
				break;
			while (n)
				close(fds[--n]);
			for (a = 2; a < argc; a++) {
				glob_t g;
				size_t k;

				if (glob(argv[a], 0, NULL, &g))
					continue;
				for (k = 0; k < g.gl_pathc && n < MAX_FILES; k++) {
					fds[n] = open(g.gl_pathv[k], O_RDONLY);
					if (fds[n] >= 0)
						n++;
				}
				globfree(&g);
			}
			failed = 0;
		}
		for (i = 0; i < n; i++) {
			if (pread(fds[i], buf, sizeof(buf), 0) < 0)
				failed = 1;
			else
				reads++;
		}
		if (!n) {		/* nothing there yet: look again soon */
			failed = 1;
			usleep(1000);
		}
		rounds++;
	}
	printf("sysfs-reader: %lu rounds, %lu reads\n", rounds, reads);
	return 0;
}
