// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for vmx_caps.c: every decision, fed with made-up and with
 * real register values. Each table row is one parameterised case.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "vmx_test.h"

/* IA32_VMX_BASIC of real Intel parts: a 1 KiB region, to be accepted. */
#define HASWELL_BASIC	0x00da040000000012ULL
#define SKYLAKE_BASIC	0x00da040000000004ULL

/* --- reason tokens and errnos ------------------------------------------ */

struct reason_case {
	const char *desc;
	enum vmx_reason reason;
	const char *token;
	int err;
};

static const struct reason_case reason_cases[] = {
	{ "ok", VMX_REASON_OK, "ok", 0 },
	{ "no_vmx", VMX_REASON_NO_VMX, "no_vmx", -EOPNOTSUPP },
	{ "disabled_by_firmware", VMX_REASON_DISABLED_BY_FIRMWARE,
	  "disabled_by_firmware", -EOPNOTSUPP },
	{ "cr0_fixed_bits", VMX_REASON_CR0_FIXED_BITS, "cr0_fixed_bits", -EIO },
	{ "cr4_fixed_bits", VMX_REASON_CR4_FIXED_BITS, "cr4_fixed_bits", -EIO },
	{ "vmcs_too_large", VMX_REASON_VMCS_TOO_LARGE, "vmcs_too_large",
	  -EOPNOTSUPP },
	{ "vmcs_size_zero", VMX_REASON_VMCS_SIZE_ZERO, "vmcs_size_zero",
	  -EOPNOTSUPP },
	{ "memtype_not_wb", VMX_REASON_MEMTYPE_NOT_WB, "memtype_not_wb",
	  -EOPNOTSUPP },
	{ "addr_32bit_only", VMX_REASON_ADDR_32BIT_ONLY, "addr_32bit_only",
	  -EOPNOTSUPP },
	{ "busy", VMX_REASON_BUSY, "busy", -EBUSY },
	{ "inconsistent", VMX_REASON_INCONSISTENT, "inconsistent",
	  -EOPNOTSUPP },
	{ "no_memory", VMX_REASON_NO_MEMORY, "no_memory", -ENOMEM },
	{ "vmxon_fault", VMX_REASON_VMXON_FAULT, "vmxon_fault", -EIO },
	{ "vmxon_failed", VMX_REASON_VMXON_FAILED, "vmxon_failed", -EIO },
	{ "vmxoff_failed", VMX_REASON_VMXOFF_FAILED, "vmxoff_failed", -EIO },
	{ "feature_control_write_failed",
	  VMX_REASON_FEATURE_CONTROL_WRITE_FAILED,
	  "feature_control_write_failed", -EIO },
	{ "client_refused", VMX_REASON_CLIENT_REFUSED, "client_refused", -EIO },
	{ "disabled_by_kernel", VMX_REASON_DISABLED_BY_KERNEL,
	  "disabled_by_kernel", -EOPNOTSUPP },
	{ "past the end", VMX_REASON_COUNT, "invalid", -EIO },
	{ "negative", (enum vmx_reason)-1, "invalid", -EIO },
};

VMX_TEST_CASE_DESC(reason_case)
KUNIT_ARRAY_PARAM(reason, reason_cases, reason_case_desc);

static void reason_token_errno_test(struct kunit *test)
{
	const struct reason_case *c = test->param_value;

	KUNIT_EXPECT_STREQ(test, vmx_reason_token(c->reason), c->token);
	KUNIT_EXPECT_EQ(test, vmx_reason_errno(c->reason), c->err);
}

/* Every reason has its own token: a table row per reason proves no gaps. */
static void reason_tokens_unique_test(struct kunit *test)
{
	int i, j;

	KUNIT_EXPECT_EQ(test, ARRAY_SIZE(reason_cases), VMX_REASON_COUNT + 2);
	for (i = 0; i < VMX_REASON_COUNT; i++)
		for (j = i + 1; j < VMX_REASON_COUNT; j++)
			KUNIT_EXPECT_STRNEQ(test, vmx_reason_token(i),
					    vmx_reason_token(j));
}

/* Every token fits the trace event's copy of it (vmx_trace.h). */
static void reason_tokens_fit_test(struct kunit *test)
{
	int i;

	for (i = 0; i < VMX_REASON_COUNT; i++)
		KUNIT_EXPECT_LT_MSG(test, strlen(vmx_reason_token(i)),
				    (size_t)VMX_REASON_TOKEN_SIZE, "reason %d", i);
}

