// SPDX-License-Identifier: GPL-2.0
/*
 * vmx-probe: can each online CPU enter VMX root operation, and if not why,
 * without vmxon loaded. The engine of `vmx-status --probe`, which starts
 * it and formats its output for people.
 *
 * It reads what the module's hw_read_regs() (vmx_msr.c) reads, through the
 * kernel's cpuid and msr drivers (/dev/cpu/N/cpuid, /dev/cpu/N/msr), and
 * judges it with the module's own vmx_check_cpu() (vmx_caps.c, compiled in
 * unchanged), then applies the module's fleet rule (vmx_fleet_check() in
 * vmx_fleet.c): every ready CPU's VMX capability MSRs must equal those of
 * the first ready CPU, else that CPU is "inconsistent". So each CPU gets
 * the token the module's check-only mode (insmod vmxon.ko enable=0) puts in
 * /sys/devices/system/cpu/cpuN/vmx/reason, except for what user space
 * cannot see:
 *
 * - CR0 and CR4 cannot be read from user space. The fixed-bit checks run
 *   on ASSUMED_CR0 and ASSUMED_CR4 below: the CR0 every x86-64 Linux runs
 *   with, and the CR4 bits every x86-64 Linux sets. CR4 bits that depend on
 *   the CPU and the kernel's configuration (MCE, OSXSAVE, FSGSBASE, PCIDE,
 *   SMEP, SMAP, UMIP, LA57, PKE, ...) are not checked against
 *   IA32_VMX_CR4_FIXED1.
 * - The kernel's X86_FEATURE_VMX is the "vmx" flag of the CPU in
 *   /proc/cpuinfo, which the module reads from the kernel directly. Whether
 *   feat_ctl.c configured IA32_FEATURE_CONTROL is not shown there: it does
 *   on every CPU vendor with VMX that the kernel was built for, and the
 *   probe takes it as done.
 * - CR4.VMXE: whether another hypervisor (KVM, VirtualBox, VMware) holds
 *   VMX right now. The probe therefore never reports "busy".
 *
 * Output, one line each, read by scripts/vmx-status:
 *   assumed cr0 0xCR0 cr4 0xCR4
 *   cpuN TOKEN 0xREVISION 0xFEATURE_CONTROL 0xBAD_BITS   (per online CPU)
 * BAD_BITS are the offending CR bits for cr0_fixed_bits and cr4_fixed_bits.
 * Exit status: 0 every online CPU is ok, 1 some CPU is not, 3 the probe
 * could not read the registers (message on stderr).
 *
 * vmx-probe --caps (vmx-status --caps): the VMX capability MSRs of every
 * online CPU decoded, in the rows of QEMU's scripts/kvm/vmxcap (which
 * decodes one CPU): each row shows the first online CPU's value, and a row
 * where another CPU differs starts with '*' and names those CPUs and their
 * values. Controls are "yes" (may be 0 or 1), "default" (must be 1) or
 * "no" (must be 0), from the allowed-0 and allowed-1 settings of the
 * TRUE_* MSR when IA32_VMX_BASIC bit 55 says it exists. Exit status: 0
 * decoded, 1 no online CPU has VMX, 3 as above.
 *
 * Build (the guest's copy is static: scripts/initramfs.sh):
 *   cc -O2 -Itools/include -o build/vmx-probe tools/vmx-probe.c vmx_caps.c
 * (make probe); tools/include/ stands in for the kernel headers they include.
 */
#define _GNU_SOURCE
#include <asm/processor-flags.h>
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../vmx_caps.h"

/* Linux's CR0 from head_64.S on (uapi asm/processor-flags.h). */
#define ASSUMED_CR0	CR0_STATE
/* head_64.S sets PAE and PGE; fpu__init_cpu_generic() OSFXSR, OSXMMEXCPT. */
#define ASSUMED_CR4	(X86_CR4_PAE | X86_CR4_PGE | X86_CR4_OSFXSR | \
			 X86_CR4_OSXMMEXCPT)

