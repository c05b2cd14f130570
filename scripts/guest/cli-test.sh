#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test of scripts/refcachectl, run inside a test kernel (uml-run.sh): every
# subcommand's output, exit status and error message, in KTAP, each against
# a literal expectation (never against what refcachectl printed another
# time). Loads and unloads refcache itself.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=SCRIPTDIR/../lib/ktap.sh
. scripts/lib/ktap.sh
# shellcheck source=SCRIPTDIR/../lib/errno.sh
. scripts/lib/errno.sh
C=scripts/refcachectl

# expect NAME WANT_STATUS WANT_OUTPUT CMD...: stdout+stderr must equal WANT_OUTPUT
expect() {
	local name=$1 want_rc=$2 want_out=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ]; then
		rc_ok "$name"
	else
		rc_fail "$name" "want status $want_rc, output: $want_out" "got status $rc, output: $out"
	fi
}

# expect_err NAME WANT_STATUS PHRASE CMD...: the status must be WANT_STATUS
# and stderr must contain PHRASE (stdout is not looked at)
expect_err() {
	local name=$1 want_rc=$2 phrase=$3 err rc ok=
	shift 3
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	case $err in *"$phrase"*) [ "$rc" = "$want_rc" ] && ok=1 ;; esac
	if [ -n "$ok" ]; then
		rc_ok "$name"
	else
		rc_fail "$name" "want status $want_rc, stderr with: $phrase" "got status $rc, stderr: $err"
	fi
}

# ctl_errno CMD: the E-name the kernel gives for CMD, written to ctl directly
# (or "ok" if it takes it).
ctl_errno() {
	local err
	exec 3<>/sys/kernel/debug/refcache/ctl
	if err=$({ printf '%s\n' "$1" >&3; } 2>&1); then
		echo ok
	else
		rc_errno "$err"
		echo "$RC_ERRNO"
	fi
	exec 3>&-
}

# The help text, word for word.
usage='usage: refcachectl COMMAND [ARG]

  create [N [SIZE]]
               make N objects (1..65536, default 1) of SIZE payload bytes
               (1..4096, rounded up to a size class; default: the module'"'"'s
               obj_size); prints their ids
  get ID       take a reference; prints the new refcount
  put ID       drop a reference; prints the refcount after (0: freed)
  link A B [weak]
               object A takes a reference on B; prints B'"'"'s new refcount.
               weak: A refers to B without counting (B'"'"'s refcount does not
               change; the link is cleared when B dies)
  unlink A B [weak]
               drop one link (or weak link) A->B; prints B'"'"'s refcount after
  follow A B   take a reference on B through A'"'"'s weak link; prints B'"'"'s new
               refcount (fails if B died: the link was cleared)
  referrers B  the objects that link to B: "ID LINKS WEAK" per object, its
               counted and weak links to B
  gc [dry]     free what only links keep alive (cycles); prints how many
               (with dry: how many it would free, freeing nothing)
  gc freeze    keep every object that has links now, and what they link to
               later, out of later runs; prints how many it froze
  gc unfreeze  give them back to the next run; prints how many were frozen
  objects      list live objects: "ID REFCOUNT NLINKS [TARGET...]
               [~TARGET...]", in table order (by slot: the low 24 bits of
               the id), each object'"'"'s link targets newest first, then its
               weak links'"'"' targets (~)
  holders [ID] who holds each object'"'"'s outside references (or ID'"'"'s): per
               open ctl file its process and count, and the references
               whose file was closed (orphaned). Each command here opens
               ctl afresh, so what create and get take is orphaned at once
               (and the kernel log says so)
  where [ID]   where each live object (or ID) lives: its slab cache, slab
               and slot, and the dead object whose memory it reuses
  slabs        the slab map: each size class'"'"'s figures beside SLUB'"'"'s, then
               a row per slab, a cell per slot (# live, @ live in memory a
               dead object used, . free)
  graph        the objects and their links as Graphviz DOT (dot -Tsvg):
               dashed, the objects nothing outside holds
  stats        show the counters
  watch [-n N] [SECS]
               show the counters every SECS seconds (default 1), N times
               (default: until interrupted)
  trace ID     follow object ID through the refcache tracepoints (create,
               get, put, link, unlink, release) until interrupted; needs
               tracefs (/sys/kernel/tracing)
  -h, --help   this text

