#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Case 3, lookup vs final put: producers create objects in small batches and
# immediately drop them (the final put), while lookers "get" ids from the same
# id window (ids are allocated cyclically, so the window is predictable) and
# put back what they got. Proves that
#  - a get racing with the final put either succeeds with a count >= 2
#    (someone else still held it) or fails ENOENT: never another error, never
#    1 (which would be a resurrected object);
#  - the looker's put of a reference it got always succeeds (>= 0);
#  - every producer put succeeds, and afterwards no object of the window is
#    live, every one was freed, and the kernel log stays clean.
#
# usage: 03-lookup-vs-final-put.sh [-w WORKERS] [-n OPS] [-t SECONDS] [-s SEED]
#   WORKERS producers and as many lookers; OPS ctl commands per worker;
#   default -w 3 -n 400.

. "$(dirname "$0")/lib.sh"
RC_WORKERS=3 RC_OPS=400 RC_SECS=60
RC_BATCH=${RC_BATCH:-8}
rc_args "$@"
rc_require_module

producer() {
	local w=$1 ops=0 created=0 bad=0 k id
	local out=$RC_TMP/p$w
	RANDOM=$((RC_SEED + w))
	rc_ctl_open || { echo "0 0 1" >"$out.sum"; return; }
	exec 7>"$out.err"
	while [ "$ops" -lt "$RC_OPS" ] && rc_time_left; do
		k=$((RANDOM % RC_BATCH + 1))
		ops=$((ops + 1))
		if ! rc_ctl "create $k"; then
			bad=$((bad + 1))
			echo "create $k: $RC_ERR" >&7
			continue
		fi
		created=$((created + ${#RC_OUT[@]}))
		for id in "${RC_OUT[@]}"; do
			ops=$((ops + 1))
			rc_ctl "put $id" || {
				bad=$((bad + 1))
				echo "put $id: $RC_ERR" >&7
			}
		done
	done
	echo "$ops $created $bad" >"$out.sum"
}

looker() {
	local w=$1 ops=0 hits=0 misses=0 bad=0 id
	local out=$RC_TMP/l$w
	RANDOM=$((RC_SEED + 1000 + w))
	rc_ctl_open || { echo "0 0 0 1" >"$out.sum"; return; }
	exec 7>"$out.err"
	id=$((base + RANDOM % span))
	while [ "$ops" -lt "$RC_OPS" ] && rc_time_left; do
		# Mostly walk upwards with the producers, sometimes jump.
		if [ $((RANDOM % 8)) -eq 0 ]; then
			id=$((base + RANDOM % span))
		else
			id=$((id + 1))
			[ "$id" -ge $((base + span)) ] && id=$base
		fi
		ops=$((ops + 1))
		if rc_ctl "get $id"; then
			if [ "$RC_VAL" -lt 2 ]; then
				bad=$((bad + 1))
				echo "get $id returned $RC_VAL (resurrected?)" >&7
			fi
			hits=$((hits + 1))
			ops=$((ops + 1))
			rc_ctl "put $id" || {
				bad=$((bad + 1))
				echo "put $id after a successful get: $RC_ERR" >&7
			}
		elif [ "$RC_ERR" = ENOENT ]; then
			misses=$((misses + 1))
		else
			bad=$((bad + 1))
			echo "get $id: $RC_ERR" >&7
		fi
	done
	echo "$ops $hits $misses $bad" >"$out.sum"
}

rc_ktap_start 6
rc_dmesg_mark "03 start"
rc_stats
declare -A s0
for k in "${!RC_STAT[@]}"; do s0[$k]=${RC_STAT[$k]}; done
# Where the producers' ids start: the allocator is cyclic, so right after
# the id of a probe object (give or take concurrent users).
rc_ctl_open
rc_ctl "create" && probe=$RC_VAL && rc_ctl "put $probe"
base=$((probe + 1))
span=$((RC_WORKERS * RC_OPS * (RC_BATCH + 1) / 2 + 1))
rc_diag "producers $RC_WORKERS, lookers $RC_WORKERS, ops/worker $RC_OPS, ids $base..$((base + span - 1)), seed $RC_SEED"

t0=$SECONDS
pids=()
for ((w = 0; w < RC_WORKERS; w++)); do
	producer "$w" &
	pids+=($!)
	looker "$w" &
	pids+=($!)
done
wait "${pids[@]}"

ops=0 created=0 hits=0 misses=0 pbad=0 lbad=0 errs=()
for ((w = 0; w < RC_WORKERS; w++)); do
	read -r o c b <"$RC_TMP/p$w.sum" || b=1
	ops=$((ops + o)) created=$((created + c)) pbad=$((pbad + b))
	read -r o h m b <"$RC_TMP/l$w.sum" || b=1
	ops=$((ops + o)) hits=$((hits + h)) misses=$((misses + m)) lbad=$((lbad + b))
	for f in "$RC_TMP/p$w.err" "$RC_TMP/l$w.err"; do
		[ -s "$f" ] && mapfile -t -O "${#errs[@]}" errs < <(head -n 5 "$f")
	done
done
rc_diag "$ops ctl commands, $created objects, lookups: $hits hit, $misses ENOENT, $((SECONDS - t0))s"

rc_check "producers' creates and final puts all succeeded" $((pbad != 0)) "${errs[@]}"
rc_check "every racing get gave >= 2 or ENOENT, every put-back succeeded" $((lbad != 0)) "${errs[@]}"
rc_check "the race was exercised (some gets hit live objects, some missed)" \
	$((hits == 0 || misses == 0)) "hits $hits, misses $misses"

left=()
while read -r id ref; do
	[ "$id" -ge "$base" ] && [ "$id" -lt $((base + span)) ] && left+=("$id:$ref")
done <"$RC_DIR/objects"
rc_check "no object of the window is left live" $((${#left[@]} != 0)) "left: ${left[*]:0:10}"

rc_wait_freed $((s0[freed] + created + 1)) 10
rc_global "freed == created, live back to start" \
	"$((RC_STAT[freed] - s0[freed])) ${RC_STAT[live]}" "$((RC_STAT[created] - s0[created])) ${s0[live]}"
bad=$(rc_dmesg_bad)
rc_check "kernel log clean (no BUG/WARNING/KASAN/lockdep/refcount_t)" $((${#bad} != 0)) "$bad"
