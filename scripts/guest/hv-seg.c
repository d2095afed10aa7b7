// SPDX-License-Identifier: GPL-2.0
/*
 * hv-seg SELECTOR FILE: the user's FS and GS selectors across a run of the
 * sample hypervisor (hv.sh), whose write of "1" to its debugfs file FILE
 * enters the guest on every CPU. Each VM exit loads the VMCS's host
 * selectors, in whatever task the CPU runs; the sample must put the
 * task's own back. Prints "fs S gs S remote fs S gs S" when all survived:
 *
 *   fs, gs: this task, pinned to one CPU, loads SELECTOR into FS and
 *   writes FILE, then the same with GS; the run on this CPU is in its
 *   write. After the write, a store to a page not yet touched: the kernel
 *   returns from that page fault with IRET. IRET to ring 3 nulls a data
 *   segment register whose cached DPL is below 3 (SDM, IRET, return to
 *   outer privilege level), as a VM exit leaves it for any non-null
 *   selector it loads (SDM 27.5.2). A context switch in between reloads
 *   the selector from its descriptor and hides that, so this half can pass
 *   with the bug present; the remote half cannot.
 *
 *   remote: a child on another CPU loads SELECTOR into FS and GS and spins
 *   until this task's write (a third one) has returned, then reads them.
 *   The run on its CPU is in the IPI that interrupts it, which returns
 *   with IRET; once nulled, a selector stays null.
 *
 * Between the load and the read nothing may use the FS base (the C
 * library's thread pointer, which the load sets to the descriptor's 0):
 * the write and the ARCH_SET_FS that puts the base back are raw system
 * calls. Built static for the test guest.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

/* Shared with the child: its state, and what it read */
struct remote {
	volatile int ready;		/* the child: selectors loaded */
	volatile int done;		/* the parent: the write returned */
	unsigned short fs, gs;
};

/* The child, on its own CPU: FS := GS := sel, spin until done, read them. */
static void spin_with_fs_gs(struct remote *r, unsigned short sel)
{
	unsigned short fs, gs, null = 0;
	unsigned long base;

	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &base))
		_exit(1);
	asm volatile("mov %0, %%fs\n\t"
		     "mov %0, %%gs"
		     : : "r"(sel) : "memory");
	r->ready = 1;
	while (!r->done)
		asm volatile("pause" : : : "memory");
	asm volatile("mov %%fs, %0\n\t"
		     "mov %%gs, %1"
		     : "=r"(fs), "=r"(gs) : : "memory");
	asm volatile("mov %0, %%gs" : : "r"(null) : "memory");
	raw_syscall(SYS_arch_prctl, ARCH_SET_FS, (long)base, 0);
	r->fs = fs;
	r->gs = gs;
	_exit(0);
}

/* Pins the calling task to cpu. */
static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* The selectors of a child on CPU there, read after a write here */
static int remote_write(int fd, unsigned short sel, int there,
			struct remote *r)
{
	int status;
	pid_t pid;
	long ret;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (pin(there))
			_exit(1);
		spin_with_fs_gs(r, sel);
	}
	while (!r->ready && waitpid(pid, &status, WNOHANG) == 0)
		sched_yield();
	ret = r->ready ? write(fd, "1", 1) : -1;
	r->done = 1;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return ret == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned short sel, fs = 0, gs = 0;
	long size = sysconf(_SC_PAGESIZE);
	int fd, cpu, here = -1, there = -1;
	struct remote *r;
	cpu_set_t set;
	char *pages;

	if (argc != 3) {
		fprintf(stderr, "usage: hv-seg SELECTOR FILE\n");
		return 2;
	}
	sel = (unsigned short)strtoul(argv[1], NULL, 0);
	/* two CPUs this task may run on: one for it, one for the child */
	if (sched_getaffinity(0, sizeof(set), &set)) {
		perror("sched_getaffinity");
		return 1;
	}
	for (cpu = 0; cpu < CPU_SETSIZE && there < 0; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (here < 0)
			here = cpu;
		else
			there = cpu;
	}
	if (there < 0 || pin(here)) {
		fprintf(stderr, "hv-seg: needs two CPUs\n");
		return 1;
	}
	fd = open(argv[2], O_WRONLY);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	/* two pages, neither touched yet */
	pages = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED || r == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (write_with_fs(fd, sel, pages, &fs) ||
	    write_with_gs(fd, sel, pages + size, &gs) ||
	    remote_write(fd, sel, there, r)) {
		fprintf(stderr, "hv-seg: a write to %s failed\n", argv[2]);
		return 1;
	}
	printf("fs 0x%x gs 0x%x remote fs 0x%x gs 0x%x\n", fs, gs, r->fs,
	       r->gs);
	return 0;
}
