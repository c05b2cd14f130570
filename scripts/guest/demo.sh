#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside UML (see scripts/demo.sh): an object's life, step by step, then a cycle
# and the collector, then a size class's slab map and a freed slot used
# again, then a leak found by the holders view, and strict mode, then a
# parent and child with a weak back-link beside a counted pair. Each step checks what it shows: a result other than the
# one printed beside it stops the demo with "demo: FAILED: ..." and status 1,
# so the test command runs this very script (scripts/test.sh, "demo").
set -eu
# shellcheck source=SCRIPTDIR/../lib/errno.sh
. scripts/lib/errno.sh
# A command that fails where no step expected it stops the demo too: say so
# in the same words.
trap 'echo "demo: FAILED: line $LINENO: $BASH_COMMAND (status $?)" >&2' ERR
D=/sys/kernel/debug/refcache
SLAB=/sys/kernel/slab/refcache_obj
C=scripts/refcachectl

slab() {
	echo 1 >"$SLAB/shrink"
	printf '    slab refcache_obj: %s objects in use (%s bytes each)\n' \
		"$(cut -d' ' -f1 "$SLAB/objects")" "$(cat "$SLAB/slab_size")"
}
say() { printf '\n$ %s\n' "$*"; }
# expect WHAT GOT WANT: stop the demo unless GOT is WANT.
expect() {
	[ "$2" = "$3" ] && return 0
	echo "demo: FAILED: $1: got '$2', expected '$3'" >&2
	exit 1
}
stat() { sed -n "s/^$1 //p" "$D/stats"; }

say insmod refcache.ko
busybox insmod "$RC_MODDIR/module/refcache.ko"
slab

exec 3<>"$D/ctl"
say 'echo create >ctl; read id <ctl'
echo create >&3
read -r id <&3
echo "    new object id $id"
expect "the first id of a fresh module" "$id" 1
expect "live after one create" "$(stat live)" 1
slab
say "cat objects"
sed 's/^/    /' "$D/objects"
expect "its objects line" "$(cat "$D/objects")" "$id 1 0"

say "echo get $id >ctl"
echo "get $id" >&3
read -r n <&3
echo "    refcount now $n"
expect "refcount after get" "$n" 2
say "echo put $id >ctl"
echo "put $id" >&3
read -r n <&3
echo "    refcount now $n"
expect "refcount after put" "$n" 1
say "echo put $id >ctl   # the final put"
echo "put $id" >&3
read -r n <&3
echo "    refcount now $n: the object left the table and went back to the slab"
expect "refcount after the final put" "$n" 0
expect "live after the final put" "$(stat live)" 0
expect "freed after the final put" "$(stat freed)" 1
slab
say "echo get $id >ctl   # a dead id"
err=$({ echo "get $id" >&3; } 2>&1) && expect "get of a dead id" succeeded refused
rc_errno "$err" || true
echo "    refused: ${err##*: } ($RC_ERRNO)"
expect "the error of a dead id" "$RC_ERRNO" ENOENT

say "echo 'create 5' >ctl"
echo "create 5" >&3
mapfile -t ids <&3
echo "    ids: ${ids[*]}"
expect "distinct ids from create 5" "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" 5
expect "live after create 5" "$(stat live)" 5
slab
say "cat stats"
sed 's/^/    /' "$D/stats"
exec 3>&-

say "rmmod refcache   # reclaims the 5 live objects"
busybox rmmod refcache
line=$(dmesg | grep 'refcache: unloading' | tail -n 1)
echo "    ${line#*] }"
expect "the unload line counts the 5 live objects" "$(grep -c 'reclaimed 5 ' <<<"$line")" 1
line=$(dmesg | grep 'refcache: holder 1 ' | tail -n 1)
echo "    ${line#*] }"
expect "and says who held them" "${line#*] }" \
	"refcache: holder 1 (pid $$, $(cat /proc/$$/comm)) still held 5 references: ${ids[*]}"
if [ -e "$SLAB" ]; then
	expect "refcache_obj after rmmod" present gone
fi
echo "    slab cache refcache_obj destroyed"

