#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Case 8, memory pressure: create objects in batches of BATCH until the
# kernel runs out of memory for them. Meant for a UML booted with little
# memory (scripts/uml-run.sh -m 128M ...; run.sh runs it only when named).
# Proves that
#  - running out of memory makes "create" fail ENOMEM (the module allocates
#    with __GFP_RETRY_MAYFAIL|__GFP_NOWARN, so it must not invoke the OOM
#    killer itself), and no partial batch is left: live is a multiple of the
#    successful creates;
#  - at that point the module is consistent: "objects" lists exactly "live"
#    objects;
#  - putting every listed object (use a module nobody else is using) frees all of them (freed == created) and the slab
#    shrinks back to where it started.
# If the OOM killer kills this script instead, the KTAP plan ends short and
# the kernel log (run.sh) shows what happened.
#
# usage: 08-memory-pressure.sh [-n MAX_CREATES] [-t SECONDS]
#   default -n 100000 creates of BATCH (env RC_BATCH, default 1000), -t 300

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
RC_WORKERS=1 RC_OPS=100000 RC_SECS=300
RC_BATCH=${RC_BATCH:-1000}
rc_args "$@"
rc_require_module

rc_ktap_start 5
rc_snapshot
rc_slab_objects
slab0=$RC_VAL
read -r _ memtotal _ </proc/meminfo
rc_diag "MemTotal ${memtotal} kB; batches of $RC_BATCH, at most $RC_OPS creates, ${RC_SECS}s"

rc_ctl_open
ops=0 ok=0 err='' last=()
t0=$SECONDS
while [ "$ops" -lt "$RC_OPS" ] && rc_time_left; do
	ops=$((ops + 1))
	if rc_ctl "create $RC_BATCH"; then
		ok=$((ok + 1))
		last=("${RC_OUT[@]}")
	else
		err=$RC_ERR
		break
	fi
	[ $((ok % 100)) -eq 0 ] && rc_diag "$((ok * RC_BATCH)) objects, $(grep MemFree /proc/meminfo)"
done
RC_OUT=()
rc_stats
live=${RC_STAT[live]}
# Give the last batch back at once: the module has taken every free page,
# and the first page fault of anyone (this script included) would otherwise
# wake the OOM killer.
for id in "${last[@]}"; do rc_ctl "put $id"; done
rc_diag "$ok creates succeeded ($((ok * RC_BATCH)) objects, slab_objects ${RC_STAT[slab_objects]}), then: ${err:-none} after $((SECONDS - t0))s"
rc_diag "$(grep -E 'MemFree' /proc/meminfo)"
rc_eq "creates end in ENOMEM" "$err" ENOMEM
rc_eq "no partial batch: live == successful creates * $RC_BATCH" \
	"$live" "$((s0[live] + ok * RC_BATCH))"
rc_stats
rc_objects
rc_eq "objects lists exactly live objects" "$RC_VAL" "${RC_STAT[live]}"

t0=$SECONDS
bad=0
for id in "${!RC_OBJ[@]}"; do
	rc_ctl "put $id" && [ "$RC_VAL" = 0 ] || bad=$((bad + 1))
done
rc_diag "put ${#RC_OBJ[@]} objects in $((SECONDS - t0))s, $bad unexpected answers"
rc_stats
rc_eq "everything freed: live 0, freed == created" \
	"$bad ${RC_STAT[live]} $((RC_STAT[freed] - s0[freed]))" "0 ${s0[live]} $((RC_STAT[created] - s0[created]))"
rc_slab_settle "$slab0" 30
rc_eq "refcache_obj slab objects (after shrink) back to start" "$RC_VAL" "$slab0"
