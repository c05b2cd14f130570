#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside a test kernel (scripts/uml-run.sh, or scripts/qemu-run.sh for
# the KCSAN run of the concurrency suite): load refcache.ko and
# refcache_kunit.ko (with the module parameters given as arguments, e.g.
# chain_len=10000), whose suites print KTAP to the kernel log as they run,
# then unload both and check that the refcache_obj slab went with them.
set -u
busybox insmod "$RC_MODDIR/module/refcache.ko" || exit 1
busybox insmod "$RC_MODDIR/kunit/refcache_kunit.ko" "$@" || exit 1
busybox rmmod refcache_kunit || exit 1
busybox rmmod refcache || exit 1
if [ -e /sys/kernel/slab/refcache_obj ]; then
	echo "refcache_obj is still there after rmmod" >&2
	exit 1
fi