# Part two: a cycle that counting cannot free, and the collector.
say insmod refcache.ko
busybox insmod "$RC_MODDIR/module/refcache.ko"
a=$($C create)
b=$($C create)
say "refcachectl link $a $b; refcachectl link $b $a   # a cycle"
expect "b's refcount after link a b" "$($C link "$a" "$b")" 2
expect "a's refcount after link b a" "$($C link "$b" "$a")" 2
sed 's/^/    /' "$D/objects"
say "refcachectl put $a; refcachectl put $b   # the final outside puts"
n=$($C put "$a")
echo "    refcount now $n"
expect "a's refcount after its outside put" "$n" 1
n=$($C put "$b")
echo "    refcount now $n"
expect "b's refcount after its outside put" "$n" 1
echo "    both still live: each holds the other (a leak, for counting alone)"
sed 's/^/    /' "$D/objects"
expect "live with only the cycle holding them" "$(stat live)" 2
slab
say "refcachectl put $a   # only links hold it now"
out=$($C put "$a" 2>&1) && expect "put of an object only links hold" "succeeded: $out" "refused"
echo "    $out"
expect "why it was refused" "${out##*: }" "only links hold it (unlink, or gc)"
say "refcachectl gc dry; refcachectl gc"
dry=$($C gc dry)
freed=$($C gc)
echo "    would free $dry; freed $freed"
expect "gc dry on the cycle" "$dry" 2
expect "gc on the cycle" "$freed" 2
slab
grep -E '^(live|links|gc_)' "$D/stats" | sed 's/^/    /'
expect "live after gc" "$(stat live)" 0
expect "links after gc" "$(stat links)" 0

