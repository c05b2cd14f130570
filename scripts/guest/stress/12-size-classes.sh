#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Case 12, size classes and the slab map under load: WORKERS processes (at
# least one per CPU, at least 4), each with its own ctl file, create objects
# of random sizes ("create K SIZE", K 1..4, SIZE 1..4096) and put them again
# at random, for LOAD seconds, while this shell reads "slabs" and "where" again
# and again. Then, at rest, N objects of random sizes against both views.
# Proves that
#  - every create of a size answers K ids and every final put 0, while the
#    classes' caches are made on first use under the workers' feet;
#  - every read of "slabs" is well-formed, whatever the workers do: cache
#    lines first ("cache NAME payload P slot_bytes S slots_per_slab N objects
#    O slabs L asked A used U", NAME refcache_obj or refcache_obj_P, U = O * S,
#    O <= A <= O * P, A = O * P for the default), then slab lines ("slab NUM
#    NAME N USED E0..E(N-1)": N entries, N the cache's slots_per_slab, USED
#    the entries that are not "-", each "-", "ID" or "ID*"), by cache and
#    number, numbers unique, then "kfence NAME COUNT" lines; no id twice in
#    one read; each cache's O is its slab entries plus its kfence COUNT, its
#    L its slab lines (the map is one snapshot, so this holds exactly);
#  - every read of "where" is well-formed: 6 fields "ID CACHE SIZE SLAB SLOT
#    PREV", SLAB and SLOT both numbers or both "-", CACHE the cache of the
#    class SIZE rounds up to (refcache.h's classes, computed here), no id
#    twice, PREV never the object's own id, and "-" exactly in the default
#    class (which records no reuse);
#  - once the workers have put everything, live is 0, and every class's
#    cache, shrunk (echo 1 > /sys/kernel/slab/NAME/shrink, retried for a few
#    seconds: under KASAN, SLUB_RCU_DEBUG holds a SLAB_TYPESAFE_BY_RCU free
#    back for a grace period, then KASAN's quarantine until the shrink), has
#    0 objects in SLUB's own count; "slabs" then lists no slab;
#  - with N live objects of random sizes and nothing else going on (a third
#    of them made again, with the same sizes, after a third had been put and
#    SLUB had their memory back, so that some reuse it), "slabs"
#    lists exactly those N ids once each (or counts them in a kfence line),
#    "where" lists exactly them, each with the size asked and in its class's
#    cache, and both agree on every object's cache, slab and slot, and on
#    whether it reuses a dead object's memory ("ID*" exactly when PREV is
#    not 0, and some do); stats' class lines count what "slabs" counts;
#  - after rmmod no /sys/kernel/slab/refcache_obj* directory is left: every
#    class's cache went with the module. The case then loads the module
#    again (from -m refcache.ko or $RC_MODDIR, as cases 7 and 11 do), so it
#    needs the module to itself.
#
# usage: 12-size-classes.sh [-w WORKERS] [-n OPS] [-t SECONDS] [-s SEED] [-m refcache.ko]
#   OPS is ctl commands per worker (default 3000, an upper bound: the load
#   phase ends after RC_LOAD seconds, default 8, or at the deadline -t,
#   default 120); RC_LIVE objects (default 300) for the check at rest.

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
NCPU=$(nproc 2>/dev/null) || NCPU=1
RC_WORKERS=$((NCPU > 4 ? NCPU : 4)) RC_OPS=3000 RC_SECS=120
RC_LOAD=${RC_LOAD:-8}
RC_LIVE=${RC_LIVE:-300}
rc_args "$@"
rc_require_module
if [ "$RC_SHARED" = 1 ]; then
	echo "KTAP version 1"
	echo "1..0 # SKIP needs the module to itself (it unloads it)"
	exit 4
fi

SLABS=/sys/kernel/slab
STEM=refcache_obj
read -r OBJ_SIZE <"$RC_PARAMS/obj_size" || OBJ_SIZE=64

