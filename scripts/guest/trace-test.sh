#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test of the refcache tracepoints, run inside a test kernel with tracing
# (the QEMU kernels; guest/uml-init.sh mounts no tracefs): enable
# events/refcache, walk an object through its life and check the trace, then
# follow one object with "refcachectl trace", in KTAP. Loads and unloads
# refcache.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=SCRIPTDIR/../lib/ktap.sh
. scripts/lib/ktap.sh
T=/sys/kernel/tracing
C=scripts/refcachectl

result() { rc_check "$@"; }

# has REGEX: the trace has a line matching REGEX.
has() { grep -qE "$1" "$trace"; }

rc_ktap_start 19
[ -d "$T/events" ] || mount -t tracefs tracefs "$T"
busybox insmod "$RC_MODDIR/module/refcache.ko" || exit 1
result "events/refcache exists" "$([ -d "$T/events/refcache" ]; echo $?)"
# No task names recorded: with record-cmd on (the default), every enable
# and disable of an event also patches the sched_switch and sched_wakeup
# tracepoints, which the other CPU runs all the time. Under TCG with 2 CPUs
# that patching once livelocked Debian's 6.1 (CPU 1 looping in exc_int3 at
# __schedule, CPU 0 waiting in text_poke_bp for its IPI: a soft lockup in
# the disable below). With it off, enabling and disabling the refcache
# events patches only refcache's own call sites, which run only in this
# script's commands. No check reads a task name.
record_cmd=$(cat "$T/options/record-cmd")
echo 0 >"$T/options/record-cmd"
echo 0 >"$T/tracing_on"
echo >"$T/trace"
echo 1 >"$T/events/refcache/enable"
echo 1 >"$T/tracing_on"
a=$($C create)
b=$($C create)
# One object of a size class, straight through ctl.
exec 4<>/sys/kernel/debug/refcache/ctl
echo "create 1 100" >&4
read -r c <&4
where_c=$(awk -v id="$c" '$1 == id { print $4, $5, $6 }' /sys/kernel/debug/refcache/where)
echo "put $c" >&4
exec 4>&-
$C link "$a" "$b" weak >/dev/null
$C get "$a" >/dev/null
$C link "$a" "$b" >/dev/null
$C unlink "$a" "$b" >/dev/null
$C link "$a" "$a" >/dev/null
$C put "$b" >/dev/null
$C put "$a" >/dev/null
$C put "$a" >/dev/null
$C gc >/dev/null
echo 0 >"$T/tracing_on"
trace=$(mktemp)
grep refcache_ "$T/trace" >"$trace"

result "create of both objects traced" \
	"$(has "refcache_create: id=$a refcount=1" && has "refcache_create: id=$b refcount=1"; echo $?)" "$(cat "$trace")"
# refcache_place: where the object landed, as the where view said.
read -r c_slab c_slot c_prev <<<"$where_c"
result "placement of a sized object traced as where shows it" \
	"$([ -n "$c_prev" ] && has "refcache_place: id=$c size=100 class_size=112 slab=$c_slab slot=$c_slot prev=$c_prev\$"; echo $?)" \
	"where: $where_c" "$(grep refcache_place "$trace")"
result "placement of a default object traced" \
	"$(has "refcache_place: id=$a size=64 class_size=64 slab=[1-9][0-9]* slot=[0-9]+ prev=-1\$"; echo $?)"
result "get traced with the count after" "$(has "refcache_get: id=$a refcount=2"; echo $?)"
result "link traced with the target's count" "$(has "refcache_link: from=$a to=$b refcount=2"; echo $?)"
result "unlink traced" "$(has "refcache_unlink: from=$a to=$b refcount=1"; echo $?)"
result "final put and release of b traced" \
	"$(has "refcache_put: id=$b refcount=0" && has "refcache_release: id=$b "; echo $?)"
result "put of a traced down to the self link" \
	"$(has "refcache_put: id=$a refcount=2" && has "refcache_put: id=$a refcount=1"; echo $?)"
