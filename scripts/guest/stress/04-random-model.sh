#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Case 4, random operation mix against a reference model: WORKERS processes
# each run a random mix of create/get/put on their own objects, gets and puts
# of their own dead ids, and malformed commands, and predict every answer
# from a model they keep (id -> refcount). Proves that
#  - every answer is exactly what the model predicts: create returns fresh
#    ids, get returns count + 1, put count - 1, a dead id is ENOENT (also
#    once its slot holds a newer object: the id's generation differs), a
#    malformed command EINVAL and changes nothing;
#  - at the end "objects" lists every modelled object with exactly the
#    modelled count and none of the dead ones;
#  - dropping the remaining references frees them all.
#
# usage: 04-random-model.sh [-w WORKERS] [-n OPS] [-t SECONDS] [-s SEED]
#   OPS is ctl commands per worker; default -w 4 -n 300.

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
RC_WORKERS=4 RC_OPS=300 RC_SECS=60
rc_args "$@"
rc_require_module

worker() {
	local w=$1 ops=0 bad=0 reused=0 k id i n r want
	local -A ref=() dead=() deadslot=()
	local -a live=() gone=()
	local out=$RC_TMP/w$w
	RANDOM=$((RC_SEED + w))
	rc_ctl_open || { echo "0 1" >"$out.sum"; return; }
	exec 7>"$out.err"
	miss() {
		bad=$((bad + 1))
		echo "$1: got ${RC_ERR:-$RC_VAL}, model says $2" >&7
	}
	while [ "$ops" -lt "$RC_OPS" ] && rc_time_left; do
		ops=$((ops + 1))
		r=$((RANDOM % 100))
		n=${#live[@]}
		if [ "$r" -lt 15 ] || [ "$n" -eq 0 ]; then
			k=$((RANDOM % 4 + 1))
			if ! rc_ctl "create $k"; then
				miss "create $k" "$k new ids"
				continue
			fi
			[ "${#RC_OUT[@]}" -eq "$k" ] || miss "create $k" "$k ids, got ${#RC_OUT[@]}"
			for id in "${RC_OUT[@]}"; do
				if [ -n "${ref[$id]:-}" ] || [ -n "${dead[$id]:-}" ]; then
					miss "create $k" "fresh ids, $id reused"
				fi
				ref[$id]=1
				live+=("$id")
				# The slot (low 24 bits) of one of our dead ids.
				[ -n "${deadslot[$((id & 16777215))]:-}" ] && reused=$((reused + 1))
			done
		elif [ "$r" -lt 50 ]; then
			id=${live[RANDOM % n]}
			want=$((ref[$id] + 1))
			if rc_ctl "get $id" && [ "$RC_VAL" = "$want" ]; then
				ref[$id]=$want
			else
				miss "get $id" "$want"
			fi
		elif [ "$r" -lt 85 ]; then
			i=$((RANDOM % n))
			id=${live[i]}
			want=$((ref[$id] - 1))
			if rc_ctl "put $id" && [ "$RC_VAL" = "$want" ]; then
				ref[$id]=$want
			else
				miss "put $id" "$want"
				continue
			fi
			if [ "$want" -eq 0 ]; then
				unset "ref[$id]"
				dead[$id]=1
				deadslot[$((id & 16777215))]=1
				gone+=("$id")
				live[i]=${live[n - 1]}
				unset "live[n - 1]"
			fi
		elif [ "$r" -lt 95 ]; then
			[ "${#gone[@]}" -eq 0 ] && continue
			id=${gone[RANDOM % ${#gone[@]}]}
			if [ $((r % 2)) -eq 0 ]; then
				rc_ctl "get $id"
			else
				rc_ctl "put $id"
			fi
			[ "$RC_ERR" = ENOENT ] || miss "get/put of dead $id" ENOENT
		else
			id=${live[RANDOM % n]}
			case $((RANDOM % 5)) in
			0) rc_ctl "get +$id" ;;
			1) rc_ctl "put $id $id" ;;
			2) rc_ctl "get 0$id" ;;
			3) rc_ctl "put" ;;
			4) rc_ctl "create 0" ;;
			esac
			[ "$RC_ERR" = EINVAL ] || miss "malformed command on $id" EINVAL
		fi
	done
	for id in "${!ref[@]}"; do echo "$id ${ref[$id]}"; done >"$out.model"
	printf '%s\n' "${gone[@]}" >"$out.dead"
	echo "$ops $bad" >"$out.sum"
	echo "$reused" >"$out.reused"
}

rc_ktap_start 5
rc_diag "workers $RC_WORKERS, ops/worker $RC_OPS, seed $RC_SEED"
rc_snapshot

t0=$SECONDS
rc_run_workers

rc_sum_workers w
reused=0
for ((w = 0; w < RC_WORKERS; w++)); do
	read -r r <"$RC_TMP/w$w.reused" && reused=$((reused + r))
done
rc_diag "$ops ctl commands, $((SECONDS - t0))s; $reused new objects took the slot of one of the worker's dead ids"
rc_check "every answer matched the model" $((bad != 0)) "${errs[@]}"

declare -A listed=()
rc_objects
for id in "${!RC_OBJ[@]}"; do listed[$id]=${RC_OBJ[$id]}; done
mism=() nmodel=0 ndead=0 refs=0
declare -A model=()
for ((w = 0; w < RC_WORKERS; w++)); do
	while read -r id r; do
		model[$id]=$r
		nmodel=$((nmodel + 1)) refs=$((refs + r))
		[ "${listed[$id]:-absent}" = "$r" ] ||
			mism+=("id $id: objects says ${listed[$id]:-absent}, model $r")
	done <"$RC_TMP/w$w.model"
	while read -r id; do
		[ -z "$id" ] && continue
		ndead=$((ndead + 1))
		[ -z "${listed[$id]:-}" ] || mism+=("dead id $id listed with ${listed[$id]}")
	done <"$RC_TMP/w$w.dead"
done
rc_diag "model: $nmodel live objects holding $refs references, $ndead dead"
rc_check "objects agrees with the model" $((${#mism[@]} != 0)) "${mism[@]:0:10}"

rc_ctl_open
mism=()
for id in "${!model[@]}"; do
	for ((r = model[$id] - 1; r >= 0; r--)); do
		rc_ctl "put $id"
		[ "${RC_ERR:-$RC_VAL}" = "$r" ] || { mism+=("put $id: ${RC_ERR:-$RC_VAL}, want $r"); break; }
	done
done
rc_check "remaining references drop to 0 exactly" $((${#mism[@]} != 0)) "${mism[@]:0:10}"

rc_stats
rc_global "live back to start" "${RC_STAT[live]}" "${s0[live]}"
rc_global "freed == created" "$((RC_STAT[freed] - s0[freed]))" "$((RC_STAT[created] - s0[created]))"
