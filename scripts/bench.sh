#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The refcache benchmark (scripts/guest/bench.sh inside a test kernel).
#
# usage: scripts/bench.sh [--smoke | --debug | --smp | --runner RUNNER] [MODULE PARAMETER...]
#   (none)     full run in a UML kernel without debugging options, built
#              once from scripts/uml-env.config and scripts/uml-bench.config:
#              the figures to quote
#              (uniprocessor)
#   --smoke    small counts in the UML test kernel (KASAN, lockdep) through
#              scripts/uml-run.sh, as the test suite runs it; checks itself
#   --debug    full run in the UML test kernel (debug timings)
#   --smp      full run on 2 CPUs in Debian's own 6.12 kernel under QEMU
#              (scripts/qemu-run.sh -k debian), about 3 minutes with the
#              default counts. TCG emulates every instruction, atomics and
#              barriers dearest, so times are some 10x UML's and even the
#              ratios lean against refcache: what it adds is two real CPUs
#              for the threaded rows
#   --runner R full run through R, a script with uml-run.sh's interface
#              (R CMD...: boots a kernel, runs CMD with RC_MODDIR set): the
#              hook for an SMP kernel, e.g. a QEMU runner, where threads=
#              defaults to one kthread per online CPU
# MODULE PARAMETERs go to refcache_bench.ko: count=, rounds=, threads=,
# max_live=. The kernel log of the fast kernel is in the run directory.
set -eu
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

mode=fast
case ${1:-} in
--smoke) mode=smoke; shift ;;
--debug) mode=debug; shift ;;
--smp) mode=smp; shift ;;
--runner) mode=runner; runner=$2; shift 2 ;;
-*) sed -n '/^# usage/,/^# max_live/p' "$0" >&2; exit 2 ;;
esac

case $mode in
runner) exec "$runner" scripts/guest/bench.sh "$@" ;;
smoke) set -- --smoke "$@" ;;
esac
# Fast: the non-debug UML kernel (scripts/uml-env.config, uml-bench.config);
# smoke and debug: the test kernel; smp: Debian's kernel on 2 vCPUs. Then the
# same log check as the tests.
case $mode in
fast) run=("$RC_TOP/scripts/uml-run.sh" -k bench) ;;
smp) run=("$RC_TOP/scripts/qemu-run.sh" -k debian) ;;
*) run=("$RC_TOP/scripts/uml-run.sh" -k test) ;;
esac
rc_log "host load before the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
mkdir -p "$RC_CACHE/runs"
dir=$(mktemp -d "$RC_CACHE/runs/bench.XXXXXX")
status=0
"${run[@]}" -m 2G -t 1800 -o "$dir" scripts/guest/bench.sh "$@" || status=$?
rc_log "host load after the run: $(cut -d' ' -f1-3 /proc/loadavg); log in $dir"
if [ $status != 125 ] && ! rc_check_kernel_log "$dir/console.log" >&2; then
	rc_log "the kernel log has errors: $dir/console.log"
	status=1
fi
# The point of --smp is two CPUs: figures from a guest that brought up
# fewer would be quoted as SMP ones.
if [ $mode = smp ] && [ $status != 125 ] &&
	! grep -q 'smp: Brought up .* 2 CPUs' "$dir/console.log"; then
	rc_log "the guest did not bring up 2 CPUs: $dir/console.log"
	status=1
fi
exit $status
