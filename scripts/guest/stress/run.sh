#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run refcache stress cases inside the test kernel, one KTAP document with
# one top-level result per case (the case's own KTAP nested, indented four
# spaces). For every case: load the module fresh from $RC_MODDIR, clear
# warn-once state, run the case under a time limit, unload the module, and
# fail the case if it failed, if rmmod failed, if the refcache_obj slab
# survived the unload, or if the kernel log since the case started shows
# BUG/WARNING/KASAN/refcount_t/lockdep/RCU splats or "Objects remaining".
#
# usage: run.sh [-k KERNEL] [-t SOAK_SECONDS] [-a 'CASE ARGS'] [-p 'MODULE PARAMS'] [-o LOGDIR] [CASE...]
#   -k  the kernel this runs on, as cases.table names it (default: uml, the
#       UML test kernel): the cases it runs by default, and 09-soak's -t
#   CASE: a number (1, 01) or a name prefix (05-alloc) of a case in the
#       table or in this directory: run these instead, with the table's
#       limit, module parameters and arguments for them
#   -t  soak duration (default: the kernel's in cases.table: 15 s, the quick
#       soak, for the test command's kernels; 60 for -k soak)
#   -a  extra arguments for every case (e.g. '-w 8 -n 2000')
#   -p  module parameters for every case's insmod, instead of the table's
#       (e.g. 'obj_size=4096')
#   -o  keep each case's kernel log in LOGDIR/CASE.dmesg
# A case the table lists whose file is missing is a failed result, not a
# skip. Exit status: 0 if every case passed, 1 otherwise.
#
# From the host: scripts/uml-run.sh -t 600 scripts/guest/stress/run.sh
# (about 3 minutes with the defaults under UML with KASAN). Case 8:
# scripts/uml-run.sh -m 128M -t 900 scripts/guest/stress/run.sh -k uml-128m

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/../../lib/cases.sh
. "$RC_LIB/cases.sh"
here=$(cd "$(dirname "$0")" && pwd)
kernel=uml soak='' extra='' params='' params_set=0 logdir=''
while getopts k:t:a:p:o:h opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	t) soak=$OPTARG ;;
	a) extra=$OPTARG ;;
	p) params=$OPTARG params_set=1 ;;
	o) logdir=$OPTARG ;;
	*) sed -n '3,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

KO=${RC_MODDIR:+$RC_MODDIR/module/refcache.ko}
if [ -z "$KO" ] || [ ! -r "$KO" ]; then
	echo "run.sh: \$RC_MODDIR/module/refcache.ko not found; run me through scripts/uml-run.sh" >&2
	exit 2
fi
rc_cases_read "$here/cases.table" || exit 2
if [ -z "${RC_KERNEL_LANE[$kernel]:-}" ]; then
	echo "run.sh: no kernel '$kernel' in $here/cases.table (${RC_KERNELS[*]})" >&2
	exit 2
fi
soak=${soak:-${RC_KERNEL_SOAK[$kernel]}}

