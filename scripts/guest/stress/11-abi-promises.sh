#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Case 11, the README's promises taken literally: what the ctl, objects and
# stats ABI and the max_objects parameter say, checked against values written
# here (never against what the module answered a moment earlier), with the
# ctl writes placed on chosen CPUs. On two or more CPUs "CPU 1" is the
# second CPU; on one CPU the very same sequence runs on CPU 0 and must give
# the very same results (nothing is skipped). Proves that
#  - max_objects is exact: a create that would take live above it fails
#    ENOMEM and creates nothing, whichever CPUs created and freed the live
#    objects: max_objects 5 and 8 single creates on CPUs 0/1 in turn (5 ok,
#    3 ENOMEM); 40 live (100 created on CPU 0, 60 put on CPU 1) under 50
#    (create 5, create 5 ok, create 1 ENOMEM); loaded with max_objects=100
#    (create, then create 100 ENOMEM, create 99 ok); lowered to 90 below 100
#    live (creates fail until puts bring live under 90, and live never goes
#    back above 90). A limit checked against a count that other CPUs fold in
#    only every 64 changes lets creates through or refuses them wrongly;
#  - peak_live never reads above the true peak: create 100 on CPU 0, put 50
#    on CPU 1, create 1 on CPU 0 reads peak_live 100, live 51 (a peak built
#    from one CPU's unfolded count plus a stale shared count reads 101);
#  - ctl is a stream: pwrite(2), pread(2) and lseek(2) on it fail ESPIPE, and
#    a refused pwrite("create 2") creates nothing; write(2)+read(2) go on
#    working;
#  - each "objects" line is one moment's: while another process (on CPU 1)
#    links and unlinks A->B (1 to 4 links), every line read has exactly
#    NLINKS targets (a show that counts the links in one walk and prints
#    them in a second tears lines). On two CPUs a run catches such tears by
#    the dozen; on one, a tear needs the reader preempted between the two
#    walks, which a run of a few seconds catches only now and then.
# Each group of checks starts from a freshly loaded module, so every counter,
# peak and per-CPU count is zero (the case reloads it, as case 7 does, from
# -m refcache.ko or $RC_MODDIR, without run.sh's -p parameters); it leaves
# the module loaded with its defaults.
#
# The pwrite, pread and lseek calls go through scripts/fileio.c (bash has
# none of them): rc_fileio of scripts/fileio.sh finds it, $RC_FILEIO if set,
# else the cache's tools/fileio-HASH (the cache holding $RC_MODDIR inside the
# test kernels), building it there with gcc where there is one (the host, or
# UML, which sees the host's files); qemu-run.sh copies it into QEMU's
# initramfs at that same path (rc_fileio_install). CPUs are chosen with
# taskset -p -c (util-linux in UML, busybox in QEMU) on the shell that does
# the writes.
#
# usage: 11-abi-promises.sh [-n READS] [-t SECONDS] [-m refcache.ko]
#   READS: at least this many reads of "objects" (default 2000) in the link
#   race, which runs for 5 s or until then; -t bounds the case (default 120).

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/../../fileio.sh
. "$(dirname "$0")/../../fileio.sh"
RC_WORKERS=1 RC_OPS=2000 RC_SECS=120
rc_args "$@"
rc_require_module
if [ "$RC_SHARED" = 1 ]; then
	echo "KTAP version 1"
	echo "1..0 # SKIP needs the module to itself (it reloads it)"
	exit 4
fi

rc_ktap_start 14
if [ -z "$RC_KO" ] || [ ! -r "$RC_KO" ]; then
	rc_diag "no refcache.ko (-m or RC_MODDIR): cannot reload the module"
	while [ "$RC_T" -lt "$RC_PLAN" ]; do rc_fail "needs refcache.ko to reload the module"; done
	exit 1
fi

NCPU=$(nproc 2>/dev/null) || NCPU=1
# "CPU 1": the second CPU where there is one.
C1=$((NCPU > 1 ? 1 : 0))
rc_diag "$NCPU CPUs: the writes placed on \"CPU 1\" run on CPU $C1"

# -- helpers -------------------------------------------------------------------

