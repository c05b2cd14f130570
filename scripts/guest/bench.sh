#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test kernel (see bench.sh), as root, with RC_MODDIR naming
# the built modules. Prints one table:
#   1-4  in-kernel benchmarks: refcache_bench.ko runs them at load and leaves
#        its table in /sys/kernel/debug/refcache_bench/results
#   5    ctl commands per second from user space, against a debugfs write
#        that does nothing (the floor), and "create 1000" against 1000
#        single creates
#   6    memory per object: the refcache_obj slab, and the id table
#        (stats: id_table_bytes) after creating many objects; outside
#        --smoke (a kernel without slab debugging) it fails if an object
#        of the default class takes more than 48 bytes beyond its payload,
#        slab and id table together
#   7    size classes: a mixed workload's objects per class, the bytes
#        asked for against the class's payload and the slab bytes they take
# Exits non-zero if the module's self-check or a ctl command failed.
#
# usage: scripts/guest/bench.sh [--smoke] [MODULE PARAMETER...]
#   e.g. scripts/guest/bench.sh count=200000 threads=4
set -eu
D=/sys/kernel/debug
S=/sys/kernel/slab
smoke=0 params=()
for a in "$@"; do
	case $a in
	--smoke) smoke=1 params+=(smoke=1) ;;
	*) params+=("$a") ;;
	esac
done
if [ $smoke = 1 ]; then
	pairs=200 rounds=3 batches=2 singles=1000 mem_objs=65536
else
	# A write(2) from UML user space costs a ptrace round trip on the host:
	# thousands per second at best, so these take tens of seconds.
	pairs=2000 rounds=5 batches=20 singles=1000 mem_objs=1048576
fi

fail() { echo "FAIL: $*"; exit 1; }
# Microseconds, without forking.
now() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
# median N...: of integers
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# ratio A B: A/B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }

busybox insmod "$RC_MODDIR/module/refcache.ko"
busybox insmod "$RC_MODDIR/module/bench/refcache_bench.ko" "${params[@]}"
cat "$D/refcache_bench/results"
grep -q '^self-check: ok$' "$D/refcache_bench/results" || fail "refcache_bench self-check"

# 5. ctl from user space. Both sides write the same lines through an open
# fd in the same loop, so only the file differs.
exec 3<>"$D/refcache/ctl" 4>"$D/refcache_bench/null"
echo create >&3
read -r id <&3
single_ctl=() single_null=()
for ((r = 0; r < rounds; r++)); do
	t0=$(now)
	for ((i = 0; i < pairs; i++)); do
		echo "get $id" >&3
		echo "put $id" >&3
	done
	t1=$(now)
	for ((i = 0; i < pairs; i++)); do
		echo "get $id" >&4
		echo "put $id" >&4
	done
	t2=$(now)
	single_ctl+=($((2 * pairs * 1000000 / (t1 - t0 + 1))))
	single_null+=($((2 * pairs * 1000000 / (t2 - t1 + 1))))
done
echo "get $id" >&3 # every pair was undone: back to the creation reference
read -r n <&3
[ "$n" = 2 ] || fail "get/put pairs left object $id with count $((n - 1))"
echo "put $id" >&3
echo "put $id" >&3

batch_rate=() single_rate=()
for ((r = 0; r < rounds; r++)); do
	t0=$(now)
	for ((i = 0; i < batches; i++)); do
		echo 'create 1000' >&3
	done
	t1=$(now)
	for ((i = 0; i < singles; i++)); do
		echo create >&3
	done
	t2=$(now)
	batch_rate+=($((batches * 1000 * 1000000 / (t1 - t0 + 1))))
	single_rate+=($((singles * 1000000 / (t2 - t1 + 1))))
done
exec 3>&- 4>&-
c=$(median "${single_ctl[@]}") f=$(median "${single_null[@]}")
b=$(median "${batch_rate[@]}") s=$(median "${single_rate[@]}")
echo
echo "ctl from user space (medians of $rounds rounds)"
printf '%-34s %12s %12s %8s\n' "benchmark: A / B" "A per s" "B per s" "A/B"
printf '%-34s %12s %12s %7sx\n' "ctl get|put / null write" "$c" "$f" "$(ratio "$c" "$f")"
printf '%-34s %12s %12s %7sx\n' "objects: create 1000 / create" "$b" "$s" "$(ratio "$b" "$s")"