/* --- CPUID ------------------------------------------------------------- */

struct cpuid_case {
	const char *desc;
	u32 ecx;
	enum vmx_reason want;
};

static const struct cpuid_case cpuid_cases[] = {
	{ "ecx 0", 0, VMX_REASON_NO_VMX },
	{ "only bit 5", BIT(5), VMX_REASON_OK },
	{ "all but bit 5", (u32)~BIT(5), VMX_REASON_NO_VMX },
	{ "all bits", ~0U, VMX_REASON_OK },
	{ "many features and vmx", 0x7ffefbbf, VMX_REASON_OK },
	{ "many features, no vmx", 0x80a02201, VMX_REASON_NO_VMX },
};

VMX_TEST_CASE_DESC(cpuid_case)
KUNIT_ARRAY_PARAM(cpuid, cpuid_cases, cpuid_case_desc);

static void cpuid_test(struct kunit *test)
{
	const struct cpuid_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, vmx_check_cpuid(c->ecx), c->want);
}

/* --- IA32_FEATURE_CONTROL ---------------------------------------------- */

struct fc_case {
	const char *desc;
	u64 msr;
	bool kernel_off;	/* the kernel cleared X86_FEATURE_VMX */
	enum vmx_reason want;
	u64 write;
	bool no_feat_ctl;	/* feat_ctl.c did not configure the MSR */
};

#define FIRMWARE	VMX_REASON_DISABLED_BY_FIRMWARE
#define KERNEL		VMX_REASON_DISABLED_BY_KERNEL

/*
 * All 8 combinations of lock (0), inside SMX (1), outside SMX (2), with
 * the kernel's X86_FEATURE_VMX set and cleared. Locked with "inside SMX"
 * only and the kernel's VMX on is tboot: feat_ctl.c judged the bit.
 */
static const struct fc_case fc_cases[] = {
	{ "0x0 unlocked", 0x0, false, VMX_REASON_OK, 0x5 },
	{ "0x1 locked, vmx off", 0x1, false, FIRMWARE, 0 },
	{ "0x2 unlocked, inside", 0x2, false, VMX_REASON_OK, 0x5 },
	{ "0x3 locked, inside only (tboot)", 0x3, false, VMX_REASON_OK, 0 },
	{ "0x4 unlocked, outside", 0x4, false, VMX_REASON_OK, 0x5 },
	{ "0x5 locked, outside", 0x5, false, VMX_REASON_OK, 0 },
	{ "0x6 unlocked, both", 0x6, false, VMX_REASON_OK, 0x5 },
	{ "0x7 locked, both", 0x7, false, VMX_REASON_OK, 0 },
	{ "kernel off, 0x0 unlocked", 0x0, true, KERNEL, 0 },
	{ "kernel off, 0x1 locked, vmx off", 0x1, true, FIRMWARE, 0 },
	{ "kernel off, 0x2 unlocked, inside", 0x2, true, KERNEL, 0 },
	{ "kernel off, 0x3 locked, inside only", 0x3, true, FIRMWARE, 0 },
	{ "kernel off, 0x4 unlocked, outside", 0x4, true, KERNEL, 0 },
	{ "kernel off, 0x5 locked, outside", 0x5, true, KERNEL, 0 },
	{ "kernel off, 0x6 unlocked, both", 0x6, true, KERNEL, 0 },
	{ "kernel off, 0x7 locked, both", 0x7, true, KERNEL, 0 },
	{ "no feat_ctl, 0x3 locked, inside only", 0x3, false, FIRMWARE, 0,
	  true },
	{ "no feat_ctl, 0x5 locked, outside", 0x5, false, VMX_REASON_OK, 0,
	  true },
	{ "no feat_ctl, 0x5, kernel off", 0x5, true, KERNEL, 0, true },
	{ "no feat_ctl, 0x0 unlocked", 0x0, false, VMX_REASON_OK, 0x5, true },
	{ "unlocked drops other bits", 0x4ff02, false, VMX_REASON_OK, 0x5 },
	{ "locked with other bits", 0x40005, false, VMX_REASON_OK, 0 },
	{ "bochs after linux boot", BOCHS_FC, false, VMX_REASON_OK, 0 },
};

VMX_TEST_CASE_DESC(fc_case)
KUNIT_ARRAY_PARAM(fc, fc_cases, fc_case_desc);

