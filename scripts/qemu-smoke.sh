#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test of the QEMU test kernels: for each variant, one boot of
# qemu-smoke-guest.sh (2 CPUs, insmod, create, rmmod, then the KUnit module),
# then on the host: the KUnit results as kunit.py reads them from the console,
# and a kernel log free of KASAN/KCSAN/lockdep/WARN reports (KCSAN reports do
# not taint, so the log is the only place they show).
#
# usage: scripts/qemu-smoke.sh [kasan|kcsan...]   (default: both)
#   run directories: $RC_CACHE/qemu-smoke/VARIANT
set -u
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || set -- kasan kcsan
bad=0
for v in "$@"; do
	dir=$RC_CACHE/qemu-smoke/$v
	rm -rf "$dir" && mkdir -p "$dir"
	echo "# $v: booting (log: $dir/console.log)"
	t0=$(date +%s)
	"$RC_TOP/scripts/qemu-run.sh" -k "$v" -o "$dir" scripts/qemu-smoke-guest.sh
	rc=$?
	echo "# $v: qemu-run.sh status $rc after $(($(date +%s) - t0)) s"
	[ "$rc" -eq 0 ] || bad=1
	awk '/refcache-qemu: running/ { print "# boot to command: " substr($2, 1, length($2) - 1) " s (guest clock)" }' \
		"$dir/console.log" | tr -d '['
	# As in test.sh: the module's KTAP document is the last one.
	awk '/^\[[ 0-9.]*\] KTAP version/ { start = NR } { line[NR] = $0 }
	     END { if (start) for (i = start; i <= NR; i++) print line[i] }' \
		"$dir/console.log" >"$dir/kunit.ktap"
	src=$(rc_kernel_src)
	python3 "$src/tools/testing/kunit/kunit.py" parse "$dir/kunit.ktap" >"$dir/kunit.txt" 2>&1
	grep -E '^\[' "$dir/kunit.txt" | grep -vE '^\[[0-9:]*\] *$' | tail -n 60
	summary=$(grep -o 'Ran [0-9]* tests:.*' "$dir/kunit.txt" | tail -n 1)
	echo "# $v: kunit.py: ${summary:-no KTAP found}"
	# kunit.py names only the counts that are not zero.
	case $summary in
	"" | *failed:* | *crashed:* | *errors:*) bad=1 ;;
	esac
	if rc_check_kernel_log "$dir/console.log" >"$dir/bad-lines.txt"; then
		echo "# $v: kernel log clean"
	else
		echo "# $v: kernel log has reports:"
		head -n 40 "$dir/bad-lines.txt"
		bad=1
	fi
done
[ "$bad" -eq 0 ] && echo "# smoke: all good" || echo "# smoke: FAILED"
exit "$bad"
