#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a refcache QEMU test kernel (x86_64, 2 vCPUs, multi-threaded TCG) and
# run one command inside it, as root; the SMP counterpart of uml-run.sh.
#
# usage: scripts/qemu-run.sh [-k kasan|kcsan|debian|debian-6.1] [-m MEM] [-t SECONDS] [-a 'KERNEL ARGS'] [-o DIR] CMD [ARG...]
#   -k  kernel variant: kasan (default; qemu.config + qemu-kasan.config),
#       kcsan (qemu.config + qemu-kcsan.config, the data race detector) or
#       debian (Debian's own 6.12 amd64 kernel, no debugging options: for
#       benchmarks; see rc_debian_kernel in lib.sh) or debian-6.1 (Debian 12's
#       default kernel, the one its users run)
#   -m  guest memory (default 1G)
#   -t  time limit for the whole boot (default 600)
#   -a  extra kernel command line
#   -o  keep the run's files here (default: a fresh directory under the cache)
#
# examples:
#   scripts/qemu-run.sh -k kasan scripts/guest/kunit.sh     # KUnit under KASAN
#   scripts/qemu-run.sh -k kcsan scripts/guest/kunit.sh     # ... under KCSAN
#   scripts/qemu-run.sh -k debian scripts/guest/bench.sh    # the benchmark, distro kernel
#   scripts/qemu-run.sh -o /tmp/r nproc; grep -c . /tmp/r/console.log
#
# The kernel (cached under $RC_CACHE/build/qemu-VARIANT-KEY; the KASAN one
# takes about 7 minutes on two idle cores here; Debian's are downloaded, not
# built: the linux-image package matching the installed
# linux-headers-VERSION.*-amd64, unpacked under $RC_CACHE/debian/) and the
# modules (built for it unless an identical clean build exists; for debian,
# against those headers) are made first. Under TCG the KASAN kernel reaches
# CMD about 30 s after QEMU starts and refcache_kunit.ko runs in about 80 s.
# The root
# file system is an initramfs, made for every run in a second or two: busybox
# (all applets), the host's bash and getconf and their libraries, the
# repository's scripts/ directory and the built modules, all at their host
# paths, so CMD runs exactly as under uml-run.sh: in the repository, with
# RC_TOP and RC_MODDIR (holding module/refcache.ko and kunit/refcache_kunit.ko)
# set, debugfs, tracefs, proc, sysfs and devtmpfs mounted (/tmp, like all of
# the root, is RAM). Only scripts/ of the repository is inside, and nothing
# written inside comes back except CMD's output.
#
# CMD's output (stdout and stderr, byte for byte) is printed; the run's
# directory keeps it as DIR/output, the console as DIR/console.log, the guest's
# dmesg as DIR/dmesg and CMD's exit status as DIR/status: each comes out on its
# own serial port that QEMU writes to a file (ttyS1..ttyS3; ttyS0 is the
# console). Check the kernel log with rc_check_kernel_log DIR/console.log.
# Exit status: CMD's, or 125 if the kernel died (or the time ran out) before
# CMD finished. KVM is not used (not available here): TCG only.
set -eu
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

rc_runner_args kasan "$0" "$@"
set -- "${RC_ARGS[@]}"
[ -z "$xsave" ] || rc_die "-x is uml-run.sh's (QEMU emulates its own CPU)"

case $kernel in
kasan | kcsan)
	build=$(rc_qemu_kernel "$kernel")
	src=$(cat "$build/.src")
	moddir=$(rc_build_modules "qemu-$kernel" "$src" O="$build")
	image=$build/arch/x86/boot/bzImage
	# kasan_multi_shot: report every KASAN error, not only the first.
	kargs=kasan_multi_shot
	# These kernels have no ACPI, so the CPUs must be in an MP table:
	# SeaBIOS's lists only the boot CPU, qboot's lists them all.
	firmware=(-bios /usr/share/qemu/qboot.rom)
	;;