static void feature_control_test(struct kunit *test)
{
	const struct fc_case *c = test->param_value;
	u64 write = 0xdead;
	enum vmx_reason r;

	r = vmx_check_feature_control(c->msr, !c->no_feat_ctl, !c->kernel_off,
				      &write);
	KUNIT_EXPECT_EQ(test, r, c->want);
	KUNIT_EXPECT_EQ(test, write, c->write);
}

/* --- CR0/CR4 fixed bits ------------------------------------------------ */

struct cr_case {
	const char *desc;
	bool cr4;
	u64 val, fixed0, fixed1;
	u64 bad;
};

static const struct cr_case cr_cases[] = {
	{ "cr0 host", false, HOST_CR0, CR0_FIXED0, CR0_FIXED1, 0 },
	{ "cr0 without PE", false, HOST_CR0 & ~BIT(0), CR0_FIXED0, CR0_FIXED1,
	  BIT(0) },
	{ "cr0 without NE", false, HOST_CR0 & ~BIT(5), CR0_FIXED0, CR0_FIXED1,
	  BIT(5) },
	{ "cr0 without PG", false, HOST_CR0 & ~BIT(31), CR0_FIXED0, CR0_FIXED1,
	  BIT(31) },
	{ "cr0 bit 32 set", false, HOST_CR0 | BIT_ULL(32), CR0_FIXED0,
	  CR0_FIXED1, BIT_ULL(32) },
	{ "cr0 bit 63 set", false, HOST_CR0 | BIT_ULL(63), CR0_FIXED0,
	  CR0_FIXED1, BIT_ULL(63) },
	{ "cr0 CD where fixed1 forbids it", false, HOST_CR0 | BIT(30),
	  CR0_FIXED0, CR0_FIXED1 & ~BIT(30), BIT(30) },
	{ "cr0 zero", false, 0, CR0_FIXED0, CR0_FIXED1, CR0_FIXED0 },
	{ "cr4 host, VMXE clear", true, HOST_CR4, CR4_FIXED0, CR4_FIXED1, 0 },
	{ "cr4 host, VMXE set", true, HOST_CR4 | BIT(13), CR4_FIXED0,
	  CR4_FIXED1, 0 },
	{ "cr4 SMXE not allowed", true, HOST_CR4 | BIT(14), CR4_FIXED0,
	  CR4_FIXED1, BIT(14) },
	{ "cr4 LA57 not allowed", true, HOST_CR4 | BIT(12), CR4_FIXED0,
	  CR4_FIXED1, BIT(12) },
	{ "cr4 bit 40 set", true, HOST_CR4 | BIT_ULL(40), CR4_FIXED0,
	  CR4_FIXED1, BIT_ULL(40) },
	{ "cr4 PAE required, clear", true, HOST_CR4 & ~BIT(5),
	  CR4_FIXED0 | BIT(5), CR4_FIXED1, BIT(5) },
	{ "cr4 VMXE forbidden by fixed1", true, HOST_CR4, CR4_FIXED0,
	  CR4_FIXED1 & ~BIT(13), BIT(13) },
	{ "cr4 two bits offend", true, HOST_CR4 | BIT(14) | BIT(12),
	  CR4_FIXED0, CR4_FIXED1, BIT(14) | BIT(12) },
};

VMX_TEST_CASE_DESC(cr_case)
KUNIT_ARRAY_PARAM(cr, cr_cases, cr_case_desc);

static void cr_fixed_bits_test(struct kunit *test)
{
	const struct cr_case *c = test->param_value;
	enum vmx_reason want = c->cr4 ? VMX_REASON_CR4_FIXED_BITS :
					VMX_REASON_CR0_FIXED_BITS;
	enum vmx_reason got;
	u64 bad = 0xdead;

	if (c->cr4)
		got = vmx_check_cr4(c->val, c->fixed0, c->fixed1, &bad);
	else
		got = vmx_check_cr0(c->val, c->fixed0, c->fixed1, &bad);
	KUNIT_EXPECT_EQ(test, got, c->bad ? want : VMX_REASON_OK);
	KUNIT_EXPECT_EQ(test, bad, c->bad);
}

/*
 * Flip each bit of a valid value: a bit that fixed0 requires or fixed1
 * forbids must then be reported alone, any other bit not at all.
 */
