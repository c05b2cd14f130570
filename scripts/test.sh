#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole refcache test suite, from a fresh Debian 12 machine. First the
# UML test kernel's packages and the kernel itself (the other packages
# install in the background meanwhile), then three lanes side by side:
#   1. static lane: builds (W=1, no warnings) against the UML test kernel and
#      Debian's 6.12 and 6.1 headers; make's own error without a kernel tree;
#      checkpatch --strict and kernel-doc -Wall on module/, include/ and
#      kunit/; sparse (C=2);
#      dkms build against the Debian kernels, warning-free
#   2. UML lane, one core: KUnit (refcache_kunit.ko, read by kunit.py); the
#      demo (scripts/demo.sh, which checks every step it shows); the hosts
#      UML cannot run on: the demo again with ptrace answering as an
#      11,008-byte XSAVE host (uml-run.sh -x), Debian's unpatched tree failing
#      there with the runner's one-line diagnosis and booting (or failing, on
#      a real AMX host) without the shim, no PTRACE_SYSEMU, a noexec memory
#      directory; refcachectl's test, the stress cases (scripts/guest/stress/run.sh)
#      and a smoke run of the benchmark
#   3. QEMU lane, 2 CPUs (each run checks both came up): the KUnit
#      suites and stress cases under KCSAN (with slub_debug on
#      refcache_obj); the KUnit suites, stress cases and the tracepoint
#      test under KASAN,
#      kmemleak scans after the stress runs; stress cases and the tracepoint
#      test in Debian 12's own 6.1 kernel. On a fresh machine this lane
#      builds its two kernels first, while the UML lane runs.
# Which stress case runs on which kernel, and how each kernel is booted for
# them: scripts/guest/stress/cases.table, one boot per kernel of a lane.
# The static lane also runs shellcheck -x over every shell script, and checks
# that every stress case has a line in that table.
# Every kernel boot's log must be free of BUG/WARNING/KASAN/lockdep/refcount
# reports (scripts/lib/klog.sh, which lists the exceptions). Every check
# prints a KTAP line (scripts/lib/ktap.sh), numbered within its lane. Ends
# with "N passed, N failed" (KUnit cases + checks + stress cases) and exits
# non-zero if anything failed or was skipped.
#
# usage: scripts/test.sh [--quick | --lane static|uml|qemu]
#   --quick  the edit-compile-test loop: the UML build, checkpatch and KUnit
#            in UML; no QEMU, no other kernels
#   --lane   one lane of the full run only
# Logs go to $RC_CACHE/test-logs.
set -u
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lib/ktap.sh
. "$RC_TOP/scripts/lib/ktap.sh"
# shellcheck source=SCRIPTDIR/lib/cases.sh
. "$RC_TOP/scripts/lib/cases.sh"

quick=0 only=""
case ${1:-} in
--quick) quick=1 ;;
--lane)
	case ${2:-} in
	static | uml | qemu) only=$2 ;;
	*) sed -n '/^# usage/,/^# Logs go/p' "$0" >&2; exit 2 ;;
	esac
	;;
"") ;;
*) sed -n '/^# usage/,/^# Logs go/p' "$0" >&2; exit 2 ;;
esac

passed=0 failed=0 skipped=0
logs=$RC_CACHE/test-logs
rm -rf "$logs" && mkdir -p "$logs"
lane=main
cases_table=$RC_TOP/scripts/guest/stress/cases.table
cases_ok=0
rc_cases_read "$cases_table" 2>"$logs/cases-table.err" && cases_ok=1

# check NAME CMD...: run one check, count it, print its KTAP result (with
# the time it took, and the end of its log if it failed).
check() {
	local name=$1 log t=$SECONDS
	shift
	log=$logs/$lane-$name.log
	if "$@" >"$log" 2>&1; then
		rc_ok "$name # $((SECONDS - t)) s"
	else
		rc_fail "$name # $((SECONDS - t)) s (log: $log)" "$(tail -n 40 "$log")"
	fi
}

# fails_with STATUS PATTERN CMD...: CMD must exit with STATUS and print a
# line matching the extended regular expression PATTERN (its output shown).
fails_with() {
	local want=$1 pattern=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	printf '%s\n' "$out"
	echo "exit status $rc (want $want)"
	[ "$rc" -eq "$want" ] && grep -qE "$pattern" <<<"$out"
}