# Part three: size classes, the slab map, and a freed slot used again.
CLASS=refcache_obj_112
CSLAB=/sys/kernel/slab/$CLASS
indent() { sed 's/^./    &/'; }
# where_of ID: "SLAB SLOT PREV" of a live object, from where.
where_of() { awk -v id="$1" '$1 == id { print $4, $5, $6 }' "$D/where"; }
# entry SLAB SLOT: what the slabs file says of that slot of a $CLASS slab
# ("-" free, "ID" live, "ID*" live in memory a dead object used).
entry() {
	awk -v c="$CLASS" -v s="$1" -v k="$2" \
		'$1 == "slab" && $2 == s && $3 == c { print $(6 + k) }' "$D/slabs"
}
# cell SLAB SLOT: the character refcachectl slabs draws for it.
cell() {
	$C slabs | awk -v c="$CLASS:" -v s="$1" -v k="$2" '
		$1 == c { inside = 1; next }
		/^$/ { inside = 0 }
		inside && $1 == "slab" && $2 == s { split($0, p, "|"); row = p[2]; on = 1; next }
		on && /^ +\|/ { split($0, p, "|"); row = row p[2]; next }
		{ on = 0 }
		END { print substr(row, k + 1, 1) }'
}
# class_part: refcachectl slabs, $CLASS's lines, the legend and any note.
class_part() { $C slabs | sed -n -e "/^$CLASS:/,/^\$/p" -e '/^cells:/,$p' | indent; }
slub_objects() { cut -d' ' -f1 "$CSLAB/objects"; }
# settle N: shrink $CLASS until SLUB counts N of its objects in use (10 s at
# most), and say how long that took.
settle() {
	local t0=${EPOCHREALTIME//[!0-9]/} polls=0
	while :; do
		echo 1 >"$CSLAB/shrink"
		polls=$((polls + 1))
		if [ "$(slub_objects)" = "$1" ] || [ "$polls" = 100 ]; then break; fi
		sleep 0.1
	done
	echo "    $(slub_objects) in use after $polls shrink(s), $(((${EPOCHREALTIME//[!0-9]/} - t0) / 1000)) ms"
	expect "SLUB's count of $CLASS within 10 s of shrinks" "$(slub_objects)" "$1"
}

say "refcachectl create 5 100   # 100 bytes: class 112, a slab cache of its own"
out=$($C create 5 100)
mapfile -t ids <<<"$out"
echo "    ids: ${ids[*]}"
expect "ids from create 5 100" "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" 5
mid=${ids[2]}
say "refcachectl where"
$C where | indent
expect "the five in one slab of $CLASS" "$(awk '{ print $2, $4 }' "$D/where" | sort -u | wc -l) $(awk '{ print $2 }' "$D/where" | sort -u)" "1 $CLASS"
read -r hslab hslot _ <<<"$(where_of "$mid")"
say "echo 1 >$CSLAB/shrink   # until SLUB counts 5"
settle 5
cat <<'EOF' | indent
(SLUB counts a slab a CPU allocates from as full, and to learn the new
cache's layout refcache made and freed a slab's worth of objects: a
shrink flushes the one, and frees the other's slab once SLUB has those
objects back, which can take a moment: see below.)
EOF
say "refcachectl slabs"
$C slabs | indent

say "refcachectl put $mid   # the middle one"
n=$($C put "$mid")
echo "    refcount now $n"
expect "the middle one's refcount after its put" "$n" 0
say "refcachectl slabs   # $CLASS's part"
class_part
expect "its slot in the slabs file" "$(entry "$hslab" "$hslot")" -
expect "its slot in the map" "$(cell "$hslab" "$hslot")" .
# Whether KASAN holds the memory is asked of SLUB itself, by its count: no
# file tells on every kernel whether KASAN is on (UML says nothing of it at
# boot; /proc/config.gz needs IKCONFIG, which the test kernel lacks), and
# what the story needs to know is whether SLUB has the slot back, which the
# count says directly. Without KASAN it does at once (and the poll below
# ends at its first look).
held=$(slub_objects)
echo
if [ "$held" = 5 ]; then
	cat <<'EOF' | indent
refcache's map has the hole, but SLUB still counts 5 in use. This kernel
has KASAN and SLUB_RCU_DEBUG: the free of an object of a
SLAB_TYPESAFE_BY_RCU cache like this one waits for an RCU grace period
(lockless readers may still look at it), and then KASAN keeps the memory
in its quarantine, so that a use after free is caught as a report rather
than read as another object's data. A shrink takes the quarantine back.
Without KASAN, SLUB has the slot at once, first on its freelist (last in,
first out), and the next create of this size lands in the hole.
EOF
else
	cat <<'EOF' | indent
refcache's map has the hole, and SLUB counts 4 in use already: no KASAN
delays the free here. SLUB has the slot first on its freelist (last in,
first out), so the next create of this size lands in the hole.
EOF
fi
case $held in 4 | 5) ;; *) expect "SLUB's count after the put" "$held" "4 or 5" ;; esac
say "echo 1 >$CSLAB/shrink   # until SLUB counts 4"
settle 4

say "refcachectl create 1 100"
new=$($C create 1 100)
echo "    new object id $new"
say "refcachectl where $new"
$C where "$new" | indent
expect "where the new object is" "$(where_of "$new")" "$hslab $hslot $mid"
say "refcachectl slabs   # $CLASS's part"
class_part
expect "its slot in the slabs file" "$(entry "$hslab" "$hslot")" "$new*"
expect "its slot in the map" "$(cell "$hslab" "$hslot")" @
echo "    object $new lives where $mid did: slab $hslab, slot $hslot"

busybox rmmod refcache
[ ! -e "$SLAB" ] || expect "refcache_obj after the last rmmod" present gone
[ ! -e "$CSLAB" ] || expect "$CLASS after the last rmmod" present gone

# Part four: a leak found by holders, and strict mode.
say insmod refcache.ko
busybox insmod "$RC_MODDIR/module/refcache.ko"
me="pid $$, $(cat /proc/$$/comm)"
say "exec 4<>ctl   # a worker's session: one open ctl file is one holder"
exec 4<>"$D/ctl"
echo create >&4
read -r obj <&4
echo "get $obj" >&4
read -r _ <&4
echo "    holder 1 created object $obj and took a second reference"
say "exec 5<>ctl; echo 'get $obj' >&5   # a second session"
exec 5<>"$D/ctl"
echo "get $obj" >&5
read -r _ <&5
say "refcachectl holders"
$C holders | indent
expect "holders of $obj, both sessions open" "$($C holders)" "object $obj: 3 outside references
  holder 1 ($me): 2
  holder 2 ($me): 1"