static void cr_single_bit_sweep(struct kunit *test, bool cr4, u64 val,
				u64 fixed0, u64 fixed1)
{
	int i;

	for (i = 0; i < 64; i++) {
		u64 flipped = val ^ BIT_ULL(i);
		bool constrained = (fixed0 & BIT_ULL(i)) ||
				   !(fixed1 & BIT_ULL(i));
		u64 bad;

		if (cr4 && i == 13)
			continue;	/* VMXE: the check sets it itself */
		if (cr4)
			vmx_check_cr4(flipped, fixed0, fixed1, &bad);
		else
			vmx_check_cr0(flipped, fixed0, fixed1, &bad);
		KUNIT_EXPECT_EQ_MSG(test, bad, constrained ? BIT_ULL(i) : 0,
				    "bit %d", i);
	}
}

static void cr0_each_bit_test(struct kunit *test)
{
	cr_single_bit_sweep(test, false, HOST_CR0, CR0_FIXED0, CR0_FIXED1);
}

static void cr4_each_bit_test(struct kunit *test)
{
	cr_single_bit_sweep(test, true, HOST_CR4, CR4_FIXED0, CR4_FIXED1);
}

/*
 * A wrong reading of the fixed bits, cr_is_valid!(value, fixed0, fixed1)
 * in Rust, where `!` on an integer is bitwise NOT and `|` binds tighter
 * than `!=`: it accepts nearly every value.
 */
static bool seed_cr_is_valid(u64 value, u64 fixed0, u64 fixed1)
{
	return (~fixed0 | value) != 0 && (fixed1 | ~value) != 0;
}

static const struct cr_case seed_cases[] = {
	{ "cr0 zero", false, 0, CR0_FIXED0, CR0_FIXED1, CR0_FIXED0 },
	{ "cr0 without PG", false, HOST_CR0 & ~BIT(31), CR0_FIXED0,
	  CR0_FIXED1, BIT(31) },
	{ "cr0 with bit 32", false, HOST_CR0 | BIT_ULL(32), CR0_FIXED0,
	  CR0_FIXED1, BIT_ULL(32) },
	{ "cr4 with SMXE not allowed", true, HOST_CR4 | BIT(14), CR4_FIXED0,
	  CR4_FIXED1, BIT(14) },
	{ "cr4 all ones", true, ~0ULL, CR4_FIXED0, CR4_FIXED1, ~CR4_FIXED1 },
};

KUNIT_ARRAY_PARAM(seed, seed_cases, cr_case_desc);

/* Values that wrong reading accepts although VMX operation forbids them. */
static void seed_cr_regression_test(struct kunit *test)
{
	const struct cr_case *c = test->param_value;
	u64 bad;

	KUNIT_EXPECT_TRUE(test, seed_cr_is_valid(c->val, c->fixed0, c->fixed1));
	if (c->cr4)
		KUNIT_EXPECT_EQ(test,
				vmx_check_cr4(c->val, c->fixed0, c->fixed1, &bad),
				VMX_REASON_CR4_FIXED_BITS);
	else
		KUNIT_EXPECT_EQ(test,
				vmx_check_cr0(c->val, c->fixed0, c->fixed1, &bad),
				VMX_REASON_CR0_FIXED_BITS);
	KUNIT_EXPECT_EQ(test, bad, c->bad);
}

/* --- IA32_VMX_BASIC ---------------------------------------------------- */

struct basic_case {
	const char *desc;
	u64 basic;
	struct vmx_basic_info info;
	enum vmx_reason want;
};

/* Bochs' value with the region size field (bits 44:32) replaced. */
#define BOCHS_SIZE(n) ((BOCHS_BASIC & ~GENMASK_ULL(44, 32)) | ((u64)(n) << 32))
#define INFO(rev, size, a32, mt, io, tc) \
	{ .revision_id = rev, .region_size = size, .addr_32bit = a32, \
	  .memtype = mt, .ins_outs = io, .true_ctls = tc }

