#!/bin/bash
# Line coverage of the module reached by the fuzzer (selftests/fuzz_test.c)
# on the debug kernel, measured with KCOV.
#
# Builds the module against the debug kernel (tools/debug-kernel.sh) with
# W=1, boots the test VM on that kernel, runs fuzz_test with
# MMF_FUZZ_COVER=1 for SECONDS (default 120) of fuzzing, and takes the PCs
# it prints ('# kcov:' lines, absolute addresses, with the module's text
# section addresses on '# kcov-section:' lines).  On the host every PC is
# mapped to its section of mmf.ko; the basic block each instrumentation
# point starts is taken to run from its __sanitizer_cov_trace_pc call to the
# next one, and the instructions of a reached block mark their source lines
# (objdump's line table) reached.  Executable lines: every line of kmod/ that
# has an instruction in the module's text.  Prints per-file and total line
# coverage, then the unreached lines grouped by function.
#   fuzz-coverage.sh [SECONDS]
#   (BUILD as for make; MMF_FUZZ_SEED and MMF_FUZZ_THREADS reach the guest;
#   MMF_COVER_MIN=85 makes the script fail below that percentage)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
export BUILD=$build
secs=${1:-120}

dir=$("$top/tools/debug-kernel.sh") || exit 1
kver=$("$top/tools/kernels.sh" debug)
[ -n "$kver" ] || { echo "fuzz-coverage: no debug kernel" >&2; exit 1; }

