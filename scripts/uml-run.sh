#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the refcache UML test kernel and run one command inside it, as root,
# with the host's file system as root (hostfs) and the refcache modules
# built for that kernel.
#
# usage: scripts/uml-run.sh [-k test|bench|pristine] [-m MEM] [-t SECONDS] [-a 'KERNEL ARGS'] [-o DIR] [-x BYTES] CMD [ARG...]
#   -k  which kernel: "test" (default: KASAN, lockdep, ...; scripts/uml-env.config,
#       scripts/uml.config and kunit/.kunitconfig), "bench" (no debugging:
#       scripts/uml-env.config and scripts/uml-bench.config) or "pristine"
#       (bench's config built from Debian's tree without scripts/patches: the
#       kernel that shows what the patches fix)
#   -m  UML memory (default 1G)
#   -t  time limit for the whole boot (default 600)
#   -a  extra kernel command line
#   -o  keep the run's files here (default: a fresh directory under the cache)
#   -x  boot as if the host's XSAVE area were BYTES long (11008: an Intel CPU
#       with AMX), through the LD_PRELOAD shim scripts/xsave-preload.c
# RC_PTRACE_NO_SYSEMU=1 in the environment boots as on a host whose ptrace
# lacks PTRACE_SYSEMU, through the same shim.
#
# Inside, CMD runs in the repository with RC_MODDIR naming the directory that
# holds module/refcache.ko and kunit/refcache_kunit.ko. Its output is printed;
# the kernel log is in DIR/console.log. Exit status: CMD's, or 125 if the
# kernel died before CMD finished.
set -eu
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

rc_runner_args test "$0" "$@"
set -- "${RC_ARGS[@]}"

rc_uml_preflight
case $kernel in
test) build=$(rc_uml_kernel) ;;
bench)
	rc_need_packages "${RC_PACKAGES[@]}"
	build=$(rc_build_kernel um uml-bench "$RC_TOP/scripts/uml-env.config" \
		"$RC_TOP/scripts/uml-bench.config")
	;;
pristine)
	rc_need_packages "${RC_PACKAGES[@]}"
	build=$(rc_build_kernel -s pristine um uml-pristine "$RC_TOP/scripts/uml-env.config" \
		"$RC_TOP/scripts/uml-bench.config")
	;;
*) rc_die "no kernel '$kernel' (test, bench or pristine)" ;;
esac
read -r -a extra <<<"$append"
preload=()
if [ -n "$xsave" ] || [ -n "${RC_PTRACE_NO_SYSEMU:-}" ]; then
	preload=(env LD_PRELOAD="$(rc_xsave_preload)" ${xsave:+RC_XSAVE_SIZE="$xsave"})
fi
src=$(cat "$build/.src")
moddir=$(rc_build_modules "uml-$kernel" "$src" O="$build" ARCH=um)

if [ -z "$dir" ]; then
	mkdir -p "$RC_CACHE/runs"
	dir=$(mktemp -d "$RC_CACHE/runs/run.XXXXXX")
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -f "$dir"/{status,output,dmesg,console.log}
# The guest sees the host's files: build the stress cases' fileio helper
# here, where it is quick, rather than under UML.
(. "$(dirname "$0")/fileio.sh" && rc_fileio >/dev/null)
{
	printf 'RC_TOP=%q\nRC_MODDIR=%q\nexport RC_TOP RC_MODDIR\n' "$RC_TOP" "$moddir"
	printf 'RC_CMD=('; printf '%q ' "$@"; printf ')\n'
} >"$dir/job"

# kasan_multi_shot: report every KASAN error, not only the first. The
# subshell keeps bash's note about how UML exited (it aborts on power-off
# under KASAN) out of the output: the status file is what counts.
(
	timeout -k 5 "$timeout" "${preload[@]}" "$build/linux" mem="$mem" console=tty \
		rootfstype=hostfs rootflags=/ rw init="$RC_TOP/scripts/guest/uml-init.sh" \
		RC_JOB="$dir" kasan_multi_shot "${extra[@]}" \
		</dev/null >"$dir/console.log" 2>&1 || true
) 2>/dev/null
if [ -s "$dir/output" ]; then cat "$dir/output"; fi
if [ ! -s "$dir/status" ]; then
	if why=$(rc_uml_diagnose "$dir/console.log"); then
		rc_log "$why (kernel log: $dir/console.log)"
	else
		rc_log "UML kernel stopped before the command finished; last kernel lines:"
		tail -n 40 "$dir/console.log" >&2
	fi
	exit 125
fi
exit "$(cat "$dir/status")"