# The checkers of one read, in awk (one pass, where bash's string handling
# would take a while per slab line). Each prints "BAD LINES FIRST-PROBLEM"
# and, with -v out=FILE, what it placed where: for slabs "ID NUM SLOT CACHE
# STAR" per entry and "kfence CACHE COUNT", for where "ID SLAB SLOT CACHE
# PREVSET SIZE" per line.
# shellcheck disable=SC2016 # awk programs
AWK_BAD='function bad(m) { if (!nbad++) first = "line " FNR ": " m " [" $0 "]" }'
# shellcheck disable=SC2016
AWK_SLABS=$AWK_BAD'
/^cache / {
	if (phase) bad("cache line after slab or kfence lines")
	if (NF != 16 || $3 != "payload" || $5 != "slot_bytes" || $7 != "slots_per_slab" ||
	    $9 != "objects" || $11 != "slabs" || $13 != "asked" || $15 != "used") {
		bad("malformed cache line"); next
	}
	for (i = 4; i <= 16; i += 2)
		if ($i !~ /^[0-9]+$/) { bad("field " i " is no number"); next }
	name = $2
	if (name in per) bad("cache " name " twice")
	order[name] = ++ncache
	per[name] = $8; objects[name] = $10; nslab[name] = $12
	if ($16 != $10 * $6) bad("used != objects * slot_bytes")
	if (name == stem) {
		if ($14 != $10 * $4) bad("default class: asked != objects * payload")
	} else if (name == stem "_" $4) {
		if ($14 + 0 > $10 * $4 || $14 + 0 < $10 + 0) bad("asked outside objects..objects * payload")
	} else {
		bad("cache " name " is neither " stem " nor " stem "_PAYLOAD")
	}
	next
}
/^slab / {
	if (phase == 2) bad("slab line after kfence lines")
	phase = 1
	if (NF < 5 || $2 !~ /^[1-9][0-9]*$/ || $4 !~ /^[0-9]+$/ || $5 !~ /^[0-9]+$/) {
		bad("malformed slab line"); next
	}
	num = $2; name = $3
	if (!(name in per)) { bad("slab of cache " name ", which has no cache line"); next }
	if ($4 != per[name]) bad("N " $4 " but slots_per_slab " per[name])
	if (NF - 5 != $4) bad(NF - 5 " entries for N " $4)
	if (num in numbers) bad("slab number " num " twice")
	numbers[num] = 1
	if (order[name] < last_order || (order[name] == last_order && num + 0 <= last_num + 0))
		bad("slab lines not by cache, then number")
	last_order = order[name]; last_num = num
	used = 0
	for (i = 6; i <= NF; i++) {
		e = $i
		if (e == "-") continue
		if (e !~ /^[1-9][0-9]*\*?$/) { bad("entry \"" e "\""); continue }
		used++
		id = e; star = sub(/\*$/, "", id)
		if (id in ids) bad("id " id " twice")
		ids[id] = 1
		if (out != "") print id, num, i - 6, name, star > out
	}
	if (used != $5) bad("USED " $5 " but " used " entries")
	if (!used) bad("a slab with no object")
	inslab[name] += used; slabs_of[name]++
	next
}
/^kfence / {
	phase = 2
	if (NF != 3 || $3 !~ /^[1-9][0-9]*$/ || !($2 in per)) { bad("malformed kfence line"); next }
	kf[$2] += $3
	if (out != "") print "kfence", $2, $3 > out
	next
}
{ bad("not a cache, slab or kfence line") }
END {
	for (name in per) {
		if (objects[name] != inslab[name] + kf[name])
			bad(name ": objects " objects[name] ", slab entries " inslab[name] + 0 ", kfence " kf[name] + 0)
		if (nslab[name] != slabs_of[name] + 0)
			bad(name ": slabs " nslab[name] ", slab lines " slabs_of[name] + 0)
	}
	if (!ncache) bad("no cache line")
	print nbad + 0, NR, first
}'
# shellcheck disable=SC2016
AWK_WHERE=$AWK_BAD'
function class_of(s, i) {
	if (s <= 512) return int((s + 15) / 16) * 16
	for (i = 1; i <= nbig; i++) if (big[i] + 0 >= s + 0) return big[i]
	return 0
}
BEGIN { nbig = split("640 768 896 1024 1280 1536 1792 2048 2560 3072 3584 4096", big, " ") }
{
	if (NF != 6) { bad(NF " fields"); next }
	if ($1 !~ /^[1-9][0-9]*$/ || $3 !~ /^[1-9][0-9]*$/ || $6 !~ /^([0-9]+|-)$/) { bad("ID, SIZE or PREV no number"); next }
	if (!(($4 ~ /^[1-9][0-9]*$/ && $5 ~ /^[0-9]+$/) || ($4 == "-" && $5 == "-")))
		bad("SLAB and SLOT neither numbers nor both \"-\"")
	if ($1 in ids) bad("id " $1 " twice")
	ids[$1] = 1
	# The default class records no reuse: "-" there, a number elsewhere.
	if (($2 == stem) != ($6 == "-")) bad("PREV " $6 " in cache " $2)
	if ($2 == stem) {
		if ($3 != objsize) bad("default class, SIZE " $3 " but obj_size " objsize)
	} else if ($3 + 0 > 4096 || $2 != stem "_" class_of($3)) {
		bad("SIZE " $3 " is not of cache " $2)
	}
	if ($6 == $1) bad("PREV is the object itself")
	if (out != "") print $1, $4, $5, $2, ($6 != 0 && $6 != "-"), $3 > out
}
END { print nbad + 0, NR, first }'