static const struct basic_case basic_cases[] = {
	{ "bochs skylake", BOCHS_BASIC, INFO(0x2b, 4096, 0, 6, 1, 1),
	  VMX_REASON_OK },
	{ "haswell, 1 KiB region", HASWELL_BASIC, INFO(0x12, 1024, 0, 6, 1, 1),
	  VMX_REASON_OK },
	{ "skylake, 1 KiB region", SKYLAKE_BASIC, INFO(0x4, 1024, 0, 6, 1, 1),
	  VMX_REASON_OK },
	{ "size 0", BOCHS_SIZE(0), INFO(0x2b, 0, 0, 6, 1, 1),
	  VMX_REASON_VMCS_SIZE_ZERO },
	{ "size 1", BOCHS_SIZE(1), INFO(0x2b, 1, 0, 6, 1, 1), VMX_REASON_OK },
	{ "size 4095", BOCHS_SIZE(4095), INFO(0x2b, 4095, 0, 6, 1, 1),
	  VMX_REASON_OK },
	{ "size 4097", BOCHS_SIZE(4097), INFO(0x2b, 4097, 0, 6, 1, 1),
	  VMX_REASON_VMCS_TOO_LARGE },
	{ "size 8191, the 13-bit maximum", BOCHS_SIZE(0x1fff),
	  INFO(0x2b, 8191, 0, 6, 1, 1), VMX_REASON_VMCS_TOO_LARGE },
	{ "revision id with bit 31 set", BOCHS_BASIC | 0xffffffffULL,
	  INFO(0x7fffffff, 4096, 0, 6, 1, 1), VMX_REASON_OK },
	{ "32-bit addresses only", BOCHS_BASIC | BIT_ULL(48),
	  INFO(0x2b, 4096, 1, 6, 1, 1), VMX_REASON_ADDR_32BIT_ONLY },
	{ "no INS/OUTS info", BOCHS_BASIC & ~BIT_ULL(54),
	  INFO(0x2b, 4096, 0, 6, 0, 1), VMX_REASON_OK },
	{ "no TRUE controls", BOCHS_BASIC & ~BIT_ULL(55),
	  INFO(0x2b, 4096, 0, 6, 1, 0), VMX_REASON_OK },
	{ "size 0 beats 32-bit and UC", BOCHS_SIZE(0) & ~GENMASK_ULL(53, 50),
	  INFO(0x2b, 0, 0, 0, 1, 1), VMX_REASON_VMCS_SIZE_ZERO },
	{ "32-bit beats UC", (BOCHS_BASIC | BIT_ULL(48)) & ~GENMASK_ULL(53, 50),
	  INFO(0x2b, 4096, 1, 0, 1, 1), VMX_REASON_ADDR_32BIT_ONLY },
	{ "all ones", ~0ULL, INFO(0x7fffffff, 8191, 1, 15, 1, 1),
	  VMX_REASON_VMCS_TOO_LARGE },
	{ "zero", 0, INFO(0, 0, 0, 0, 0, 0), VMX_REASON_VMCS_SIZE_ZERO },
};

VMX_TEST_CASE_DESC(basic_case)
KUNIT_ARRAY_PARAM(basic, basic_cases, basic_case_desc);

static void basic_test(struct kunit *test)
{
	const struct basic_case *c = test->param_value;
	struct vmx_basic_info info;

	memset(&info, 0xa5, sizeof(info));
	vmx_basic_decode(c->basic, &info);
	KUNIT_EXPECT_EQ(test, info.revision_id, c->info.revision_id);
	KUNIT_EXPECT_EQ(test, info.region_size, c->info.region_size);
	KUNIT_EXPECT_EQ(test, info.addr_32bit, c->info.addr_32bit);
	KUNIT_EXPECT_EQ(test, info.memtype, c->info.memtype);
	KUNIT_EXPECT_EQ(test, info.ins_outs, c->info.ins_outs);
	KUNIT_EXPECT_EQ(test, info.true_ctls, c->info.true_ctls);
	KUNIT_EXPECT_EQ(test, vmx_check_basic(&info), c->want);
}

/* Each of the 16 values of the memory type field: only 6 (WB) will do. */
struct memtype_case {
	const char *desc;
	u8 memtype;
	enum vmx_reason want;
};

