# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2094
# (SC2034: the RC_* variables are this library's interface to its callers;
#  SC2094: fds 4/5 are deliberately a write and a read end of one file.)
#
# Shared helpers for the refcache stress cases; sourced, never run.
#
#  - KTAP output: scripts/lib/ktap.sh (rc_ktap_start PLAN, rc_ok, rc_fail,
#    rc_check, rc_eq, rc_skip, rc_diag), whose EXIT trap fills any result a
#    dying script never reached with "not ok" so the plan always holds, and
#    sets the exit status; rc_global here.
#  - ctl transactions without forking: rc_ctl_open gives the caller a
#    private ctl file on fd 3 (its own result buffer) plus an unlinked
#    scratch file on fds 4 (write) and 5 (read) that catches bash's
#    "write error: ..." text; rc_ctl CMD then leaves the result lines in
#    RC_OUT[] (first in RC_VAL) or the E-name in RC_ERR (scripts/lib/errno.sh).
#  - rc_stats: the stats file into the associative array RC_STAT. A final
#    put returns the object to the slab at once, so "freed" and
#    "slab_objects" are exact as soon as the put has answered.
#  - rc_args: -w WORKERS -n OPS -t SECONDS -s SEED, with per-case defaults.
#  - the kernel log since a mark, checked by scripts/lib/klog.sh.
#
# Every case is bounded twice: by an operation count (-n) and by a deadline
# (-t); whichever comes first ends the workers.

RC_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../lib" && pwd)
# shellcheck source=SCRIPTDIR/../../lib/ktap.sh
. "$RC_LIB/ktap.sh"
# shellcheck source=SCRIPTDIR/../../lib/errno.sh
. "$RC_LIB/errno.sh"
# shellcheck source=SCRIPTDIR/../../lib/klog.sh
. "$RC_LIB/klog.sh"

RC_DIR=${RC_DIR:-/sys/kernel/debug/refcache}
RC_SLAB=/sys/kernel/slab/refcache_obj
RC_PARAMS=/sys/module/refcache/parameters
# Set by the soak: other cases run at the same time, so whole-module
# counters (live, created, freed, slab objects) are not this case's alone.
RC_SHARED=${RC_SHARED:-0}

declare -gA RC_STAT=() RC_OBJ=()
declare -ga RC_OUT=()
RC_VAL=
RC_ERR=

# --- KTAP ------------------------------------------------------------------

# rc_global DESC GOT WANT: rc_eq for a whole-module counter; skipped when
# other users share the module.
rc_global() {
	if [ "$RC_SHARED" = 1 ]; then
		rc_skip "$1" "module shared with concurrent cases"
	else
		rc_eq "$@"
	fi
}

# rc_require_module: skip the whole case (KTAP "1..0 # SKIP", kselftest
# status 4) when the module's files are not there.
rc_require_module() {
	[ -e "$RC_DIR/ctl" ] || rc_ktap_skip_all "refcache not loaded ($RC_DIR/ctl missing)"
}

# --- arguments -------------------------------------------------------------

# rc_args "$@": set RC_WORKERS, RC_OPS, RC_SECS, RC_SEED (callers preset
# defaults), RC_KO for the cases that reload the module.
rc_args() {
	local opt OPTIND=1
	while getopts w:n:t:s:m:h opt; do
		case $opt in
		w) RC_WORKERS=$OPTARG ;;
		n) RC_OPS=$OPTARG ;;
		t) RC_SECS=$OPTARG ;;
		s) RC_SEED=$OPTARG ;;
		m) RC_KO=$OPTARG ;;
		*)
			echo "usage: ${0##*/} [-w WORKERS] [-n OPS] [-t SECONDS] [-s SEED] [-m refcache.ko]" >&2
			sed -n '3,/^$/s/^# \{0,1\}//p' "$0" >&2
			exit 2
			;;
		esac
	done
	local v
	for v in RC_WORKERS RC_OPS RC_SECS RC_SEED; do
		[[ ${!v} =~ ^[0-9]+$ ]] || { echo "${0##*/}: bad $v '${!v}'" >&2; exit 2; }
	done
	RANDOM=$RC_SEED
	RC_DEADLINE=$((SECONDS + RC_SECS))
	RC_TMP=$(mktemp -d "${TMPDIR:-/tmp}/rc-stress.XXXXXX")
	# shellcheck disable=SC2016 # expanded when the script ends
	rc_at_exit 'rm -rf "$RC_TMP"'
}