# check_read VIEW [OUT]: one read of VIEW (slabs or where) checked; its
# verdict in RC_VAL ("BAD LINES FIRST-PROBLEM"), false if it found any.
check_read() {
	local prog=$AWK_SLABS
	[ "$1" = where ] && prog=$AWK_WHERE
	[ -z "${2:-}" ] || : >"$2"
	RC_VAL=$(awk -v stem="$STEM" -v objsize="$OBJ_SIZE" -v out="${2:-}" \
		"$prog" <"$RC_DIR/$1" 2>&1) || RC_VAL="1 0 awk failed: $RC_VAL"
	[ "${RC_VAL%% *}" = 0 ]
}

# class_caches: the class caches SLUB shows, in RC_OUT[].
class_caches() {
	local d
	RC_OUT=()
	for d in "$SLABS/$STEM" "$SLABS/${STEM}"_*; do
		[ -d "$d" ] && RC_OUT+=("${d##*/}")
	done
}

# settle NAME: shrink cache NAME until SLUB counts 0 objects in use (10 s at
# most); the last count in RC_VAL.
settle() {
	local end=$((SECONDS + 10)) n rest
	while :; do
		echo 1 >"$SLABS/$1/shrink" 2>/dev/null
		read -r n rest <"$SLABS/$1/objects" || n='unreadable'
		: "$rest"
		RC_VAL=$n
		[ "$n" = 0 ] && return 0
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}

load_end=$((SECONDS + RC_LOAD))
[ "$load_end" -le "$RC_DEADLINE" ] || load_end=$RC_DEADLINE

