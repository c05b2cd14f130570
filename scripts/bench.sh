#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The refcache benchmark (scripts/bench-uml.sh inside a test kernel).
#
# usage: scripts/bench.sh [--smoke | --debug | --runner RUNNER] [MODULE PARAMETER...]
#   (none)     full run in a UML kernel without debugging options, built
#              once from scripts/uml-bench.config: the figures to quote
#   --smoke    small counts in the UML test kernel (KASAN, lockdep) through
#              scripts/uml-run.sh, as the test suite runs it; checks itself
#   --debug    full run in the UML test kernel (debug timings)
#   --runner R full run through R, a script with uml-run.sh's interface
#              (R CMD...: boots a kernel, runs CMD with RC_MODDIR set): the
#              hook for an SMP kernel, e.g. a QEMU runner, where threads=
#              defaults to one kthread per online CPU
# MODULE PARAMETERs go to refcache_bench.ko: count=, rounds=, threads=,
# max_live=. The kernel log of the fast kernel is in the run directory.
set -eu
. "$(dirname "$0")/lib.sh"

mode=fast
case ${1:-} in
--smoke) mode=smoke; shift ;;
--debug) mode=debug; shift ;;
--runner) mode=runner; runner=$2; shift 2 ;;
-*) sed -n '/^# usage/,/^# max_live/p' "$0" >&2; exit 2 ;;
esac

# uml-run.sh and the test kernel, then the same check of its log as the tests.
debug_run() {
	local dir status=0
	mkdir -p "$RC_CACHE/runs"
	dir=$(mktemp -d "$RC_CACHE/runs/bench.XXXXXX")
	"$RC_TOP/scripts/uml-run.sh" -o "$dir" scripts/bench-uml.sh "$@" || status=$?
	if [ $status != 125 ] && ! rc_check_kernel_log "$dir/console.log" >&2; then
		rc_log "the kernel log has errors: $dir/console.log"
		status=1
	fi
	exit $status
}

case $mode in
smoke) debug_run --smoke "$@" ;;
debug) debug_run "$@" ;;
runner) exec "$runner" scripts/bench-uml.sh "$@" ;;
esac

# The non-debug UML kernel: uml-run.sh's boot, with another kernel.
rc_need_packages "${RC_PACKAGES[@]}"
build=$(rc_build_kernel um uml-bench "$RC_TOP/scripts/uml-bench.config") || exit 1
src=$(cat "$build/.src")
moddir=$(rc_build_modules uml-bench "$src" O="$build" ARCH=um)
mkdir -p "$RC_CACHE/runs"
dir=$(mktemp -d "$RC_CACHE/runs/bench.XXXXXX")
{
	printf 'RC_TOP=%q\nRC_MODDIR=%q\nexport RC_TOP RC_MODDIR\n' "$RC_TOP" "$moddir"
	printf 'RC_CMD=('; printf '%q ' scripts/bench-uml.sh "$@"; printf ')\n'
} >"$dir/job"
rc_log "host load before the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
(
	timeout -k 5 1800 "$build/linux" mem=2G console=tty \
		rootfstype=hostfs rootflags=/ rw init="$RC_TOP/scripts/uml-init.sh" \
		RC_JOB="$dir" </dev/null >"$dir/console.log" 2>&1 || true
) 2>/dev/null
rc_log "host load after the run: $(cut -d' ' -f1-3 /proc/loadavg); log in $dir"
if [ -s "$dir/output" ]; then cat "$dir/output"; fi
if [ ! -s "$dir/status" ]; then
	rc_log "UML kernel stopped before the benchmark finished; last kernel lines:"
	tail -n 40 "$dir/console.log" >&2
	exit 125
fi
if ! rc_check_kernel_log "$dir/console.log" >&2; then
	rc_log "the kernel log has errors: $dir/console.log"
	exit 1
fi
exit "$(cat "$dir/status")"