Exit status: 0 on success, 1 if the kernel refused the command or refcache
cannot be reached (the reason is printed), 2 for a usage error. Needs root
and debugfs (REFCACHE_DIR overrides /sys/kernel/debug/refcache,
REFCACHE_SLAB_DIR SLUB'"'"'s /sys/kernel/slab).'

# What graph prints before its nodes.
dot_head='// refcache objects (refcachectl graph). A node per live object: its id,
// refcount, and how many of those references are outside ones (not
// links); dashed if none is: only links hold it, and gc frees it unless
// an object held from outside reaches it. An edge per linked pair, "xN"
// when the link was made N times; dotted for weak links, which hold
// nothing.
digraph refcache {
	node [shape=box];'

# The slabs legend, and its note for SLUB's objects differing from refcache's.
cells='cells: # live object  @ live object in the memory of a dead one  . free slot'
slub_note='SLUB counts the slab a CPU allocates from as full, and freed memory
that KASAN still holds as in use: echo 1 >/sys/kernel/slab/NAME/shrink
flushes them.'

# slot_order: read "objects" (ID REFCOUNT ...); say whether its lines go by
# slot (the id's low 24 bits) and whether their ids go up too.
slot_order() {
	$C objects | awk '
		{ slot = $1 % 16777216 }
		NR > 1 && slot <= last { bad = bad " " $1 }
		NR > 1 && $1 < lastid { down = 1 }
		$1 >= 16777216 { gen++ }
		{ last = slot; lastid = $1 }
		END {
			if (bad != "") print "out of slot order at" bad
			else print "in slot order", (down ? "with ids going down" : "ids going up"),
				(gen ? "(new generations)" : "(no generation above 0)")
		}'
}

SL=/sys/kernel/slab

# slub_settle CACHE N: shrink CACHE until SLUB counts N of its objects in use
# (for 10 s at most). A shrink flushes the CPU's slab, which SLUB counts as
# full; and in the test kernel freed memory comes back to SLUB only after an
# RCU grace period (SLUB_RCU_DEBUG) and KASAN's quarantine, which the shrink
# empties (demo.sh tells that story).
slub_settle() {
	local _
	for _ in $(seq 100); do
		echo 1 >"$SL/$1/shrink"
		[ "$(cut -d' ' -f1 "$SL/$1/objects")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# cells_of N SLOT...: the cells refcachectl slabs draws for slab 1 of N slots
# with live objects, in fresh memory, in the SLOTs: 64 to a row.
cells_of() {
	awk -v n="$1" -v live="${*:2}" 'BEGIN {
		split(live, l, " ")
		for (i in l) on[l[i]] = 1
		for (i = 0; i < n; i++) r = r (i in on ? "#" : ".")
		printf "  slab 1 |%s\n", substr(r, 1, 64)
		for (i = 65; i <= n; i += 64) printf "         |%s\n", substr(r, i, 64)
	}'
}

rc_ktap_start 72
# debugfs is mounted (guest/uml-init.sh) but refcache is not loaded yet.
expect_err "stats without the module fails: not loaded" 1 "refcache module is not loaded" $C stats
busybox insmod "$RC_MODDIR/module/refcache.ko" || exit 1
expect "create prints the new id" 0 "1" $C create
expect "create N prints N ids" 0 $'2\n3\n4' $C create 3
expect "get prints the new refcount" 0 "2" $C get 1
expect "put prints the refcount after" 0 "1" $C put 1
expect "link prints the target's refcount" 0 "2" $C link 2 3
$C link 2 4 >/dev/null
expect "objects lists links newest first" 0 $'1 1 0\n2 1 2 4 3\n3 2 0\n4 2 0' $C objects
expect "unlink prints the target's refcount" 0 "1" $C unlink 2 3
$C unlink 2 4 >/dev/null
expect "objects lists live objects" 0 $'1 1 0\n2 1 0\n3 1 0\n4 1 0' $C objects
expect "final put prints 0" 0 "0" $C put 1
expect "put of a dead id says so" 1 "refcachectl: put 1: no such object" $C put 1
expect "get of a dead id says so" 1 "refcachectl: get 1: no such object" $C get 1
expect "bad argument is an invalid command" 1 "refcachectl: get 0x1: invalid command" $C get 0x1
# unlink fails ENOENT both for an object that is not live and for a link
# that does not exist; refcachectl tells the two apart.
rc_eq "the kernel refuses both unlinks alike (ENOENT)" \
	"$(ctl_errno 'unlink 2 3') $(ctl_errno 'unlink 1 3')" "ENOENT ENOENT"
expect "unlink without a link says there is no such link" 1 "refcachectl: unlink 2 3: no link from 2 to 3" $C unlink 2 3
expect "unlink from a dead object says no such object" 1 "refcachectl: unlink 1 3: no such object" $C unlink 1 3
expect "unlink to a dead object says no such object" 1 "refcachectl: unlink 2 1: no such object" $C unlink 2 1
$C link 2 2 >/dev/null
expect "put of a link-held object is refused" 0 "1" $C put 2
expect "and says why" 1 "refcachectl: put 2: only links hold it (unlink, or gc)" $C put 2
expect "gc dry counts the cycle" 0 "1" $C gc dry
expect "gc frees it" 0 "1" $C gc
$C link 3 4 >/dev/null
expect "gc freeze freezes the two objects with a link" 0 "2" $C gc freeze
expect "gc unfreeze gives both back" 0 "2" $C gc unfreeze
$C unlink 3 4 >/dev/null
expect "usage error exits 2" 2 "$usage" $C
expect "unknown command exits 2" 2 "refcachectl: unknown command frob
$usage" $C frob
expect "--help exits 0" 0 "$usage" $C --help
# The header (its time made TIME) and the stats file: live is 2 (3 and 4).
expect "watch -n 1 shows the stats once" 0 $'refcache stats, every 1s (TIME)\nlive 2' \
	sh -c "$C watch -n 1 | sed -n -e '1s/([0-9][0-9]:[0-9][0-9]:[0-9][0-9])\$/(TIME)/p' -e '/^live /p'"
expect "watch -n 2 shows them twice" 0 "2" sh -c "$C watch -n 2 0 | grep -c '^refcache stats, every 0s ('"
expect "stats has live" 0 "live 2" sh -c "$C stats | grep '^live '"
expect "stats has the id table's size" 0 "1" sh -c "$C stats | grep -c '^id_table_bytes [1-9][0-9]*$'"
# 3000 objects made and dropped, then 3000 more: freed slots are used again
# (with the next generation), and objects lists by slot, not by id.
exec 3<>/sys/kernel/debug/refcache/ctl
echo "create 3000" >&3
mapfile -t ids <&3
for id in "${ids[@]}"; do echo "put $id" >&3; done
exec 3>&-
$C create 3000 >/dev/null
expect "objects goes by slot when slots are used again" 0 \
	"in slot order with ids going down (new generations)" slot_order
busybox rmmod refcache
expect "no module: says what is missing" 1 "refcachectl: no /sys/kernel/debug/refcache: the refcache module is not loaded; load it: insmod module/refcache.ko (or modprobe refcache after make install), or try it in UML: scripts/demo.sh" $C create

# graph, on a fresh module (ids from 1 again): two objects that only hold
# each other, and one held from outside.
busybox insmod "$RC_MODDIR/module/refcache.ko" || exit 1
$C create 3 >/dev/null
$C link 1 2 >/dev/null
$C link 2 1 >/dev/null
$C put 1 >/dev/null
$C put 2 >/dev/null
expect "graph: the cycle dashed (no outside reference), 3 alone" 0 "$dot_head
"'	1 [label="1\nrefcount 1, 0 outside", style=dashed];
	2 [label="2\nrefcount 1, 0 outside", style=dashed];
	3 [label="3\nrefcount 1, 1 outside"];
	1 -> 2;
	2 -> 1;
}' $C graph
expect "gc frees the cycle graph showed dashed" 0 "2" $C gc
$C create >/dev/null
$C link 4 3 >/dev/null
$C link 4 3 >/dev/null
expect "graph after gc: a link made twice is one edge, x2" 0 "$dot_head
"'	3 [label="3\nrefcount 3, 1 outside"];
	4 [label="4\nrefcount 1, 1 outside"];
	4 -> 3 [label="x2"];
}' $C graph
busybox rmmod refcache

# Weak links, on a fresh module: a parent (1) holds its child (2) with a
# link, the child refers back to it with a weak one.
busybox insmod "$RC_MODDIR/module/refcache.ko" || exit 1
$C create 2 >/dev/null
expect "link A B weak prints B's refcount, unchanged" 0 1 $C link 2 1 weak
$C link 1 2 >/dev/null
expect "objects shows a weak link's target with ~" 0 $'1 1 1 2\n2 2 0 ~1' $C objects
expect "referrers: the child's weak link to the parent" 0 "2 0 1" $C referrers 1
expect "referrers: the parent's link to the child" 0 "1 1 0" $C referrers 2
expect "follow takes a reference through the weak link" 0 2 $C follow 2 1
$C put 1 >/dev/null
expect "graph draws the weak link dotted" 0 "$dot_head
"'	1 [label="1\nrefcount 1, 1 outside"];
	2 [label="2\nrefcount 2, 1 outside"];
	1 -> 2;
	2 -> 1 [style=dotted];
}' $C graph
expect "the parent's final put frees it" 0 0 $C put 1
expect "its weak link is cleared: the child is all that is left" 0 "2 1 0" $C objects
expect "follow after the parent died says why" 1 \
	"refcachectl: follow 2 1: 1 is not live (weak links to it were cleared)" $C follow 2 1
