#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Case 3, lookup vs final put: producers create objects in small batches,
# publish the ids (a file per producer) and immediately drop them (the final
# put), while a looker per producer follows that file and "get"s each id as
# it appears (or, when it has caught up, an older one), putting back what it
# got. Only this case's own ids are ever touched. Proves that
#  - a get racing with the final put either succeeds with a count >= 2
#    (someone else still held it) or fails ENOENT: never another error, never
#    1 (which would be a resurrected object);
#  - the looker's put of a reference it got always succeeds (>= 0);
#  - every producer put succeeds, and afterwards no object of the window is
#    live, every one was freed, and the kernel log stays clean.
#
# usage: 03-lookup-vs-final-put.sh [-w WORKERS] [-n OPS] [-t SECONDS] [-s SEED]
#   WORKERS producers and as many lookers; OPS ctl commands per worker;
#   default -w 3 -n 300.

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
RC_WORKERS=3 RC_OPS=300 RC_SECS=60
RC_BATCH=${RC_BATCH:-8}
rc_args "$@"
rc_require_module

producer() {
	local w=$1 ops=0 created=0 bad=0 k id
	local -a prev=() cur=()
	local out=$RC_TMP/p$w
	RANDOM=$((RC_SEED + w))
	rc_ctl_open || { echo "0 0 1" >"$out.sum"; return; }
	exec 6>"$out.ids" 7>"$out.err"
	# Publish a batch, then drop the previous one: each object lives for
	# about one batch, long enough for the looker to find some alive.
	while :; do
		if [ "$ops" -lt "$RC_OPS" ] && rc_time_left; then
			k=$((RANDOM % RC_BATCH + 1))
			ops=$((ops + 1))
			if ! rc_ctl "create $k"; then
				bad=$((bad + 1))
				echo "create $k: $RC_ERR" >&7
				continue
			fi
			cur=("${RC_OUT[@]}")
			created=$((created + ${#cur[@]}))
			printf '%s\n' "${cur[@]}" >&6
		else
			cur=()
		fi
		for id in "${prev[@]}"; do
			ops=$((ops + 1))
			rc_ctl "put $id" || {
				bad=$((bad + 1))
				echo "put $id: $RC_ERR" >&7
			}
		done
		[ "${#cur[@]}" -eq 0 ] && break
		prev=("${cur[@]}")
	done
	echo "$ops $created $bad" >"$out.sum"
}

looker() {
	local w=$1 ops=0 hits=0 misses=0 bad=0 id n
	local -a seen=()
	local out=$RC_TMP/l$w
	RANDOM=$((RC_SEED + 1000 + w))
	rc_ctl_open || { echo "0 0 0 1" >"$out.sum"; return; }
	exec 7>"$out.err" 8<"$RC_TMP/p$w.ids"
	while [ "$ops" -lt "$RC_OPS" ] && rc_time_left; do
		# The producer's newest id if it published any since we last
		# looked (the likeliest to be alive), else a recent or an old one.
		n=${#seen[@]}
		while IFS= read -r id <&8; do [ -n "$id" ] && seen+=("$id"); done
		if [ "${#seen[@]}" -gt "$n" ]; then
			id=${seen[-1]}
		elif [ "$n" -eq 0 ]; then
			sleep 0.01
			continue
		elif [ $((RANDOM % 2)) -eq 0 ]; then
			id=${seen[n - 1 - RANDOM % (n < 16 ? n : 16)]}
		else
			id=${seen[RANDOM % n]}
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
rc_snapshot
rc_diag "producers $RC_WORKERS, lookers $RC_WORKERS, ops/worker $RC_OPS, seed $RC_SEED"
for ((w = 0; w < RC_WORKERS; w++)); do : >"$RC_TMP/p$w.ids"; done

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
		[ -s "$f" ] && mapfile -t -O "${#errs[@]}" errs <<<"$(head -n 5 "$f")"
	done
done
rc_diag "$ops ctl commands, $created objects, lookups: $hits hit, $misses ENOENT, $((SECONDS - t0))s"

rc_check "producers' creates and final puts all succeeded" $((pbad != 0)) "${errs[@]}"
rc_check "every racing get gave >= 2 or ENOENT, every put-back succeeded" $((lbad != 0)) "${errs[@]}"
rc_check "the race was exercised (some gets hit live objects, some missed)" \
	$((hits == 0 || misses == 0)) "hits $hits, misses $misses"

declare -A ours=()
mapfile -t all <<<"$(cat "$RC_TMP"/p*.ids)"
for id in "${all[@]}"; do [ -n "$id" ] && ours[$id]=1; done
left=()
rc_objects
for id in "${!RC_OBJ[@]}"; do
	[ -n "${ours[$id]:-}" ] && left+=("$id:${RC_OBJ[$id]}")
done
rc_check "none of the ${#ours[@]} objects is left live" $((${#left[@]} != 0)) "left: ${left[*]:0:10}"

rc_stats
rc_global "freed == created, live back to start" \
	"$((RC_STAT[freed] - s0[freed])) ${RC_STAT[live]}" "$((RC_STAT[created] - s0[created])) ${s0[live]}"
bad=$(rc_dmesg_bad)
rc_check "kernel log clean (no BUG/WARNING/KASAN/lockdep/refcount_t)" $((${#bad} != 0)) "$bad"
