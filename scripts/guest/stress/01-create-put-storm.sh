#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Case 1, create/put storm: WORKERS processes, each with its own ctl file,
# create objects in random batches of 1..BATCH and drop every one of them
# again (each put must be the final one: it returns 0). Proves that
#  - every create returns exactly COUNT ids, and no id is handed out twice;
#  - the final put always reports 0;
#  - afterwards no object is live, created and freed agree (every final put
#    returned its object to the slab at once), gets/puts count what we did,
#    and the refcache_obj slab, shrunk, holds as many objects as before.
# Ids are unique for as long as this case runs: a slot used again gets the
# next generation, and an id can come back only once its slot has been used
# 256 times, far beyond the objects one run makes.
#
# usage: 01-create-put-storm.sh [-w WORKERS] [-n OPS] [-t SECONDS] [-s SEED]
#   OPS is ctl commands per worker (creates and puts); default -w 4 -n 300.

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
RC_WORKERS=4 RC_OPS=300 RC_SECS=60
RC_BATCH=${RC_BATCH:-16}
rc_args "$@"
rc_require_module

worker() {
	local w=$1 ops=0 created=0 puts=0 bad=0 k id
	local out=$RC_TMP/w$w
	RANDOM=$((RC_SEED + w))
	rc_ctl_open || { echo "0 0 0 1" >"$out.sum"; return; }
	exec 6>"$out.ids" 7>"$out.err"
	while [ "$ops" -lt "$RC_OPS" ] && rc_time_left; do
		k=$((RANDOM % RC_BATCH + 1))
		ops=$((ops + 1))
		if ! rc_ctl "create $k"; then
			bad=$((bad + 1))
			echo "create $k: $RC_ERR" >&7
			continue
		fi
		if [ "${#RC_OUT[@]}" -ne "$k" ]; then
			bad=$((bad + 1))
			echo "create $k returned ${#RC_OUT[@]} ids" >&7
		fi
		created=$((created + ${#RC_OUT[@]}))
		printf '%s\n' "${RC_OUT[@]}" >&6
		for id in "${RC_OUT[@]}"; do
			ops=$((ops + 1))
			if rc_ctl "put $id" && [ "$RC_VAL" = 0 ]; then
				puts=$((puts + 1))
			else
				bad=$((bad + 1))
				echo "put $id: ${RC_ERR:-returned $RC_VAL}" >&7
			fi
		done
	done
	echo "$ops $created $puts $bad" >"$out.sum"
}

rc_ktap_start 9
rc_snapshot
rc_slab_objects
slab0=$RC_VAL
rc_diag "workers $RC_WORKERS, ops/worker $RC_OPS, batch 1..$RC_BATCH, seed $RC_SEED, ${RC_SECS}s limit"

t0=$SECONDS
rc_run_workers

ops=0 created=0 puts=0 bad=0 errs=()
for ((w = 0; w < RC_WORKERS; w++)); do
	read -r o c p b <"$RC_TMP/w$w.sum" || b=1
	ops=$((ops + o)) created=$((created + c)) puts=$((puts + p)) bad=$((bad + b))
	[ -s "$RC_TMP/w$w.err" ] && mapfile -t -O "${#errs[@]}" errs <<<"$(head -n 5 "$RC_TMP/w$w.err")"
done
rc_diag "$ops ctl commands, $created objects created and put, $((SECONDS - t0))s"

rc_check "every create and final put succeeded as specified" $((bad != 0)) "${errs[@]}"
dups=$(cat "$RC_TMP"/w*.ids | sort -n | uniq -d | head -n 5)
rc_check "no id handed out twice" $((${#dups} != 0)) "duplicate ids: $dups"
rc_check "objects were created at all" $((created == 0))

rc_stats
rc_global "live back to its start value" "${RC_STAT[live]}" "${s0[live]}"
rc_global "created grew by the number of objects made" \
	"$((RC_STAT[created] - s0[created]))" "$created"
rc_global "freed == created (every object back in the slab)" \
	"$((RC_STAT[freed] - s0[freed]))" "$((RC_STAT[created] - s0[created]))"
rc_global "puts counted once each" "$((RC_STAT[puts] - s0[puts]))" "$puts"
rc_global "module's slab object count back to start" "${RC_STAT[slab_objects]}" "${s0[slab_objects]}"
# (Other cases' objects come and go meanwhile in the soak: no waiting then.)
if [ "$RC_SHARED" = 1 ]; then rc_slab_objects; else rc_slab_settle "$slab0"; fi
rc_global "refcache_obj slab objects (after shrink) back to start" "$RC_VAL" "$slab0"
