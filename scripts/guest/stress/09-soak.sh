#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Case 9, soak: for SECONDS, round after round, runs cases 1 (create/put
# storm), 2 (shared get/put), 3 (lookup vs final put), 4 (random model) and
# 6 (hostile input) all at the same time against the one module, each with a
# fresh seed. Every case only judges its own objects while they share the
# module (RC_SHARED=1: whole-module counters are skipped inside the cases),
# and this script judges the module as a whole at the end. Proves that
#  - every case's own checks keep passing when they interleave;
#  - after the soak nothing is live that was not live before, every object
#    created was freed, the slab shrinks back to where it started, no canary
#    was overwritten and the kernel log stayed clean.
#
# usage: 09-soak.sh [-w WORKERS] [-n OPS] [-t SECONDS] [-s SEED]
#   default -t 60 (run.sh's quick mode passes -t 15); each case of a round
#   gets -w WORKERS (default 2) and -n OPS (default 100).

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
RC_WORKERS=2 RC_OPS=100 RC_SECS=60
rc_args "$@"
rc_require_module
here=$(dirname "$0")
cases=(01-create-put-storm 02-shared-get-put-storm 03-lookup-vs-final-put
	04-random-model 06-hostile-input)

rc_ktap_start $((${#cases[@]} + 6))
rc_dmesg_mark "09 start"
mark0=$RC_MARK
rc_snapshot
declare -A runs fails first
rc_slab_objects
slab0=$RC_VAL
rc_diag "${RC_SECS}s, per case -w $RC_WORKERS -n $RC_OPS, seed $RC_SEED"

round=0
while rc_time_left; do
	round=$((round + 1))
	left=$((RC_DEADLINE - SECONDS))
	[ "$left" -lt 5 ] && left=5
	pids=()
	for c in "${cases[@]}"; do
		RC_SHARED=1 "$here/$c.sh" -w "$RC_WORKERS" -n "$RC_OPS" -t "$left" \
			-s $((RC_SEED + round * 100)) >"$RC_TMP/$c.$round" 2>&1 &
		pids+=($!)
	done
	i=0
	for c in "${cases[@]}"; do
		wait "${pids[i]}"
		st=$?
		i=$((i + 1))
		runs[$c]=$((${runs[$c]:-0} + 1))
		if [ "$st" -ne 0 ]; then
			fails[$c]=$((${fails[$c]:-0} + 1))
			[ -n "${first[$c]:-}" ] || first[$c]=$RC_TMP/$c.$round
		fi
	done
done
rc_diag "$round rounds in $((SECONDS - RC_DEADLINE + RC_SECS))s"

for c in "${cases[@]}"; do
	if [ -z "${fails[$c]:-}" ]; then
		rc_ok "$c: ${runs[$c]} interleaved runs passed"
	else
		rc_fail "$c: ${fails[$c]} of ${runs[$c]} interleaved runs failed" \
			"first failing run:" "$(grep -v '^ok' "${first[$c]}" | head -n 30)"
	fi
done

rc_stats
rc_eq "live back to its start value" "${RC_STAT[live]}" "${s0[live]}"
rc_eq "freed == created" "$((RC_STAT[freed] - s0[freed]))" "$((RC_STAT[created] - s0[created]))"
rc_diag "created $((RC_STAT[created] - s0[created])), gets $((RC_STAT[gets] - s0[gets])), puts $((RC_STAT[puts] - s0[puts]))"
rc_eq "module's slab object count back to start" "${RC_STAT[slab_objects]}" "${s0[slab_objects]}"
rc_eq "no canary overwritten" "${RC_STAT[canary_failures]}" "${s0[canary_failures]}"
rc_slab_settle "$slab0" 15
rc_eq "refcache_obj slab objects (after shrink) back to start" "$RC_VAL" "$slab0"
RC_MARK=$mark0
bad=$(rc_dmesg_bad)
rc_check "kernel log clean" $((${#bad} != 0)) "$bad"