expect "unlink of a weak link that is not there says so" 1 \
	"refcachectl: unlink 2 2 weak: no weak link from 2 to 2" $C unlink 2 2 weak
expect "stats counts the cleared weak link" 0 $'weak_links 0\nweak_cleared 1' \
	sh -c "$C stats | grep '^weak_'"
expect "link takes weak and nothing else" 2 "$usage" $C link 1 2 strong
busybox rmmod refcache

# holders, on a fresh module (holders from 1 again): what refcachectl takes
# is orphaned at once, since each of its commands opens ctl afresh; what a
# session (one open ctl file) takes is its own, and in strict mode only it
# may drop it.
busybox insmod "$RC_MODDIR/module/refcache.ko" || exit 1
$C create 2 >/dev/null
exec 4<>/sys/kernel/debug/refcache/ctl
echo "get 1" >&4
read -r _ <&4
me="$$, $(cat /proc/$$/comm)"
expect "holders: the session's reference beside the orphaned ones" 0 \
	"object 1: 2 outside references
  holder 2 (pid $me): 1
  orphaned (their ctl file was closed): 1
object 2: 1 outside reference
  orphaned (their ctl file was closed): 1" $C holders
expect "holders ID: that object alone" 0 \
	"object 2: 1 outside reference
  orphaned (their ctl file was closed): 1" $C holders 2
