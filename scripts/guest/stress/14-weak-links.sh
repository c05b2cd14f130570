#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Case 14, weak links: the script creates a few shared objects and keeps one
# reference on each; WORKERS processes, each through its own ctl file, make
# objects of their own, counted and weak links between them and the shared
# objects (self links too), follow weak links, get and put, unlink (counted
# and weak), and build rings (counted cycles) with weak links pointing into
# them, which they then drop for the collector; meanwhile a collector
# process runs "gc" in a loop and a reader reads "objects" and "stats".
# Each worker models its own objects: live (reachable from one it holds),
# garbage (only links of other garbage hold it: alive until a collection
# takes it) or dead, known dead because the worker's own put or unlink
# released it, or because a "gc" of its own ran after it became garbage
# (runs are serialised, and a run takes all that was garbage when it
# began). Its objects' counted links come from its own objects only, so the
# model is exact. Proves that
#  - nothing is followed after its death: a follow of (and a weak link to,
#    and a weak unlink of) an object known dead fails ENOENT, and so does a
#    follow through a dead object;
#  - a follow of a live object through a weak link succeeds with the
#    model's count (>= 2; a range where garbage may or may not be collected
#    yet) and leaves the caller holding a reference, which it then puts;
#    the weak link never changed the count (link, unlink weak, puts);
#  - the collector frees rings while weak links point into them;
#  - every objects line read during the storm is well formed (ID REFCOUNT
#    NLINKS, NLINKS targets, then only ~ID tokens), and names no object (as
#    a line or a ~ID) that a worker knew dead before the read began; stats
#    has weak_links and weak_cleared, which never goes down;
#  - at rest (one final gc): no weak link points at an unlisted object;
#    objects is exactly the workers' model (counts, counted targets, weak
#    targets); "referrers B" of every live B says what objects says, in
#    ascending ID; stats weak_links and links count objects' ~ID tokens and
#    counted targets; weak_cleared went up;
#  - dropping everything and one gc leave the table as it was: live back to
#    start, no links or weak links.
# The even workers drop all they hold before they exit (their garbage is the
# final gc's); the odd ones exit holding theirs, orphaned, which the script
# drops at the end.
#
# usage: 14-weak-links.sh [-w WORKERS] [-n OPS] [-t SECONDS] [-s SEED]
#   OPS per worker; default -w 4 -n 200; SHARED objects (env RC_NSHARED,
#   default 3).

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
RC_WORKERS=4 RC_OPS=200 RC_SECS=90
RC_NSHARED=${RC_NSHARED:-3}
rc_args "$@"
rc_require_module
# A worker makes objects of its own while it has fewer live ones than this.
MAXOWN=10

# The objects checker (busybox awk). Files: the known-dead ids (one a line),
# then an objects file. Prints a line per problem, then "summary LINES WEAK
# ABSENT" (ABSENT: ~ID targets that are not a listed object); with rest=1,
# every absent target is a problem.
# shellcheck disable=SC2016 # awk's program, not the shell's
OBJ_AWK='
FILENAME == ARGV[1] { dead[$1] = 1; next }
{
	lines++
	plain = 0
	for (i = 4; i <= NF; i++) if ($i !~ /^~/) plain++
	if ($0 !~ /^[1-9][0-9]* [0-9]+ [0-9]+( [1-9][0-9]*)*( ~[1-9][0-9]*)*$/ ||
	    plain != $3) {
		print "malformed: " $0
		next
	}
	ids[$1] = 1
	if ($1 in dead) print "an object known dead is listed: " $0
	for (i = 4 + $3; i <= NF; i++) {
		t = substr($i, 2)
		weak++
		w[t] = $1
		if (t in dead) print "a weak link to " t ", known dead: " $0
	}
}
END {
	for (t in w)
		if (!(t in ids)) {
			absent++
			if (rest) print "a weak link from " w[t] " to " t ", not listed"
		}
	print "summary", lines + 0, weak + 0, absent + 0
}'

# canon: objects lines (stdin) as one fact a line, sorted: "ID r REFCOUNT",
# "ID n NLINKS", "ID c TARGET" per counted link, "ID w TARGET" per weak one.
canon() {
	awk '{
		print $1 " r " $2
		print $1 " n " $3
		for (i = 4; i <= NF; i++)
			if ($i ~ /^~/) print $1 " w " substr($i, 2)
			else print $1 " c " $i
	}' | sort
}