#define MSR_IA32_FEAT_CTL	0x3a

/*
 * Where the kernel's cpuid and msr drivers and sysfs are: tests
 * (scripts/tests/vmx_status_test.py) set VMX_PROBE_DEV and VMX_STATUS_SYSFS
 * to made-up files (see rdmsr()).
 */
static const char *dev_root = "/dev/cpu";
static const char *sys_root = "/sys";
static const char *proc_root = "/proc";

struct cpu {
	unsigned int id;
	struct vmx_cpu_regs regs;
	struct vmx_verdict verdict;
};

/*
 * The msr driver reads MSR n at offset n. A regular file in its place
 * (tests) holds MSR n at offset 8 * n, as MSRs next to each other would
 * overlap otherwise.
 */
static int rdmsr(int fd, u32 msr, u64 *val)
{
	struct stat st;
	off_t off = msr;

	if (!fstat(fd, &st) && S_ISREG(st.st_mode))
		off *= sizeof(*val);
	return pread(fd, val, sizeof(*val), off) == sizeof(*val) ? 0 : -1;
}

/* CPUID.1:ECX of @cpu: the cpuid driver, else the instruction, pinned. */
static int cpuid1_ecx(unsigned int cpu, u32 *ecx)
{
	unsigned int r[4];
	char path[512];
	cpu_set_t old, one;
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%u/cpuid", dev_root, cpu);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		ok = pread(fd, r, sizeof(r), 1) == sizeof(r);
		close(fd);
		if (!ok) {
			fprintf(stderr, "vmx-probe: %s: cannot read leaf 1\n",
				path);
			return -1;
		}
		*ecx = r[2];
		return 0;
	}
	if (sched_getaffinity(0, sizeof(old), &old))
		return -1;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one)) {
		fprintf(stderr, "vmx-probe: no %s and cannot run on cpu%u\n",
			path, cpu);
		return -1;
	}
	__cpuid(1, r[0], r[1], r[2], r[3]);
	*ecx = r[2];
	sched_setaffinity(0, sizeof(old), &old);
	return 0;
}

/* As hw_read_regs() in vmx_msr.c, with the CRs assumed. */
static int read_regs(unsigned int cpu, struct vmx_cpu_regs *regs)
{
	char path[512];
	int fd, i;

	*regs = (struct vmx_cpu_regs){ 0 };
	if (cpuid1_ecx(cpu, &regs->cpuid1_ecx))
		return -1;
	regs->cr0 = ASSUMED_CR0;
	regs->cr4 = ASSUMED_CR4;
	snprintf(path, sizeof(path), "%s/%u/msr", dev_root, cpu);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "vmx-probe: %s: %s%s\n", path, strerror(errno),
			errno == ENOENT ? " (modprobe msr)" :
			errno == EACCES || errno == EPERM ?
			" (needs root: CAP_SYS_RAWIO)" : "");
		return -1;
	}
	if (rdmsr(fd, MSR_IA32_FEAT_CTL, &regs->feature_control))
		regs->feature_control = 0;
	for (i = 0; i < VMX_CAP_COUNT; i++) {
		if (rdmsr(fd, VMX_CAP_MSR_BASE + i, &regs->caps.msr[i]))
			regs->caps.msr[i] = 0;
		else
			regs->caps.present |= BIT(i);
	}
	close(fd);
	return 0;
}

/*
 * --caps: the rows. A control row reads one bit of a control MSR (the TRUE
 * one when there is one, @true_idx, and IA32_VMX_BASIC bit 55 is set); a flag
 * row one bit of an MSR; a field row bits @hi:@lo in decimal; a hex row
 * the whole MSR (@hi 64) or, for a control MSR, one of its halves (@lo 0:
 * allowed-0, the bits that must be 1; @lo 32: allowed-1, the bits that
 * may be 1).
 */
