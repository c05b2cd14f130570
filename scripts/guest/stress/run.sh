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
# usage: run.sh [-t SOAK_SECONDS] [-a 'CASE ARGS'] [-p 'MODULE PARAMS'] [-o LOGDIR] [CASE...]
#   CASE: a number (1, 01) or a name prefix (05-alloc); default: every case
#   but 08 (memory pressure, for a small-memory kernel: name it to run it).
#   -t  soak duration (default 15: the quick run; 60 for the full soak)
#   -a  extra arguments for every case (e.g. '-w 8 -n 2000')
#   -p  module parameters for insmod (e.g. 'obj_size=4096' for case 8)
#   -o  keep each case's kernel log in LOGDIR/CASE.dmesg
# Exit status: 0 if every case passed, 1 otherwise.
#
# From the host: scripts/uml-run.sh -t 600 scripts/guest/stress/run.sh
# (about 3 minutes with the defaults under UML with KASAN). Case 8:
# scripts/uml-run.sh -m 128M -t 900 scripts/guest/stress/run.sh -p obj_size=4096 8

. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
soak=15 extra='' params='' logdir=''
while getopts t:a:p:o:h opt; do
	case $opt in
	t) soak=$OPTARG ;;
	a) extra=$OPTARG ;;
	p) params=$OPTARG ;;
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

all=()
for f in "$here"/[0-9][0-9]-*.sh; do all+=("${f##*/}"); done
sel=()
if [ $# -eq 0 ]; then
	for c in "${all[@]}"; do [[ $c == 08-* ]] || sel+=("$c"); done
else
	for a in "$@"; do
		[[ $a =~ ^[0-9]$ ]] && a=0$a
		m=
		for c in "${all[@]}"; do [[ $c == "$a"* ]] && m=$c && break; done
		[ -n "$m" ] || { echo "run.sh: no case '$a'" >&2; exit 2; }
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

echo "KTAP version 1"
echo "1..$((${#sel[@]} + leakcheck))"
nfail=0 n=0 t_all=$SECONDS
for c in "${sel[@]}"; do
	n=$((n + 1))
	name=${c%.sh}
	problems=()
	[ -e /sys/module/refcache ] && unload >/dev/null
	rc_dmesg_mark "run.sh $name"
	# shellcheck disable=SC2086 # params is a list of words
	if ! m=$(busybox insmod "$KO" $params 2>&1); then
		problems+=("insmod failed: $m")
	fi
	echo 1 >/sys/kernel/debug/clear_warn_once 2>/dev/null
	args=()
	case $name in
	07-*) args+=(-m "$KO") ;;
	09-*) args+=(-t "$soak") ;;
	esac
	limit=240
	[[ $name == 09-* ]] && limit=$((soak * 2 + 120))
	t0=$SECONDS
	echo "# selftests: refcache-stress: $c"
	# shellcheck disable=SC2086 # extra is a list of words
	timeout -k 5 "$limit" "$here/$c" "${args[@]}" $extra 2>&1 | sed 's/^/    /'
	st=${PIPESTATUS[0]}
	dt=$((SECONDS - t0))
	skip=
	case $st in
	0) ;;
	4) skip=" # SKIP" ;;
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
	bad=$(grep -E "$RC_DMESG_BAD" <<<"$log" | head -n 20)
	[ -n "$bad" ] && problems+=("kernel log:" "$bad")
	rec=$(grep 'refcache: unloading' <<<"$log" | tail -n 1)
	echo "# $name: ${dt}s, ${rec#*] }"
	if [ ${#problems[@]} -eq 0 ]; then
		echo "ok $n - $name$skip"
	else
		nfail=$((nfail + 1))
		for p in "${problems[@]}"; do rc_diag "$p"; done
		echo "not ok $n - $name"
	fi
done
if [ "$leakcheck" = 1 ]; then
	# kmemleak reports only objects older than 5 s: scan twice, 6 s apart.
	n=$((n + 1))
	echo clear >"$KMEMLEAK"
	echo scan >"$KMEMLEAK"
	sleep 6
	echo scan >"$KMEMLEAK"
	leaks=$(grep -A20 '^unreferenced object' "$KMEMLEAK" | grep -c 'refcache')
	if [ "$leaks" -eq 0 ]; then
		echo "ok $n - kmemleak: no leak in refcache"
	else
		nfail=$((nfail + 1))
		grep -B2 -A20 '^unreferenced object' "$KMEMLEAK" | head -n 40 |
			while IFS= read -r l; do rc_diag "$l"; done
		echo "not ok $n - kmemleak: no leak in refcache"
	fi
fi
echo "# run.sh: $((n - nfail)) of $n cases passed in $((SECONDS - t_all))s"
[ "$nfail" -eq 0 ]
