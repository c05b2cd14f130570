#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the refcache UML test kernel and run one command inside it, as root,
# with the host's file system as root (hostfs) and the refcache modules
# built for that kernel.
#
# usage: scripts/uml-run.sh [-k test|bench] [-m MEM] [-t SECONDS] [-a 'KERNEL ARGS'] [-o DIR] CMD [ARG...]
#   -k  which kernel: "test" (default: KASAN, lockdep, ...; scripts/uml.config
#       and kunit/.kunitconfig) or "bench" (no debugging: scripts/uml-bench.config)
#   -m  UML memory (default 1G)
#   -t  time limit for the whole boot (default 600)
#   -a  extra kernel command line
#   -o  keep the run's files here (default: a fresh directory under the cache)
#
# Inside, CMD runs in the repository with RC_MODDIR naming the directory that
# holds module/refcache.ko and kunit/refcache_kunit.ko. Its output is printed;
# the kernel log is in DIR/console.log. Exit status: CMD's, or 125 if the
# kernel died before CMD finished.
set -eu
. "$(dirname "$0")/lib.sh"

rc_runner_args test "$0" "$@"
set -- "${RC_ARGS[@]}"

case $kernel in
test) build=$(rc_uml_kernel) ;;
bench)
	rc_need_packages "${RC_PACKAGES[@]}"
	build=$(rc_build_kernel um uml-bench "$RC_TOP/scripts/uml-bench.config")
	;;
*) rc_die "no kernel '$kernel' (test or bench)" ;;
esac
src=$(cat "$build/.src")
moddir=$(rc_build_modules "uml-$kernel" "$src" O="$build" ARCH=um)

if [ -z "$dir" ]; then
	mkdir -p "$RC_CACHE/runs"
	dir=$(mktemp -d "$RC_CACHE/runs/run.XXXXXX")
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -f "$dir"/{status,output,dmesg,console.log}
{
	printf 'RC_TOP=%q\nRC_MODDIR=%q\nexport RC_TOP RC_MODDIR\n' "$RC_TOP" "$moddir"
	printf 'RC_CMD=('; printf '%q ' "$@"; printf ')\n'
} >"$dir/job"

# kasan_multi_shot: report every KASAN error, not only the first. The
# subshell keeps bash's note about how UML exited (it aborts on power-off
# under KASAN) out of the output: the status file is what counts.
(
	timeout -k 5 "$timeout" "$build/linux" mem="$mem" console=tty \
		rootfstype=hostfs rootflags=/ rw init="$RC_TOP/scripts/uml-init.sh" \
		RC_JOB="$dir" kasan_multi_shot $append \
		</dev/null >"$dir/console.log" 2>&1 || true
) 2>/dev/null
if [ -s "$dir/output" ]; then cat "$dir/output"; fi
if [ ! -s "$dir/status" ]; then
	rc_log "UML kernel stopped before the command finished; last kernel lines:"
	tail -n 40 "$dir/console.log" >&2
	exit 125
fi
exit "$(cat "$dir/status")"
