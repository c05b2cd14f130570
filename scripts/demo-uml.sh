#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside UML (see demo.sh): an object's life, step by step.
set -eu
D=/sys/kernel/debug/refcache
SLAB=/sys/kernel/slab/refcache_obj

slab() {
	echo 1 >"$SLAB/shrink"
	printf '    slab refcache_obj: %s objects in use (%s bytes each)\n' \
		"$(cut -d' ' -f1 "$SLAB/objects")" "$(cat "$SLAB/slab_size")"
}
say() { printf '\n$ %s\n' "$*"; }

say insmod refcache.ko
busybox insmod "$RC_MODDIR/module/refcache.ko"
slab

exec 3<>"$D/ctl"
say 'echo create >ctl; read id <ctl'
echo create >&3
read -r id <&3
echo "    new object id $id"
slab
say "cat objects"
sed 's/^/    /' "$D/objects"

say "echo get $id >ctl"
echo "get $id" >&3
read -r n <&3
echo "    refcount now $n"
say "echo put $id >ctl"
echo "put $id" >&3
read -r n <&3
echo "    refcount now $n"
say "echo put $id >ctl   # the final put"
echo "put $id" >&3
read -r n <&3
echo "    refcount now $n: the object left the table and goes back to the slab"
sleep 0.2
slab
say "echo get $id >ctl   # a dead id"
if ! err=$({ echo "get $id" >&3; } 2>&1); then
	echo "    refused: ${err##*: } (ENOENT)"
fi

say "echo 'create 5' >ctl"
echo "create 5" >&3
echo "    ids: $(tr '\n' ' ' <&3)"
slab
say "cat stats"
sed 's/^/    /' "$D/stats"
exec 3>&-

say "rmmod refcache   # reclaims the 5 live objects"
busybox rmmod refcache
dmesg | grep 'refcache:' | tail -n 1 | sed 's/^/    /'
[ -e "$SLAB" ] && echo "    refcache_obj still exists!" || echo "    slab cache refcache_obj destroyed"