enum row_kind { ROW_TITLE, ROW_CTL, ROW_FLAG, ROW_FIELD, ROW_HEX };

/* The secondary controls have no TRUE MSR; index 0 (BASIC) never is one. */
#define VMX_CAP_NO_TRUE		0

struct row {
	enum row_kind kind;
	const char *name;
	u8 idx, true_idx, lo, hi;
};

#define TITLE(n)		{ ROW_TITLE, n, 0, 0, 0, 0 }
#define CTL(i, t, b, n)		{ ROW_CTL, n, VMX_CAP_##i, VMX_CAP_##t, b, b }
#define FLAG(i, b, n)		{ ROW_FLAG, n, VMX_CAP_##i, 0, b, b }
#define FIELD(i, h, l, n)	{ ROW_FIELD, n, VMX_CAP_##i, 0, l, h }
#define HEX(i, n)		{ ROW_HEX, n, VMX_CAP_##i, 0, 0, 64 }
#define HALF(i, t, l, n)	{ ROW_HEX, n, VMX_CAP_##i, VMX_CAP_##t, l, 32 }
#define PIN(b, n)		CTL(PINBASED_CTLS, TRUE_PINBASED_CTLS, b, n)
#define PROC(b, n)		CTL(PROCBASED_CTLS, TRUE_PROCBASED_CTLS, b, n)
#define PROC2(b, n)		CTL(PROCBASED_CTLS2, NO_TRUE, b, n)
#define EXIT(b, n)		CTL(EXIT_CTLS, TRUE_EXIT_CTLS, b, n)
#define ENTRY(b, n)		CTL(ENTRY_CTLS, TRUE_ENTRY_CTLS, b, n)
#define ALLOWED(i, t)		HALF(i, t, 0, "allowed-0 (must be 1)"), \
				HALF(i, t, 32, "allowed-1 (may be 1)")