say "exec 4>&-   # the first session ends without its puts"
exec 4>&-
line=$(dmesg | grep 'refcache: holder 1 ' | tail -n 1)
echo "    ${line#*] }"
expect "the leak line" "${line#*] }" "refcache: holder 1 ($me) closed holding 2 references: $obj*2"
say "refcachectl holders   # what it left is orphaned"
$C holders | indent
expect "holders of $obj after the leak" "$($C holders)" "object $obj: 3 outside references
  holder 2 ($me): 1
  orphaned (their ctl file was closed): 2"
say "echo 1 >/sys/module/refcache/parameters/strict; refcachectl put $obj"
echo 1 >/sys/module/refcache/parameters/strict
out=$($C put "$obj" 2>&1) && expect "a put by a file that holds none, strict" "succeeded: $out" "refused"
echo "    $out"
expect "why it was refused" "${out#"refcachectl: put $obj: "}" "not this caller's reference (strict mode: only the ctl file that took one may drop it)"
echo "    strict mode stops the put that would drop someone else's reference"
echo 0 >/sys/module/refcache/parameters/strict
say "echo 'put $obj' >&5 (3 times)   # session 2 drops its own, then the orphans"
for want in 2 1 0; do
	echo "put $obj" >&5
	read -r n <&5
	expect "refcount after session 2's put" "$n" "$want"
done
exec 5>&-
expect "holders after the last put" "$($C holders)" ""
expect "live after the last put" "$(stat live)" 0
echo "    nothing is held any more"
busybox rmmod refcache

# Part five: a parent and a child. With a counted back-link they hold each
# other and leak until gc; with a weak one, the parent's last put frees
# both and leaves nothing for the collector.
say insmod refcache.ko
busybox insmod "$RC_MODDIR/module/refcache.ko"
p1=$($C create) c1=$($C create) p2=$($C create) c2=$($C create)
say "refcachectl link $p1 $c1; refcachectl link $c1 $p1   # counted both ways"
$C link "$p1" "$c1" >/dev/null
$C link "$c1" "$p1" >/dev/null
say "refcachectl link $p2 $c2; refcachectl link $c2 $p2 weak   # a weak back-link"
$C link "$p2" "$c2" >/dev/null
expect "a weak link leaves the parent's count alone" "$($C link "$c2" "$p2" weak)" 1
sed 's/^/    /' "$D/objects"
say "refcachectl follow $c2 $p2   # the child reaches its parent"
n=$($C follow "$c2" "$p2")
echo "    parent's refcount now $n (the follow took a reference)"
expect "follow's count" "$n" 2
$C put "$p2" >/dev/null
say "refcachectl referrers $p2"
$C referrers "$p2" | indent
expect "the parent's referrers" "$($C referrers "$p2")" "$c2 0 1"
say "refcachectl put $p1; put $c1; put $p2; put $c2   # every outside reference"
$C put "$p1" >/dev/null
$C put "$c1" >/dev/null
expect "the weak pair's parent dies at its last put" "$($C put "$p2")" 0
expect "and the child at its own" "$($C put "$c2")" 0
echo "    the weakly linked pair is gone: the parent died at its put (clearing"
echo "    the child's weak link to it), then the child at its own"
echo "    while the counted pair holds itself: a leak, until gc"
sed 's/^/    /' "$D/objects"
expect "only the counted pair is left" "$(cut -d' ' -f1 "$D/objects" | tr '\n' ' ')" "$p1 $c1 "
grep -E '^(live|weak_)' "$D/stats" | sed 's/^/    /'
expect "the child's weak link was cleared" "$(stat weak_cleared)" 1
say "refcachectl gc   # the counted pair needs the collector"
expect "gc frees the counted pair" "$($C gc)" 2
expect "live after gc" "$(stat live)" 0
busybox rmmod refcache

echo
echo "demo: every step showed what it says"
