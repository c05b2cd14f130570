#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Case 7, unload under load. Proves that
#  - rmmod while workers hold ctl files open and use them is refused cleanly
#    (the open files pin the module: EAGAIN, "in use") and the module keeps
#    working, every worker answer still right; if it ever succeeds instead,
#    it must do so safely;
#  - rmmod racing with workers that open, use and close the files for every
#    command eventually succeeds; the workers then only ever see the files
#    vanish (ENOENT/ENXIO/EIO/ENODEV), the slab is destroyed, the kernel log
#    stays clean;
#  - unloading with 100,000 live objects reclaims every one of them (the log
#    line says 100000) and destroys the slab without "Objects remaining".
# Reloads the module afterwards (so it needs the .ko: -m, or $RC_MODDIR).
#
# usage: 07-unload-under-load.sh [-w WORKERS] [-n OPS] [-t SECONDS] [-m refcache.ko]
#   default -w 3 -n 2000 (an upper bound; the workers stop when told)

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
RC_WORKERS=3 RC_OPS=2000 RC_SECS=90
RC_BIG=${RC_BIG:-100000}
rc_args "$@"
rc_require_module

rmmod_() { busybox rmmod refcache 2>&1; }
insmod_() { busybox insmod "$RC_KO" 2>&1; }
loaded() { [ -e "$RC_DIR/ctl" ]; }
# slab_gone: true once kmem_cache_destroy() has removed the cache (polls 5 s).
slab_gone() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ -e "$RC_SLAB" ] || return 0
		sleep 0.1
	done
	return 1
}

# Phase A worker: one ctl file held open throughout.
holder() {
	local w=$1 ops=0 bad=0 id
	local out=$RC_TMP/a$w
	rc_ctl_open || { echo "0 1" >"$out.sum"; return; }
	exec 7>"$out.err"
	while [ "$ops" -lt "$RC_OPS" ] && [ ! -e "$RC_TMP/stop" ] && rc_time_left; do
		ops=$((ops + 3))
		if rc_ctl "create" && id=$RC_VAL && rc_ctl "get $id" && [ "$RC_VAL" = 2 ] &&
			rc_ctl "put $id" && [ "$RC_VAL" = 1 ] && rc_ctl "put $id" && [ "$RC_VAL" = 0 ]; then
			:
		else
			bad=$((bad + 1))
			echo "create/get/put/put: ${RC_ERR:-$RC_VAL}" >&7
		fi
	done
	echo "$ops $bad" >"$out.sum"
}

# Phase B worker: opens the files anew for every command, so there are
# moments when nothing is open and the unload can go through.
churner() {
	local w=$1 ops=0 bad=0 gone=0 l
	local -a lines
	local out=$RC_TMP/b$w
	# shellcheck disable=SC2094 # a write and a read end of one file
	exec 4>"$out.msg" 5<"$out.msg" 7>"$out.err"
	while [ "$ops" -lt "$RC_OPS" ] && [ ! -e "$RC_TMP/stop" ] && rc_time_left; do
		ops=$((ops + 1))
		case $((ops % 3)) in
		0) { printf 'create 2\n' >"$RC_DIR/ctl"; } 2>&4 ;;
		1) { read -r l <"$RC_DIR/stats"; } 2>&4 ;;
		2) { mapfile -t lines <"$RC_DIR/objects" && : "${lines[0]-}"; } 2>&4 ;;
		esac
		# shellcheck disable=SC2181 # the status of whichever branch ran
		[ $? -eq 0 ] && continue
		rc_catch_err
		case $RC_ERR in
		ENOENT | ENXIO | EIO | ENODEV) gone=$((gone + 1)) ;;
		*) bad=$((bad + 1)) && echo "op $((ops % 3)): $RC_ERR" >&7 ;;
		esac
		[ "$gone" -gt 20 ] && break
	done
	echo "$ops $bad $gone" >"$out.sum"
}

rc_ktap_start 12
rc_dmesg_mark "07 start"
mark0=$RC_MARK
if [ -z "$RC_KO" ] || [ ! -r "$RC_KO" ]; then
	rc_diag "no refcache.ko (-m or RC_MODDIR): cannot reload"
	while [ "$RC_T" -lt "$RC_PLAN" ]; do rc_skip "unload under load" "no refcache.ko"; done
	exit 0