# setdiff A B: the lines of file A that file B lacks (as multisets), and the
# other way round, "-" or "+" before each.
setdiff() {
	awk 'FILENAME == ARGV[1] { a[$0]++; next } { b[$0]++ }
		END {
			for (k in a) if (a[k] > b[k]) print "- " k
			for (k in b) if (b[k] > a[k]) print "+ " k
		}' "$1" "$2" | head -n 10
}

worker() {
	local w=$1 ops=0 bad=0 probes=0 pbad=0 r i k a b x lo hi n
	local -A ext=() st=() cl=() wl=()
	local -a L=() G=() ids=() wd=() wa=()
	local out=$RC_TMP/w$w
	RANDOM=$((RC_SEED + w))
	for x in "${shared[@]}"; do st[$x]=S; done
	rc_ctl_open || { echo "0 1" >"$out.sum"; echo "0 1" >"$out.probe"; return; }
	exec 7>"$out.err" 8>>"$RC_TMP/dead.$w" 9>"$out.perr"

	miss() {
		bad=$((bad + 1))
		echo "$1: got ${RC_ERR:-$RC_VAL}, expected $2" >&7
	}
	# probe CMD: CMD names an object known dead: it must fail ENOENT.
	probe() {
		probes=$((probes + 1))
		if rc_ctl "$1"; then
			pbad=$((pbad + 1))
			echo "$1: got $RC_VAL, expected ENOENT (dead)" >&9
			# A follow that answered took a reference: give it back.
			[[ $1 == follow* ]] && rc_ctl "put ${1##* }"
		elif [ "$RC_ERR" != ENOENT ]; then
			pbad=$((pbad + 1))
			echo "$1: got $RC_ERR, expected ENOENT (dead)" >&9
		fi
	}
	# isnum: RC_VAL is a count.
	isnum() { [[ $RC_VAL =~ ^[0-9]+$ ]]; }
	# range B: the bounds of own object B's count in lo and hi: its
	# outside references, plus the counted links from live objects (lo)
	# or from live and garbage ones (hi: garbage may not be collected yet).
	range() {
		local k2 s
		lo=${ext[$1]} hi=${ext[$1]}
		for k2 in "${!cl[@]}"; do
			[ "${k2#* }" = "$1" ] || continue
			s=${st[${k2% *}]}
			[ "$s" = L ] && lo=$((lo + cl[$k2]))
			hi=$((hi + cl[$k2]))
		done
	}
	# expect CMD PLUS: after a successful CMD on target b, RC_VAL is b's
	# count (range + PLUS) for an own object; for a shared one at least
	# 1 + PLUS (the script's reference).
	expect() {
		if ! isnum; then
			miss "$1" "a count"
		elif [ "${st[$b]}" = S ]; then
			[ "$RC_VAL" -ge $((1 + $2)) ] || miss "$1" ">= $((1 + $2))"
		elif [ "${st[$b]}" = D ]; then
			[ "$RC_VAL" = 0 ] || miss "$1" "0 (released)"
		else
			range "$b"
			if [ "$RC_VAL" -lt $((lo + $2)) ] || [ "$RC_VAL" -gt $((hi + $2)) ]; then
				miss "$1" "$((lo + $2))..$((hi + $2))"
			fi
		fi
	}
	# bury X: X is dead: its counted links went with it.
	bury() {
		local k2
		st[$1]=D
		unset "ext[$1]"
		for k2 in "${!cl[@]}"; do
			[ "${k2% *}" = "$1" ] && unset "cl[$k2]"
		done
		echo "$1" >&8
	}
	# settle: release what has no references left (cascading through
	# counted links), then sort the rest into live (L) and garbage (G).
	settle() {
		local -A cnt=() seen=()
		local -a q=() stack=()
		local k2 x2 y
		for x2 in "${!ext[@]}"; do cnt[$x2]=${ext[$x2]}; done
		for k2 in "${!cl[@]}"; do
			y=${k2#* }
			[ -n "${cnt[$y]+x}" ] && cnt[$y]=$((cnt[$y] + cl[$k2]))
		done
		for x2 in "${!cnt[@]}"; do [ "${cnt[$x2]}" = 0 ] && q+=("$x2"); done
		while [ ${#q[@]} -gt 0 ]; do
			x2=${q[0]}
			q=("${q[@]:1}")
			for k2 in "${!cl[@]}"; do
				[ "${k2% *}" = "$x2" ] || continue
				y=${k2#* }
				[ -n "${cnt[$y]+x}" ] || continue
				cnt[$y]=$((cnt[$y] - cl[$k2]))
				[ "${cnt[$y]}" = 0 ] && [ "$y" != "$x2" ] && q+=("$y")
			done
			unset "cnt[$x2]"
			bury "$x2"
		done
		for x2 in "${!ext[@]}"; do
			[ "${ext[$x2]}" -gt 0 ] && { seen[$x2]=1; stack+=("$x2"); }
		done
		while [ ${#stack[@]} -gt 0 ]; do
			x2=${stack[0]}
			stack=("${stack[@]:1}")
			for k2 in "${!cl[@]}"; do
				[ "${k2% *}" = "$x2" ] || continue
				y=${k2#* }
				[ -n "${ext[$y]+x}" ] && [ -z "${seen[$y]:-}" ] &&
					{ seen[$y]=1; stack+=("$y"); }
			done
		done
		L=() G=()
		for x2 in "${!ext[@]}"; do
			if [ -n "${seen[$x2]:-}" ]; then
				st[$x2]=L
				L+=("$x2")
			else
				st[$x2]=G
				G+=("$x2")
			fi
		done
	}
	# pick: a live object in x, own or (when $1 is "any") shared.
	pick() {
		local nl=${#L[@]} ns=${#shared[@]}
		if [ "$1" = any ] && { [ "$nl" = 0 ] || [ $((RANDOM % 3)) = 0 ]; }; then
			x=${shared[RANDOM % ns]}
		else
			x=${L[RANDOM % nl]}
		fi
	}
	# pick_held: a live object of ours with outside references, in x
	# (there is one whenever L is not empty: what makes the rest live).
	pick_held() {
		local -a h=()
		local y
		for y in "${L[@]}"; do [ "${ext[$y]}" -gt 0 ] && h+=("$y"); done
		x=${h[RANDOM % ${#h[@]}]}
	}
	# put_own B: drop one outside reference of own object B, and check.
	put_own() {
		b=$1
		if rc_ctl "put $b"; then
			ext[$b]=$((ext[$b] - 1))
			settle
			expect "put $b" 0
		else
			miss "put $b" "a count"
			return 1
		fi
	}
	# gc_own: a run of our own; what was garbage before it is dead after.
	gc_own() {
		local g
		if rc_ctl "gc"; then
			for g in "${G[@]}"; do bury "$g"; done
			settle
		else
			miss "gc" "a count collected"
		fi
	}
	# ring N: N new objects in a counted cycle, weak links into it (one
	# from a shared object always), maybe a counted link out to a shared
	# one, then dropped: garbage with weak links pointing into it. The
	# weak link from the shared object is in $ring_wl.
	ring() {
		local n2=$1 j c
		rc_ctl "create $n2" || { miss "create $n2" "$n2 ids"; return; }
		ids=("${RC_OUT[@]}")
		for c in "${ids[@]}"; do ext[$c]=1 st[$c]=L; done
		settle
		for ((j = 0; j < n2; j++)); do
			a=${ids[j]} b=${ids[(j + 1) % n2]}
			if rc_ctl "link $a $b"; then
				expect "link $a $b" 1
				cl["$a $b"]=$((${cl["$a $b"]:-0} + 1))
			else
				miss "link $a $b" "a count"
			fi
		done
		a=${shared[RANDOM % ${#shared[@]}]} b=${ids[0]}
		ring_wl="$a $b"
		pick any
		for k in "$ring_wl" "$x ${ids[n2 - 1]}"; do
			a=${k% *} b=${k#* }
			if rc_ctl "link $a $b weak"; then
				expect "link $a $b weak" 0
				wl[$k]=$((${wl[$k]:-0} + 1))
			else
				miss "link $a $b weak" "a count"
			fi
		done
		if [ $((RANDOM % 2)) = 0 ]; then
			a=${ids[0]} b=${shared[RANDOM % ${#shared[@]}]}
			if rc_ctl "link $a $b"; then
				expect "link $a $b" 1
				cl["$a $b"]=$((${cl["$a $b"]:-0} + 1))
			else
				miss "link $a $b" "a count"
			fi
		fi
		for c in "${ids[@]}"; do put_own "$c"; done
	}

	# First, once: a ring, our own gc, and a follow into the dead ring.
	ring 2
	gc_own
	probe "follow $ring_wl"
	ops=3
	while [ "$ops" -lt "$RC_OPS" ] && rc_time_left; do
		ops=$((ops + 1))
		r=$((RANDOM % 100))
		if [ "$r" -lt 10 ] || [ ${#L[@]} = 0 ]; then
			if [ ${#L[@]} -lt "$MAXOWN" ]; then
				if rc_ctl "create" && isnum; then
					ext[$RC_VAL]=1 st[$RC_VAL]=L
					L+=("$RC_VAL")
				else
					miss "create" "an id"
				fi
			else
				pick_held
				put_own "$x"
			fi
		elif [ "$r" -lt 16 ]; then
			ring $((2 + RANDOM % 2))
		elif [ "$r" -lt 32 ]; then
			pick any
			a=$x
			pick any
			b=$x
			[ $((RANDOM % 8)) = 0 ] && b=$a
			if rc_ctl "link $a $b weak"; then
				expect "link $a $b weak" 0
				wl["$a $b"]=$((${wl["$a $b"]:-0} + 1))
			else
				miss "link $a $b weak" "a count"
			fi
		elif [ "$r" -lt 42 ]; then
			pick own
			a=$x
			pick any
			b=$x
			[ $((RANDOM % 8)) = 0 ] && b=$a
			if rc_ctl "link $a $b"; then
				expect "link $a $b" 1
				cl["$a $b"]=$((${cl["$a $b"]:-0} + 1))
			else
				miss "link $a $b" "a count"
			fi
		elif [ "$r" -lt 62 ] && [ ${#wl[@]} -gt 0 ]; then
			# Follow a weak link: half the time one with a dead end.
			wd=() wa=()
			for k in "${!wl[@]}"; do
				if [ "${st[${k% *}]}" = D ] || [ "${st[${k#* }]}" = D ]; then
					wd+=("$k")
				else
					wa+=("$k")
				fi
			done
			if [ ${#wd[@]} -gt 0 ] && { [ ${#wa[@]} = 0 ] || [ $((RANDOM % 2)) = 0 ]; }; then
				probe "follow ${wd[RANDOM % ${#wd[@]}]}"
				continue
			fi
			k=${wa[RANDOM % ${#wa[@]}]}
			a=${k% *} b=${k#* }
			if [[ "${st[$a]}${st[$b]}" == *G* ]]; then
				# Garbage at an end: the collector may have taken it.
				if ! rc_ctl "follow $a $b"; then
					[ "$RC_ERR" = ENOENT ] || miss "follow $k (garbage)" "ENOENT or a count"
					continue
				fi
			elif ! rc_ctl "follow $a $b"; then
				miss "follow $k" "a count >= 2"
				continue
			fi
			# We hold b for now: its count is one more than the model's.
			expect "follow $a $b" 1
			[ "${RC_VAL:-0}" -ge 2 ] 2>/dev/null || miss "follow $a $b" "a count >= 2"
			if rc_ctl "put $b"; then
				expect "put $b (after follow)" 0
			else
				miss "put $b (after follow)" "a count"
			fi
		elif [ "$r" -lt 70 ] && [ ${#wl[@]} -gt 0 ]; then
			set -- "${!wl[@]}"
			shift $((RANDOM % $#))
			k=$1 a=${1% *} b=${1#* }
			if [[ "${st[$a]}${st[$b]}" == *D* ]]; then
				probe "unlink $k weak"
			elif rc_ctl "unlink $k weak"; then
				expect "unlink $k weak" 0
				wl[$k]=$((wl[$k] - 1))
				[ "${wl[$k]}" = 0 ] && unset "wl[$k]"
			elif [[ "${st[$a]}${st[$b]}" != *G* ]] || [ "$RC_ERR" != ENOENT ]; then
				miss "unlink $k weak" "a count"
			fi
		elif [ "$r" -lt 74 ]; then
			# A weak link to a dead object of ours.
			set --
			for k in "${!st[@]}"; do [ "${st[$k]}" = D ] && set -- "$@" "$k"; done
			[ $# -gt 0 ] || continue
			shift $((RANDOM % $#))
			pick any
			probe "link $x $1 weak"
		elif [ "$r" -lt 80 ]; then
			set --
			for k in "${!cl[@]}"; do [ "${st[${k% *}]}" = L ] && set -- "$@" "$k"; done
			[ $# -gt 0 ] || continue
			shift $((RANDOM % $#))
			k=$1 b=${1#* }
			if rc_ctl "unlink $k"; then
				cl[$k]=$((cl[$k] - 1))
				[ "${cl[$k]}" = 0 ] && unset "cl[$k]"
				settle
				expect "unlink $k" 0
			else
				miss "unlink $k" "a count"
			fi
		elif [ "$r" -lt 90 ]; then
			pick_held
			put_own "$x"
		elif [ "$r" -lt 96 ]; then
			pick own
			b=$x
			if rc_ctl "get $b"; then
				expect "get $b" 1
				ext[$b]=$((ext[$b] + 1))
			else
				miss "get $b" "a count"
			fi
		else
			gc_own
		fi
	done
	# The even workers drop everything they hold; the odd ones keep it.
	if [ $((w % 2)) = 0 ]; then
		while [ ${#L[@]} -gt 0 ]; do
			pick_held
			put_own "$x" || break
		done
	fi
	# What stays at rest, for the script: the references left, and the
	# model's live objects and links (garbage goes at the final gc).
	for x in "${L[@]}"; do
		[ "${ext[$x]}" -gt 0 ] && echo "$x ${ext[$x]}"
	done >"$out.left"
	{
		for x in "${L[@]}"; do echo "obj $x ${ext[$x]}"; done
		for k in "${!cl[@]}"; do
			[ "${st[${k% *}]}" = L ] && echo "cl $k ${cl[$k]}"
		done
		for k in "${!wl[@]}"; do
			[[ ${st[${k% *}]} == [LS] ]] && [[ ${st[${k#* }]} == [LS] ]] &&
				echo "wl $k ${wl[$k]}"
		done
	} >"$out.model"
	echo "$ops $bad" >"$out.sum"
	echo "$probes $pbad" >"$out.probe"
}

collector() {
	local runs=0 bad=0
	rc_ctl_open || { echo "0 1" >"$RC_TMP/gc.sum"; return; }
	while [ ! -e "$RC_TMP/done" ]; do
		rc_ctl "gc" || { bad=$((bad + 1)); echo "gc: ${RC_ERR}" >>"$RC_TMP/gc.err"; }
		runs=$((runs + 1))
		sleep 0.05
	done
	echo "$runs $bad" >"$RC_TMP/gc.sum"
}

# reader: objects and stats, again and again, until the workers are done.
reader() {
	local n=0 lines=0 weak=0 absent=0 prev=0 wc
	local -a l s
	: >"$RC_TMP/reader.bad"
	while [ ! -e "$RC_TMP/done" ] && rc_time_left; do
		# Deaths known before the read begins.
		cat "$RC_TMP"/dead.* >"$RC_TMP/deadsnap"
		# (No process substitution: the test kernels have no /dev/fd.)
		mapfile -t l <<<"$(awk "$OBJ_AWK" "$RC_TMP/deadsnap" "$RC_DIR/objects" 2>&1)"
		read -r -a s <<<"${l[-1]}"
		if [ "${s[0]:-}" = summary ]; then
			unset 'l[-1]'
			lines=$((lines + s[1])) weak=$((weak + s[2])) absent=$((absent + s[3]))
		fi
		[ ${#l[@]} = 0 ] || printf '%s\n' "${l[@]}" >>"$RC_TMP/reader.bad"
		rc_stats
		wc=${RC_STAT[weak_cleared]:-}
		if ! [[ $wc =~ ^[0-9]+$ && ${RC_STAT[weak_links]:-} =~ ^[0-9]+$ ]]; then
			echo "stats: weak_links '${RC_STAT[weak_links]:-}', weak_cleared '$wc'" >>"$RC_TMP/reader.sbad"
		elif [ "$wc" -lt "$prev" ]; then
			echo "stats: weak_cleared went down, $prev to $wc" >>"$RC_TMP/reader.sbad"
		else
			prev=$wc
		fi
		n=$((n + 1))
	done
	echo "$n $lines $weak $absent" >"$RC_TMP/reader.n"
}

rc_ktap_start 13
rc_diag "workers $RC_WORKERS, ops/worker $RC_OPS, $RC_NSHARED shared objects, seed $RC_SEED"
rc_snapshot
rc_ctl_open
rc_ctl "create $RC_NSHARED" || rc_diag "create $RC_NSHARED: $RC_ERR"
shared=("${RC_OUT[@]}")
for ((w = 0; w < RC_WORKERS; w++)); do : >"$RC_TMP/dead.$w"; done

t0=$SECONDS
collector &
gc_pid=$!
reader &
rpid=$!
rc_run_workers
touch "$RC_TMP/done"
wait "$rpid" "$gc_pid"

rc_sum_workers w
probes=0 pbad=0 perrs=()
for ((w = 0; w < RC_WORKERS; w++)); do
	read -r p b <"$RC_TMP/w$w.probe" || b=1
	probes=$((probes + ${p:-0})) pbad=$((pbad + b))
	[ -s "$RC_TMP/w$w.perr" ] &&
		mapfile -t -O "${#perrs[@]}" perrs <<<"$(head -n 5 "$RC_TMP/w$w.perr")"
done
read -r gc_runs gc_bad <"$RC_TMP/gc.sum" || gc_bad=1
read -r rn rlines rweak rabsent <"$RC_TMP/reader.n" || rn=0
rc_stats
rc_diag "$ops operations, $probes probes of dead objects, $gc_runs collector runs ($((RC_STAT[gc_collected] - s0[gc_collected])) objects collected), $((SECONDS - t0))s"
rc_diag "reader: $rn reads of objects ($rlines lines, $rweak weak links, ${rabsent:-0} to objects not listed in the same read) and stats"
rc_check "every worker's command answered as its model said" $((bad != 0)) "${errs[@]}"
rc_check "nothing was followed after its death: every follow of, weak link to and weak unlink of a dead object failed ENOENT" \
	$((pbad != 0 || probes == 0)) "${perrs[@]}"
rc_check "the collector ran without errors" $((gc_runs == 0 || gc_bad != 0)) \
	"$(cat "$RC_TMP/gc.err" 2>/dev/null)"
mapfile -t rbad <"$RC_TMP/reader.bad"
rc_check "every objects line read during the storm was well formed and named no object known dead" \
	$((${#rbad[@]} != 0 || rn == 0)) "${rbad[@]:0:5}"
sbad=$(head -n 5 "$RC_TMP/reader.sbad" 2>/dev/null)
rc_check "every stats read had weak_links and weak_cleared, and weak_cleared never went down" \
	$((${#sbad} != 0 || rn == 0)) "$sbad"

# At rest: the workers are gone, and one gc takes their garbage.
rc_ctl "gc" || rc_diag "final gc: $RC_ERR"
rc_diag "final gc collected ${RC_VAL:-$RC_ERR}"
cat "$RC_DIR/objects" >"$RC_TMP/rest.obj"
cat "$RC_TMP"/dead.* >"$RC_TMP/deadsnap"
mapfile -t l <<<"$(awk -v rest=1 "$OBJ_AWK" "$RC_TMP/deadsnap" "$RC_TMP/rest.obj" 2>&1)"
read -r -a sum <<<"${l[-1]}"
[ "${sum[0]:-}" = summary ] && unset 'l[-1]'
rc_check "at rest, every objects line is well formed and every ~ID names a listed object" \
	$((${#l[@]} != 0 || ${#sum[@]} != 4)) "${l[@]:0:5}"

# The model: the shared objects with the script's reference, the odd
# workers' live objects, and the links from live objects to live ones.
if [ "$RC_SHARED" = 1 ]; then
	rc_skip "at rest, objects is the workers' model" "module shared with concurrent cases"
else
	{
		for x in "${shared[@]}"; do echo "obj $x 1"; done
		cat "$RC_TMP"/w*.model
	} | awk '
		$1 == "obj" { r[$2] += $3; n[$2] += 0; next }
		$1 == "cl" { r[$3] += $4; n[$2] += $4; for (i = 0; i < $4; i++) print $2 " c " $3; next }
		$1 == "wl" { for (i = 0; i < $4; i++) print $2 " w " $3 }
		END { for (k in r) { print k " r " r[k]; print k " n " (n[k] + 0) } }' |
		sort >"$RC_TMP/want"
	canon <"$RC_TMP/rest.obj" >"$RC_TMP/got"
	mapfile -t d <<<"$(setdiff "$RC_TMP/want" "$RC_TMP/got")"
	[ -n "${d[0]}" ] || d=()
	rc_check "at rest, objects is the workers' model (counts, counted and weak targets)" \
		${#d[@]} "${d[@]}" "(- the model's, + objects' only; ID r COUNT, n NLINKS, c TARGET, w WEAKTARGET)"
fi

# referrers B for every live B: what objects says, ascending by ID.
if [ "$RC_SHARED" = 1 ]; then
	rc_skip "at rest, referrers of every live object is what objects says" "module shared with concurrent cases"
else
	awk '{
		for (i = 4; i <= NF; i++)
			if ($i ~ /^~/) w[substr($i, 2) " " $1]++
			else c[$i " " $1]++
	}
	END {
		for (k in c) print k " " c[k] " " (w[k] + 0)
		for (k in w) if (!(k in c)) print k " 0 " w[k]
	}' "$RC_TMP/rest.obj" | sort >"$RC_TMP/want.ref"
	mism=()
	: >"$RC_TMP/got.raw"
	while read -r b _; do
		if ! rc_ctl "referrers $b"; then
			mism+=("referrers $b: $RC_ERR")
			continue
		fi
		prev=0
		for line in "${RC_OUT[@]}"; do
			[ -n "$line" ] || continue
			if ! [[ $line =~ ^([0-9]+)\ [0-9]+\ [0-9]+$ ]]; then
				mism+=("referrers $b: malformed line '$line'")
			elif [ "${BASH_REMATCH[1]}" -le "$prev" ]; then
				mism+=("referrers $b: '$line' after $prev, not ascending")
			else
				prev=${BASH_REMATCH[1]}
			fi
			echo "$b $line" >>"$RC_TMP/got.raw"
		done
	done <"$RC_TMP/rest.obj"
	sort <"$RC_TMP/got.raw" >"$RC_TMP/got.ref"
	mapfile -t d <<<"$(setdiff "$RC_TMP/want.ref" "$RC_TMP/got.ref")"
	[ -n "${d[0]}" ] || d=()
	rc_check "at rest, referrers of every live object is what objects says, in ascending ID" \
		$((${#d[@]} + ${#mism[@]})) "${mism[@]:0:5}" "${d[@]}" \
		"(- objects', + referrers' only; B ID LINKS WEAK)"
fi

rc_stats
ncounted=$(awk '{ n += $3 } END { print n + 0 }' "$RC_TMP/rest.obj")
rc_global "at rest, stats weak_links and links count objects' ~ID tokens and counted targets" \
	"${RC_STAT[weak_links]:-none} ${RC_STAT[links]}" "${sum[2]:-?} $ncounted"
cleared=$((${RC_STAT[weak_cleared]:-0} - ${s0[weak_cleared]:-0}))
rc_check "weak_cleared went up ($cleared weak links cleared as their targets died)" $((cleared <= 0))

# Drop everything: what the odd workers left (orphaned), then the script's
# own references on the shared objects; one gc takes the rest.
mism=()
for ((w = 0; w < RC_WORKERS; w++)); do
	[ -e "$RC_TMP/w$w.left" ] || { mism+=("worker $w left no list"); continue; }
	while read -r id c; do
		for ((i = 0; i < c; i++)); do
			rc_ctl "put $id" || { mism+=("put $id: $RC_ERR"); break; }
		done
	done <"$RC_TMP/w$w.left"
done
for x in "${shared[@]}"; do rc_ctl "put $x" || mism+=("put $x: $RC_ERR"); done
rc_ctl "gc" || mism+=("gc: $RC_ERR")
rc_ctl_close
rc_check "every reference left dropped, and a gc ran" ${#mism[@]} "${mism[@]:0:5}"
rc_stats
rc_global "live back to start" "${RC_STAT[live]}" "${s0[live]}"
rc_global "no links or weak links left" "${RC_STAT[links]} ${RC_STAT[weak_links]:-none}" \
	"${s0[links]} ${s0[weak_links]:-0}"