static const struct memtype_case memtype_cases[] = {
	{ "0 UC", 0, VMX_REASON_MEMTYPE_NOT_WB },
	{ "1 WC", 1, VMX_REASON_MEMTYPE_NOT_WB },
	{ "2 reserved", 2, VMX_REASON_MEMTYPE_NOT_WB },
	{ "3 reserved", 3, VMX_REASON_MEMTYPE_NOT_WB },
	{ "4 WT", 4, VMX_REASON_MEMTYPE_NOT_WB },
	{ "5 WP", 5, VMX_REASON_MEMTYPE_NOT_WB },
	{ "6 WB", 6, VMX_REASON_OK },
	{ "7 UC-", 7, VMX_REASON_MEMTYPE_NOT_WB },
	{ "8", 8, VMX_REASON_MEMTYPE_NOT_WB },
	{ "9", 9, VMX_REASON_MEMTYPE_NOT_WB },
	{ "10", 10, VMX_REASON_MEMTYPE_NOT_WB },
	{ "11", 11, VMX_REASON_MEMTYPE_NOT_WB },
	{ "12", 12, VMX_REASON_MEMTYPE_NOT_WB },
	{ "13", 13, VMX_REASON_MEMTYPE_NOT_WB },
	{ "14", 14, VMX_REASON_MEMTYPE_NOT_WB },
	{ "15", 15, VMX_REASON_MEMTYPE_NOT_WB },
};

VMX_TEST_CASE_DESC(memtype_case)
KUNIT_ARRAY_PARAM(memtype, memtype_cases, memtype_case_desc);

static void memtype_test(struct kunit *test)
{
	const struct memtype_case *c = test->param_value;
	u64 basic = (BOCHS_BASIC & ~GENMASK_ULL(53, 50)) |
		    ((u64)c->memtype << 50);
	struct vmx_basic_info info;

	vmx_basic_decode(basic, &info);
	KUNIT_EXPECT_EQ(test, info.memtype, c->memtype);
	KUNIT_EXPECT_EQ(test, vmx_check_basic(&info), c->want);
}

/* --- capability sets of two CPUs --------------------------------------- */

struct caps_case {
	const char *desc;
	int msr;		/* index to change in b, or -1 */
	u64 xor;		/* bits to flip there */
	bool drop;		/* make that MSR absent in b instead */
	bool absent_both;	/* absent in both, values differ */
	int want;
};

static const struct caps_case caps_cases[] = {
	{ "identical", -1, 0, false, false, -1 },
	{ "basic differs", VMX_CAP_BASIC, 0x1, false, false, VMX_CAP_BASIC },
	{ "cr4 fixed1 differs", VMX_CAP_CR4_FIXED1, BIT(14), false, false,
	  VMX_CAP_CR4_FIXED1 },
	{ "vmfunc differs", VMX_CAP_VMFUNC, BIT_ULL(63), false, false,
	  VMX_CAP_VMFUNC },
	{ "procbased2 missing", VMX_CAP_PROCBASED_CTLS2, 0, true, false,
	  VMX_CAP_PROCBASED_CTLS2 },
	{ "absent in both, values ignored", VMX_CAP_VMFUNC, 0x1, false, true,
	  -1 },
};

VMX_TEST_CASE_DESC(caps_case)
KUNIT_ARRAY_PARAM(caps, caps_cases, caps_case_desc);

static void caps_compare_test(struct kunit *test)
{
	const struct caps_case *c = test->param_value;
	struct vmx_caps a = {}, b;
	int i;

	for (i = 0; i < VMX_CAP_COUNT; i++) {
		a.msr[i] = 0x0123456789abcdefULL + i;
		a.present |= BIT(i);
	}
	b = a;
	if (c->msr >= 0) {
		b.msr[c->msr] ^= c->xor;
		if (c->drop || c->absent_both)
			b.present &= ~BIT(c->msr);
		if (c->absent_both)
			a.present &= ~BIT(c->msr);
	}
	KUNIT_EXPECT_EQ(test, vmx_caps_first_difference(&a, &b), c->want);
	KUNIT_EXPECT_EQ(test, vmx_caps_first_difference(&b, &a), c->want);
}

/* --- the whole check, in order ----------------------------------------- */

struct cpu_case {
	const char *desc;
	u32 cpuid1_ecx;
	u64 cr0, cr4, fc;
	u64 basic;
	u32 drop;		/* capability MSRs absent */
	enum vmx_reason want;
	u64 bad;
	u64 fc_write;
	bool kernel_off;	/* the kernel cleared X86_FEATURE_VMX */
};

#define VMX_ECX		BIT(5)