fi
rc_diag "workers $RC_WORKERS, ops/worker <= $RC_OPS, big unload $RC_BIG objects"

# -- A: rmmod with ctl files open ----------------------------------------------
pids=()
for ((w = 0; w < RC_WORKERS; w++)); do holder "$w" & pids+=($!); done
sleep 1
refused=0 unloaded=0 msgs=
for i in 1 2 3 4 5; do
	if m=$(rmmod_); then
		unloaded=1
		break
	fi
	refused=$((refused + 1))
	msgs=$m
	sleep 0.2
done
touch "$RC_TMP/stop"
wait "${pids[@]}"
rm -f "$RC_TMP/stop"
rc_diag "rmmod with files open: refused $refused times ('$msgs'), unloaded $unloaded"
if [ "$unloaded" = 0 ]; then
	loaded
	rc_check "rmmod with ctl files open is refused cleanly (module in use)" \
		$? "module vanished although rmmod failed"
else
	slab_gone
	rc_check "rmmod with ctl files open succeeded safely (slab destroyed)" $?
	insmod_ >/dev/null
fi
rc_sum_workers a
rc_diag "holders: $ops ctl commands"
rc_check "holders' answers stayed right during the refused unloads" $((bad != 0 && unloaded == 0)) "${errs[@]}"
rc_ctl_open && rc_ctl "create" && rc_ctl "put $RC_VAL"
rc_eq "module still works afterwards" "${RC_ERR:-$RC_VAL}" 0
rc_ctl_close

# -- B: rmmod racing with open/use/close -----------------------------------------
pids=()
for ((w = 0; w < RC_WORKERS; w++)); do churner "$w" & pids+=($!); done
sleep 1
tries=0 m=
while [ "$tries" -lt 100 ]; do
	tries=$((tries + 1))
	m=$(rmmod_) && break
	m="refused: $m"
	sleep 0.$((RANDOM % 3))
done
sleep 0.5
touch "$RC_TMP/stop"
wait "${pids[@]}"
rm -f "$RC_TMP/stop"
! loaded
rc_check "rmmod under open/close churn goes through ($tries tries)" $? "$m"
ops=0 bad=0 gone=0 errs=()
for ((w = 0; w < RC_WORKERS; w++)); do
	read -r o b g <"$RC_TMP/b$w.sum" || b=1
	ops=$((ops + o)) bad=$((bad + b)) gone=$((gone + g))
	[ -s "$RC_TMP/b$w.err" ] && mapfile -t -O "${#errs[@]}" errs <<<"$(head -n 5 "$RC_TMP/b$w.err")"
done
rc_diag "churners: $ops opens+commands, $gone saw the files gone"
rc_check "churners saw only success or the files vanishing" $((bad != 0)) "${errs[@]}"
slab_gone
rc_check "refcache_obj slab destroyed" $?
rc_dmesg_since | grep 'refcache: unloading' | tail -n 1 | while read -r l; do rc_diag "$l"; done

# -- C: unload with RC_BIG live objects ----------------------------------------
m=$(insmod_)
loaded
rc_check "module reloads" $? "$m"
rc_ctl_open
left=$RC_BIG
t0=$SECONDS
while [ "$left" -gt 0 ]; do
	k=$((left > 65536 ? 65536 : left))
	rc_ctl "create $k" || break
	left=$((left - k))
done
RC_OUT=()
rc_ctl_close
rc_stats
rc_eq "$RC_BIG objects live (created in $((SECONDS - t0))s)" "${RC_STAT[live]}" "$RC_BIG"
rc_dmesg_mark "07 big unload"
t0=$SECONDS
m=$(rmmod_)
rc_diag "rmmod with $RC_BIG live objects took $((SECONDS - t0))s $m"
l=$(rc_dmesg_since | grep 'refcache: unloading' | tail -n 1)
rc_eq "unload reports every object reclaimed" "${l#*] }" "refcache: unloading: reclaimed $RC_BIG live objects"
slab_gone
rc_check "refcache_obj slab destroyed" $?
RC_MARK=$mark0
bad=$(rc_dmesg_bad)
rc_check "kernel log clean throughout" $((${#bad} != 0)) "$bad"
m=$(insmod_)
loaded
rc_check "module loaded again for whoever comes next" $? "$m"
