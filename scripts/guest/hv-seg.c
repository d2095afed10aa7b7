// SPDX-License-Identifier: GPL-2.0
/*
 * hv-seg SELECTOR FILE: load SELECTOR into FS and write "1" to FILE, then
 * the same with GS, and print the two selectors as they were after each
 * write: "fs 0x28 gs 0x28" when both survived. For the sample hypervisor
 * (hv.sh): a write to its debugfs file run enters the guest on every CPU,
 * this one included, in the context of this task, whose FS and GS the VM
 * exits overwrite with the VMCS's host selectors. Between the load and the
 * write nothing may use the FS base (the C library's thread pointer, which
 * the load sets to the descriptor's 0): the write and the ARCH_SET_FS that
 * puts the base back are raw system calls.
 *
 * After the write, and before the selector is read, a store to a page not
 * yet touched: the kernel returns from that page fault with IRET, which
 * nulls a data segment register whose cached DPL is below 3 (SDM, IRET,
 * return to outer privilege level), as a VM exit leaves it for any
 * selector it loads (SDM 27.5.2). An interrupt taken at that point does
 * the same; the page fault makes it certain. Built static for the test
 * guest.
 */
#include <asm/prctl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline __attribute__((always_inline))
long raw_syscall(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("syscall"
		     : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c)
		     : "rcx", "r11", "memory");
	return ret;
}

/* FS := sel, write(fd, "1"), a fault on *page, *after := FS, FS base back. */
static int write_with_fs(int fd, unsigned short sel, volatile char *page,
			 unsigned short *after)
{
	unsigned long base;
	unsigned short fs;
	long ret;

	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &base))
		return -1;
	asm volatile("mov %0, %%fs" : : "r"(sel) : "memory");
	ret = raw_syscall(SYS_write, fd, (long)"1", 1);
	*page = 1;
	asm volatile("mov %%fs, %0" : "=r"(fs) : : "memory");
	raw_syscall(SYS_arch_prctl, ARCH_SET_FS, (long)base, 0);
	*after = fs;
	return ret == 1 ? 0 : -1;
}

/*
 * GS := sel, write(fd, "1"), a fault on *page, *after := GS, GS := 0 (the
 * C library has no use for GS).
 */
static int write_with_gs(int fd, unsigned short sel, volatile char *page,
			 unsigned short *after)
{
	unsigned short gs, null = 0;
	long ret;

	asm volatile("mov %0, %%gs" : : "r"(sel) : "memory");
	ret = raw_syscall(SYS_write, fd, (long)"1", 1);
	*page = 1;
	asm volatile("mov %%gs, %0" : "=r"(gs) : : "memory");
	asm volatile("mov %0, %%gs" : : "r"(null) : "memory");
	*after = gs;
	return ret == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned short sel, fs = 0, gs = 0;
	long size = sysconf(_SC_PAGESIZE);
	char *pages;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: hv-seg SELECTOR FILE\n");
		return 2;
	}
	sel = (unsigned short)strtoul(argv[1], NULL, 0);
	fd = open(argv[2], O_WRONLY);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	/* two pages, neither touched yet */
	pages = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (write_with_fs(fd, sel, pages, &fs) ||
	    write_with_gs(fd, sel, pages + size, &gs)) {
		fprintf(stderr, "hv-seg: write to %s failed\n", argv[2]);
		return 1;
	}
	printf("fs 0x%x gs 0x%x\n", fs, gs);
	return 0;
}