static const struct cpu_case cpu_cases[] = {
	{ "bochs: ready", VMX_ECX, HOST_CR0, HOST_CR4, BOCHS_FC, BOCHS_BASIC,
	  0, VMX_REASON_OK },
	{ "unlocked: ready, with a write", VMX_ECX, HOST_CR0, HOST_CR4, 0,
	  BOCHS_BASIC, 0, VMX_REASON_OK, 0, 0x5 },
	{ "no cpuid bit", 0, HOST_CR0, HOST_CR4, BOCHS_FC, BOCHS_BASIC, 0,
	  VMX_REASON_NO_VMX },
	{ "cpuid bit, basic MSR faults", VMX_ECX, HOST_CR0, HOST_CR4, BOCHS_FC,
	  BOCHS_BASIC, BIT(VMX_CAP_BASIC), VMX_REASON_NO_VMX },
	{ "cpuid bit, cr4 fixed1 faults", VMX_ECX, HOST_CR0, HOST_CR4,
	  BOCHS_FC, BOCHS_BASIC, BIT(VMX_CAP_CR4_FIXED1), VMX_REASON_NO_VMX },
	{ "optional MSR absent: ready", VMX_ECX, HOST_CR0, HOST_CR4, BOCHS_FC,
	  BOCHS_BASIC, BIT(VMX_CAP_VMFUNC), VMX_REASON_OK },
	{ "VMXE set: busy", VMX_ECX, HOST_CR0, HOST_CR4 | VMXCAP_CR4_VMXE,
	  BOCHS_FC, BOCHS_BASIC, 0, VMX_REASON_BUSY },
	{ "no cpuid beats busy", 0, HOST_CR0, HOST_CR4 | VMXCAP_CR4_VMXE,
	  BOCHS_FC, BOCHS_BASIC, 0, VMX_REASON_NO_VMX },
	{ "locked off", VMX_ECX, HOST_CR0, HOST_CR4, 0x1, BOCHS_BASIC, 0,
	  VMX_REASON_DISABLED_BY_FIRMWARE },
	{ "busy beats locked off", VMX_ECX, HOST_CR0, HOST_CR4 | VMXCAP_CR4_VMXE,
	  0x1, BOCHS_BASIC, 0, VMX_REASON_BUSY },
	{ "kernel cleared VMX", VMX_ECX, HOST_CR0, HOST_CR4, BOCHS_FC,
	  BOCHS_BASIC, 0, VMX_REASON_DISABLED_BY_KERNEL, 0, 0, true },
	{ "no cpuid beats kernel off", 0, HOST_CR0, HOST_CR4, BOCHS_FC,
	  BOCHS_BASIC, 0, VMX_REASON_NO_VMX, 0, 0, true },
	{ "kernel off beats cr0", VMX_ECX, 0, HOST_CR4, BOCHS_FC, BOCHS_BASIC,
	  0, VMX_REASON_DISABLED_BY_KERNEL, 0, 0, true },
	{ "locked off beats cr0", VMX_ECX, 0, HOST_CR4, 0x1, BOCHS_BASIC, 0,
	  VMX_REASON_DISABLED_BY_FIRMWARE },
	{ "cr0 without NE", VMX_ECX, HOST_CR0 & ~BIT(5), HOST_CR4, BOCHS_FC,
	  BOCHS_BASIC, 0, VMX_REASON_CR0_FIXED_BITS, BIT(5) },
	{ "cr0 beats cr4", VMX_ECX, HOST_CR0 & ~BIT(5), HOST_CR4 | BIT(12),
	  BOCHS_FC, BOCHS_BASIC, 0, VMX_REASON_CR0_FIXED_BITS, BIT(5) },
	{ "cr4 LA57", VMX_ECX, HOST_CR0, HOST_CR4 | BIT(12), BOCHS_FC,
	  BOCHS_BASIC, 0, VMX_REASON_CR4_FIXED_BITS, BIT(12) },
	{ "cr4 beats basic", VMX_ECX, HOST_CR0, HOST_CR4 | BIT(12), BOCHS_FC,
	  BOCHS_SIZE(0), 0, VMX_REASON_CR4_FIXED_BITS, BIT(12) },
	{ "basic too large", VMX_ECX, HOST_CR0, HOST_CR4, BOCHS_FC,
	  BOCHS_SIZE(4097), 0, VMX_REASON_VMCS_TOO_LARGE },
	{ "basic not WB", VMX_ECX, HOST_CR0, HOST_CR4, BOCHS_FC,
	  BOCHS_BASIC & ~GENMASK_ULL(53, 50), 0, VMX_REASON_MEMTYPE_NOT_WB },
};