/* The bits as the SDM (volume 3, appendix A) and vmxcap name them. */
static const struct row rows[] = {
	TITLE("Basic VMX information (IA32_VMX_BASIC)"),
	HEX(BASIC, "Hex"),
	FIELD(BASIC, 30, 0, "Revision"),
	FIELD(BASIC, 44, 32, "VMCS size"),
	FLAG(BASIC, 48, "VMCS restricted to 32 bit addresses"),
	FLAG(BASIC, 49, "Dual-monitor support"),
	FIELD(BASIC, 53, 50, "VMCS memory type"),
	FLAG(BASIC, 54, "INS/OUTS instruction information"),
	FLAG(BASIC, 55, "IA32_VMX_TRUE_*_CTLS support"),
	TITLE("pin-based controls"),
	ALLOWED(PINBASED_CTLS, TRUE_PINBASED_CTLS),
	PIN(0, "External interrupt exiting"),
	PIN(3, "NMI exiting"),
	PIN(5, "Virtual NMIs"),
	PIN(6, "Activate VMX-preemption timer"),
	PIN(7, "Process posted interrupts"),
	TITLE("primary processor-based controls"),
	ALLOWED(PROCBASED_CTLS, TRUE_PROCBASED_CTLS),
	PROC(2, "Interrupt window exiting"),
	PROC(3, "Use TSC offsetting"),
	PROC(7, "HLT exiting"),
	PROC(9, "INVLPG exiting"),
	PROC(10, "MWAIT exiting"),
	PROC(11, "RDPMC exiting"),
	PROC(12, "RDTSC exiting"),
	PROC(15, "CR3-load exiting"),
	PROC(16, "CR3-store exiting"),
	PROC(17, "Activate tertiary controls"),
	PROC(19, "CR8-load exiting"),
	PROC(20, "CR8-store exiting"),
	PROC(21, "Use TPR shadow"),
	PROC(22, "NMI-window exiting"),
	PROC(23, "MOV-DR exiting"),
	PROC(24, "Unconditional I/O exiting"),
	PROC(25, "Use I/O bitmaps"),
	PROC(27, "Monitor trap flag"),
	PROC(28, "Use MSR bitmaps"),
	PROC(29, "MONITOR exiting"),
	PROC(30, "PAUSE exiting"),
	PROC(31, "Activate secondary control"),
	TITLE("secondary processor-based controls"),
	ALLOWED(PROCBASED_CTLS2, NO_TRUE),
	PROC2(0, "Virtualize APIC accesses"),
	PROC2(1, "Enable EPT"),
	PROC2(2, "Descriptor-table exiting"),
	PROC2(3, "Enable RDTSCP"),
	PROC2(4, "Virtualize x2APIC mode"),
	PROC2(5, "Enable VPID"),
	PROC2(6, "WBINVD exiting"),
	PROC2(7, "Unrestricted guest"),
	PROC2(8, "APIC register emulation"),
	PROC2(9, "Virtual interrupt delivery"),
	PROC2(10, "PAUSE-loop exiting"),
	PROC2(11, "RDRAND exiting"),
	PROC2(12, "Enable INVPCID"),
	PROC2(13, "Enable VM functions"),
	PROC2(14, "VMCS shadowing"),
	PROC2(15, "Enable ENCLS exiting"),
	PROC2(16, "RDSEED exiting"),
	PROC2(17, "Enable PML"),
	PROC2(18, "EPT-violation #VE"),
	PROC2(19, "Conceal non-root operation from PT"),
	PROC2(20, "Enable XSAVES/XRSTORS"),
	PROC2(22, "Mode-based execute control (XS/XU)"),
	PROC2(23, "Sub-page write permissions"),
	PROC2(24, "GPA translation for PT"),
	PROC2(25, "TSC scaling"),
	PROC2(26, "User wait and pause"),
	PROC2(28, "ENCLV exiting"),
	TITLE("VM-Exit controls"),
	ALLOWED(EXIT_CTLS, TRUE_EXIT_CTLS),
	EXIT(2, "Save debug controls"),
	EXIT(9, "Host address-space size"),
	EXIT(12, "Load IA32_PERF_GLOBAL_CTRL"),
	EXIT(15, "Acknowledge interrupt on exit"),
	EXIT(18, "Save IA32_PAT"),
	EXIT(19, "Load IA32_PAT"),
	EXIT(20, "Save IA32_EFER"),
	EXIT(21, "Load IA32_EFER"),
	EXIT(22, "Save VMX-preemption timer value"),
	EXIT(23, "Clear IA32_BNDCFGS"),
	EXIT(24, "Conceal VM exits from PT"),
	EXIT(25, "Clear IA32_RTIT_CTL"),
	TITLE("VM-Entry controls"),
	ALLOWED(ENTRY_CTLS, TRUE_ENTRY_CTLS),
	ENTRY(2, "Load debug controls"),
	ENTRY(9, "IA-32e mode guest"),
	ENTRY(10, "Entry to SMM"),
	ENTRY(11, "Deactivate dual-monitor treatment"),
	ENTRY(13, "Load IA32_PERF_GLOBAL_CTRL"),
	ENTRY(14, "Load IA32_PAT"),
	ENTRY(15, "Load IA32_EFER"),
	ENTRY(16, "Load IA32_BNDCFGS"),
	ENTRY(17, "Conceal VM entries from PT"),
	ENTRY(18, "Load IA32_RTIT_CTL"),
	TITLE("Miscellaneous data (IA32_VMX_MISC)"),
	HEX(MISC, "Hex"),
	FIELD(MISC, 4, 0, "VMX-preemption timer rate (TSC >> N)"),
	FLAG(MISC, 5, "Store EFER.LMA into IA-32e mode guest control"),
	FLAG(MISC, 6, "HLT activity state"),
	FLAG(MISC, 7, "Shutdown activity state"),
	FLAG(MISC, 8, "Wait-for-SIPI activity state"),
	FLAG(MISC, 14, "PT in VMX operation"),
	FLAG(MISC, 15, "IA32_SMBASE to MSR"),
	FIELD(MISC, 24, 16, "Number of CR3-target values"),
	FIELD(MISC, 27, 25, "MSR-load/store count recommendation (512 * (N + 1))"),
	FLAG(MISC, 28, "IA32_SMM_MONITOR_CTL[2] can be set to 1"),
	FLAG(MISC, 29, "VMWRITE to VM exit information fields"),
	FLAG(MISC, 30, "Inject event with insn length=0"),
	FIELD(MISC, 63, 32, "MSEG revision identifier"),
	TITLE("VPID and EPT capabilities (IA32_VMX_EPT_VPID_CAP)"),
	HEX(EPT_VPID_CAP, "Hex"),
	FLAG(EPT_VPID_CAP, 0, "Execute-only EPT translations"),
	FLAG(EPT_VPID_CAP, 6, "Page-walk length 4"),
	FLAG(EPT_VPID_CAP, 7, "Page-walk length 5"),
	FLAG(EPT_VPID_CAP, 8, "Paging-structure memory type UC"),
	FLAG(EPT_VPID_CAP, 14, "Paging-structure memory type WB"),
	FLAG(EPT_VPID_CAP, 16, "2MB EPT pages"),
	FLAG(EPT_VPID_CAP, 17, "1GB EPT pages"),
	FLAG(EPT_VPID_CAP, 20, "INVEPT supported"),
	FLAG(EPT_VPID_CAP, 21, "EPT accessed and dirty flags"),
	FLAG(EPT_VPID_CAP, 22, "Advanced VM-exit information for EPT violations"),
	FLAG(EPT_VPID_CAP, 23, "Supervisor shadow-stack control"),
	FLAG(EPT_VPID_CAP, 25, "Single-context INVEPT"),
	FLAG(EPT_VPID_CAP, 26, "All-context INVEPT"),
	FLAG(EPT_VPID_CAP, 32, "INVVPID supported"),
	FLAG(EPT_VPID_CAP, 40, "Individual-address INVVPID"),
	FLAG(EPT_VPID_CAP, 41, "Single-context INVVPID"),
	FLAG(EPT_VPID_CAP, 42, "All-context INVVPID"),
	FLAG(EPT_VPID_CAP, 43, "Single-context-retaining-globals INVVPID"),
	TITLE("VM Functions (IA32_VMX_VMFUNC)"),
	HEX(VMFUNC, "Hex"),
	FLAG(VMFUNC, 0, "EPTP Switching"),
	TITLE("Other capability MSRs"),
	HEX(CR0_FIXED0, "IA32_VMX_CR0_FIXED0"),
	HEX(CR0_FIXED1, "IA32_VMX_CR0_FIXED1"),
	HEX(CR4_FIXED0, "IA32_VMX_CR4_FIXED0"),
	HEX(CR4_FIXED1, "IA32_VMX_CR4_FIXED1"),
	FIELD(VMCS_ENUM, 9, 1, "Highest index in VMCS encodings (IA32_VMX_VMCS_ENUM)"),
};