t0=$(date +%s)
# What the UML kernel needs first; the rest (QEMU, Debian's headers, sparse,
# dkms) installs in the background while it builds.
rc_need_packages "${RC_PACKAGES[@]}"
apt_pid=""
if [ $quick = 0 ]; then
	rc_need_packages "${RC_QEMU_PACKAGES[@]}" "$RC_INITRAMFS" linux-headers-6.12-amd64 \
		linux-headers-amd64 sparse dkms shellcheck >"$logs/apt.log" 2>&1 &
	apt_pid=$!
fi
uml=$(rc_uml_kernel) || rc_die "cannot build the UML test kernel"
src=$(cat "$uml/.src")

# The project's kernel C: what checkpatch and kernel-doc read.
kernel_c=("$RC_TOP"/module/*.[ch] "$RC_TOP"/module/bench/*.c "$RC_TOP"/include/*.h
	"$RC_TOP"/kunit/*.[ch])

# kernel_doc_clean FILE...: kernel-doc -Wall has nothing to say about them.
kernel_doc_clean() {
	local out
	out=$(perl "$src/scripts/kernel-doc" -Wall -none "$@" 2>&1)
	[ -z "$out" ] || { printf '%s\n' "$out"; return 1; }
}

static_lane() {
	# The builds are checks here: never an earlier build's result.
	export RC_FRESH_MODULES=1
	echo "# builds and static checks"
	check checkpatch perl "$src/scripts/checkpatch.pl" --no-tree --strict --terse \
		--ignore FILE_PATH_CHANGES -f "${kernel_c[@]}"
	check kernel-doc kernel_doc_clean "${kernel_c[@]}"
	check build-uml rc_build_modules uml "$src" O="$uml" ARCH=um
	[ $quick = 0 ] || return 0
	for v in 6.12 6.1; do
		hdr=$(rc_debian_headers "$v")
		if [ -z "$hdr" ]; then
			check "build-debian-$v" false
		else
			check "build-debian-$v" rc_build_modules "debian-$v" "$hdr"
		fi
	done
	if hdr=$(rc_debian_headers 6.12) && [ -n "$hdr" ]; then
		check sparse rc_build_modules sparse-6.12 "$hdr" C=2
	else
		check sparse false
	fi
	# A newcomer's first make, on a machine without a kernel tree.
	check make-without-kernel-tree fails_with 2 'linux-headers-' \
		make -s -C "$RC_TOP" KDIR=/nonexistent/build
	# DKMS, for the Debian kernels people run (their header packages are
	# what dkms builds against).
	check dkms-add "$RC_TOP/scripts/dkms.sh" add
	for v in 6.12 6.1; do
		hdr=$(rc_debian_headers "$v")
		kver=${hdr#/usr/src/linux-headers-}
		check "dkms-build-$v" "$RC_TOP/scripts/dkms.sh" build "$kver"
	done
	check dkms-remove "$RC_TOP/scripts/dkms.sh" remove
	check shellcheck shellcheck_all
	check stress-cases-table cases_table_check
}

# shell_scripts: every shell script of the repository (scripts/, .ci/),
# relative to its top: the *.sh files (libraries included: each names its
# shell) and the executables whose first line runs bash or sh.
shell_scripts() {
	local f
	(cd "$RC_TOP" && find scripts .ci -type f | LC_ALL=C sort) | while IFS= read -r f; do
		case $f in
		*.sh) echo "$f" ;;
		*) head -n 1 "$RC_TOP/$f" | grep -qE '^#!.*[/ ](ba)?sh( |$)' && echo "$f" ;;
		esac
	done
}

# Every shell script through "shellcheck -x", following what each sources
# (.shellcheckrc: found beside the sourcing script); any finding fails.
shellcheck_all() {
	local -a files
	mapfile -t files < <(shell_scripts)
	echo "shellcheck $(shellcheck --version | sed -n 's/^version: //p'), ${#files[@]} files: ${files[*]}"
	(cd "$RC_TOP" && shellcheck -x "${files[@]}")
}

# cases_table_check: cases.table reads, names only kernels and runners that
# exist, and lists every case of scripts/guest/stress/ (a case without a
# line would never run). A line without its file is the stress runs' to
# report: each fails the case on every kernel that it is marked for.
cases_table_check() {
	local f c k bad=0
	cat "$logs/cases-table.err"
	[ "$cases_ok" = 1 ] || return 1
	for k in "${RC_KERNELS[@]}"; do
		case ${RC_KERNEL_LANE[$k]} in uml | qemu | -) ;; *) echo "kernel $k: no lane ${RC_KERNEL_LANE[$k]}"; bad=1 ;; esac
		case ${RC_KERNEL_RUN[$k]} in
		"uml-run.sh "* | "qemu-run.sh "* | uml-run.sh | qemu-run.sh) ;;
		*) echo "kernel $k: runner '${RC_KERNEL_RUN[$k]%% *}' (uml-run.sh or qemu-run.sh)"; bad=1 ;;
		esac
	done
	for f in "${cases_table%/*}"/[0-9][0-9]-*.sh; do
		[ -e "$f" ] || continue
		c=${f##*/}
		c=${c%.sh}
		[ -n "${RC_CASE_LIMIT[$c]:-}" ] || { echo "$f has no line in $cases_table"; bad=1; }
	done
	for c in "${RC_CASES[@]}"; do
		[ -e "${cases_table%/*}/$c.sh" ] ||
			echo "note: $c is listed, its file is missing: every stress run that includes it fails it"
	done
	[ "$bad" = 0 ] && echo "cases.table: ${#RC_KERNELS[@]} kernels, ${#RC_CASES[@]} cases"
	return "$bad"
}