# The module against the debug tree, W=1, no warning allowed (as check-debug),
# in a folder of its own and with debug info (-g, which changes no code; the
# debug kernel itself has none): the line table maps its PCs to lines.
mod=$build/kmod/$kver-cover
mkdir -p "$mod"
find "$mod" -maxdepth 1 -type l -delete
ln -s "$top"/kmod/Kbuild "$top"/kmod/*.[ch] "$mod"/
if ! nice -n 19 make -C "$dir/src" M="$mod" MMF_INCLUDE="$top/include" W=1 KCFLAGS=-g modules \
	> "$mod/build.log" 2>&1 || grep -qE 'warning:|error:' "$mod/build.log"; then
	cat "$mod/build.log" >&2
	echo "fuzz-coverage: the module does not build cleanly against the debug kernel" >&2
	exit 1
fi
[ -x "$build/selftests/fuzz_test" ] || { echo "fuzz-coverage: make selftests first" >&2; exit 1; }

out=$mod/fuzz-coverage.out
adds=(-a "$mod/mmf.ko:/mmf/mmf.ko" -a "$build/selftests/fuzz_test:/mmf/selftests/fuzz_test")
for tool in "$build"/tools/*; do
	[ -f "$tool" ] && [ -x "$tool" ] && adds+=(-a "$tool:/mmf/bin/$(basename "$tool")")
done
[ -d "$build/lib" ] && adds+=(-a "$build/lib:/mmf/lib")
env=(MMF_FUZZ_COVER=1 "MMF_FUZZ_SECONDS=$secs" "MMF_FUZZ_CALLS=${MMF_FUZZ_CALLS:-1000000000}")
[ -z "${MMF_FUZZ_SEED:-}" ] || env+=("MMF_FUZZ_SEED=$MMF_FUZZ_SEED")
[ -z "${MMF_FUZZ_THREADS:-}" ] || env+=("MMF_FUZZ_THREADS=$MMF_FUZZ_THREADS")
t=$(date +%s)
nice -n 19 "$top/tools/vm/run-vm.sh" -k debug -d 256 --swap 256 "${adds[@]}" \
	-t $((secs * 4 + 900)) -- \
	"mmfctl load /mmf/mmf.ko || exit 1; ${env[*]} /mmf/selftests/fuzz_test; rc=\$?; mmfctl unload; exit \$rc" \
	> "$out"
rc=$?
echo "# fuzz-coverage: the guest ran $(($(date +%s) - t)) s (exit $rc); its output is in $out"
grep '^# fuzz:' "$out"
grep -q '^# kcov:' "$out" || { echo "fuzz-coverage: no '# kcov:' lines (no KCOV?)" >&2; exit 1; }

python3 - "$mod/mmf.ko" "$out" "$top/kmod" "$mod" "${MMF_COVER_MIN:-0}" <<'EOF'
import collections, os, re, subprocess, sys

ko, out, kdir, mdir, cmin = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
srcs = {f for f in os.listdir(kdir) if f.endswith(('.c', '.h'))}
bases, pcs = {}, set()
for line in open(out, errors='replace'):
    line = line.strip()
    if line.startswith('# kcov-section:'):
        name, addr = line.split()[2:4]
        bases[name] = int(addr, 16)
    elif line.startswith('# kcov:'):
        pcs.update(int(x, 16) for x in line.split()[2:])

def ours(path):
    d, b = os.path.split(path)
    return b if b in srcs and os.path.realpath(d) in (os.path.realpath(kdir), os.path.realpath(mdir)) else None

insn_re = re.compile(r'^\s*([0-9a-f]+):\s')
rel_re = re.compile(r'^\s*([0-9a-f]+): R_X86_64_\w+\s+__sanitizer_cov_trace_pc')
sym_re = re.compile(r'^[0-9a-f]+ <([^>]+)>:$')
fn_re = re.compile(r'^([\w.]+)\(\):$')
loc_re = re.compile(r'^(/[^:]+):(\d+)')
lines_all = collections.defaultdict(set)     # (file, line) -> functions
reached = set()
npoints = nreached = 0
secs = []
for l in subprocess.run(['readelf', '-SW', ko], capture_output=True, text=True).stdout.splitlines():
    m = re.match(r'\s*\[\s*\d+\]\s+(\S+)\s+PROGBITS\s.*\sAX\s', l)
    if m and (m.group(1).startswith('.text') or m.group(1) in ('.init.text', '.exit.text')):
        secs.append(m.group(1))
for sec in secs:
    base = bases.get(sec)
    dump = subprocess.run(['objdump', '-dlr', '--no-show-raw-insn', '-j', sec, ko],
                          capture_output=True, text=True).stdout.splitlines()
    # Instructions: (addr, function, file, line); points: call address -> return offset
    insns, points, fn, loc = [], [], None, None
    for l in dump:
        m = rel_re.match(l)
        if m:
            points.append(int(m.group(1), 16) - 1)
            continue
        m = sym_re.match(l)
        if m:
            insns.append(('sym', m.group(1)))
            continue
        m = fn_re.match(l)
        if m:
            fn = m.group(1)
            continue
        m = loc_re.match(l)
        if m:
            loc = (m.group(1), int(m.group(2)))
            continue
        m = insn_re.match(l)
        if m and loc and 'R_X86_64' not in l:
            insns.append((int(m.group(1), 16), fn, loc))
    pset = set(points)
    npoints += len(points)
    # Walk each symbol: an instruction belongs to the last point at or
    # before it; the ones before a symbol's first point to that point.
    i = 0
    while i < len(insns):
        j = i + 1
        while j < len(insns) and insns[j][0] != 'sym':
            j += 1
        body = [x for x in insns[i:j] if x[0] != 'sym']
        firsts = [x[0] for x in body if x[0] in pset]
        cur = firsts[0] if firsts else None
        for addr, f, (path, ln) in body:
            if addr in pset:
                cur = addr
            b = ours(path)
            if not b:
                continue
            key = (b, ln)
            lines_all[key].add(f)
            # return address of the call at cur: the call is 5 bytes
            if cur is not None and base is not None and base + cur + 5 in pcs:
                reached.add(key)
        i = j
    if base is not None:
        nreached += sum(1 for p in points if base + p + 5 in pcs)

per = collections.defaultdict(lambda: [0, 0])
for (f, ln) in lines_all:
    per[f][1] += 1
    if (f, ln) in reached:
        per[f][0] += 1
print('# fuzz-coverage: %d of %d instrumentation points reached, %d PCs reported'
      % (nreached, npoints, len(pcs)))
tot = [0, 0]
for f in sorted(per):
    r, n = per[f]
    tot[0] += r
    tot[1] += n
    print('# %-16s %4d / %4d lines  %5.1f%%' % (f, r, n, 100.0 * r / n))
pct = 100.0 * tot[0] / tot[1] if tot[1] else 0
print('# %-16s %4d / %4d lines  %5.1f%%' % ('total', tot[0], tot[1], pct))
print('# unreached lines, by function:')
byfn = collections.defaultdict(list)
for key in sorted(lines_all):
    if key not in reached:
        byfn[(key[0], sorted(lines_all[key])[0] or '?')].append(key[1])
src = {}
for (f, fn) in sorted(byfn, key=lambda k: (k[0], min(byfn[k]))):
    if f not in src:
        src[f] = open(os.path.join(kdir, f), errors='replace').read().splitlines()
    print('#   %s %s(): %s' % (f, fn, ', '.join(str(x) for x in byfn[(f, fn)])))
    for ln in byfn[(f, fn)]:
        print('#       %5d  %s' % (ln, src[f][ln - 1].strip() if ln <= len(src[f]) else ''))
sys.exit(1 if pct < cmin else 0)
EOF
prc=$?
[ $rc -eq 0 ] && [ $prc -eq 0 ]