expect "the kernel log names what refcachectl's create left" 0 \
	"refcache: holder 1 (pid P, refcachectl) closed holding 2 references: 1 2" \
	sh -c "dmesg | sed -n 's/^\[[^]]*\] //; s/(pid [0-9]*, /(pid P, /; /holder 1 (pid/p' | tail -n 1"
$C put 1 >/dev/null
expect "a put by another file takes an orphaned reference" 0 \
	"object 1: 1 outside reference
  holder 2 (pid $me): 1" $C holders 1
echo 1 >/sys/module/refcache/parameters/strict
expect "strict: a put by a file that holds none fails EPERM" 1 \
	"refcachectl: put 1: not this caller's reference (strict mode: only the ctl file that took one may drop it)" $C put 1
expect "strict: and changes nothing" 0 $'1 1 0\n2 1 0' $C objects
echo "put 1" >&4
read -r n <&4
rc_eq "strict: the session drops its own" "$n" 0
echo 0 >/sys/module/refcache/parameters/strict
exec 4>&-
busybox rmmod refcache
expect "unload: after the reclaim line, what each holder still held" 0 \
	"refcache: unloading: reclaimed 1 live object
refcache: holder 1 (pid P, refcachectl) still held 1 reference: 2" \
	sh -c "dmesg | sed -n 's/^\[[^]]*\] //; s/(pid [0-9]*, /(pid P, /; /unloading: reclaimed/h; /still held/H; \${x;p}'"