# kunit_field NAME SUMMARY: the count kunit.py's summary gives for NAME, or 0.
kunit_field() {
	local n
	n=$(sed -n "s/.*$1: \([0-9]*\).*/\1/p" <<<"$2")
	echo "${n:-0}"
}

# kunit_run NAME RUNNER [RUNNER OPTIONS] [-- MODULE PARAMETERS]: boot a test
# kernel, load the KUnit module, count its cases as kunit.py reads them,
# check the kernel log.
kunit_run() {
	local name=$1 runner=$2 run summary opts=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	[ $# -eq 0 ] || shift
	echo "# $name (${runner%-run.sh})"
	run=$logs/$name-run
	check "$name-boot" "$RC_TOP/scripts/$runner" "${opts[@]}" -o "$run" scripts/guest/kunit.sh "$@"
	# The kernel prints an empty KTAP document at boot (no built-in suites);
	# kunit.py reads the first document it finds, so hand it the module's.
	awk '/^\[[ 0-9.]*\] KTAP version/ { start = NR } { line[NR] = $0 }
	     END { for (i = start; i <= NR; i++) print line[i] }' "$run/console.log" >"$logs/$name.ktap"
	python3 "$src/tools/testing/kunit/kunit.py" parse "$logs/$name.ktap" >"$logs/$name.txt" 2>&1
	grep -E '^\[|^=|Testing complete' "$logs/$name.txt" | sed 's/^/  /' | grep -vE '^\s*$' | tail -n 80
	summary=$(grep -o 'Ran [0-9]* tests:.*' "$logs/$name.txt" | tail -n 1)
	if [ -z "$summary" ]; then
		rc_fail "$name: kunit.py found no KTAP in the log"
	else
		rc_ktap_add "$(kunit_field passed "$summary")" \
			$(($(kunit_field failed "$summary") + $(kunit_field crashed "$summary") +
				$(kunit_field errors "$summary"))) "$(kunit_field skipped "$summary")"
	fi
	# The boots that load refcache_kunit.ko: its canary case logs a payload
	# overwrite on purpose (scripts/lib/klog.sh, context kunit).
	log_checks "$name" "$runner" "$run/console.log" kunit
}

# ktap_run NAME RUNNER [RUNNER OPTIONS] -- CMD...: run CMD in a test kernel
# through scripts/RUNNER (uml-run.sh or qemu-run.sh); count the top-level
# results of the KTAP it prints (rc_ktap_count: an "ok" marked "# SKIP"
# counts as skipped, not passed), then check the kernel log.
ktap_run() {
	local name=$1 runner=$2 out rc=0 opts=() t=$SECONDS
	shift 2
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	echo "# $name (${runner%-run.sh})"
	out=$logs/$name.txt
	"$RC_TOP/scripts/$runner" "${opts[@]}" -o "$logs/$name-run" "$@" >"$out" 2>&1 || rc=$?
	# Failures and diagnostics in full, passes as one count.
	grep -vE '^ok [0-9]+ - [^#]*$|^ {4}ok ' "$out" | sed 's/^/  /'
	rc_ktap_count "$out"
	echo "  $name: $RC_KTAP_PASS passed, $RC_KTAP_FAIL failed, $RC_KTAP_SKIP skipped," \
		"$((SECONDS - t)) s"
	rc_ktap_add "$RC_KTAP_PASS" "$RC_KTAP_FAIL" "$RC_KTAP_SKIP"
	[ $((RC_KTAP_PASS + RC_KTAP_FAIL + RC_KTAP_SKIP)) -gt 0 ] || check "$name-ran" false
	# The guest's scripts hold their plans (ktap.sh's EXIT trap); one that
	# does not was cut short with its kernel.
	[ $((RC_KTAP_PASS + RC_KTAP_FAIL + RC_KTAP_SKIP)) = "${RC_KTAP_PLAN:-0}" ] ||
		check "$name-plan-${RC_KTAP_PLAN:-none}" false
	# A run that died or failed without saying which case is a failure too.
	[ "$rc" -eq 0 ] || [ "$RC_KTAP_FAIL" -gt 0 ] || check "$name-exit-status-$rc" false
	log_checks "$name" "$runner" "$logs/$name-run/console.log"
}

# log_checks NAME RUNNER CONSOLE_LOG [CONTEXT]: after a boot, its kernel log
# must be clean (rc_check_kernel_log, with CONTEXT's exceptions); a QEMU run
# counts only if the guest brought up both CPUs (its races would be a
# uniprocessor's otherwise).
log_checks() {
	check "$1-kernel-log" rc_check_kernel_log "$3" "${4:-boot}"
	[ "$2" != qemu-run.sh ] ||
		check "$1-on-2-cpus" grep -E 'smp: Brought up .* 2 CPUs' "$3"
}

# stress_runs LANE: one boot per kernel of LANE in cases.table, running the
# stress cases marked for it.
stress_runs() {
	local k
	local -a run
	if [ "$cases_ok" != 1 ]; then
		check "stress-$1-cases-table" cases_table_check
		return
	fi
	for k in $(rc_cases_kernels "$1"); do
		read -r -a run <<<"${RC_KERNEL_RUN[$k]}"
		ktap_run "stress-$k" "${run[@]}" -- scripts/guest/stress/run.sh -k "$k"
	done
}

# The AMX host, shown on this one: with ptrace answering as an 11,008-byte
# XSAVE host would, the patched test kernel runs the demo, and a kernel from
# Debian's unpatched tree dies at its first user process, which the runner
# names in one line. Without the shim the unpatched kernel boots where the
# real host's area fits UML's 2,696 bytes, and dies as above where it does
# not (a real AMX host).
amx_steps() {
	local size
	check demo-as-amx-host fails_with 0 'demo: every step showed what it says' \
		"$RC_TOP/scripts/uml-run.sh" -x 11008 -o "$logs/demo-amx-run" scripts/guest/demo.sh
	check demo-as-amx-host-xsave-11008 grep -F 'x86 XSAVE area: 11008 bytes on the host' \
		"$logs/demo-amx-run/console.log"
	check demo-as-amx-host-kernel-log rc_check_kernel_log "$logs/demo-amx-run/console.log"
	check unpatched-uml-as-amx-host fails_with 125 'cannot start user space on this host.*XSAVE' \
		"$RC_TOP/scripts/uml-run.sh" -k pristine -x 11008 -o "$logs/pristine-amx-run" true
	# The other hosts UML cannot run on, each named in one line: one whose
	# ptrace lacks PTRACE_SYSEMU (the shim again), and a memory directory
	# mounted noexec (a private mount namespace).
	check host-without-sysemu fails_with 125 'lacks PTRACE_SYSEMU' \
		env RC_PTRACE_NO_SYSEMU=1 "$RC_TOP/scripts/uml-run.sh" -o "$logs/nosysemu-run" true
	# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
	check tmpdir-mounted-noexec fails_with 1 'mounted noexec' \
		unshare -m sh -c 'mkdir -p "$1" && mount -t tmpfs -o noexec tmpfs "$1" &&
			TMPDIR=$1 "$2" true' sh "$logs/noexec" "$RC_TOP/scripts/uml-run.sh"
	size=$(rc_xsave_size "$logs/demo-run/console.log")
	if [ -n "$size" ] && [ "$size" -le 2696 ]; then
		check "unpatched-uml-on-this-host-$size" "$RC_TOP/scripts/uml-run.sh" -k pristine \
			-o "$logs/pristine-run" true
	else
		check "unpatched-uml-on-this-host-${size:-unknown}" fails_with 125 \
			'cannot start user space on this host' \
			"$RC_TOP/scripts/uml-run.sh" -k pristine -o "$logs/pristine-run" true
	fi
}

uml_lane() {
	if [ $quick = 1 ]; then
		# The quick loop's one shortcut: a chain of 10,000 objects, not a
		# million, in refcache_release_of_long_chain.
		kunit_run kunit uml-run.sh -- chain_len=10000
		return 0
	fi
	kunit_run kunit uml-run.sh
	echo "# demo (uml)"
	check demo fails_with 0 'demo: every step showed what it says' \
		"$RC_TOP/scripts/demo.sh" -o "$logs/demo-run"
	check demo-kernel-log rc_check_kernel_log "$logs/demo-run/console.log"
	echo "# the AMX host (uml)"
	amx_steps
	ktap_run refcachectl uml-run.sh -- scripts/guest/cli-test.sh
	stress_runs uml
	echo "# benchmark smoke run (uml)"
	check bench-smoke "$RC_TOP/scripts/bench.sh" --smoke
}

qemu_lane() {
	# The kernels first (on a fresh machine they build while the UML lane
	# runs), each a check of its own so a failed build says so.
	check qemu-kcsan-kernel rc_qemu_kernel kcsan
	check qemu-kasan-kernel rc_qemu_kernel kasan
	check debian-6.1-kernel rc_debian_kernel 6.1
	# Every suite again, on two real CPUs under the data race detector: the
	# racing one, and those whose objects may move between CPUs' rings or
	# whose gets race the graph flag.
	kunit_run smp-kcsan-kunit qemu-run.sh -k kcsan -- chain_len=10000
	# And under KASAN on two CPUs: the collector's concurrent model test
	# frees while other CPUs get, link and unlink.
	kunit_run smp-kasan-kunit qemu-run.sh -k kasan -- chain_len=10000
	# The stress cases on each QEMU kernel of cases.table (KCSAN, KASAN,
	# Debian 12's default kernel), then the tracepoints under KASAN and in
	# Debian's kernel, as its users run it.
	stress_runs qemu
	ktap_run smp-kasan-tracepoints qemu-run.sh -k kasan -- scripts/guest/trace-test.sh
	ktap_run debian-6.1-tracepoints qemu-run.sh -k debian-6.1 -- scripts/guest/trace-test.sh
}

# lane_run NAME FUNCTION: run FUNCTION as lane NAME, its report in $logs/NAME.out
# and its counts in $logs/NAME.counts; run_lane runs one in the background.
lane_run() {
	local t
	lane=$1
	t=$(date +%s)
	"$2" >"$logs/$1.out" 2>&1
	echo "# $1 lane: $(($(date +%s) - t)) s" >>"$logs/$1.out"
	echo "$RC_NPASS $RC_NFAIL $RC_NSKIP" >"$logs/$1.counts"
}
run_lane() { lane_run "$@" & }

# add_lane NAME: print a finished lane's report, add its counts.
add_lane() {
	local p=0 f=1 s=0
	cat "$logs/$1.out"
	[ -s "$logs/$1.counts" ] && read -r p f s <"$logs/$1.counts"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# The lanes side by side: the static checks and the UML lane use about a core
# each, QEMU's two vCPUs whatever is left.
lanes=(uml static)
[ $quick = 1 ] || lanes+=(qemu)
[ -z "$only" ] || lanes=("$only")
for l in "${lanes[@]}"; do
	# The static and QEMU lanes need the background install.
	if [ "$l" != uml ] && [ -n "$apt_pid" ]; then
		wait "$apt_pid" || { cat "$logs/apt.log"; rc_die "cannot install the packages"; }
		apt_pid=""
	fi
	run_lane "$l" "${l}_lane"
done
[ -z "$apt_pid" ] || wait "$apt_pid"
wait
for l in static uml qemu; do
	[[ " ${lanes[*]} " == *" $l "* ]] && add_lane "$l"
done

echo "# total time $(($(date +%s) - t0)) s; logs in $logs"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
