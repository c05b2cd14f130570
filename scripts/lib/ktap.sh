# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# KTAP for every refcache script that prints results, on the host (test.sh)
# and inside the test kernels (the stress cases and their runner, the
# refcachectl and tracepoint tests); sourced, never run. The format is the
# kernel's (Documentation/dev-tools/ktap.rst), as kselftest's
# ktap_helpers.sh prints it:
#
#   KTAP version 1
#   1..PLAN
#   ok 1 - DESCRIPTION
#   not ok 2 - DESCRIPTION
#   # diagnostic lines (after the result they explain)
#   ok 3 - DESCRIPTION # SKIP REASON
#
# Writing:
#  - rc_ktap_start PLAN [NAME...]: the header and plan, and the EXIT trap
#    (the safety net): when the script ends, however it ends, every result it
#    did not reach is printed "not ok" (named by the NAMEs given here, result
#    by result, where there are any), so the plan always holds, and the exit
#    status is 0 if every result passed (skips included), 1 otherwise;
#  - rc_ok DESC, rc_fail DESC [DIAG...], rc_skip DESC [REASON], rc_check DESC
#    STATUS [DIAG...] (ok if STATUS is 0), rc_eq DESC GOT WANT (ok if equal),
#    rc_diag TEXT ("# " before each line);
#  - rc_ktap_skip_all REASON: the whole document skipped ("1..0 # SKIP",
#    kselftest's status 4), for a script that cannot run here;
#  - rc_at_exit COMMAND: run COMMAND (eval) when the script ends, before the
#    net fills the plan; for cleanups that must not be lost to a trap of the
#    script's own. A script that sets its own EXIT trap calls rc_ktap_end
#    last in it.
# Without rc_ktap_start the printers still number and count their results
# (RC_T numbers them; RC_NPASS, RC_NFAIL, RC_NSKIP count them), with no plan
# and no net: test.sh's lanes, whose number of checks is not known in
# advance.
#
# Reading:
#  - rc_ktap_count FILE: the top-level results of the KTAP document in FILE
#    (nested documents, indented, are their own business) into RC_KTAP_PASS,
#    RC_KTAP_FAIL, RC_KTAP_SKIP ("ok ... # SKIP") and RC_KTAP_PLAN (the N of
#    its first top-level "1..N", empty if none);
#  - rc_ktap_add PASS FAIL SKIP: count results printed elsewhere (a nested
#    document, KUnit's cases) into this script's totals.

# shellcheck disable=SC2034 # RC_KTAP_* are the reader's results, for its callers
{
	RC_T=0 RC_PLAN=0 RC_NPASS=0 RC_NFAIL=0 RC_NSKIP=0
	RC_KTAP_STARTED=0
	RC_KTAP_PASS=0 RC_KTAP_FAIL=0 RC_KTAP_SKIP=0 RC_KTAP_PLAN=
	declare -ga RC_PLAN_NAMES=() RC_AT_EXIT=()
}

rc_ktap_start() {
	RC_PLAN=$1
	shift
	RC_PLAN_NAMES=("$@")
	RC_KTAP_STARTED=1
	echo "KTAP version 1"
	echo "1..$RC_PLAN"
	trap rc_ktap_end EXIT
}

# rc_diag TEXT: a KTAP diagnostic, "# " before every line of TEXT.
rc_diag() {
	local l
	while IFS= read -r l; do printf '# %s\n' "$l"; done <<<"$*"
}

rc_ok() {
	RC_T=$((RC_T + 1))
	RC_NPASS=$((RC_NPASS + 1))
	echo "ok $RC_T - $1"
}

# rc_fail DESC [DIAG...]
rc_fail() {
	local d=$1
	shift
	RC_T=$((RC_T + 1))
	RC_NFAIL=$((RC_NFAIL + 1))
	echo "not ok $RC_T - $d"
	for d in "$@"; do rc_diag "$d"; done
}

# rc_skip DESC [REASON]: a result that did not run; it counts as skipped,
# which kselftest reads as neither a pass nor a failure.
rc_skip() {
	RC_T=$((RC_T + 1))
	RC_NSKIP=$((RC_NSKIP + 1))
	echo "ok $RC_T - $1 # SKIP ${2:-}"
}

# rc_check DESC CONDITION-STATUS [DIAG...]: ok if the status is 0.
rc_check() {
	local d=$1 st=$2
	shift 2
	if [ "$st" -eq 0 ]; then rc_ok "$d"; else rc_fail "$d" "$@"; fi
}

# rc_eq DESC GOT WANT: ok if the two strings are equal.
rc_eq() {
	if [ "$2" = "$3" ]; then
		rc_ok "$1"
	else
		rc_fail "$1" "got '$2', want '$3'"
	fi
}

# rc_ktap_skip_all REASON: this script cannot run here; says so in KTAP and
# exits 4 (kselftest's "skip").
rc_ktap_skip_all() {
	echo "KTAP version 1"
	echo "1..0 # SKIP $1"
	RC_KTAP_STARTED=0
	exit 4
}

rc_at_exit() {
	RC_AT_EXIT+=("$1")
	# Cleanups run even if the script never starts its plan.
	[ "$RC_KTAP_STARTED" = 1 ] || trap rc_ktap_end EXIT
}

# rc_ktap_totals: kselftest's closing diagnostic.
rc_ktap_totals() {
	rc_diag "Totals: pass:$RC_NPASS fail:$RC_NFAIL skip:$RC_NSKIP"
}

# rc_ktap_end: the EXIT trap (see the top). Also callable from a script's own
# EXIT trap, as its last command.
rc_ktap_end() {
	local st=$? c
	trap - EXIT
	for c in "${RC_AT_EXIT[@]}"; do eval "$c"; done
	RC_AT_EXIT=()
	[ "$RC_KTAP_STARTED" = 1 ] || exit "$st"
	while [ "$RC_T" -lt "$RC_PLAN" ]; do
		rc_fail "${RC_PLAN_NAMES[RC_T]:-check} not reached (script ended with status $st)"
	done
	rc_ktap_totals
	if [ "$RC_NFAIL" -gt 0 ] || [ "$RC_T" -ne "$RC_PLAN" ]; then
		rc_diag "${0##*/}: $RC_NFAIL of $RC_T results failed (plan: $RC_PLAN)"
		exit 1
	fi
	exit 0
}

rc_ktap_count() {
	RC_KTAP_PASS=$(grep -E '^ok [0-9]+( |$)' "$1" | grep -cvE '# SKIP')
	RC_KTAP_SKIP=$(grep -cE '^ok [0-9]+( .*)?# SKIP' "$1")
	RC_KTAP_FAIL=$(grep -cE '^not ok [0-9]+( |$)' "$1")
	RC_KTAP_PLAN=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
}

rc_ktap_add() {
	RC_NPASS=$((RC_NPASS + $1))
	RC_NFAIL=$((RC_NFAIL + $2))
	RC_NSKIP=$((RC_NSKIP + $3))
}
