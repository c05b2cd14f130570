#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole refcache test suite, from a fresh Debian 12 machine:
#   1. builds: W=1, no warnings, against the UML test kernel and Debian's
#      6.12 and 6.1 headers
#   2. checkpatch --strict on module/, include/ and kunit/; sparse (C=2);
#      dkms build against the Debian kernels, warning-free
#   3. KUnit: refcache_kunit.ko in the UML test kernel, read by kunit.py
#   4. refcachectl's test, the stress cases (scripts/stress/run.sh) and a
#      smoke run of the benchmark in the UML test kernel
#   5. stress cases 1-4, 7 and 10 and the tracepoint test on a 2-CPU QEMU
#      kernel with KASAN, and cases 1-3 and 10 (with slub_debug on
#      refcache_obj) and the KUnit concurrency suite on one with KCSAN;
#      kmemleak scans after the stress runs there
# Every kernel boot's log must be free of BUG/WARNING/KASAN/lockdep/refcount
# reports. Ends with "N passed, N failed" (KUnit cases + checks + stress
# cases) and exits non-zero if anything failed or was skipped.
#
# usage: scripts/test.sh     (logs go to $RC_CACHE/test-logs)
set -u
. "$(dirname "$0")/lib.sh"

passed=0 failed=0 skipped=0 step=0
logs=$RC_CACHE/test-logs
rm -rf "$logs" && mkdir -p "$logs"

# check NAME CMD...: run one check, count it, print a KTAP-style line.
check() {
	local name=$1 log
	shift
	step=$((step + 1))
	log=$logs/$(printf '%02d' $step)-$name.log
	if "$@" >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "ok $step - $name"
	else
		failed=$((failed + 1))
		echo "not ok $step - $name (log: $log)"
		sed 's/^/# /' "$log" | tail -n 40
	fi
}

t0=$(date +%s)
rc_need_packages "${RC_PACKAGES[@]}" linux-headers-6.12-amd64 linux-headers-amd64 sparse dkms
uml=$(rc_uml_kernel) || rc_die "cannot build the UML test kernel"
src=$(cat "$uml/.src")

# Debian's header packages, newest first: /usr/src/linux-headers-X-amd64.
debian_headers() {
	find /usr/src -maxdepth 1 -name "linux-headers-$1*-amd64" | sort -V | tail -n 1
}

echo "# builds and static checks"
check build-uml rc_build_modules uml "$src" O="$uml" ARCH=um
for v in 6.12 6.1; do
	hdr=$(debian_headers "$v.")
	if [ -z "$hdr" ]; then
		check "build-debian-$v" false
	else
		check "build-debian-$v" rc_build_modules "debian-$v" "$hdr"
	fi
done
if hdr=$(debian_headers 6.12.) && [ -n "$hdr" ]; then
	check sparse rc_build_modules sparse-6.12 "$hdr" C=2
else
	check sparse false
fi
# DKMS, for the Debian kernels people run (their header packages are what
# dkms builds against).
check dkms-add "$RC_TOP/scripts/dkms.sh" add
for v in 6.12 6.1; do
	hdr=$(debian_headers "$v.")
	kver=${hdr#/usr/src/linux-headers-}
	check "dkms-build-$v" "$RC_TOP/scripts/dkms.sh" build "$kver"
done
check dkms-remove "$RC_TOP/scripts/dkms.sh" remove
check checkpatch perl "$src/scripts/checkpatch.pl" --no-tree --strict --terse \
	--ignore FILE_PATH_CHANGES -f "$RC_TOP"/module/*.[ch] "$RC_TOP"/include/*.h \
	"$RC_TOP"/kunit/*.c

# kunit_field NAME SUMMARY: the count kunit.py's summary gives for NAME, or 0.
kunit_field() {
	local n
	n=$(sed -n "s/.*$1: \([0-9]*\).*/\1/p" <<<"$2")
	echo "${n:-0}"
}

