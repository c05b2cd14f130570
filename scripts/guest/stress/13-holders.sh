#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Case 13, holders: the script creates a few shared objects and keeps one
# reference on each; WORKERS processes, each through its own ctl file (its
# own holder), get and put the shared objects and create, get and put
# objects of their own, while a reader reads "holders" again and again.
# The odd workers exit holding what they hold; the even ones drop it all
# first. Proves that
#  - every holders line read during the storm adds up: REFS, read from the
#    object, is the orphaned count plus every holder's count;
#  - at rest, holders says exactly what the model says: the script's one
#    reference on each shared object, and every reference an odd worker
#    left, orphaned; nothing else has outside references;
#  - each odd worker's leak line (pid, count, ids) names exactly what it
#    left, and an even worker has none;
#  - strict mode: a put by a file that holds no reference fails EPERM and
#    changes nothing; the same put passes with strict mode off;
#  - failslab on the holds' cache (refcache_hold): a create, and a get by a
#    file that holds nothing of the object, fail ENOMEM and change nothing;
#    a get by a file that already holds one needs no memory and passes;
#  - dropping every reference empties holders and the table.
#
# usage: 13-holders.sh [-w WORKERS] [-n OPS] [-t SECONDS] [-s SEED]
#   OPS per worker; default -w 4 -n 150; SHARED objects (env RC_NSHARED,
#   default 3).

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
RC_WORKERS=4 RC_OPS=150 RC_SECS=90
RC_NSHARED=${RC_NSHARED:-3}
rc_args "$@"
rc_require_module
FS=/sys/kernel/debug/failslab
HS=/sys/kernel/slab/refcache_hold

# sum_check: the holders lines whose counts do not add up to REFS.
sum_check() {
	awk '$3 != "orphaned" { print "bad line: " $0; next }
		{ s = $4; for (i = 5; i + 4 <= NF; i += 5) s += $(i + 4) }
		s != $2 { print }' "$RC_DIR/holders"
}