# Every case there is: the table's, then any file the table lacks (which
# test.sh's static lane reports).
all=("${RC_CASES[@]}")
for f in "$here"/[0-9][0-9]-*.sh; do
	[ -e "$f" ] || continue
	c=${f##*/}
	c=${c%.sh}
	[ -n "${RC_CASE_LIMIT[$c]:-}" ] || all+=("$c")
done
sel=()
if [ $# -eq 0 ]; then
	# (No process substitution: the test kernels' /dev has no /dev/fd.)
	for c in "${RC_CASES[@]}"; do
		[[ ${RC_CASE_ON[$c]} == *" $kernel "* ]] && sel+=("$c")
	done
else
	for a in "$@"; do
		[[ $a =~ ^[0-9]$ ]] && a=0$a
		m=
		for c in "${all[@]}"; do [[ $c == "$a"* ]] && m=$c && break; done
		[ -n "$m" ] || { echo "run.sh: no case '$a' (${all[*]})" >&2; exit 2; }
		sel+=("$m")
	done
fi
[ -n "$logdir" ] && mkdir -p "$logdir"

unload() {
	busybox rmmod refcache 2>&1
}

# Kernels with kmemleak (the QEMU ones) get one more result: a leak scan.
KMEMLEAK=/sys/kernel/debug/kmemleak
leakcheck=0
[ -w "$KMEMLEAK" ] && leakcheck=1

names=("${sel[@]}")
[ "$leakcheck" = 0 ] || names+=("kmemleak: no leak in refcache")
rc_ktap_start "${#names[@]}" "${names[@]}"
rc_diag "kernel $kernel: ${sel[*]}"
t_all=$SECONDS
for name in "${sel[@]}"; do
	if [ ! -e "$here/$name.sh" ]; then
		rc_fail "$name" "cases.table lists $name, but $here/$name.sh does not exist"
		continue
	fi
	problems=()
	[ -e /sys/module/refcache ] && unload >/dev/null
	rc_dmesg_mark "run.sh $name"
	p=${RC_CASE_PARAMS[$name]:-}
	[ "$params_set" = 0 ] || p=$params
	# shellcheck disable=SC2086 # p is a list of words
	if ! m=$(busybox insmod "$KO" $p 2>&1); then
		problems+=("insmod failed: $m")
	fi
	echo 1 >/sys/kernel/debug/clear_warn_once 2>/dev/null
	a=${RC_CASE_ARGS[$name]:-}
	a=${a//\{ko\}/$KO}
	read -r -a args <<<"${a//\{soak\}/$soak}"
	lim=${RC_CASE_LIMIT[$name]:-240}
	limit=$((${lim//\{soak\}/$soak}))
	t0=$SECONDS
	echo "# selftests: refcache-stress: $name.sh"
	# shellcheck disable=SC2086 # extra is a list of words
	timeout -k 5 "$limit" "$here/$name.sh" "${args[@]}" $extra 2>&1 | sed 's/^/    /'
	st=${PIPESTATUS[0]}
	dt=$((SECONDS - t0))
	skip=
	case $st in
	0) ;;
	4) skip=1 ;;
	124) problems+=("timed out after ${limit}s") ;;
	137) problems+=("killed by SIGKILL (OOM killer? see the kernel log)") ;;
	*) problems+=("case exited with status $st") ;;
	esac
	if [ -e "$RC_DIR/stats" ]; then
		rc_stats
		[ "${RC_STAT[canary_failures]:-0}" = 0 ] ||
			problems+=("canary_failures ${RC_STAT[canary_failures]}")
	fi
	# With slub_debug on refcache_obj, check every object's poison and
	# red zones before the cache goes; a bad one logs "BUG refcache_obj".
	[ -w "$RC_SLAB/validate" ] && echo 1 >"$RC_SLAB/validate" 2>/dev/null
	if [ -e /sys/module/refcache ]; then
		m=$(unload) || problems+=("rmmod failed: $m")
	fi
	for ((i = 0; i < 50; i++)); do [ -e "$RC_SLAB" ] || break; sleep 0.1; done
	[ -e "$RC_SLAB" ] && problems+=("refcache_obj slab still present after rmmod")
	log=$(rc_dmesg_since)
	grep -E 'invoked oom-killer|Out of memory: Killed' <<<"$log" | head -n 2 |
		while IFS= read -r l; do rc_diag "$l"; done
	[ -n "$logdir" ] && printf '%s\n' "$log" >"$logdir/$name.dmesg"
	bad=$(rc_klog_bad stress <<<"$log" | head -n 20)
	[ -n "$bad" ] && problems+=("kernel log:" "$bad")
	rec=$(grep 'refcache: unloading' <<<"$log" | tail -n 1)
	rc_diag "$name: ${dt}s, ${rec#*] }"
	if [ ${#problems[@]} -gt 0 ]; then
		rc_fail "$name" "${problems[@]}"
	elif [ -n "$skip" ]; then
		rc_skip "$name" "the case skipped itself (status 4)"
	else
		rc_ok "$name"
	fi
done
if [ "$leakcheck" = 1 ]; then
	# kmemleak reports only objects older than 5 s: scan twice, 6 s apart.
	echo clear >"$KMEMLEAK"
	echo scan >"$KMEMLEAK"
	sleep 6
	echo scan >"$KMEMLEAK"
	leaks=$(grep -A20 '^unreferenced object' "$KMEMLEAK" | grep -c 'refcache')
	rc_check "kmemleak: no leak in refcache" "$leaks" \
		"$(grep -B2 -A20 '^unreferenced object' "$KMEMLEAK" | head -n 40)"
fi
rc_diag "run.sh: $kernel, ${#sel[@]} cases in $((SECONDS - t_all))s"