# Size classes, where and the slab map, on a fresh module again: class 112
# (SIZE 100) has no slab yet, so the five objects share its first one. Which
# slot each gets is SLUB's choice (and depends on the probe below; at random
# with CONFIG_SLAB_FREELIST_RANDOM): the checks take the slots from where.
busybox insmod "$RC_MODDIR/module/refcache.ko" || exit 1
expect "create N SIZE prints N ids" 0 $'1\n2\n3\n4\n5' $C create 5 100
expect "where: the five in slab 1 of class 112, in fresh memory" 0 \
	"object 1: slab 1 slot S of refcache_obj_112, 100 bytes (fresh memory)
object 2: slab 1 slot S of refcache_obj_112, 100 bytes (fresh memory)
object 3: slab 1 slot S of refcache_obj_112, 100 bytes (fresh memory)
object 4: slab 1 slot S of refcache_obj_112, 100 bytes (fresh memory)
object 5: slab 1 slot S of refcache_obj_112, 100 bytes (fresh memory)" \
	sh -c "$C where | sed 's/ slot [0-9][0-9]* of / slot S of /'"
expect "where: five slots, no two alike" 0 5 \
	sh -c "awk '{ print \$5 }' /sys/kernel/debug/refcache/where | sort -u | wc -l"
mapfile -t slot <<<"$(awk '{ print $5 }' /sys/kernel/debug/refcache/where)"
expect "where ID: that object alone" 0 \
	"object 3: slab 1 slot ${slot[2]:-?} of refcache_obj_112, 100 bytes (fresh memory)" $C where 3
# To learn a new cache's layout the module allocates a slab's worth of
# objects and frees them (module/class.c), the default cache's at insmod;
# here those frees reach SLUB late (see slub_settle), so SLUB's counts match
# refcache's only after shrinks.
rc_check "shrinks bring SLUB's counts to refcache's, 0 and 5" \
	"$(slub_settle refcache_obj 0 && slub_settle refcache_obj_112 5; echo $?)"
expect "put of the middle one frees it" 0 0 $C put 3
expect "where of a dead id says so" 1 "refcachectl: where 3: no such object" $C where 3
s=$(cat "$SL/refcache_obj_112/slab_size")
n=$(cat "$SL/refcache_obj_112/objs_per_slab")
# KASAN holds the put object's memory until a shrink: SLUB counts it in use.
expect "slabs: SLUB's objects beside refcache's, and why they differ" 0 \
	"  objects 4 (SLUB 5), slabs 1 (SLUB 1, 1 partial)
