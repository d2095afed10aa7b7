#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read the `bench:` lines of each Bochs console log under OUT/bochs-N/
and write OUT/data.tsv (every repetition), OUT/medians.tsv (for gnuplot)
and OUT/results.md (the table and the issue 7 goals, each met or not).

    scripts/bench-report.py OUT --cpus "1 2 4" --date DATE --machine TEXT
"""
import argparse
import os
import re
import statistics
import sys

LINE = re.compile(r'^\[\s*[0-9.]+\] bench: (idle |vmcall )?rep=(\d+) (.*)$')
# The module's phases (debugfs stats), as the guest reports them: the
# enable after insmod, the disable, and the enable through sysfs.
PHASES = [f'vmxon_{op}_{ph}_ns' for op, phs in (
    ('enable', ('check', 'alloc', 'vmxon')), ('disable', ('vmxoff', 'free')),
    ('enable2', ('check', 'alloc', 'vmxon'))) for ph in phs]
ERROR = re.compile(r'^\[\s*[0-9.]+\] (bench: error .*)$')


def parse(log):
    """Every repetition as {key: int}, and the guest's error lines."""
    reps, idle, vmcall, errors = {}, {}, {}, []
    with open(log, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            m = ERROR.match(line)
            if m:
                errors.append(m.group(1))
                continue
            m = LINE.match(line)
            if not m:
                continue
            kv = dict(p.split('=', 1) for p in m.group(3).split())
            kind = {'idle ': idle, 'vmcall ': vmcall}.get(m.group(1), reps)
            kind[int(m.group(2))] = kv
    return reps, idle, vmcall, errors


def med(rows, key, scale=1.0):
    """The median of KEY over the repetitions whose commands all succeeded."""
    vals = [int(r[key]) * scale for r in rows
            if set(r.get('rc', '')) <= {'0'} and r.get(key, '').isdigit()]
    return statistics.median(vals) if vals else None


def spread(rows, key, scale=1.0):
    """min-max of KEY (as us) over the good repetitions."""
    vals = [int(r[key]) * scale / 1000.0 for r in rows
            if set(r.get('rc', '')) <= {'0'} and r.get(key, '').isdigit()]
    return f'{min(vals):,.0f}-{max(vals):,.0f}' if vals else '-'


def fmt(v, digits=0):
    return '-' if v is None else f'{v:,.{digits}f}'


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('--cpus', required=True)
    ap.add_argument('--date', required=True)
    ap.add_argument('--machine', required=True)
    a = ap.parse_args()
    cpus_list = [int(c) for c in a.cpus.split()]

    res, problems = {}, []
    data = ['cpus\trep\tkey\tvalue']
    for n in cpus_list:
        log = os.path.join(a.out, f'bochs-{n}', 'serial.log')
        if not os.path.exists(log):
            problems.append(f'{n} CPUs: no console log')
            continue
        reps, idle, vmcall, errors = parse(log)
        problems += [f'{n} CPUs: {e}' for e in errors]
        if not reps:
            problems.append(f'{n} CPUs: no repetition reported')
            continue
        for kind, rows in (('', reps), ('idle ', idle), ('vmcall ', vmcall)):
            for i in sorted(rows):
                for k, v in rows[i].items():
                    data.append(f'{n}\t{kind}{i}\t{k}\t{v}')
        rows, irows = list(reps.values()), list(idle.values())
        vrows = list(vmcall.values())
        for r in rows:
            if r.get('cpus_on') not in (f'0-{n - 1}' if n > 1 else '0',):
                problems.append(f'{n} CPUs: rep {r} cpus_on={r.get("cpus_on")}')
        us = 1000.0   # microseconds to ns
        res[n] = {
            'reps': len([r for r in rows if set(r['rc']) <= {'0'}]),
            'v_en': med(rows, 'vmxon_enable_ns'),
            'v_en2': med(rows, 'vmxon_enable2_ns'),
            'v_dis': med(rows, 'vmxon_disable_ns'),
            'v_ins': med(rows, 'vmxon_insmod_us', us),
            'v_rm': med(rows, 'vmxon_rmmod_us', us),
            'k_ins': med(rows, 'kvm_insmod_us', us),
            'k_rm': med(rows, 'kvm_rmmod_us', us),
            'ki_ins': med(irows, 'kvmidle_insmod_us', us),
            'ki_rm': med(irows, 'kvmidle_rmmod_us', us),
            'hv_ns': med(vrows, 'hv_ns'),
            'kvm_ns': med(vrows, 'kvm_ns'),
            'v_reps': len([r for r in vrows if r.get('rc') == '0']),
            'calls': sorted({r.get('calls', '?') for r in vrows}),
            'spread': ', '.join(f'{name} {spread(rows, key, sc)}' for name, key, sc in (
                ('enable', 'vmxon_enable_ns', 1), ('disable', 'vmxon_disable_ns', 1),
                ('vmxon insmod', 'vmxon_insmod_us', us),
                ('kvm_intel insmod', 'kvm_insmod_us', us),
                ('vmxon rmmod', 'vmxon_rmmod_us', us),
                ('kvm_intel rmmod', 'kvm_rmmod_us', us))),
            'ph': {key: med(rows, key) for key in PHASES},
            'r_en': sorted({r['vmxon_enable_rounds'] for r in rows}),
            'r_en2': sorted({r['vmxon_enable2_rounds'] for r in rows}),
            'r_dis': sorted({r['vmxon_disable_rounds'] for r in rows}),
            'p_on': sorted({r['vmxon_pages_on'] for r in rows}),
            'p_off': sorted({r['vmxon_pages_off'] for r in rows}),
            'sb': sorted({r['vmxon_state_bytes'] for r in rows}),
        }
    if not res:
        print('\n'.join(problems), file=sys.stderr)
        return 1

    with open(os.path.join(a.out, 'data.tsv'), 'w') as f:
        f.write('\n'.join(data) + '\n')
    ms = 1e6
    with open(os.path.join(a.out, 'medians.tsv'), 'w') as f:
        f.write('# cpus vmxon_enable vmxon_insmod kvm_insmod vmxon_disable '
                'vmxon_rmmod kvm_rmmod (ms, medians)\n')
        for n, r in sorted(res.items()):
            f.write(f"{n}\t" + '\t'.join(
                f'{(r[k] or 0) / ms:.3f}' for k in
                ('v_en', 'v_ins', 'k_ins', 'v_dis', 'v_rm', 'k_rm')) + '\n')

    def us(v):
        return fmt(None if v is None else v / 1000.0)

    def one(vals):
        return ','.join(vals)

    reps = sorted({r['reps'] for r in res.values()})
    o = []
    o.append(f'vmxon benchmark, {a.date}: {a.machine}.')
    o.append(f'Medians of {one(str(x) for x in reps)} repetitions per boot; '
             'times in microseconds of guest time.')
    o.append('')
    o.append('| CPUs | vmxon enable (ktime) | vmxon insmod | kvm_intel insmod '
             '| ratio enable/kvm | ratio insmod/kvm | vmxon disable (ktime) '
             '| vmxon rmmod | kvm_intel rmmod | pages/CPU on, off '
             '| rounds enable, disable |')
    o.append('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|')
    for n, r in sorted(res.items()):
        pon = '/'.join(fmt(int(p) / n, 2) for p in r['p_on'])
        o.append(f"| {n} | {us(r['v_en'])} | {us(r['v_ins'])} | {us(r['k_ins'])} "
                 f"| {fmt(ratio(r['v_en'], r['k_ins']), 3)} "
                 f"| {fmt(ratio(r['v_ins'], r['k_ins']), 3)} "
                 f"| {us(r['v_dis'])} | {us(r['v_rm'])} | {us(r['k_rm'])} "
                 f"| {pon}, {one(r['p_off'])} "
                 f"| {one(r['r_en'])}, {one(r['r_dis'])} |")
    o.append('')
    o.append('For reference, kvm_intel with kvm.enable_virt_at_load=0 (no VMXON '
             'at load), insmod / rmmod: ' + '; '.join(
                 f"{n} CPUs {us(r['ki_ins'])} / {us(r['ki_rm'])}"
                 for n, r in sorted(res.items())) +
             '. vmxon enable through `echo 1 > enabled`: ' + '; '.join(
                 f"{n} CPUs {us(r['v_en2'])} ({one(r['r_en2'])} rounds)"
                 for n, r in sorted(res.items())) +
             f". state_bytes: {one(sorted({s for r in res.values() for s in r['sb']}))}.")
    o.append('')
    o.append('Where vmxon\'s time goes (module ktime, medians, us): the check '
             'round (a cross-CPU call: every CPU reads and judges its registers), '
             'the regions\' allocation (in the calling thread), the VMXON round; '
             'the VMXOFF round, then freeing the regions.')
    o.append('')
    o.append('| CPUs | insmod: check round | allocation | VMXON round '
             '| echo 1: check round | allocation | VMXON round '
             '| echo 0: VMXOFF round | freeing |')
    o.append('|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    order = PHASES[:3] + PHASES[5:] + PHASES[3:5]
    for n, r in sorted(res.items()):
        o.append(f'| {n} | ' + ' | '.join(us(r['ph'][k]) for k in order) + ' |')
    o.append('')
    o.append('The cost of a VM exit: the VMCALL round trip (guest, exit, '
             'handler, entry), ns of guest time, medians of ' +
             one(str(r['v_reps']) for r in res.values()) + ' repetitions: '
             'the time of a run of ' + one(sorted({c for r in res.values()
                                                   for c in r['calls']})) +
             ' VMCALLs less that of a run of none, per call. The sample '
             'hypervisor (samples/hv, vmcall_only=1: its exit handler with '
             'interrupts disabled, ktime around its run on cpu0) beside KVM '
             '(kvm-vmcall: a KVM_RUN guest in real mode whose VMCALL KVM '
             'handles in the kernel, CLOCK_MONOTONIC around KVM_RUN).')
    o.append('')
    o.append('| CPUs | sample VMCALL round trip | KVM VMCALL round trip | ratio sample/KVM |')
    o.append('|---:|---:|---:|---:|')
    for n, r in sorted(res.items()):
        o.append(f"| {n} | {fmt(r['hv_ns'])} | {fmt(r['kvm_ns'])} "
                 f"| {fmt(ratio(r['hv_ns'], r['kvm_ns']), 3)} |")
    o.append('')
    o.append('Spread (min-max, us): ' + '; '.join(
        f"{n} CPUs: {r['spread']}" for n, r in sorted(res.items())) + '.')
    o.append('')
    o.append('What each column measures:')
    o.append('- vmxon enable/disable (ktime): the module\'s own `enable_ns` after '
             '`insmod vmxon.ko` and `disable_ns` after `echo 0 > '
             '/sys/kernel/vmxon/enabled` (debugfs `stats`): enabling resp. '
             'disabling every CPU, without the module load.')
    o.append('- insmod, rmmod: the whole command in the guest, between two '
             '/dev/kmsg records (printk time stamps, 1 us), console output off: '
             'for kvm_intel, `insmod kvm-intel.ko` with kvm.ko loaded with '
             'enable_virt_at_load=1 (module load, VMX setup, then VMXON on every '
             'CPU) and `rmmod kvm_intel` (VMXOFF on every CPU, then the unload); '
             'for vmxon the same two commands (rmmod with every CPU on).')
    o.append('- ratio enable/kvm: vmxon enable (ktime) / kvm_intel insmod; ratio '
             'insmod/kvm: vmxon insmod / kvm_intel insmod (like for like).')
    o.append('- pages/CPU: debugfs `pages` / CPUs with every CPU on, and `pages` '
             'after `echo 0 > enabled`; rounds: cross-CPU call rounds of the '
             'enable after insmod and of the disable.')
    o.append('')

    lo, hi = min(res), max(res)
    o.append(f'Goals (issue 7) at {hi} CPUs vs {lo}:')
    if lo != hi:
        t_en = ratio(res[hi]['v_en'], res[lo]['v_en'])
        t_en2 = ratio(res[hi]['v_en2'], res[lo]['v_en2'])
        t_dis = ratio(res[hi]['v_dis'], res[lo]['v_dis'])

        def rounds(n, keys):
            vals = [res[n]['ph'][k] for k in keys]
            return None if None in vals else sum(vals)
        t_ron = ratio(rounds(hi, PHASES[5:6] + PHASES[7:8]),
                      rounds(lo, PHASES[5:6] + PHASES[7:8]))
        t_roff = ratio(rounds(hi, PHASES[3:4]), rounds(lo, PHASES[3:4]))
        t_kin = ratio(res[hi]['k_ins'], res[lo]['k_ins'])
        t_krm = ratio(res[hi]['k_rm'], res[lo]['k_rm'])
        ok = all(t is not None and t <= 1.5 for t in (t_en, t_en2, t_dis))
        o.append(f"- Scaling T({hi})/T({lo}) <= 1.5: enable after insmod "
                 f"{fmt(t_en, 2)}, enable through sysfs {fmt(t_en2, 2)}, "
                 f"disable {fmt(t_dis, 2)}: **{'met' if ok else 'not met'}** "
                 f"(the cross-CPU rounds alone: check + VMXON "
                 f"{fmt(t_ron, 2)}, VMXOFF {fmt(t_roff, 2)}; kvm_intel for "
                 f"comparison: insmod {fmt(t_kin, 2)}, rmmod {fmt(t_krm, 2)}).")
    else:
        o.append('- Scaling: needs two CPU counts: not measured.')
    worst_ins = max((ratio(r['v_ins'], r['k_ins']) or 99) for r in res.values())
    worst_en = max((ratio(r['v_en'], r['k_ins']) or 99) for r in res.values())
    o.append(f"- vmxon at most half of kvm_intel (enable_virt_at_load=1): worst "
             f"ratio insmod/insmod {fmt(worst_ins, 3)}: "
             f"**{'met' if worst_ins <= 0.5 else 'not met'}**; "
             f"enable (ktime)/kvm insmod {fmt(worst_en, 3)}: "
             f"**{'met' if worst_en <= 0.5 else 'not met'}**.")
    pages_ok = all(r['p_on'] == [str(n)] and r['p_off'] == ['0']
                   for n, r in res.items())
    o.append(f"- One 4 KiB page per enabled CPU (and none once disabled): "
             f"**{'met' if pages_ok else 'not met'}** (pages with every CPU on: " +
             '; '.join(f"{n} CPUs {one(r['p_on'])}" for n, r in sorted(res.items())) +
             '; after disabling: ' +
             '; '.join(f"{n} CPUs {one(r['p_off'])}" for n, r in sorted(res.items())) +
             f"; per-CPU state struct {one(sorted({s for r in res.values() for s in r['sb']}))} bytes).")
    if problems:
        o.append('')
        o.append('Problems:')
        o += [f'- {p}' for p in problems]
    with open(os.path.join(a.out, 'results.md'), 'w') as f:
        f.write('\n'.join(o) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