worker() {
	local w=$1 ops=0 created=0 bad=0 k size id i
	local -a live=()
	local out=$RC_TMP/w$w
	RANDOM=$((RC_SEED + w))
	rc_ctl_open || { echo "0 1" >"$out.sum"; return; }
	exec 7>"$out.err"
	# put_one I: the final put of live[I], which leaves the list.
	put_one() {
		ops=$((ops + 1))
		if ! rc_ctl "put ${live[$1]}" || [ "$RC_VAL" != 0 ]; then
			bad=$((bad + 1))
			echo "put ${live[$1]}: ${RC_ERR:-returned $RC_VAL}" >&7
		fi
		live[$1]=${live[-1]}
		unset 'live[-1]'
	}
	while [ "$ops" -lt "$RC_OPS" ] && [ "$SECONDS" -lt "$load_end" ]; do
		if [ "${#live[@]}" -eq 0 ] || { [ "${#live[@]}" -lt 48 ] && ((RANDOM % 3)); }; then
			k=$((RANDOM % 4 + 1)) size=$((RANDOM % 4096 + 1))
			ops=$((ops + 1))
			if rc_ctl "create $k $size" && [ "${#RC_OUT[@]}" -eq "$k" ]; then
				live+=("${RC_OUT[@]}")
				created=$((created + k))
			else
				bad=$((bad + 1))
				echo "create $k $size: ${RC_ERR:-${#RC_OUT[@]} ids}" >&7
			fi
		else
			put_one $((RANDOM % ${#live[@]}))
		fi
	done
	while [ "${#live[@]}" -gt 0 ]; do put_one 0; done
	echo "$created" >"$out.made"
	echo "$ops $bad" >"$out.sum"
}

rc_ktap_start 13
if [ -z "$RC_KO" ] || [ ! -r "$RC_KO" ]; then
	rc_diag "no refcache.ko (-m or RC_MODDIR): cannot reload the module"
	while [ "$RC_T" -lt "$RC_PLAN" ]; do rc_fail "needs refcache.ko to reload the module"; done
	exit 1
fi
rc_diag "$NCPU CPUs, workers $RC_WORKERS, ops/worker $RC_OPS, ${RC_LOAD}s of load, seed $RC_SEED, obj_size $OBJ_SIZE"
rc_snapshot

# -- under load -----------------------------------------------------------------

t0=$SECONDS
pids=()
for ((w = 0; w < RC_WORKERS; w++)); do
	worker "$w" &
	pids+=($!)
done
running() {
	local p
	for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}
reads=(0 0) bads=(0 0) lines=(0 0) first=('' '')
while running; do
	for v in 0 1; do
		view=slabs
		[ "$v" = 1 ] && view=where
		if ! check_read "$view"; then
			bads[v]=$((bads[v] + 1))
			[ -n "${first[v]}" ] || first[v]="read $((reads[v] + 1)): ${RC_VAL#* }"
		fi
		reads[v]=$((reads[v] + 1))
		read -r _ n _ <<<"$RC_VAL"
		lines[v]=$((lines[v] + n))
	done
done
wait "${pids[@]}"
rc_sum_workers w
created=0
for ((w = 0; w < RC_WORKERS; w++)); do
	read -r c <"$RC_TMP/w$w.made" || c=0
	created=$((created + c))
done
class_caches
rc_diag "$ops ctl commands, $created objects created and put, ${#RC_OUT[@]} caches, $((SECONDS - t0))s"
rc_diag "reads while they ran: slabs ${reads[0]} (${lines[0]} lines), where ${reads[1]} (${lines[1]} lines)"

rc_check "every create of a size gave its ids, every put was the final one" \
	$((bad != 0 || created == 0)) "${errs[@]}"
rc_check "the workers' creates made at least 10 size classes' caches (${#RC_OUT[@]})" \
	$((${#RC_OUT[@]} < 11))
rc_check "every read of slabs under load was well-formed (${reads[0]} reads)" \
	$((bads[0] != 0 || reads[0] < 3)) "${bads[0]} bad reads, the first: ${first[0]}"
rc_check "every read of where under load was well-formed (${reads[1]} reads)" \
	$((bads[1] != 0 || reads[1] < 3)) "${bads[1]} bad reads, the first: ${first[1]}"

# -- all put ---------------------------------------------------------------------

rc_stats
rc_eq "all put: live back to its start value, freed == created" \
	"live ${RC_STAT[live]} freed $((RC_STAT[freed] - s0[freed]))" \
	"live ${s0[live]} freed $((RC_STAT[created] - s0[created]))"
class_caches
left=()
for c in "${RC_OUT[@]}"; do
	settle "$c" || left+=("$c: $RC_VAL objects")
done
rc_check "every class's cache, shrunk, has 0 objects in SLUB (${#RC_OUT[@]} caches)" \
	$((${#left[@]} != 0 || ${#RC_OUT[@]} == 0)) "${left[@]}"
mapfile -t l <"$RC_DIR/slabs"
odd=()
for i in "${l[@]}"; do
	[[ $i =~ ^cache\ [^\ ]+\ payload\ [0-9]+\ slot_bytes\ [0-9]+\ slots_per_slab\ [0-9]+\ objects\ 0\ slabs\ 0\ asked\ 0\ used\ 0$ ]] ||
		odd+=("$i")
done
rc_check "slabs, all put: a line per cache, each with no objects and no slabs, and nothing else" \
	$((${#odd[@]} != 0 || ${#l[@]} != ${#RC_OUT[@]})) \
	"${#l[@]} lines for ${#RC_OUT[@]} caches; not as expected:" "${odd[@]:0:5}"

# -- at rest: N live objects against both views ---------------------------------

# RC_LIVE objects of random sizes; a third of them put, and once SLUB has
# their memory back (the frees SLUB_RCU_DEBUG and KASAN hold back drained by
# shrinking), as many created again with the same sizes, which fill holes
# of their classes' slabs: objects in reused memory as well as fresh.
rc_ctl_open
ids=() sizes=() again=() cerr=
# mk K SIZE: create K objects of SIZE bytes, into ids and sizes.
mk() {
	if ! rc_ctl "create $1 $2" || [ "${#RC_OUT[@]}" -ne "$1" ]; then
		cerr="create $1 $2: ${RC_ERR:-${#RC_OUT[@]} ids}"
		return 1
	fi
	ids+=("${RC_OUT[@]}")
	for id in "${RC_OUT[@]}"; do sizes+=("$2"); done
}
while [ "${#ids[@]}" -lt "$RC_LIVE" ]; do
	k=$((RANDOM % 8 + 1))
	[ $((${#ids[@]} + k)) -le "$RC_LIVE" ] || k=$((RC_LIVE - ${#ids[@]}))
	mk "$k" $((RANDOM % 4096 + 1)) || break
done
for ((i = 0; i < RC_LIVE / 3 && ${#ids[@]}; i++)); do
	j=$((RANDOM % ${#ids[@]}))
	rc_ctl "put ${ids[j]}" && [ "$RC_VAL" = 0 ] || cerr="put ${ids[j]}: ${RC_ERR:-$RC_VAL}"
	again+=("${sizes[j]}")
	ids[j]=${ids[-1]} sizes[j]=${sizes[-1]}
	unset 'ids[-1]' 'sizes[-1]'
done
end=$((SECONDS + 10))
while :; do
	class_caches
	total=0
	for c in "${RC_OUT[@]}"; do
		echo 1 >"$SLABS/$c/shrink" 2>/dev/null
		read -r n _ <"$SLABS/$c/objects" && total=$((total + n))
	done
	[ "$total" = "${#ids[@]}" ] || [ "$SECONDS" -ge "$end" ] && break
	sleep 0.1
done
rc_diag "${#again[@]} of $RC_LIVE put; SLUB then counted $total in use"
for size in "${again[@]}"; do mk 1 "$size" || break; done
made=${#ids[@]}
for ((i = 0; i < made; i++)); do echo "${ids[i]} ${sizes[i]}"; done >"$RC_TMP/asked"
check_read slabs "$RC_TMP/in-slabs"
slabs_verdict=$RC_VAL
check_read where "$RC_TMP/in-where"
where_verdict=$RC_VAL
mapfile -t classes <"$RC_DIR/stats"
# compare: the asked objects, what slabs and where placed, and stats' class
# lines, in one awk pass over the four files (the first line of each kind of
# mismatch, and a count of all).
# shellcheck disable=SC2016
verdict=$(printf '%s\n' "${classes[@]}" | awk '
	function bad(k, m) { if (!(k in first)) first[k] = m; n[k]++ }
	FILENAME == ARGV[1] { asked[$1] = $2; next }
	FILENAME == ARGV[2] {
		if ($1 == "kfence") { kf_slabs[$2] += $3; next }
		if ($1 in s_num) bad("slabs", "id " $1 " twice")
		s_num[$1] = $2; s_slot[$1] = $3; s_cache[$1] = $4; s_star[$1] = $5
		count[$4]++
		if (!($1 in asked)) bad("slabs", "id " $1 " was not created here")
		next
	}
	FILENAME == ARGV[3] {
		if (!($1 in asked)) bad("where", "id " $1 " was not created here")
		else if ($6 != asked[$1]) bad("where", "id " $1 ": SIZE " $6 ", asked " asked[$1])
		w_seen[$1] = 1
		if ($2 == "-") { kf_where[$4]++; if ($1 in s_num) bad("agree", "id " $1 ": KFENCE in where, in a slab in slabs"); next }
		if (!($1 in s_num)) { bad("agree", "id " $1 " in where, not in slabs"); next }
		if ($2 != s_num[$1] || $3 != s_slot[$1] || $4 != s_cache[$1])
			bad("agree", "id " $1 ": where " $4 " " $2 "/" $3 ", slabs " s_cache[$1] " " s_num[$1] "/" s_slot[$1])
		if ($5 != s_star[$1]) bad("agree", "id " $1 ": PREV " ($5 ? "set" : "0") ", slabs entry " (s_star[$1] ? "ID*" : "ID"))
		reused += $5
		next
	}
	/^class / { st[$2] = $4 }
	END {
		for (id in asked) {
			if (!(id in w_seen)) bad("where", "id " id " missing")
			if (!(id in s_num)) missing++
		}
		for (c in kf_where) if (kf_where[c] != kf_slabs[c]) bad("agree", c ": " kf_where[c] " in KFENCE in where, " kf_slabs[c] + 0 " in slabs")
		for (c in kf_slabs) if (!(c in kf_where)) bad("agree", c ": " kf_slabs[c] " in KFENCE in slabs, none in where")
		if (missing != 0) {
			kfs = 0
			for (c in kf_slabs) kfs += kf_slabs[c]
			if (missing != kfs) bad("slabs", missing " ids missing, " kfs " counted in kfence lines")
		}
		for (c in st) if (st[c] != count[c] + kf_slabs[c]) bad("stats", c ": stats " st[c] ", slabs " count[c] + kf_slabs[c])
		for (c in count) if (!(c in st)) bad("stats", c ": no class line in stats")
		printf "%d %d %d %d %d|%s|%s|%s|%s\n", n["slabs"], n["where"], n["agree"], n["stats"], reused,
			first["slabs"], first["where"], first["agree"], first["stats"]
	}' "$RC_TMP/asked" "$RC_TMP/in-slabs" "$RC_TMP/in-where" -)
IFS='|' read -r counts f_slabs f_where f_agree f_stats <<<"$verdict"
read -r n_slabs n_where n_agree n_stats reused <<<"$counts"
# (A comparison that did not run is a mismatch of every kind.)
if ! [[ "$n_slabs $n_where $n_agree $n_stats $reused" =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]]; then
	n_slabs=1 n_where=1 n_agree=1 n_stats=1
	f_slabs="the comparison failed: $verdict" f_where=$f_slabs f_agree=$f_slabs f_stats=$f_slabs
fi
read -r _ sl_lines _ <<<"$slabs_verdict"
read -r _ wh_lines _ <<<"$where_verdict"
rc_diag "$made live objects: slabs $sl_lines lines, where $wh_lines lines"
rc_check "slabs lists exactly the $made live ids, once each, well-formed" \
	$((${slabs_verdict%% *} != 0 || n_slabs != 0 || made != RC_LIVE || ${#cerr} != 0)) \
	"$cerr" "slabs: ${slabs_verdict#* }" "$n_slabs mismatches, the first: $f_slabs"
rc_check "where lists exactly them, each with its size, in its class's cache" \
	$((${where_verdict%% *} != 0 || n_where != 0)) \
	"where: ${where_verdict#* }" "$n_where mismatches, the first: $f_where"
rc_check "where and slabs agree on every object's cache, slab, slot and reuse ($reused reuse memory)" \
	$((n_agree != 0 || reused == 0)) "$n_agree mismatches, the first: $f_agree"
rc_check "stats' class lines count what slabs counts" $((n_stats != 0)) \
	"$n_stats mismatches, the first: $f_stats"
while read -r id _; do rc_ctl "put $id"; done <"$RC_TMP/asked"
rc_ctl_close

# -- unload ---------------------------------------------------------------------------

rmmod_err=
m=$(busybox rmmod refcache 2>&1) || rmmod_err="rmmod failed: $m"
for ((i = 0; i < 50; i++)); do
	class_caches
	[ "${#RC_OUT[@]}" = 0 ] && break
	sleep 0.1
done
rc_check "after rmmod, no /sys/kernel/slab/$STEM* directory is left" \
	$((${#RC_OUT[@]} != 0 || ${#rmmod_err} != 0)) "$rmmod_err" "${RC_OUT[@]}"
st=0
m=$(busybox insmod "$RC_KO" 2>&1) || st=1
rc_check "module loaded again" "$st" "$m"