placed=0 misplaced=()
# on_cpu N: move this shell, and so the ctl writes it makes next, to CPU N
# (the scheduler moves a task that sleeps, as this shell does while taskset
# runs), and check it is there.
on_cpu() {
	local f
	placed=$((placed + 1))
	if ! taskset -p -c "$1" "$BASHPID" >/dev/null 2>&1; then
		misplaced+=("taskset -p -c $1 $BASHPID failed")
		return 1
	fi
	# Field 39 of stat is the CPU the task runs on; the name may hold spaces.
	read -r f <"/proc/$BASHPID/stat"
	read -r -a f <<<"${f##*) }"
	[ "${f[36]}" = "$1" ] || misplaced+=("placed on CPU $1, runs on CPU ${f[36]}")
}

nfresh=0 reload_errs=()
# fresh [PARAM...]: the module unloaded and loaded anew (with PARAMs), so
# every counter, peak and per-CPU count starts from zero; ctl open again.
fresh() {
	local m
	nfresh=$((nfresh + 1))
	rc_ctl_close
	if [ -e /sys/module/refcache ] && ! m=$(busybox rmmod refcache 2>&1); then
		reload_errs+=("rmmod: $m")
	fi
	m=$(busybox insmod "$RC_KO" "$@" 2>&1) || reload_errs+=("insmod $*: $m")
	rc_ctl_open
}

# do_ CMD: run a ctl command, add " ok" or " ENAME" to res.
do_() {
	if rc_ctl "$1"; then res+=" ok"; else res+=" $RC_ERR"; fi
}

# put_all ID...: one put each, every one of them the final one; adds
# " put:N" to res, or the first answer that was not 0.
put_all() {
	local id
	for id in "$@"; do
		if ! rc_ctl "put $id" || [ "$RC_VAL" != 0 ]; then
			res+=" put $id:${RC_ERR:-$RC_VAL}"
			return 1
		fi
	done
	res+=" put:$#"
}

# set_max N: write the max_objects parameter.
set_max() {
	{ echo "$1" >"$RC_PARAMS/max_objects"; } 2>/dev/null || res+=" max_objects=$1:failed"
}

# live_: add "/LIVE" (stats' live now) to res.
live_() {
	rc_stats
	res+="/${RC_STAT[live]}"
}

# fresh_100: fresh, then 100 objects created on CPU 0, their ids in ids;
# res starts with how many came back.
fresh_100() {
	fresh
	on_cpu 0
	rc_ctl "create 100"
	ids=("${RC_OUT[@]}")
	res=" ${#ids[@]} ids"
}

# -- 1. max_objects is exact -----------------------------------------------------

fresh
res=
set_max 5
for ((i = 0; i < 8; i++)); do
	on_cpu $((i % 2 ? C1 : 0))
	do_ create
done
rc_stats
rc_eq "max_objects 5: 8 single creates on CPUs 0/1 in turn: 5 succeed, 3 fail ENOMEM" \
	"${res# }; live ${RC_STAT[live]} created ${RC_STAT[created]}" \
	"ok ok ok ok ok ENOMEM ENOMEM ENOMEM; live 5 created 5"

fresh_100
on_cpu "$C1"
put_all "${ids[@]:0:60}"
live_
set_max 50
on_cpu 0
do_ "create 5"
on_cpu "$C1"
do_ "create 5"
on_cpu 0
do_ "create 1"
live_
rc_eq "40 live (100 created on CPU 0, 60 put on CPU 1), max_objects 50: create 5, create 5 succeed, create 1 fails ENOMEM" \
	"${res# }" "100 ids put:60/40 ok ok ENOMEM/50"

fresh max_objects=100
res=
on_cpu 0
do_ create
on_cpu "$C1"
do_ "create 100"
on_cpu 0
do_ "create 99"
rc_stats
read -r pm <"$RC_PARAMS/max_objects"
rc_eq "loaded with max_objects=100: create, then create 100 fails ENOMEM, create 99 succeeds" \
	"${res# }; live ${RC_STAT[live]} created ${RC_STAT[created]} max_objects $pm" \
	"ok ENOMEM ok; live 100 created 100 max_objects 100"

