#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Case 2, shared get/put storm: the script creates a few shared objects and
# keeps one reference on each; WORKERS processes then get and put them at
# random, each never putting more than it got, and finish still holding some.
# Proves that
#  - a get on a held object always answers >= 2 and a put >= 1 (the script's
#    own reference keeps every count above 0: no count ever reaches 0 or
#    goes negative while references are outstanding);
#  - afterwards each refcount in "objects" is exactly 1 + what the workers
#    still hold (no lost or doubled update), and gets/puts count them;
#  - max_refs is honoured exactly: a get at the limit fails EOVERFLOW and
#    changes nothing;
#  - dropping the references one by one counts down to exactly 0, and a dead
#    object is never resurrected: get and put then fail ENOENT and the object
#    is no longer listed.
#
# usage: 02-shared-get-put-storm.sh [-w WORKERS] [-n OPS] [-t SECONDS] [-s SEED]
#   OPS is gets+puts per worker; default -w 6 -n 300; SHARED objects (env
#   RC_NSHARED, default 4).

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
RC_WORKERS=6 RC_OPS=300 RC_SECS=60
RC_NSHARED=${RC_NSHARED:-4}
rc_args "$@"
rc_require_module

worker() {
	local w=$1 j ops=0 gets=0 puts=0 bad=0
	local -a held
	local out=$RC_TMP/w$w
	RANDOM=$((RC_SEED + w))
	for ((j = 0; j < RC_NSHARED; j++)); do held[j]=0; done
	rc_ctl_open || { echo "0 0 0 1" >"$out.sum"; return; }
	exec 7>"$out.err"
	while [ "$ops" -lt "$RC_OPS" ] && rc_time_left; do
		j=$((RANDOM % RC_NSHARED))
		ops=$((ops + 1))
		if [ "${held[j]}" -gt 0 ] && [ $((RANDOM % 100)) -lt 45 ]; then
			if rc_ctl "put ${ids[j]}" && [ "$RC_VAL" -ge 1 ]; then
				held[j]=$((held[j] - 1))
				puts=$((puts + 1))
			else
				bad=$((bad + 1))
				echo "put ${ids[j]}: ${RC_ERR:-returned $RC_VAL}" >&7
			fi
		else
			if rc_ctl "get ${ids[j]}" && [ "$RC_VAL" -ge 2 ]; then
				held[j]=$((held[j] + 1))
				gets=$((gets + 1))
			else
				bad=$((bad + 1))
				echo "get ${ids[j]}: ${RC_ERR:-returned $RC_VAL}" >&7
			fi
		fi
	done
	echo "$ops $gets $puts $bad" >"$out.sum"
	echo "${held[*]}" >"$out.held"
}

