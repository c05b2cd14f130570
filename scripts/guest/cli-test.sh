#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test of scripts/refcachectl, run inside a test kernel (uml-run.sh): every
# subcommand's output, exit status and error message, in KTAP. Loads and
# unloads refcache itself.
set -u
cd "$(dirname "$0")/../.." || exit 1
C=scripts/refcachectl
n=0 failed=0

# expect NAME WANT_STATUS WANT_OUTPUT CMD...: stdout+stderr must equal WANT_OUTPUT
expect() {
	local name=$1 want_rc=$2 want_out=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	n=$((n + 1))
	if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ]; then
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name"
		printf '# want status %s, output: %s\n# got status %s, output: %s\n' \
			"$want_rc" "$want_out" "$rc" "$out"
	fi
}

# expect_err NAME WANT_STATUS PHRASE CMD...: the status must be WANT_STATUS
# and stderr must contain PHRASE (stdout is not looked at)
expect_err() {
	local name=$1 want_rc=$2 phrase=$3 err rc ok=
	shift 3
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	n=$((n + 1))
	case $err in *"$phrase"*) [ "$rc" = "$want_rc" ] && ok=1 ;; esac
	if [ -n "$ok" ]; then
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name"
		printf '# want status %s, stderr with: %s\n# got status %s, stderr: %s\n' \
			"$want_rc" "$phrase" "$rc" "$err"
	fi
}

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

echo "KTAP version 1"
echo "1..26"
# debugfs is mounted (uml-init.sh) but refcache is not loaded yet.
expect_err "stats without the module fails: not loaded" 1 "refcache module is not loaded" $C stats
busybox insmod "$RC_MODDIR/module/refcache.ko" || exit 1
expect "create prints the new id" 0 "1" $C create
expect "create N prints N ids" 0 "$(printf '2\n3\n4')" $C create 3
expect "get prints the new refcount" 0 "2" $C get 1
expect "put prints the refcount after" 0 "1" $C put 1
expect "link prints the target's refcount" 0 "2" $C link 2 3
$C link 2 4 >/dev/null
expect "objects lists links newest first" 0 "$(printf '1 1 0\n2 1 2 4 3\n3 2 0\n4 2 0')" $C objects
expect "unlink prints the target's refcount" 0 "1" $C unlink 2 3
$C unlink 2 4 >/dev/null
expect "objects lists live objects" 0 "$(printf '1 1 0\n2 1 0\n3 1 0\n4 1 0')" $C objects
expect "final put prints 0" 0 "0" $C put 1
expect "put of a dead id says so" 1 "refcachectl: put 1: no such object" $C put 1
expect "get of a dead id says so" 1 "refcachectl: get 1: no such object" $C get 1
expect "bad argument is an invalid command" 1 "refcachectl: get 0x1: invalid command" $C get 0x1
expect "unlink without a link says so" 1 "refcachectl: unlink 2 3: no such object" $C unlink 2 3
$C link 2 2 >/dev/null
expect "put of a link-held object is refused" 0 "1" $C put 2
expect "and says why" 1 "refcachectl: put 2: only links hold it (unlink, or gc)" $C put 2
expect "gc dry counts the cycle" 0 "1" $C gc dry
expect "gc frees it" 0 "1" $C gc
expect "usage error exits 2" 2 "$($C 2>&1)" $C
expect "unknown command exits 2" 2 "$($C frob 2>&1)" $C frob
expect "--help exits 0" 0 "$($C --help)" $C --help
expect "watch -n 1 shows the stats once" 0 "$($C watch -n 1 | tail -n +2)" sh -c "$C watch -n 1 | tail -n +2 | grep -c '^live 2$' >/dev/null && $C watch -n 1 | tail -n +2"
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
echo "# refcachectl: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