VMX_TEST_CASE_DESC(cpu_case)
KUNIT_ARRAY_PARAM(cpu, cpu_cases, cpu_case_desc);

static void check_cpu_test(struct kunit *test)
{
	const struct cpu_case *c = test->param_value;
	struct vmx_cpu_regs regs = {
		.cpuid1_ecx = c->cpuid1_ecx,
		.kernel_vmx = !c->kernel_off,
		.kernel_fc = true,
		.cr0 = c->cr0,
		.cr4 = c->cr4,
		.feature_control = c->fc,
	};
	struct vmx_verdict v;

	regs.caps.msr[VMX_CAP_BASIC] = c->basic;
	regs.caps.msr[VMX_CAP_CR0_FIXED0] = CR0_FIXED0;
	regs.caps.msr[VMX_CAP_CR0_FIXED1] = CR0_FIXED1;
	regs.caps.msr[VMX_CAP_CR4_FIXED0] = CR4_FIXED0;
	regs.caps.msr[VMX_CAP_CR4_FIXED1] = CR4_FIXED1;
	regs.caps.present = GENMASK(VMX_CAP_COUNT - 1, 0) & ~c->drop;

	KUNIT_EXPECT_EQ(test, vmx_check_cpu(&regs, &v), c->want);
	KUNIT_EXPECT_EQ(test, v.reason, c->want);
	KUNIT_EXPECT_EQ(test, v.bad_bits, c->bad);
	if (c->want == VMX_REASON_OK) {
		KUNIT_EXPECT_EQ(test, v.feature_control_write, c->fc_write);
		KUNIT_EXPECT_EQ(test, v.basic.revision_id,
				(u32)(c->basic & GENMASK(30, 0)));
	}
}

/* The rule across CPUs: the first ready CPU is the reference. */
static void caps_agree_test(struct kunit *test)
{
	struct vmx_caps ref = {}, a = { .present = 1, .msr = { 0x2b } };
	struct vmx_caps b = a;
	enum vmx_reason r0 = VMX_REASON_NO_VMX, r1 = VMX_REASON_OK;
	enum vmx_reason r2 = VMX_REASON_OK, r3 = VMX_REASON_OK;
	bool have_ref = false;

	b.msr[0] ^= 1;
	vmx_caps_agree(&ref, &have_ref, &b, &r0);	/* not ready: skipped */
	KUNIT_EXPECT_FALSE(test, have_ref);
	vmx_caps_agree(&ref, &have_ref, &a, &r1);	/* the reference */
	KUNIT_EXPECT_TRUE(test, have_ref);
	vmx_caps_agree(&ref, &have_ref, &b, &r2);
	vmx_caps_agree(&ref, &have_ref, &a, &r3);
	KUNIT_EXPECT_EQ(test, r0, VMX_REASON_NO_VMX);
	KUNIT_EXPECT_EQ(test, r1, VMX_REASON_OK);
	KUNIT_EXPECT_EQ(test, r2, VMX_REASON_INCONSISTENT);
	KUNIT_EXPECT_EQ(test, r3, VMX_REASON_OK);
}

static struct kunit_case vmx_caps_cases[] = {
	KUNIT_CASE_PARAM(reason_token_errno_test, reason_gen_params),
	KUNIT_CASE(reason_tokens_unique_test),
	KUNIT_CASE(reason_tokens_fit_test),
	KUNIT_CASE_PARAM(cpuid_test, cpuid_gen_params),
	KUNIT_CASE_PARAM(feature_control_test, fc_gen_params),
	KUNIT_CASE_PARAM(cr_fixed_bits_test, cr_gen_params),
	KUNIT_CASE(cr0_each_bit_test),
	KUNIT_CASE(cr4_each_bit_test),
	KUNIT_CASE_PARAM(seed_cr_regression_test, seed_gen_params),
	KUNIT_CASE_PARAM(basic_test, basic_gen_params),
	KUNIT_CASE_PARAM(memtype_test, memtype_gen_params),
	KUNIT_CASE_PARAM(caps_compare_test, caps_gen_params),
	KUNIT_CASE_PARAM(check_cpu_test, cpu_gen_params),
	KUNIT_CASE(caps_agree_test),
	{}
};

static struct kunit_suite vmx_caps_suite = {
	.name = "vmxon_caps",
	.test_cases = vmx_caps_cases,
};

kunit_test_suite(vmx_caps_suite);
