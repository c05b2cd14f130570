#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a QEMU test kernel (see qemu-smoke.sh): two CPUs, the module
# loads, creates an object and unloads, the trace events are there, then
# scripts/kunit-uml.sh runs the KUnit module (its KTAP goes to the console).
set -u
up() { cut -d' ' -f1 /proc/uptime; }
echo "uptime at start: $(up) s"
n=$(nproc)
echo "nproc: $n"
[ "$n" -eq 2 ] || { echo "expected 2 CPUs, got $n"; exit 1; }
[ -d /sys/kernel/tracing/events ] || { echo "no /sys/kernel/tracing/events"; exit 1; }
busybox insmod "$RC_MODDIR/module/refcache.ko" || exit 1
echo create >/sys/kernel/debug/refcache/ctl || exit 1
echo "objects after create:"
cat /sys/kernel/debug/refcache/objects
busybox rmmod refcache || exit 1
t0=$(up)
scripts/kunit-uml.sh
rc=$?
echo "kunit-uml.sh: status $rc, $(awk -v a="$t0" -v b="$(up)" 'BEGIN { printf "%.1f", b - a }') s"
exit $rc