$slub_note" sh -c "$C slabs | sed -n -e '/^  objects 4 /p' -e '/^SLUB counts/,\$p'"
rc_check "a shrink brings SLUB's count of class 112 to 4" "$(slub_settle refcache_obj_112 4; echo $?)"
frag=$(awk -v s="$s" 'BEGIN { printf "%.1f", 100 * (1 - 400 / (4 * s)) }')
expect "slabs: both caches, and the hole where the put object was" 0 \
	"refcache_obj: payload 64, slot $(cat "$SL/refcache_obj/slab_size") bytes, $(cat "$SL/refcache_obj/objs_per_slab") slots per slab
  objects 0 (SLUB 0), slabs 0 (SLUB 0, 0 partial)
  no live objects

refcache_obj_112: payload 112, slot $s bytes, $n slots per slab
  objects 4 (SLUB 4), slabs 1 (SLUB 1, 1 partial)
  bytes asked 400, used $((4 * s)): $frag% internal fragmentation
$(cells_of "$n" "${slot[0]:-}" "${slot[1]:-}" "${slot[3]:-}" "${slot[4]:-}")

$cells" $C slabs
expect "stats: a line per class" 0 \
	"class refcache_obj objects 0 asked 0 used 0
class refcache_obj_112 objects 4 asked 400 used $((4 * s))" sh -c "$C stats | grep '^class '"
expect "slabs without SLUB's sysfs says n/a" 0 "  objects 4 (SLUB n/a), slabs 1 (SLUB n/a)" \
	sh -c "REFCACHE_SLAB_DIR=/nonexistent $C slabs | grep '^  objects 4 '"
expect "a SIZE over 4096 is an invalid command" 1 "refcachectl: create 1 4097: invalid command" $C create 1 4097
expect "create takes N and SIZE, no more" 2 "$usage" $C create 1 100 1
expect "where takes an id" 2 "$usage" $C where 0x3
busybox rmmod refcache

# What the kernel rarely shows, drawn from files written here: a slab longer
# than a row, a reused slot, objects in KFENCE memory.
fake=$(mktemp -d) || exit 1
rc_at_exit "rm -rf '$fake'"
{
	echo "cache refcache_obj_16 payload 16 slot_bytes 48 slots_per_slab 70 objects 4 slabs 1 asked 40 used 192"
	printf 'slab 9 refcache_obj_16 70 3 - 7 8*'
	printf ' -%.0s' $(seq 66)
	echo " 12"
	echo "kfence refcache_obj_16 1"
} >"$fake/slabs"
printf '%s\n' "7 refcache_obj_16 10 9 1 0" "8 refcache_obj_16 16 9 2 5" \
	"12 refcache_obj_16 10 9 69 0" "13 refcache_obj_16 1 - - 0" \
	"14 refcache_obj 64 2 3 -" >"$fake/where"
expect "slabs: rows of 64 cells, @ for reused memory, KFENCE" 0 \
	"refcache_obj_16: payload 16, slot 48 bytes, 70 slots per slab
  objects 4 (SLUB n/a), slabs 1 (SLUB n/a)
  bytes asked 40, used 192: 79.2% internal fragmentation
  1 in KFENCE memory, in no slab
  slab 9 |.#@.............................................................
         |.....#

$cells" env REFCACHE_DIR="$fake" REFCACHE_SLAB_DIR="$fake" $C slabs
expect "where: reused memory, KFENCE and the default class in words" 0 \
	"object 7: slab 9 slot 1 of refcache_obj_16, 10 bytes (fresh memory)
object 8: slab 9 slot 2 of refcache_obj_16, 16 bytes (reuses 5's memory)
object 12: slab 9 slot 69 of refcache_obj_16, 10 bytes (fresh memory)
object 13: KFENCE memory of refcache_obj_16, 1 byte (fresh memory)
object 14: slab 2 slot 3 of refcache_obj, 64 bytes (reuse not recorded)" \
	env REFCACHE_DIR="$fake" $C where