debian | debian-6.1)
	if [ "$kernel" = debian ]; then build=$(rc_debian_kernel 6.12); else build=$(rc_debian_kernel 6.1); fi
	moddir=$(rc_build_modules "qemu-$kernel" "$(cat "$build/.kdir")")
	image=$build/boot/vmlinuz-$(cat "$build/.kver")
	# Everything the init uses is built in (8250 console, devtmpfs,
	# debugfs, tracefs, devpts, tmpfs), so no distribution module goes
	# into the initramfs. The ports the init writes to are ttyS1..ttyS3:
	# Debian registers 4 at boot (SERIAL_8250_RUNTIME_UARTS=4); say so
	# rather than depend on that default.
	kargs=8250.nr_uarts=4
	firmware=()
	;;
*) rc_die "no kernel '$kernel' (kasan, kcsan, debian or debian-6.1)" ;;
esac

if [ -z "$dir" ]; then
	mkdir -p "$RC_CACHE/runs"
	dir=$(mktemp -d "$RC_CACHE/runs/qemu.XXXXXX")
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -rf "$dir"/{status,output,dmesg,console.log,initramfs,initramfs.cpio}

# The initramfs: the host's layout of /bin, /lib... (links on a merged-/usr
# Debian), busybox, bash and getconf (guest/bench.sh asks it the page size;
# busybox has no such applet) with what ldd says they need, scripts/, the
# modules.
root=$dir/initramfs
mkdir -p "$root"/{dev,proc,sys,tmp,run,root,etc,usr/bin,usr/sbin}
for d in bin sbin lib lib32 lib64 libx32; do
	if [ -L "/$d" ]; then
		ln -s "$(readlink "/$d")" "$root/$d"
	elif [ -d "/$d" ]; then
		mkdir -p "$root/$d"
	fi
done
bb=$(command -v busybox) || rc_die "busybox not found"
bash=$(command -v bash)
rc_copy_host_file "$root" "$bb"
[ -e "$root/bin/busybox" ] || ln -s "$(readlink -f "$bb")" "$root/bin/busybox"
rc_copy_host_file "$root" "$bash"
[ -e "$root/bin/bash" ] || ln -s "$(readlink -f "$bash")" "$root/bin/bash"
getconf=$(command -v getconf) || rc_die "getconf not found"
rc_copy_host_file "$root" "$getconf"
for lib in $(ldd "$bash" "$getconf" | grep -o '/[^ ]*' | grep -v ':$' | sort -u); do
	rc_copy_host_file "$root" "$lib"
done
echo 'root:x:0:0:root:/root:/bin/bash' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
mkdir -p "$root$RC_TOP" "$root$moddir"
cp -r "$RC_TOP/scripts" "$root$RC_TOP/"
(. "$(dirname "$0")/fileio.sh" && rc_fileio_install "$root")
(cd "$moddir" && find . -name '*.ko' -exec cp --parents {} "$root$moddir/" \;)
ln -s "$RC_TOP/scripts/guest/qemu-init.sh" "$root/init"
{
	printf 'RC_TOP=%q\nRC_MODDIR=%q\nexport RC_TOP RC_MODDIR\n' "$RC_TOP" "$moddir"
	printf 'RC_CMD=('; printf '%q ' "$@"; printf ')\n'
} >"$root/rc-job"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$dir/initramfs.cpio"
rm -rf "$root"
: >"$dir/output"; : >"$dir/status"; : >"$dir/dmesg"

# panic=-1 with -no-reboot: a panic ends QEMU at once.
timeout -k 5 "$timeout" qemu-system-x86_64 -accel tcg,thread=multi -smp 2 \
	-m "$mem" -nographic -monitor none -no-reboot "${firmware[@]}" \
	-kernel "$image" -initrd "$dir/initramfs.cpio" \
	-serial "file:$dir/console.log" -serial "file:$dir/output" \
	-serial "file:$dir/status" -serial "file:$dir/dmesg" \
	-append "console=ttyS0 panic=-1 $kargs $append" \
	</dev/null >"$dir/qemu.log" 2>&1 || true
rm -f "$dir/initramfs.cpio"
if [ -s "$dir/output" ]; then cat "$dir/output"; fi
status=$(tr -dc 0-9 <"$dir/status")
if [ -z "$status" ]; then
	rc_log "QEMU kernel stopped before the command finished; last kernel lines:"
	tail -n 40 "$dir/console.log" >&2
	cat "$dir/qemu.log" >&2
	exit 125
fi
exit "$status"