fresh_100
set_max 90
on_cpu 0 && do_ create && live_
on_cpu "$C1" && do_ create && live_
on_cpu "$C1" && put_all "${ids[@]:0:10}" && live_
on_cpu 0 && do_ create && live_
on_cpu "$C1" && put_all "${ids[10]}" && live_
on_cpu 0 && do_ create && live_
on_cpu "$C1" && do_ create && live_
on_cpu "$C1" && put_all "${ids[@]:11:5}" && live_
on_cpu 0 && do_ "create 5" && live_
on_cpu "$C1" && do_ create && live_
rc_eq "100 live, max_objects lowered to 90: creates fail ENOMEM until puts bring live under 90; live never rises above 90" \
	"${res# }" \
	"100 ids ENOMEM/100 ENOMEM/100 put:10/90 ENOMEM/90 put:1/89 ok/90 ENOMEM/90 put:5/85 ok/90 ENOMEM/90"

# -- 2. peak_live ----------------------------------------------------------------

fresh_100
on_cpu "$C1"
put_all "${ids[@]:0:50}"
on_cpu 0
do_ create
rc_stats
rc_eq "create 100 on CPU 0, put 50 on CPU 1, create 1 on CPU 0: peak_live 100, live 51" \
	"${res# }; peak_live ${RC_STAT[peak_live]} live ${RC_STAT[live]}" \
	"100 ids put:50 ok; peak_live 100 live 51"

# -- 3. ctl is a stream ----------------------------------------------------------

fresh
on_cpu 0
if fio=$(rc_fileio 2>"$RC_TMP/fileio.err"); then
	rc_diag "fileio helper: $fio"
	# fio_ OP ARGS...: the helper's output and exit status, in RC_VAL.
	fio_() {
		local out st=0
		out=$("$fio" "$@" 2>&1) || st=$?
		RC_VAL="$out (exit $st)"
	}
else
	rc_diag "no fileio helper: $(cat "$RC_TMP/fileio.err")"
	fio_() { RC_VAL="no fileio helper"; }
fi
fio_ pwrite "$RC_DIR/ctl" 0 "create 2"
res=$RC_VAL
rc_stats
rc_eq "pwrite(ctl, \"create 2\", 8, 0) fails ESPIPE and creates nothing" \
	"$res; live ${RC_STAT[live]} created ${RC_STAT[created]}" "ESPIPE (exit 1); live 0 created 0"
fio_ pread "$RC_DIR/ctl" 0 64
rc_eq "pread(ctl, 64 bytes, 0) fails ESPIPE" "$RC_VAL" "ESPIPE (exit 1)"
fio_ lseek "$RC_DIR/ctl" 0
rc_eq "lseek(ctl, 0, SEEK_SET) fails ESPIPE" "$RC_VAL" "ESPIPE (exit 1)"
# (Against what the pwrite may have left, so that this stays a check of
# its own.)
res=
rc_snapshot
if rc_ctl "create 2"; then
	res="${#RC_OUT[@]} ids"
	put_all "${RC_OUT[@]}"
else
	res=$RC_ERR
fi
rc_stats
rc_eq "write(2) and read(2) on ctl still work: create 2 gives two ids, each put gives 0" \
	"$res; created +$((RC_STAT[created] - s0[created])) live +$((RC_STAT[live] - s0[live]))" \
	"2 ids put:2; created +2 live +0"

# -- 4. objects lines under concurrent link/unlink --------------------------------

fresh
on_cpu 0
rc_ctl "create 2"
A=${RC_OUT[0]-} B=${RC_OUT[1]-}
rc_ctl "link $A $B"
rc_diag "objects A $A, B $B; one link A->B to start with"
t0=$SECONDS t4=$((SECONDS + 5))
[ "$t4" -le "$RC_DEADLINE" ] || t4=$RC_DEADLINE

