# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The one kernel-log check of the refcache scripts; sourced, never run. The
# host applies it to each boot's whole console log (lib.sh,
# rc_check_kernel_log), the stress runner and cases inside the test kernel
# to the log since a case began (guest/stress/lib.sh, rc_dmesg_bad). It
# runs on busybox's grep in QEMU's initramfs, so plain grep -E only.
#
# rc_klog_bad [CONTEXT]: print the lines of standard input that fail a run,
# less the exceptions allowed in CONTEXT (below); true if it printed any.

# Lines that fail a run. The upper-case names are whole words, so that
# identifiers that contain them do not count: CONFIG_KCSAN_STRICT in the
# KCSAN kernel's boot note "kcsan: non-strict mode configured - use
# CONFIG_KCSAN_STRICT=y to see all data races", DEBUG_OBJECTS, SLUB_DEBUG.
#  - BUG: "BUG: KASAN: ...", "BUG: KCSAN: ...", "BUG: KFENCE: ...", "kernel
#    BUG at", lockdep's "BUG: sleeping function called from invalid
#    context", and SLUB's "BUG refcache_obj (Not tainted): Poison
#    overwritten" from slub_debug (which has no colon);
#  - WARNING: WARN_ON()'s "WARNING: CPU: ...", and lockdep's and RCU's
#    reports ("WARNING: possible circular locking dependency detected",
#    "WARNING: suspicious RCU usage"), also named one by one below;
#  - KASAN, KCSAN: their reports, and KASAN's "maybe wild-memory-access"
#    note under a general protection fault;
#  - refcount_t's saturation and use-after-free warnings ("refcount_t:
#    underflow; use-after-free."), "Objects remaining" (a cache destroyed
#    with objects in it), refcache's own canary report ("refcache: object
#    N: payload overwritten at offset ..."), panics, oopses, and any stack
#    dump ("Call Trace:": the OOM killer's too).
RC_KLOG_BAD='(^|[^A-Za-z0-9_])(BUG|WARNING|KASAN|KCSAN)([^A-Za-z0-9_]|$)'
RC_KLOG_BAD+='|refcount_t:|Objects remaining|payload overwritten'
RC_KLOG_BAD+='|possible recursive locking|circular locking|suspicious RCU'
RC_KLOG_BAD+='|inconsistent lock state|lock held when returning'
RC_KLOG_BAD+='|[Kk]ernel panic|Oops|general protection|Call Trace:'

# The exceptions: lines that match RC_KLOG_BAD and fail nothing, each with
# the contexts it is allowed in (a context a caller names; "any": all of
# them) and why. Pairs of CONTEXTS and an extended regular expression.
RC_KLOG_ALLOW=(
	# KUnit's refcache_canary_catches_payload_overwrite (kunit/
	# refcache_test.c) flips the last payload byte of a live object on
	# purpose and checks that the final put reports it and counts it in
	# canary_failures: refcache logs that line with pr_err (module/core.c).
	# Only the boots that load refcache_kunit.ko may show it (context
	# kunit); anywhere else the line fails the run, and the stress runner
	# also fails any case after which canary_failures is not 0.
	kunit 'refcache: object [0-9]+: payload overwritten at offset [0-9]+ '
)

rc_klog_bad() {
	local ctx=${1:-none} allow='' i
	for ((i = 0; i < ${#RC_KLOG_ALLOW[@]}; i += 2)); do
		case " ${RC_KLOG_ALLOW[i]} " in
		*" $ctx "* | *" any "*) allow+=${allow:+|}${RC_KLOG_ALLOW[i + 1]} ;;
		esac
	done
	if [ -n "$allow" ]; then
		grep -E "$RC_KLOG_BAD" | grep -vE "$allow"
	else
		grep -E "$RC_KLOG_BAD"
	fi
}
