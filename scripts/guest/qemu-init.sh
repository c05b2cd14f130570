#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of a refcache QEMU run (see qemu-run.sh), as /init of the initramfs:
# mount what the tests use, run the job's command and hand its output, exit
# status and the kernel log to the host on the serial ports the host turned
# into files (ttyS1, ttyS2, ttyS3; ttyS0 is the console), then reboot, which
# with -no-reboot ends QEMU. There is no disk: everything lives in the
# initramfs, which has the host's bash, the repository's scripts/ and the
# built modules at their host paths.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
/bin/busybox --install -s
mount -t devtmpfs devtmpfs /dev
# The initramfs has no /dev/console node, so PID 1 starts without stdio.
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing
# /tmp is the initramfs's own (RAM, like all of it): no tmpfs over it, as the
# modules may be under /tmp on the host.
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
hostname refcache-qemu
# Raw ports: no "\n" to "\r\n" or any other rewriting of the bytes.
for port in /dev/ttyS1 /dev/ttyS2 /dev/ttyS3; do
	stty -F "$port" raw -echo -ixon 115200
done
# shellcheck source=/dev/null
. /rc-job
cd "$RC_TOP" || exit 1
echo "refcache-qemu: running ${RC_CMD[*]}" >/dev/kmsg
"${RC_CMD[@]}" >/dev/ttyS1 2>&1 </dev/null
status=$?
echo "refcache-qemu: done, status $status" >/dev/kmsg
dmesg >/dev/ttyS3
# Last, so that the host knows everything else has been written.
echo "$status" >/dev/ttyS2
sync
echo b >/proc/sysrq-trigger
sleep 10