/* Row @r of @caps as text in @buf: "-" where the MSR cannot be read. */
static void row_value(const struct row *r, const struct vmx_caps *caps,
		      char *buf, size_t len)
{
	unsigned int idx = r->idx;
	u64 v, mask;

	if (r->true_idx != VMX_CAP_NO_TRUE &&
	    (caps->msr[VMX_CAP_BASIC] & VMXCAP_BASIC_TRUE_CTLS) &&
	    (caps->present & BIT(r->true_idx)))
		idx = r->true_idx;
	if (!(caps->present & BIT(idx))) {
		snprintf(buf, len, "-");
		return;
	}
	v = caps->msr[idx];
	switch (r->kind) {
	case ROW_CTL: {
		bool can0 = !(v & BIT_ULL(r->lo)), can1 = v & BIT_ULL(r->lo + 32);

		snprintf(buf, len, "%s", can0 && can1 ? "yes" : can1 ? "default" : "no");
		break;
	}
	case ROW_FLAG:
		snprintf(buf, len, "%s", v & BIT_ULL(r->lo) ? "yes" : "no");
		break;
	case ROW_FIELD:
		mask = GENMASK_ULL(r->hi, r->lo);
		snprintf(buf, len, "%llu", (unsigned long long)((v & mask) >> r->lo));
		break;
	case ROW_HEX:
		if (r->hi == 32)
			v = r->lo ? v >> 32 : v & 0xffffffffULL;
		snprintf(buf, len, r->hi == 32 ? "0x%08llx" : "0x%016llx",
			 (unsigned long long)v);
		break;
	case ROW_TITLE:
		buf[0] = '\0';
		break;
	}
}

