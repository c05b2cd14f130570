#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Case 5, allocation faults: failslab, filtered to the refcache_obj cache
# only, fails object allocations at 10%, 50% and 100% while batches of
# creates run. Proves that
#  - a create either succeeds completely (COUNT ids, live + COUNT) or fails
#    ENOMEM and then leaves "objects" and live exactly as they were: no
#    partial batch ever becomes visible or stays behind;
#  - each failed create adds exactly one to alloc_failures (the failing
#    object allocation), and at 100% every create fails;
#  - once failslab is off again, creates work, nothing leaked: created ==
#    freed and the slab shrinks back to where it started.
# Needs CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS; the failslab
# settings are restored on exit.
#
# usage: 05-alloc-faults.sh [-n OPS] [-t SECONDS] [-s SEED]
#   OPS creates per probability (default 60); single-threaded (-w ignored),
#   because the before/after comparison needs a quiet module.

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
RC_WORKERS=1 RC_OPS=60 RC_SECS=90
rc_args "$@"
rc_require_module
FS=/sys/kernel/debug/failslab

rc_ktap_start 7
if [ ! -d "$FS" ] || [ ! -e "$RC_SLAB/failslab" ]; then
	while [ "$RC_T" -lt "$RC_PLAN" ]; do rc_skip "failslab" "no $FS or $RC_SLAB/failslab"; done
	exit 0
fi
if [ "$RC_SHARED" = 1 ]; then
	while [ "$RC_T" -lt "$RC_PLAN" ]; do rc_skip "failslab" "would fail other cases' creates"; done
	exit 0
fi

declare -A fs0
for f in cache-filter ignore-gfp-wait probability times interval verbose space task-filter; do
	[ -e "$FS/$f" ] && read -r fs0[$f] <"$FS/$f"
done
read -r slabfs0 <"$RC_SLAB/failslab"
failslab_off() {
	echo 0 >"$FS/probability"
	echo "$slabfs0" >"$RC_SLAB/failslab"
	for f in "${!fs0[@]}"; do echo "${fs0[$f]}" >"$FS/$f"; done
}
trap 'failslab_off; rc_ktap_end' EXIT

rc_snapshot
rc_slab_objects
slab0=$RC_VAL
rc_ctl_open

echo Y >"$FS/cache-filter"
echo N >"$FS/ignore-gfp-wait"
echo N >"$FS/task-filter"
echo 0 >"$FS/space"
echo 0 >"$FS/verbose"
echo 1 >"$FS/interval"
echo -1 >"$FS/times"
echo 1 >"$RC_SLAB/failslab"

total_ok=0 total_fail=0 created=0
t0=$SECONDS
for p in 10 50 100; do
	echo "$p" >"$FS/probability"
	ok=0 fail=0 bad=() ops=0
	while [ "$ops" -lt "$RC_OPS" ] && rc_time_left; do
		ops=$((ops + 1))
		k=$((RANDOM % (p == 10 ? 8 : 3) + 1))
		rc_stats
		live0=${RC_STAT[live]} af0=${RC_STAT[alloc_failures]}
		mapfile -t objs0 <"$RC_DIR/objects"
		if rc_ctl "create $k"; then
			ok=$((ok + 1))
			created=$((created + k))
			rc_stats
			[ "${#RC_OUT[@]}" -eq "$k" ] && [ "${RC_STAT[live]}" -eq $((live0 + k)) ] ||
				bad+=("p=$p create $k: ${#RC_OUT[@]} ids, live $live0 -> ${RC_STAT[live]}")
			for id in "${RC_OUT[@]}"; do
				rc_ctl "put $id" && [ "$RC_VAL" = 0 ] || bad+=("put $id: ${RC_ERR:-$RC_VAL}")
			done
		elif [ "$RC_ERR" = ENOMEM ]; then
			fail=$((fail + 1))
			rc_stats
			mapfile -t objs1 <"$RC_DIR/objects"
			[ "${RC_STAT[live]}" = "$live0" ] ||
				bad+=("p=$p failed create $k: live $live0 -> ${RC_STAT[live]}")
			[ "${objs1[*]}" = "${objs0[*]}" ] ||
				bad+=("p=$p failed create $k: objects changed (${#objs0[@]} -> ${#objs1[@]} lines)")
			[ "${RC_STAT[alloc_failures]}" -eq $((af0 + 1)) ] ||
				bad+=("p=$p failed create $k: alloc_failures $af0 -> ${RC_STAT[alloc_failures]}")
			rc_ctl_read_raw
			[ -z "$RC_VAL" ] || bad+=("p=$p failed create left something to read: $RC_VAL")
		else
			bad+=("p=$p create $k: $RC_ERR")
		fi
	done
	total_ok=$((total_ok + ok)) total_fail=$((total_fail + fail))
	rc_diag "failslab ${p}%: $ops creates, $ok succeeded, $fail failed ENOMEM"
	if [ "$p" = 100 ]; then
		rc_check "failslab 100%: every create fails ENOMEM and changes nothing" \
			$((${#bad[@]} != 0 || ok != 0)) "${bad[@]:0:10}" "$ok creates succeeded"
	else
		rc_check "failslab ${p}%: creates succeed whole or fail ENOMEM changing nothing" \
			$((${#bad[@]} != 0 || fail == 0)) "${bad[@]:0:10}" "$fail creates failed"
	fi
done
rc_diag "$((SECONDS - t0))s"

failslab_off
rc_stats
rc_eq "alloc_failures counts every failed create" \
	"$((RC_STAT[alloc_failures] - s0[alloc_failures]))" "$total_fail"
rc_ctl "create 8" && n=${#RC_OUT[@]} || n=$RC_ERR
for id in "${RC_OUT[@]}"; do rc_ctl "put $id"; done
created=$((created + 8))
rc_eq "with failslab off creates work again" "$n" 8

rc_stats
rc_eq "nothing leaked: live back, freed == created" \
	"${RC_STAT[live]} $((RC_STAT[freed] - s0[freed]))" "${s0[live]} $((RC_STAT[created] - s0[created]))"
rc_slab_settle "$slab0"
rc_eq "refcache_obj slab objects (after shrink) back to start" "$RC_VAL" "$slab0"