# linker: on CPU 1, link and unlink A->B at random between 1 and 4 links
# until told to stop; B's refcount after each is 1 (its creator's) + links.
linker() {
	local k=1 ops=0 bad=0 cmd want
	on_cpu "$C1"
	rc_ctl_open
	exec 7>"$RC_TMP/linker.err"
	while [ ! -e "$RC_TMP/stop" ] && rc_time_left; do
		if [ "$k" -eq 1 ] || { [ "$k" -lt 4 ] && ((RANDOM % 2)); }; then
			cmd="link $A $B" k=$((k + 1))
		else
			cmd="unlink $A $B" k=$((k - 1))
		fi
		want=$((1 + k)) ops=$((ops + 1))
		if ! rc_ctl "$cmd" || [ "$RC_VAL" != "$want" ]; then
			bad=$((bad + 1))
			echo "$cmd: ${RC_ERR:-$RC_VAL}, want $want" >&7
		fi
	done
	printf '%s\n' "${misplaced[@]}" >&7
	echo "$ops $bad $k ${#misplaced[@]}" >"$RC_TMP/linker.sum"
}
linker &
lpid=$!

reads=0 torn=0 odd=0 torn_l=() odd_l=()
while rc_time_left && { [ "$SECONDS" -lt "$t4" ] || [ "$reads" -lt "$RC_OPS" ]; }; do
	mapfile -t l <"$RC_DIR/objects"
	reads=$((reads + 1))
	if [ "${#l[@]}" -ne 2 ]; then
		odd=$((odd + 1))
		[ "${#odd_l[@]}" -lt 5 ] && odd_l+=("${#l[@]} lines: ${l[*]}")
	fi
	for line in "${l[@]}"; do
		# "ID REFCOUNT NLINKS [TARGET...]"
		if [[ ! $line =~ ^([0-9]+)\ ([0-9]+)\ ([0-9]+)((\ [0-9]+)*)$ ]]; then
			torn=$((torn + 1))
			[ "${#torn_l[@]}" -lt 5 ] && torn_l+=("malformed: '$line'")
			continue
		fi
		id=${BASH_REMATCH[1]} n=${BASH_REMATCH[3]}
		tg=${BASH_REMATCH[4]}
		sp=${tg//[0-9]/}
		if [ "${#sp}" -ne "$n" ]; then
			torn=$((torn + 1))
			[ "${#torn_l[@]}" -lt 5 ] && torn_l+=("NLINKS $n, ${#sp} targets: '$line'")
		fi
		# (No REFCOUNT is asserted: link and unlink pin both objects
		# with a reference of their own while they work, which a read
		# may see.)
		if [ "$id" = "$A" ]; then
			[ "$n" -ge 1 ] && [ "$n" -le 4 ] && [ -n "$tg" ] && [ -z "${tg// $B/}" ] && continue
		elif [ "$id" = "$B" ]; then
			[ "$n" = 0 ] && [ -z "$tg" ] && continue
		fi
		odd=$((odd + 1))
		[ "${#odd_l[@]}" -lt 5 ] && odd_l+=("'$line'")
	done
done
touch "$RC_TMP/stop"
wait "$lpid"
lops=0 lbad=1 lk=0 lmis=0
read -r lops lbad lk lmis <"$RC_TMP/linker.sum"
mapfile -t -n 5 lerr <"$RC_TMP/linker.err"
rc_diag "$reads reads of objects against $lops links/unlinks in $((SECONDS - t0))s"
rc_check "every objects line has exactly NLINKS targets ($reads reads)" $((torn != 0)) \
	"$torn torn or malformed lines, the first:" "${torn_l[@]}"
rc_check "every read lists just A (1-4 links, all to B) and B (no links)" \
	$((odd != 0)) "$odd unexpected reads or lines, the first:" "${odd_l[@]}"
rc_check "the linker ($lops commands, on CPU $C1) got every answer its model says" \
	$((lbad != 0 || lops == 0 || lmis != 0)) "${lerr[@]}"
# Clean up: A's links, then both objects.
for ((i = 0; i < lk; i++)); do rc_ctl "unlink $A $B"; done
rc_ctl "put $A"
rc_ctl "put $B"

# -- the placements and reloads the checks above stand on --------------------------

rc_check "every ctl write ran on the CPU it was placed on ($placed placements)" \
	$((${#misplaced[@]} != 0)) "${misplaced[@]}"
rc_check "module loaded fresh for each of the $nfresh groups of checks" \
	$((${#reload_errs[@]} != 0)) "${reload_errs[@]}"
rc_ctl_close
