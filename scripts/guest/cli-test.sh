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

  create [N]   make N objects (1..65536, default 1); prints their ids
  get ID       take a reference; prints the new refcount
  put ID       drop a reference; prints the refcount after (0: freed)
  link A B     object A takes a reference on B; prints B'"'"'s new refcount
  unlink A B   drop one link A->B; prints B'"'"'s refcount after
  gc [dry]     free what only links keep alive (cycles); prints how many
               (with dry: how many it would free, freeing nothing)
  objects      list live objects: "ID REFCOUNT NLINKS [TARGET...]", in
               table order (by slot: the low 24 bits of the id), each
               object'"'"'s link targets newest first
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
and debugfs (REFCACHE_DIR overrides /sys/kernel/debug/refcache).'

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

rc_ktap_start 30
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