RC_WORKERS=${RC_WORKERS:-4}
RC_OPS=${RC_OPS:-200}
RC_SECS=${RC_SECS:-30}
RC_SEED=${RC_SEED:-$$}
RC_KO=${RC_KO:-${RC_MODDIR:+$RC_MODDIR/module/refcache.ko}}

# rc_time_left: true while the case's deadline has not passed.
rc_time_left() { [ "$SECONDS" -lt "$RC_DEADLINE" ]; }

# --- ctl -------------------------------------------------------------------

# rc_errname TEXT: the E-name for a strerror() text, in RC_ERR (the map is
# scripts/lib/errno.sh's; an unknown text gives "E?(TEXT)").
rc_errname() {
	rc_errno "$1"
	RC_ERR=$RC_ERRNO
}

# rc_ctl_open: this process's own ctl file on fd 3 (never share one between
# processes: the result buffer belongs to the open file), and the error
# channel on fds 4/5.
rc_ctl_open() {
	local f
	exec 3<>"$RC_DIR/ctl" || return 1
	f=${RC_TMP:-${TMPDIR:-/tmp}}/err.$BASHPID.$RANDOM
	exec 4>"$f" 5<"$f"
	rm -f "$f"
}

rc_ctl_close() { exec 3>&- 4>&- 5>&-; }

# rc_catch_err: after a failed builtin write, turn bash's message (the last
# line it wrote to the error channel) into RC_ERR.
rc_catch_err() {
	local msg='' l
	while IFS= read -r l <&5; do msg=$l; done
	rc_errname "$msg"
}

# rc_ctl CMD: one transaction. Success: status 0, RC_OUT[] = result lines,
# RC_VAL = the first, RC_ERR empty. Failure: status 1, RC_ERR = E-name.
rc_ctl() {
	RC_OUT=()
	RC_VAL=
	RC_ERR=
	if printf '%s\n' "$1" >&3 2>&4; then
		mapfile -t RC_OUT <&3
		RC_VAL=${RC_OUT[0]-}
		return 0
	fi
	rc_catch_err
	return 1
}

# rc_ctl_raw FORMAT: write printf FORMAT's bytes to ctl in exactly one
# write(2); sets RC_ERR on failure like rc_ctl. Bash's printf flushes at every
# newline, so bytes with a newline before their end, and long ones, go
# through dd (one read of the whole pipe, one write to the same open file).
rc_ctl_raw() {
	local s
	RC_ERR=
	# shellcheck disable=SC2059 # the format is the point
	printf -v s -- "$1" 2>/dev/null
	# (printf -v stops at a NUL, so look at the format's "\n" too.)
	if [[ ${s%$'\n'} == *$'\n'* ]] || [[ ${1%'\n'} == *'\n'* ]] ||
		[ "${#s}" -ge 1024 ]; then
		# shellcheck disable=SC2059
		printf -- "$1" | dd bs=65536 count=1 iflag=fullblock status=none >&3 2>&4 &&
			return 0
	else
		# shellcheck disable=SC2059
		printf -- "$1" >&3 2>&4 && return 0
	fi
	rc_catch_err
	return 1
}

# rc_ctl_read_raw: whatever a read(2) on fd 3 returns now, in RC_VAL.
rc_ctl_read_raw() {
	RC_VAL=
	IFS= read -r -d '' RC_VAL <&3
	return 0
}

# --- module state ----------------------------------------------------------

# The seq_files are read front to back in one pass (mapfile): bash's "read"
# seeks back after every line, and a seq_file regenerates its text on a seek,
# so under concurrent changes line-by-line reads would see torn lines.