/* The online CPUs, from the cpulist in /sys/devices/system/cpu/online. */
static unsigned int online_cpus(struct cpu **cpus)
{
	unsigned int a, b, n = 0, cap = 0;
	struct cpu *c = NULL;
	char path[512];
	FILE *f;
	char sep;

	snprintf(path, sizeof(path), "%s/devices/system/cpu/online", sys_root);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "vmx-probe: %s: %s\n", path, strerror(errno));
		return 0;
	}
	while (fscanf(f, "%u", &a) == 1) {
		b = a;
		sep = fgetc(f);
		if (sep == '-') {
			if (fscanf(f, "%u", &b) != 1)
				break;
			sep = fgetc(f);
		}
		for (; a <= b; a++) {
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				c = realloc(c, cap * sizeof(*c));
				if (!c) {
					perror("vmx-probe");
					exit(3);
				}
			}
			c[n++].id = a;
		}
		if (sep != ',')
			break;
	}
	fclose(f);
	*cpus = c;
	return n;
}

/*
 * The kernel's X86_FEATURE_VMX of each CPU: the "vmx" word in the flags
 * line of its "processor" block of /proc/cpuinfo, read once for all.
 */
static int read_kernel_flags(struct cpu *cpus, unsigned int n)
{
	struct cpu *mine = NULL;
	unsigned int i, id, found = 0;
	char line[4096];
	FILE *f;

	snprintf(line, sizeof(line), "%s/cpuinfo", proc_root);
	f = fopen(line, "r");
	if (!f) {
		perror("vmx-probe: /proc/cpuinfo");
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "processor : %u", &id) == 1) {
			mine = NULL;
			for (i = 0; i < n; i++)
				if (cpus[i].id == id)
					mine = &cpus[i];
		} else if (mine && !strncmp(line, "flags", 5)) {
			/* A flags line without names (not even "fpu") says
			 * nothing of the flag: take it as set.
			 */
			mine->regs.kernel_vmx = strstr(line, " vmx ") ||
						strstr(line, " vmx\n") ||
						!strstr(line, " fpu ");
			mine->regs.kernel_fc = true;
			mine = NULL;
			found++;
		}
	}
	fclose(f);
	if (found == n)
		return 0;
	fprintf(stderr, "vmx-probe: /proc/cpuinfo lacks %u online CPUs (did one go offline?)\n",
		n - found);
	return -1;
}

/*
 * Has @c VMX, as the module's no_vmx check judges it: CPUID and the basic
 * MSRs. An emulator may read the MSRs as 0 without VMX in CPUID (QEMU).
 */
static bool has_vmx(const struct cpu *c)
{
	return c->verdict.reason != VMX_REASON_NO_VMX;
}

/*
 * --caps: every row, with the first online CPU that has VMX as reference;
 * CPUs without VMX are named once and left out of the rows.
 */