# 6. Memory, on a fresh default table. One ctl file holds them all, so its
# bound on the objects it may hold is raised to fit.
busybox rmmod refcache_bench
busybox rmmod refcache
busybox insmod "$RC_MODDIR/module/refcache.ko" holder_max_objects="$mem_objs"
shrink() { echo 1 >"$S/refcache_obj/shrink"; }
objects() { cut -d' ' -f1 "$S/$1/objects"; }
table_bytes() { sed -n 's/^id_table_bytes //p' "$D/refcache/stats"; }
shrink
o0=$(objects refcache_obj) x0=$(table_bytes)
exec 3<>"$D/refcache/ctl"
for ((done = 0; done < mem_objs; done += 65536)); do
	echo 'create 65536' >&3 || fail "create 65536"
done
exec 3>&-
shrink
o1=$(objects refcache_obj) x1=$(table_bytes)
payload=$(cat /sys/module/refcache/parameters/obj_size)
slab_size=$(cat "$S/refcache_obj/slab_size")
per_slab=$(cat "$S/refcache_obj/objs_per_slab")
order=$(cat "$S/refcache_obj/order")
page=$(getconf PAGESIZE)
echo
echo "memory per object ($((o1 - o0)) objects created, $mem_objs asked for)"
# The slab's bytes are worked out here: busybox's awk (the one in the QEMU
# initramfs) is built without math support, so it has no "^".
awk -v n="$mem_objs" -v payload="$payload" -v ss="$slab_size" -v ps="$per_slab" -v smoke="$smoke" \
	-v order="$order" -v bytes=$((page << order)) -v x0="$x0" -v x1="$x1" '
BEGIN {
	slab = bytes / ps
	id = x1 / n
	printf "  slab refcache_obj: slab_size %d, %d objects per order-%d slab: %.1f bytes/object\n", ss, ps, order, slab
	printf "  payload (obj_size) %d; header and slab waste %.1f bytes/object\n", payload, slab - payload
	printf "  id table: %d bytes empty, %d bytes with them: %.1f bytes/object\n", x0, x1, id
	printf "  overhead per object (slab - payload + id table): %.1f bytes\n", slab - payload + id
	printf "  limit: 48 bytes per object beyond the payload, slab and id table\n"
	exit !smoke && slab - payload + id > 48
}' || fail "an object of the default class takes more than 48 bytes beyond its payload"
# What the front end adds for each object a ctl file holds (holders.c).
if [ -e "$S/refcache_hold/objs_per_slab" ]; then
	hps=$(cat "$S/refcache_hold/objs_per_slab") hord=$(cat "$S/refcache_hold/order")
	awk -v b=$((page << hord)) -v ps="$hps" -v ss="$(cat "$S/refcache_hold/slab_size")" 'BEGIN {
		printf "  front end: a %d-byte refcache_hold (%.1f bytes of slab) per object a ctl file holds\n", ss, b / ps
	}'
fi
busybox rmmod refcache

# 7. Size classes under a mixed workload: 200 creates of 100 objects each,
# sizes drawn (fixed seed) 70% from 1..256, 25% from 257..1024, 5% from
# 1025..4096, as small objects dominate most heaps.
busybox insmod "$RC_MODDIR/module/refcache.ko"
RANDOM=13
exec 3<>"$D/refcache/ctl"
for ((i = 0; i < 200; i++)); do
	r=$((RANDOM % 100))
	if [ $r -lt 70 ]; then
		size=$((1 + RANDOM % 256))
	elif [ $r -lt 95 ]; then
		size=$((257 + RANDOM % 768))
	else
		size=$((1025 + RANDOM % 3072))
	fi
	echo "create 100 $size" >&3 || fail "create 100 $size"
done
exec 3>&-
echo
echo "size classes: 20000 objects of mixed sizes (slabs: cache lines)"
awk '$1 == "cache" && $12 > 0 {
	printf "  %-18s payload %4d slot %4d objects %5d asked %8d used %9d  rounding %4.1f%%  slab %4.1f%%\n",
		$2, $4, $6, $10, $14, $16, 100 * (1 - $14 / ($10 * $4)), 100 * (1 - $14 / $16)
	o += $10; a += $14; p += $10 * $4; u += $16
} END {
	printf "  %-18s %34s asked %8d used %9d  rounding %4.1f%%  slab %4.1f%%\n",
		"all classes", "objects " o, a, u, 100 * (1 - a / p), 100 * (1 - a / u)
}' "$D/refcache/slabs"
busybox rmmod refcache