# kunit_run NAME RUNNER [RUNNER OPTIONS]: boot a test kernel, load the KUnit
# module, count its cases as kunit.py reads them, check the kernel log.
kunit_run() {
	local name=$1 runner=$2 run summary
	shift 2
	echo "# $name (${runner%-run.sh})"
	run=$logs/$name-run
	check "$name-boot" "$RC_TOP/scripts/$runner" "$@" -o "$run" scripts/kunit-uml.sh
	# The kernel prints an empty KTAP document at boot (no built-in suites);
	# kunit.py reads the first document it finds, so hand it the module's.
	awk '/^\[[ 0-9.]*\] KTAP version/ { start = NR } { line[NR] = $0 }
	     END { for (i = start; i <= NR; i++) print line[i] }' "$run/console.log" >"$logs/$name.ktap"
	python3 "$src/tools/testing/kunit/kunit.py" parse "$logs/$name.ktap" >"$logs/$name.txt" 2>&1
	grep -E '^\[|^=|Testing complete' "$logs/$name.txt" | sed 's/^/  /' | grep -vE '^\s*$' | tail -n 80
	summary=$(grep -o 'Ran [0-9]* tests:.*' "$logs/$name.txt" | tail -n 1)
	if [ -z "$summary" ]; then
		echo "not ok - $name: kunit.py found no KTAP in the log"
		failed=$((failed + 1))
	else
		passed=$((passed + $(kunit_field passed "$summary")))
		failed=$((failed + $(kunit_field failed "$summary") +
			$(kunit_field crashed "$summary") + $(kunit_field errors "$summary")))
		skipped=$((skipped + $(kunit_field skipped "$summary")))
	fi
	check "$name-kernel-log" rc_check_kernel_log "$run/console.log"
}

kunit_run kunit uml-run.sh
# The racing suite again, on two real CPUs under the data race detector.
kunit_run smp-kcsan-kunit qemu-run.sh -k kcsan -a "kunit.filter_glob=refcache_concurrency*"

# ktap_run NAME RUNNER [RUNNER OPTIONS] -- CMD...: run CMD in a test kernel
# through scripts/RUNNER (uml-run.sh or qemu-run.sh); count the top-level
# "ok N" / "not ok N" lines it prints (an "ok" marked "# SKIP" counts as
# skipped, not passed), then check the kernel log.
ktap_run() {
	local name=$1 runner=$2 out p f s rc=0 opts=()
	shift 2
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	echo "# $name (${runner%-run.sh})"
	out=$logs/$name.txt
	"$RC_TOP/scripts/$runner" "${opts[@]}" -o "$logs/$name-run" "$@" >"$out" 2>&1 || rc=$?
	# Failures and diagnostics in full, passes as one count.
	grep -vE '^ok [0-9]+ - [^#]*$|^ {4}ok ' "$out" | sed 's/^/  /'
	p=$(grep -cE '^ok [0-9]+ - [^#]*$' "$out")
	s=$(grep -cE '^ok [0-9]+ - .*# SKIP' "$out")
	f=$(grep -cE '^not ok [0-9]+' "$out")
	echo "  $name: $p passed, $f failed, $s skipped"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	[ $((p + f + s)) -gt 0 ] || check "$name-ran" false
	# A run that died or failed without saying which case is a failure too.
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || check "$name-exit-status-$rc" false
	check "$name-kernel-log" rc_check_kernel_log "$logs/$name-run/console.log"
}

ktap_run refcachectl uml-run.sh -- scripts/cli-test.sh
ktap_run stress uml-run.sh -t 1200 -- scripts/stress/run.sh
# Case 8 wants a small machine, and big objects to fill it in time.
ktap_run stress-memory uml-run.sh -m 128M -t 900 -- scripts/stress/run.sh -p obj_size=4096 8

# Real SMP: two vCPUs under QEMU (TCG), once with KASAN, once with KCSAN.
ktap_run smp-kasan-stress qemu-run.sh -k kasan -t 1800 -- scripts/stress/run.sh 1 2 3 4 7 10
ktap_run smp-kasan-tracepoints qemu-run.sh -k kasan -- scripts/trace-test.sh
# KCSAN is the non-KASAN kernel, so SLUB's own poisoning and red zones can
# watch refcache_obj there (run.sh validates the cache after each case).
ktap_run smp-kcsan-stress qemu-run.sh -k kcsan -t 1800 -a "slub_debug=FZPU,refcache_obj" -- \
	scripts/stress/run.sh 1 2 3 10

echo "# benchmark smoke run in UML"
check bench-smoke "$RC_TOP/scripts/bench.sh" --smoke

echo "# total time $(($(date +%s) - t0)) s; logs in $logs"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 1
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
