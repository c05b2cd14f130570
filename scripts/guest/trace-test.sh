#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test of the refcache tracepoints, run inside a test kernel with tracing
# (the QEMU kernels; uml-init.sh mounts no tracefs): enable events/refcache, walk an object
# through its life and check the trace, in KTAP. Loads and unloads refcache.
set -u
cd "$(dirname "$0")/../.." || exit 1
T=/sys/kernel/tracing
C=scripts/refcachectl
n=0 failed=0

result() {
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $n - $1"
	else
		failed=$((failed + 1))
		echo "not ok $n - $1"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	fi
}

# has REGEX: the trace has a line matching REGEX.
has() { grep -qE "$1" "$trace"; }

echo "KTAP version 1"
echo "1..11"
[ -d "$T/events" ] || mount -t tracefs tracefs "$T"
busybox insmod "$RC_MODDIR/module/refcache.ko" || exit 1
result "events/refcache exists" "$([ -d "$T/events/refcache" ]; echo $?)"
echo 0 >"$T/tracing_on"
echo >"$T/trace"
echo 1 >"$T/events/refcache/enable"
echo 1 >"$T/tracing_on"
a=$($C create)
b=$($C create)
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
result "get traced with the count after" "$(has "refcache_get: id=$a refcount=2"; echo $?)"
result "link traced with the target's count" "$(has "refcache_link: from=$a to=$b refcount=2"; echo $?)"
result "unlink traced" "$(has "refcache_unlink: from=$a to=$b refcount=1"; echo $?)"
result "final put and release of b traced" \
	"$(has "refcache_put: id=$b refcount=0" && has "refcache_release: id=$b "; echo $?)"
result "put of a traced down to the self link" \
	"$(has "refcache_put: id=$a refcount=2" && has "refcache_put: id=$a refcount=1"; echo $?)"
result "gc traced: it collected the self-linked object" \
	"$(has "refcache_gc: collected=1 dry_run=0" && has "refcache_release: id=$a "; echo $?)"
result "events in order: b's put before its release" \
	"$(awk -v p="refcache_put: id=$b refcount=0" -v r="refcache_release: id=$b " \
		'index($0, p) { put = NR } index($0, r) { rel = NR } END { exit !(put && rel > put) }' "$trace"; echo $?)"
result "no kernel address in any event" \
	"$(! grep -qiE '0x[0-9a-f]{12,}|ffff[0-9a-f]{8,}' "$trace"; echo $?)"
echo 0 >"$T/events/refcache/enable"
rm -f "$trace"
busybox rmmod refcache
result "events gone with the module" "$([ ! -d "$T/events/refcache" ]; echo $?)"
echo "# tracepoints: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