worker() {
	local w=$1 j id ops=0 bad=0 r
	local -a held
	local -A own=()
	local out=$RC_TMP/w$w
	RANDOM=$((RC_SEED + w))
	for ((j = 0; j < RC_NSHARED; j++)); do held[j]=0; done
	rc_ctl_open || { echo "0 1" >"$out.sum"; return; }
	echo "$BASHPID" >"$out.pid"
	exec 7>"$out.err"
	while [ "$ops" -lt "$RC_OPS" ] && rc_time_left; do
		ops=$((ops + 1))
		r=$((RANDOM % 100))
		j=$((RANDOM % RC_NSHARED))
		if [ "$r" -lt 30 ]; then
			if rc_ctl "get ${ids[j]}"; then
				held[j]=$((held[j] + 1))
			else
				bad=$((bad + 1))
				echo "get ${ids[j]}: $RC_ERR" >&7
			fi
		elif [ "$r" -lt 55 ] && [ "${held[j]}" -gt 0 ]; then
			if rc_ctl "put ${ids[j]}"; then
				held[j]=$((held[j] - 1))
			else
				bad=$((bad + 1))
				echo "put ${ids[j]}: $RC_ERR" >&7
			fi
		elif [ "$r" -lt 70 ] || [ "${#own[@]}" = 0 ]; then
			if rc_ctl "create"; then
				own[$RC_VAL]=1
			else
				bad=$((bad + 1))
				echo "create: $RC_ERR" >&7
			fi
		else
			# One of its own objects, at random.
			set -- "${!own[@]}"
			shift $((RANDOM % $#))
			id=$1
			if [ "$r" -lt 85 ]; then
				if rc_ctl "get $id"; then
					own[$id]=$((own[$id] + 1))
				else
					bad=$((bad + 1))
					echo "get $id: $RC_ERR" >&7
				fi
			elif rc_ctl "put $id" && [ "$RC_VAL" = $((own[$id] - 1)) ]; then
				own[$id]=$((own[$id] - 1))
				[ "${own[$id]}" = 0 ] && unset "own[$id]"
			else
				bad=$((bad + 1))
				echo "put $id: ${RC_ERR:-$RC_VAL}, want $((own[$id] - 1))" >&7
			fi
		fi
	done
	# The even workers drop everything before they go.
	if [ $((w % 2)) = 0 ]; then
		for ((j = 0; j < RC_NSHARED; j++)); do
			while [ "${held[j]}" -gt 0 ]; do
				rc_ctl "put ${ids[j]}" || { bad=$((bad + 1)); break; }
				held[j]=$((held[j] - 1))
			done
		done
		for id in "${!own[@]}"; do
			while [ "${own[$id]}" -gt 0 ]; do
				rc_ctl "put $id" || { bad=$((bad + 1)); break; }
				own[$id]=$((own[$id] - 1))
			done
		done
	fi
	# What it leaves: "ID COUNT" per object.
	for ((j = 0; j < RC_NSHARED; j++)); do
		[ "${held[j]}" -gt 0 ] && echo "${ids[j]} ${held[j]}"
	done >"$out.left"
	for id in "${!own[@]}"; do
		[ "${own[$id]}" -gt 0 ] && echo "$id ${own[$id]}"
	done >>"$out.left"
	echo "$ops $bad" >"$out.sum"
}

# reader: read holders until the workers are done; count lines and bad ones.
reader() {
	local n=0 lines bad
	: >"$RC_TMP/reader.bad"
	while [ ! -e "$RC_TMP/done" ] && rc_time_left; do
		bad=$(sum_check)
		[ -n "$bad" ] && echo "$bad" >>"$RC_TMP/reader.bad"
		lines=$(wc -l <"$RC_DIR/holders")
		n=$((n + lines))
	done
	echo "$n" >"$RC_TMP/reader.n"
}

rc_ktap_start 8
rc_diag "workers $RC_WORKERS, ops/worker $RC_OPS, $RC_NSHARED shared objects, seed $RC_SEED"
rc_snapshot
rc_dmesg_mark holders
rc_ctl_open
rc_ctl "create $RC_NSHARED" || rc_diag "create $RC_NSHARED: $RC_ERR"
ids=("${RC_OUT[@]}")

reader &
rpid=$!
t0=$SECONDS
rc_run_workers
touch "$RC_TMP/done"
wait "$rpid"
rc_sum_workers w
rc_diag "$ops ctl commands, $((SECONDS - t0))s; holders read $(cat "$RC_TMP/reader.n") lines meanwhile"
rc_check "every worker's command did what its model said" $((bad != 0)) "${errs[@]}"
mapfile -t rbad <"$RC_TMP/reader.bad"
rc_check "every holders line read during the storm adds up" \
	$((${#rbad[@]} != 0 || $(cat "$RC_TMP/reader.n") == 0)) "${rbad[@]:0:5}"

# At rest: the model's holders view. The script holds one of each shared
# object; what the odd workers left is orphaned.
declare -A left=()
for ((w = 0; w < RC_WORKERS; w++)); do
	while read -r id c; do left[$id]=$((${left[$id]:-0} + c)); done <"$RC_TMP/w$w.left"
done
me="$$ $(cat /proc/$$/comm)"
want=$(
	for ((j = 0; j < RC_NSHARED; j++)); do
		echo "${ids[j]} $((1 + ${left[${ids[j]}]:-0})) orphaned ${left[${ids[j]}]:-0} holder H $me 1"
	done
	for id in "${!left[@]}"; do
		case " ${ids[*]} " in *" $id "*) continue ;; esac
		echo "$id ${left[$id]} orphaned ${left[$id]}"
	done | sort -n
)
got=$(sed 's/ holder [0-9]* / holder H /' "$RC_DIR/holders" | sort -n)
if [ "$RC_SHARED" = 1 ]; then
	got=$(echo "$got" | awk -v w="$want" 'BEGIN { split(w, l, "\n"); for (i in l) { split(l[i], f, " "); k[f[1]] = 1 } } $1 in k')
fi
rc_eq "at rest, holders is the model: the script's references, the odd workers' orphaned" \
	"$got" "$want"

# The leak lines: one per odd worker that left something, naming it.
dm=$(rc_dmesg_since)
mism=()
for ((w = 0; w < RC_WORKERS; w++)); do
	read -r pid <"$RC_TMP/w$w.pid" || continue
	line=$(echo "$dm" | grep "refcache: holder [0-9]* (pid $pid, ")
	if [ ! -s "$RC_TMP/w$w.left" ]; then
		[ -z "$line" ] || mism+=("worker $w left nothing, yet: $line")
		continue
	fi
	n=$(awk '{ n += $2 } END { print n }' "$RC_TMP/w$w.left")
	model=$(awk '{ print $1 ($2 > 1 ? "*" $2 : "") }' "$RC_TMP/w$w.left" | sort)
	named=$(echo "$line" | sed 's/.*references*: //' | tr ' ' '\n' | sort)
	case $line in
	*"closed holding $n reference"*) ;;
	*) mism+=("worker $w (pid $pid) left $n references; log: ${line:-nothing}") ;;
	esac
	[ "$named" = "$model" ] || mism+=("worker $w (pid $pid) left ${model//$'\n'/ }; log names ${named//$'\n'/ }")
done
rc_check "each leak line names exactly what its worker left" $((${#mism[@]} != 0)) "${mism[@]}"

# strict mode, with a file that holds nothing of ${ids[0]}.
x=${ids[0]}
if [ "$RC_SHARED" = 1 ] || [ ! -w "$RC_PARAMS/strict" ]; then
	rc_skip "strict: a put by a non-holder fails EPERM, changes nothing; passes when off" \
		"strict is not ours to change"
else
	before="$(cat "$RC_DIR/objects")|$(cat "$RC_DIR/holders")"
	echo 1 >"$RC_PARAMS/strict"
	on=$( (rc_ctl_open && rc_ctl "put $x"; echo "${RC_ERR:-$RC_VAL}"))
	after="$(cat "$RC_DIR/objects")|$(cat "$RC_DIR/holders")"
	echo 0 >"$RC_PARAMS/strict"
	off=$( (rc_ctl_open && rc_ctl "put $x"; echo "${RC_ERR:-$RC_VAL}"))
	changed=$([ "$before" = "$after" ] && echo unchanged || echo changed)
	rc_eq "strict: a put by a non-holder fails EPERM, changes nothing; passes when off" \
		"$on $changed $off" "EPERM unchanged ${left[$x]:-0}"
	# That put took one of the orphaned references, if any, else the script's.
	if [ "${left[$x]:-0}" -gt 0 ]; then
		left[$x]=$((left[$x] - 1))
	else
		ids=("${ids[@]:1}")
	fi
fi

# failslab on the holds' cache.
if [ "$RC_SHARED" = 1 ] || [ ! -d "$FS" ] || [ ! -e "$HS/failslab" ] || [ -L "$HS" ] ||
	[ "${#ids[@]}" = 0 ]; then
	rc_skip "failslab on refcache_hold: ENOMEM, nothing changed; a held object's get passes" \
		"no failslab, refcache_hold merged, or shared module"
else
	declare -A fs0
	for f in cache-filter ignore-gfp-wait probability times interval verbose space task-filter; do
		[ -e "$FS/$f" ] && read -r fs0[$f] <"$FS/$f"
	done
	read -r hs0 <"$HS/failslab"
	failslab_off() {
		echo 0 >"$FS/probability"
		echo "$hs0" >"$HS/failslab"
		for f in "${!fs0[@]}"; do echo "${fs0[$f]}" >"$FS/$f"; done
	}
	trap 'failslab_off; rc_ktap_end' EXIT
	y=${ids[0]}
	before="$(cat "$RC_DIR/objects")|$(cat "$RC_DIR/holders")"
	echo Y >"$FS/cache-filter"
	echo N >"$FS/ignore-gfp-wait"
	echo N >"$FS/task-filter"
	echo 0 >"$FS/space"
	echo 0 >"$FS/verbose"
	echo 1 >"$FS/interval"
	echo -1 >"$FS/times"
	echo 1 >"$HS/failslab"
	echo 100 >"$FS/probability"
	res=()
	rc_ctl "create 3"
	res+=("${RC_ERR:-$RC_VAL}")
	res+=("$( (rc_ctl_open && rc_ctl "get $y"; echo "${RC_ERR:-$RC_VAL}"))")
	after="$(cat "$RC_DIR/objects")|$(cat "$RC_DIR/holders")"
	rc_ctl "get $y"
	res+=("${RC_ERR:-ok}")
	failslab_off
	rc_ctl "put $y"
	changed=$([ "$before" = "$after" ] && echo unchanged || echo changed)
	rc_eq "failslab on refcache_hold: ENOMEM, nothing changed; a held object's get passes" \
		"${res[*]} $changed" "ENOMEM ENOMEM ok unchanged"
fi

# Drop everything: the script's own references, then the orphaned ones.
mism=()
for id in "${ids[@]}"; do rc_ctl "put $id" || mism+=("put $id: $RC_ERR"); done
for id in "${!left[@]}"; do
	for ((c = 0; c < left[$id]; c++)); do
		rc_ctl "put $id" || { mism+=("put $id: $RC_ERR"); break; }
	done
done
rc_ctl_close
rest=$(cat "$RC_DIR/holders")
[ "$RC_SHARED" = 1 ] || [ -z "$rest" ] || mism+=("holders still lists: $rest")
rc_check "dropping every reference empties holders" $((${#mism[@]} != 0)) "${mism[@]}"
rc_stats
rc_global "live back to where it started" "${RC_STAT[live]}" "${s0[live]}"