rc_ktap_start 8
rc_diag "workers $RC_WORKERS, ops/worker $RC_OPS, $RC_NSHARED shared objects, seed $RC_SEED"
rc_snapshot
rc_ctl_open
rc_ctl "create $RC_NSHARED" || rc_diag "create $RC_NSHARED: $RC_ERR"
ids=("${RC_OUT[@]}")
rc_check "shared objects created" $((${#ids[@]} != RC_NSHARED)) "${RC_ERR:-}"
rc_diag "shared ids: ${ids[*]}"

t0=$SECONDS
rc_run_workers

ops=0 gets=0 puts=0 bad=0 errs=()
declare -a want
for ((j = 0; j < RC_NSHARED; j++)); do want[j]=1; done
for ((w = 0; w < RC_WORKERS; w++)); do
	read -r o g p b <"$RC_TMP/w$w.sum" || b=1
	ops=$((ops + o)) gets=$((gets + g)) puts=$((puts + p)) bad=$((bad + b))
	read -r -a h <"$RC_TMP/w$w.held"
	for ((j = 0; j < RC_NSHARED; j++)); do want[j]=$((want[j] + ${h[j]:-0})); done
	[ -s "$RC_TMP/w$w.err" ] && mapfile -t -O "${#errs[@]}" errs <<<"$(head -n 5 "$RC_TMP/w$w.err")"
done
rc_diag "$ops ctl commands ($gets gets, $puts puts), $((SECONDS - t0))s"
rc_check "every get answered >= 2 and every put >= 1" $((bad != 0)) "${errs[@]}"

declare -A listed=()
rc_objects
for id in "${!RC_OBJ[@]}"; do listed[$id]=${RC_OBJ[$id]}; done
mism=()
for ((j = 0; j < RC_NSHARED; j++)); do
	[ "${listed[${ids[j]}]:-absent}" = "${want[j]}" ] ||
		mism+=("id ${ids[j]}: objects says ${listed[${ids[j]}]:-absent}, model ${want[j]}")
done
rc_check "final refcounts equal the model" $((${#mism[@]} != 0)) "${mism[@]}"
rc_stats
rc_global "gets and puts counted exactly" \
	"$((RC_STAT[gets] - s0[gets])) $((RC_STAT[puts] - s0[puts]))" "$gets $puts"

# max_refs: the limit is exact and a refused get changes nothing.
if [ "$RC_SHARED" = 1 ] || [ ! -w "$RC_PARAMS/max_refs" ]; then
	rc_skip "get at max_refs fails EOVERFLOW and changes nothing" "max_refs not ours to change"
else
	read -r oldmax <"$RC_PARAMS/max_refs"
	r=${want[0]} res=()
	echo "$r" >"$RC_PARAMS/max_refs"
	rc_ctl "get ${ids[0]}"
	res+=("${RC_ERR:-$RC_VAL}")
	echo $((r + 1)) >"$RC_PARAMS/max_refs"
	rc_ctl "get ${ids[0]}"
	res+=("${RC_ERR:-$RC_VAL}")
	rc_ctl "get ${ids[0]}"
	res+=("${RC_ERR:-$RC_VAL}")
	rc_ctl "put ${ids[0]}"
	res+=("${RC_ERR:-$RC_VAL}")
	echo "$oldmax" >"$RC_PARAMS/max_refs"
	rc_eq "get at max_refs fails EOVERFLOW and changes nothing" \
		"${res[*]}" "EOVERFLOW $((r + 1)) EOVERFLOW $r"
fi

# Drop every reference: the counts go down one by one to exactly 0.
mism=()
for ((j = 0; j < RC_NSHARED; j++)); do
	for ((r = want[j] - 1; r >= 0; r--)); do
		rc_ctl "put ${ids[j]}"
		[ "${RC_ERR:-$RC_VAL}" = "$r" ] || {
			mism+=("put ${ids[j]}: got ${RC_ERR:-$RC_VAL}, want $r")
			break
		}
	done
done
rc_check "references drop one by one to exactly 0" $((${#mism[@]} != 0)) "${mism[@]}"

mism=()
for ((j = 0; j < RC_NSHARED; j++)); do
	rc_ctl "get ${ids[j]}"
	[ "$RC_ERR" = ENOENT ] || mism+=("get ${ids[j]} after final put: ${RC_ERR:-$RC_VAL}")
	rc_ctl "put ${ids[j]}"
	[ "$RC_ERR" = ENOENT ] || mism+=("put ${ids[j]} after final put: ${RC_ERR:-$RC_VAL}")
done
listed=()
rc_objects
for id in "${!RC_OBJ[@]}"; do listed[$id]=${RC_OBJ[$id]}; done
for id in "${ids[@]}"; do
	[ -z "${listed[$id]:-}" ] || mism+=("id $id still listed with ${listed[$id]}")
done
rc_check "dead objects stay dead (ENOENT, not listed)" $((${#mism[@]} != 0)) "${mism[@]}"

rc_stats
rc_global "all shared objects freed, live back to start" \
	"$((RC_STAT[freed] - s0[freed])) ${RC_STAT[live]}" "$RC_NSHARED ${s0[live]}"