result "gc traced: it collected the self-linked object, following no link" \
	"$(has "refcache_gc: collected=1 dry_run=0 duration_ns=[0-9]+ pause_ns=[0-9]+ objects=[1-9][0-9]* links=0 bytes=[1-9][0-9]*\$" &&
		has "refcache_release: id=$a "; echo $?)"
result "the weak link to b cleared as b died, before its release" \
	"$(awk -v w="refcache_weak_clear: from=$a to=$b\$" -v r="refcache_release: id=$b " \
		'$0 ~ w { clear = NR } index($0, r) { rel = NR } END { exit !(clear && rel > clear) }' "$trace"; echo $?)" \
	"$(grep -E 'refcache_(weak_clear|release)' "$trace")"
result "events in order: b's put before its release" \
	"$(awk -v p="refcache_put: id=$b refcount=0" -v r="refcache_release: id=$b " \
		'index($0, p) { put = NR } index($0, r) { rel = NR } END { exit !(put && rel > put) }' "$trace"; echo $?)"
# Each refcachectl command is a ctl file of its own: its create leaves the
# new object's reference behind when it closes.
result "a ctl file closed holding a reference traced as a holder leak" \
	"$(has "refcache_holder_leak: holder=[0-9]+ pid=[0-9]+ comm=refcachectl refs=1 objects=1\$"; echo $?)" \
	"$(grep refcache_holder_leak "$trace")"
result "no kernel address in any event" \
	"$(! grep -qiE '0x[0-9a-f]{12,}|ffff[0-9a-f]{8,}' "$trace"; echo $?)"
echo 0 >"$T/events/refcache/enable"
rm -f "$trace"

# refcachectl trace ID: one object's events, until it is stopped (TERM), or
# until its reader goes away; either way it leaves the events disabled and
# the filters cleared (its EXIT trap).
out=$(mktemp)
a=$($C create)
b=$($C create)
echo >"$T/trace"
echo 1 >"$T/tracing_on"
$C trace "$a" >"$out" 2>&1 &
tpid=$!
for ((i = 0; i < 50; i++)); do
	[ "$(cat "$T/events/refcache/enable")" = 1 ] && break
	sleep 0.1
done
$C get "$a" >/dev/null
$C get "$b" >/dev/null
$C put "$a" >/dev/null
$C put "$b" >/dev/null
sleep 1
kill -TERM "$tpid"
wait "$tpid"
st=$?
result "refcachectl trace follows its object only, and stops on TERM" \
	"$([ "$st" = 0 ] && grep -q "refcache_get: id=$a refcount=2" "$out" &&
		grep -q "refcache_put: id=$a refcount=1" "$out" && ! grep -q "id=$b " "$out"; echo $?)" \
	"status $st, output:" "$(cat "$out")"
# filters: the events' filters that are set, and whether they are enabled.
filters() {
	local f v
	for f in "$T"/events/refcache/*/filter; do
		v=$(cat "$f")
		[ "$v" = none ] || printf '%s: %s; ' "${f#"$T"/events/refcache/}" "$v"
	done
	echo "enable $(cat "$T/events/refcache/enable")"
}
result "after TERM the events are off and the filters cleared" \
	"$([ "$(filters)" = "enable 0" ]; echo $?)" "$(filters)"
# A reader that goes away (head) ends it through SIGPIPE.
{
	sleep 2
	$C get "$a" >/dev/null
	sleep 1
	$C put "$a" >/dev/null
	sleep 1
	$C get "$a" >/dev/null
} &
bg=$!
got=$(timeout 30 $C trace "$a" | head -n 1)
wait "$bg"
result "refcachectl trace | head -n 1 gives the first event" \
	"$([[ $got == *"refcache_get: id=$a refcount=2"* ]]; echo $?)" "got: $got"
result "and leaves the events off and the filters cleared" \
	"$([ "$(filters)" = "enable 0" ]; echo $?)" "$(filters)"
echo 0 >"$T/tracing_on"
$C put "$a" >/dev/null
$C put "$a" >/dev/null
$C put "$b" >/dev/null
rm -f "$out"

echo "$record_cmd" >"$T/options/record-cmd"

busybox rmmod refcache
result "events gone with the module" "$([ ! -d "$T/events/refcache" ]; echo $?)"
