#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Case 10, object graphs against the collector: WORKERS processes each build
# and break random graphs among their own objects (create, get, put, link,
# unlink, self links, cycles) while another process runs "gc" and "gc dry"
# in a loop. Each worker keeps a model of the outside references it holds
# and of the links it made from objects it still holds. Proves that
#  - the collector never frees an object a worker still holds, nor a link
#    from one: every get, put, link and unlink on held objects succeeds with
#    a plausible count, whatever gc does at the same time;
#  - a put of an object the worker no longer holds fails ENOENT (collected or
#    released) or EBUSY (only links hold it), never anything else;
#  - after every outside reference is dropped, one gc leaves live 0 and
#    links 0, and every object goes back to the slab (freed == created).
#
# usage: 10-graph-gc.sh [-w WORKERS] [-n OPS] [-t SECONDS] [-s SEED]
#   OPS is ctl commands per worker; default -w 3 -n 300.

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
RC_WORKERS=3 RC_OPS=300 RC_SECS=60
rc_args "$@"
rc_require_module

worker() {
	local w=$1 ops=0 bad=0 r n id a b i
	local -A ext=() links=()
	local -a held=()
	local out=$RC_TMP/w$w
	RANDOM=$((RC_SEED + w))
	rc_ctl_open || { echo "0 1" >"$out.sum"; return; }
	exec 7>"$out.err"
	miss() {
		bad=$((bad + 1))
		echo "$1: got ${RC_ERR:-$RC_VAL}, expected $2" >&7
	}
	# drop ID: forget the worker's last outside reference on ID.
	drop() {
		local j
		unset "ext[$1]"
		for j in "${!links[@]}"; do
			[ "${j%% *}" = "$1" ] && unset "links[$j]"
		done
		for j in "${!held[@]}"; do
			[ "${held[j]}" = "$1" ] && unset "held[j]"
		done
		held=("${held[@]}")
	}
	while [ "$ops" -lt "$RC_OPS" ] && rc_time_left; do
		ops=$((ops + 1))
		r=$((RANDOM % 100))
		n=${#held[@]}
		if [ "$r" -lt 20 ] || [ "$n" -lt 2 ]; then
			if rc_ctl "create 2"; then
				for id in "${RC_OUT[@]}"; do
					ext[$id]=1
					held+=("$id")
				done
			else
				miss "create 2" "two ids"
			fi
		elif [ "$r" -lt 50 ]; then
			a=${held[RANDOM % n]}
			b=${held[RANDOM % n]}
			[ $((RANDOM % 8)) -eq 0 ] && b=$a
			if rc_ctl "link $a $b" && [ "$RC_VAL" -ge 2 ]; then
				links["$a $b"]=$((${links["$a $b"]:-0} + 1))
			else
				miss "link $a $b" "a count >= 2"
			fi
		elif [ "$r" -lt 60 ] && [ "${#links[@]}" -gt 0 ]; then
			i=$((RANDOM % ${#links[@]}))
			for id in "${!links[@]}"; do
				[ "$i" -eq 0 ] && break
				i=$((i - 1))
			done
			if rc_ctl "unlink $id" && [ "$RC_VAL" -ge 0 ]; then
				links[$id]=$((links[$id] - 1))
				[ "${links[$id]}" -eq 0 ] && unset "links[$id]"
			else
				miss "unlink $id" "a count >= 0"
			fi
		elif [ "$r" -lt 72 ]; then
			id=${held[RANDOM % n]}
			if rc_ctl "get $id" && [ "$RC_VAL" -ge 2 ]; then
				ext[$id]=$((ext[$id] + 1))
			else
				miss "get $id" "a count >= 2"
			fi
		else
			id=${held[RANDOM % n]}
			if ! rc_ctl "put $id"; then
				miss "put $id" "a count >= 0"
				continue
			fi
			ext[$id]=$((ext[$id] - 1))
			if [ "${ext[$id]}" -eq 0 ]; then
				drop "$id"
				# Not ours any more: only ENOENT or EBUSY may follow.
				if rc_ctl "put $id"; then
					miss "put $id after the last" "ENOENT or EBUSY"
				elif [ "$RC_ERR" != ENOENT ] && [ "$RC_ERR" != EBUSY ]; then
					miss "put $id after the last" "ENOENT or EBUSY"
				fi
			fi
		fi
	done
	# Drop every outside reference left; each put must succeed.
	for id in "${!ext[@]}"; do
		for ((i = ext[$id]; i > 0; i--)); do
			rc_ctl "put $id" || { miss "final put $id" "success"; break; }
		done
	done
	echo "$ops $bad" >"$out.sum"
}

collector() {
	local runs=0 bad=0
	rc_ctl_open || { echo "0 1" >"$RC_TMP/gc.sum"; return; }
	while [ ! -e "$RC_TMP/stop" ]; do
		if [ $((runs % 3)) -eq 2 ]; then rc_ctl "gc dry"; else rc_ctl "gc"; fi ||
			{ bad=$((bad + 1)); echo "gc: ${RC_ERR}" >>"$RC_TMP/gc.err"; }
		runs=$((runs + 1))
		sleep 0.05
	done
	echo "$runs $bad" >"$RC_TMP/gc.sum"
}

rc_ktap_start 6
rc_diag "workers $RC_WORKERS, ops/worker $RC_OPS, seed $RC_SEED"
rc_snapshot

t0=$SECONDS
collector &
gc_pid=$!
rc_run_workers
touch "$RC_TMP/stop"
wait "$gc_pid"

rc_sum_workers w
read -r gc_runs gc_bad <"$RC_TMP/gc.sum" || gc_bad=1
rc_stats
rc_diag "$ops ctl commands, $gc_runs collector runs ($((RC_STAT[gc_collected] - s0[gc_collected])) objects collected while running), $((SECONDS - t0))s"
rc_check "held objects and their links survived every collection" $((bad != 0)) "${errs[@]}"
rc_check "the collector ran without errors" $((gc_runs == 0 || gc_bad != 0)) \
	"$(cat "$RC_TMP/gc.err" 2>/dev/null)"

# Nothing is held from outside any more: one collection takes the rest.
rc_ctl_open
rc_ctl "gc"
final=${RC_ERR:-ok}
rc_diag "final gc collected ${RC_VAL:-$RC_ERR}"
rc_stats
rc_global "live back to start" "${RC_STAT[live]}" "${s0[live]}"
rc_global "no links left" "${RC_STAT[links]}" "${s0[links]}"
rc_global "freed == created" "$((RC_STAT[freed] - s0[freed]))" "$((RC_STAT[created] - s0[created]))"
rc_eq "the final gc ran" "$final" ok
