// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs-reader STOP PATTERN...: read every file the PATTERNs match (glob,
 * again each round, as files come and go with hotplug and rmmod) as fast
 * as one CPU can, until the file STOP exists. A shell loop forks a cat
 * per round and reads each attribute a few hundred times a second; this
 * reads it thousands of times, which is what a race detector that samples
 * (KCSAN) needs. Built static for the test guest.
 */
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long rounds = 0, reads = 0;
	char buf[4096];
	size_t i;
	int a, fd;

	if (argc < 3) {
		fprintf(stderr, "usage: sysfs-reader STOP PATTERN...\n");
		return 2;
	}
	while (access(argv[1], F_OK)) {
		for (a = 2; a < argc; a++) {
			glob_t g;

			if (glob(argv[a], 0, NULL, &g))
				continue;
			for (i = 0; i < g.gl_pathc; i++) {
				fd = open(g.gl_pathv[i], O_RDONLY);
				if (fd < 0)
					continue;
				if (read(fd, buf, sizeof(buf)) >= 0)
					reads++;
				close(fd);
			}
			globfree(&g);
		}
		rounds++;
	}
	printf("sysfs-reader: %lu rounds, %lu reads\n", rounds, reads);
	return 0;
}
