#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of a refcache UML run (see uml-run.sh): mount what the tests use, run
# the job's script, record its exit status on the host and power off.
# The root file system is the host's, through hostfs; everything mounted here
# is the UML kernel's own and hides the host directory beneath it; /tmp is
# the host's, so run directories may live there.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t devtmpfs devtmpfs /dev
# shellcheck source=/dev/null
. "$RC_JOB/job"
cd "$RC_TOP" || exit 1
"${RC_CMD[@]}" >"$RC_JOB/output" 2>&1
echo $? >"$RC_JOB/status"
dmesg >"$RC_JOB/dmesg"
sync
echo o >/proc/sysrq-trigger
sleep 10