# rc_stats: the stats file into RC_STAT[name].
rc_stats() {
	local -a l
	local i
	RC_STAT=()
	mapfile -t l <"$RC_DIR/stats"
	for i in "${l[@]}"; do RC_STAT[${i%% *}]=${i#* }; done
}

# rc_snapshot: the stats file into RC_STAT and, as the case's baseline, into
# the global associative array s0.
rc_snapshot() {
	local k
	declare -gA s0=()
	rc_stats
	for k in "${!RC_STAT[@]}"; do s0[$k]=${RC_STAT[$k]}; done
}

# rc_run_workers: run the case's function "worker N" for N in
# 0..RC_WORKERS-1, in parallel, and wait for all of them.
rc_run_workers() {
	local w pids=()
	for ((w = 0; w < RC_WORKERS; w++)); do
		worker "$w" &
		pids+=($!)
	done
	wait "${pids[@]}"
}

# rc_sum_workers PREFIX: add up what each worker N left in
# $RC_TMP/PREFIX$N.sum ("OPS BAD"; a missing file counts as bad) into the
# globals ops and bad, and the first lines of each PREFIX$N.err into errs.
rc_sum_workers() {
	local w o b
	ops=0 bad=0 errs=()
	for ((w = 0; w < RC_WORKERS; w++)); do
		read -r o b <"$RC_TMP/$1$w.sum" || b=1
		ops=$((ops + o)) bad=$((bad + b))
		[ -s "$RC_TMP/$1$w.err" ] &&
			mapfile -t -O "${#errs[@]}" errs <<<"$(head -n 5 "$RC_TMP/$1$w.err")"
	done
}

# rc_objects: the objects file into RC_OBJ[id] = refcount; count in RC_VAL.
rc_objects() {
	local -a l
	local i r
	RC_OBJ=()
	mapfile -t l <"$RC_DIR/objects"
	# "ID REFCOUNT NLINKS [TARGET...]": keep the refcount only.
	for i in "${l[@]}"; do
		r=${i#* }
		RC_OBJ[${i%% *}]=${r%% *}
	done
	RC_VAL=${#l[@]}
}

# rc_slab_objects: the slab's object count after shrinking it, in RC_VAL
# ("-" when the kernel has no such file).
rc_slab_objects() {
	local n rest
	RC_VAL=-
	[ -e "$RC_SLAB/objects" ] || return 0
	echo 1 >"$RC_SLAB/shrink" 2>/dev/null
	read -r n rest <"$RC_SLAB/objects"
	: "$rest"
	RC_VAL=$n
}

# rc_slab_settle WANT [SECONDS]: rc_slab_objects until it says WANT (polls;
# RC_VAL is the last count). refcache frees at once, but with
# CONFIG_SLUB_RCU_DEBUG (KASAN kernels) SLUB itself holds objects of a
# SLAB_TYPESAFE_BY_RCU cache back for a grace period before they count
# as free.
rc_slab_settle() {
	local want=$1 end=$((SECONDS + ${2:-10}))
	while :; do
		rc_slab_objects
		[ "$RC_VAL" = "$want" ] && return 0
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# --- kernel log ------------------------------------------------------------

# What fails a case, and the exceptions: scripts/lib/klog.sh. (RC_DMESG_BAD
# is its regular expression under the name the cases knew.)
RC_DMESG_BAD=$RC_KLOG_BAD

# rc_dmesg_mark TAG: write a unique marker to the kernel log, in RC_MARK.
rc_dmesg_mark() {
	RC_MARK="refcache-stress: $1 $BASHPID.$RANDOM.$SECONDS"
	echo "$RC_MARK" >/dev/kmsg
}

# rc_dmesg_since: the kernel log after RC_MARK (all of it if the marker has
# already been overwritten).
rc_dmesg_since() {
	dmesg | awk -v m="$RC_MARK" '
		{ l[NR] = $0 } index($0, m) { s = NR }
		END { for (i = s + 1; i <= NR; i++) print l[i] }'
}

# rc_dmesg_bad: the lines since RC_MARK that fail a case (empty if clean).
rc_dmesg_bad() {
	rc_dmesg_since | rc_klog_bad stress | head -n 20
}

# rc_rand N: a random number 0..N-1 in RC_VAL (bash's LCG, seeded per run).
rc_rand() { RC_VAL=$((RANDOM % $1)); }