static int show_caps(const struct cpu *cpus, unsigned int n)
{
	unsigned int i, r, ref = n, nvmx = 0, differ = 0;
	char val[32], other[32], marks[1024];
	size_t used;

	for (i = 0; i < n; i++) {
		if (has_vmx(&cpus[i])) {
			if (ref == n)
				ref = i;
			nvmx++;
		} else {
			printf("cpu%u: no VMX capability MSRs (%s)\n", cpus[i].id,
			       vmx_reason_token(cpus[i].verdict.reason));
		}
	}
	if (ref == n) {
		printf("caps: no online CPU has VMX\n");
		return 1;
	}
	printf("VMX capabilities of cpu%u; rows marked * differ on the CPUs named\n",
	       cpus[ref].id);
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		if (rows[r].kind == ROW_TITLE) {
			printf("%s\n", rows[r].name);
			continue;
		}
		row_value(&rows[r], &cpus[ref].regs.caps, val, sizeof(val));
		marks[0] = '\0';
		used = 0;
		for (i = 0; i < n; i++) {
			if (i == ref || !has_vmx(&cpus[i]))
				continue;
			row_value(&rows[r], &cpus[i].regs.caps, other, sizeof(other));
			if (strcmp(val, other) && used < sizeof(marks) - 1)
				used += snprintf(marks + used, sizeof(marks) - used,
						 "%scpu%u %s", used ? ", " : "",
						 cpus[i].id, other);
		}
		if (used)
			differ++;
		printf("%c %-52s %s%s%s%s\n", used ? '*' : ' ', rows[r].name, val,
		       used ? "  (" : "", marks, used ? ")" : "");
	}
	if (differ)
		printf("caps: %u rows differ between the %u CPUs with VMX\n", differ, nvmx);
	else
		printf("caps: all %u CPUs with VMX agree\n", nvmx);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vmx-probe [--caps]\n"
		"Each online CPU's VMX reason from CPUID and the MSRs, or with --caps\n"
		"its VMX capability MSRs decoded; run by vmx-status --probe and --caps.\n");
}

int main(int argc, char **argv)
{
	struct vmx_caps ref;
	bool have_ref = false, caps = false;
	unsigned int i, n;
	struct cpu *cpus;
	int status = 0;

	if (getenv("VMX_PROBE_DEV"))
		dev_root = getenv("VMX_PROBE_DEV");
	if (getenv("VMX_STATUS_SYSFS"))
		sys_root = getenv("VMX_STATUS_SYSFS");
	if (getenv("VMX_PROBE_PROC"))
		proc_root = getenv("VMX_PROBE_PROC");
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--caps")) {
		caps = true;
	} else if (argc != 1) {
		usage(stderr);
		return 3;
	}
	n = online_cpus(&cpus);
	if (!n) {
		fprintf(stderr, "vmx-probe: no online CPU found\n");
		return 3;
	}
	for (i = 0; i < n; i++)
		if (read_regs(cpus[i].id, &cpus[i].regs))
			return 3;
	if (read_kernel_flags(cpus, n))
		return 3;
	for (i = 0; i < n; i++)
		vmx_check_cpu(&cpus[i].regs, &cpus[i].verdict);
	/* The module's rule across CPUs, as vmx_fleet_check() applies it. */
	for (i = 0; i < n; i++)
		vmx_caps_agree(&ref, &have_ref, &cpus[i].regs.caps,
			       &cpus[i].verdict.reason);

	if (caps) {
		status = show_caps(cpus, n);
		free(cpus);
		return status;
	}
	printf("assumed cr0 0x%llx cr4 0x%llx\n", (unsigned long long)ASSUMED_CR0,
	       (unsigned long long)ASSUMED_CR4);
	for (i = 0; i < n; i++) {
		const struct vmx_verdict *v = &cpus[i].verdict;

		printf("cpu%u %s 0x%x 0x%llx 0x%llx\n", cpus[i].id,
		       vmx_reason_token(v->reason), v->basic.revision_id,
		       (unsigned long long)cpus[i].regs.feature_control,
		       (unsigned long long)v->bad_bits);
		if (v->reason != VMX_REASON_OK)
			status = 1;
	}
	free(cpus);
	return status;
}
