#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside UML (see scripts/demo.sh): an object's life, step by step, then a cycle
# and the collector. Each step checks what it shows: a result other than the
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
line=$(dmesg | grep 'refcache:' | tail -n 1)
echo "    ${line#*] }"
expect "the unload line counts the 5 live objects" "$(grep -c 'reclaimed 5 ' <<<"$line")" 1
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
busybox rmmod refcache
[ ! -e "$SLAB" ] || expect "refcache_obj after the last rmmod" present gone
echo
echo "demo: every step showed what it says"
