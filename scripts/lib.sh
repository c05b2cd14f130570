# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared helpers for the refcache scripts that run on the host (runners,
# builds, test.sh); sourced, never run. What the host and the test kernels
# share is in scripts/lib/: KTAP (ktap.sh), the kernel-log check (klog.sh),
# the errno map (errno.sh), the table of stress cases (cases.sh).
#
# Everything that is expensive to make (the unpacked kernel tree, the UML
# kernel) lives under $RC_CACHE, outside the repository, keyed by what it was
# built from, so a second run reuses it.

RC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=SCRIPTDIR/lib/klog.sh
. "$RC_TOP/scripts/lib/klog.sh"
RC_CACHE=${RC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/refcache}
RC_JOBS=${RC_JOBS:-$(nproc)}
RC_SRC_PKG=linux-source-6.12

rc_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
rc_die() { rc_log "$*"; exit 1; }

# rc_apt_update: apt-get update, once per cache: the stamp records that it
# ran, so later installs and downloads do not fetch the lists again.
rc_apt_update() {
	[ -e "$RC_CACHE/.apt-updated" ] && return 0
	apt-get update -q >&2 || rc_die "apt-get update failed"
	mkdir -p "$RC_CACHE" && touch "$RC_CACHE/.apt-updated"
}

# rc_need_packages PKG...: install the Debian packages that are missing.
rc_need_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || rc_die "missing packages (run as root to install): ${missing[*]}"
	rc_log "installing: ${missing[*]}"
	rc_apt_update
	# Another install of ours may hold dpkg's lock (test.sh installs in
	# the background): wait for it. unsafe-io: no fsync per file, which
	# makes unpacking kernel headers take minutes on some disks.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-o DPkg::Lock::Timeout=900 -o Dpkg::Options::=--force-unsafe-io \
		"${missing[@]}" >&2 || rc_die "apt-get install failed: ${missing[*]}"
}

# Patches to the kernel tree (scripts/patches/*.patch, applied in name order
# with patch -p1): each file's header says what it fixes and when upstream
# stopped needing it.
RC_PATCHES=("$RC_TOP"/scripts/patches/*.patch)

# rc_patches_key: a short hash of what the patches change (their diffs, from
# the first "--- " line on: a reworded header changes no tree), which names
# the patched tree and so enters every kernel's cache key.
rc_patches_key() {
	local p
	for p in "${RC_PATCHES[@]}"; do
		sed -n '/^--- /,$p' "$p"
	done | sha256sum | cut -c1-8
}

# rc_kernel_src [pristine]: print the path of the unpacked Debian 6.12 tree,
# unpacked and patched once per package version and set of patches:
# $RC_CACHE/src/VERSION-pPATCHKEY. "pristine" gives the tree as Debian ships
# it (VERSION-pristine), for showing what the patches fix.
rc_kernel_src() {
	local ver dir tarball=/usr/src/$RC_SRC_PKG.tar.xz p
	ver=$(dpkg-query -W -f='${Version}' "$RC_SRC_PKG") || rc_die "$RC_SRC_PKG not installed"
	if [ "${1:-}" = pristine ]; then
		dir=$RC_CACHE/src/$ver-pristine
	else
		dir=$RC_CACHE/src/$ver-p$(rc_patches_key)
	fi
	if [ ! -e "$dir/.unpacked" ]; then
		rc_log "unpacking $tarball into $dir (once per version and patch set)"
		rm -rf "$dir" && mkdir -p "$dir"
		tar -xf "$tarball" -C "$dir" --strip-components=1 || rc_die "cannot unpack $tarball"
		if [ "${1:-}" != pristine ]; then
			for p in "${RC_PATCHES[@]}"; do
				rc_apply_patch "$dir" "$p" || exit 1
			done
		fi
		touch "$dir/.unpacked"
		# Trees patched with an earlier set of patches are of no further
		# use (their kernels' keys named them).
		[ "${1:-}" = pristine ] || find "$RC_CACHE/src" -mindepth 1 -maxdepth 1 \
			-name "$ver-p*" ! -name "${dir##*/}" -exec rm -rf {} +
	fi
	printf '%s\n' "$dir"
}

# rc_apply_patch TREE PATCH: apply PATCH to TREE unless it is applied
# already (it reverses cleanly), so running this twice changes nothing.
rc_apply_patch() {
	local tree=$1 p=$2
	if patch -d "$tree" -p1 -R --dry-run -s -f <"$p" >/dev/null 2>&1; then
		rc_log "already applied: ${p##*/}"
		return 0
	fi
	rc_log "applying ${p##*/}"
	patch -d "$tree" -p1 -N -s -f <"$p" >&2 || { rc_log "cannot apply $p to $tree"; return 1; }
}

# rc_config_key SRC BASE FRAGMENT...: a short hash of the tree (its version,
# its directory's name, which names its patches), the base configuration and
# the options the fragments set (comments and order do not matter), naming
# the build directory.
rc_config_key() {
	local src=$1 base=$2
	shift 2
	{ head -n 5 "$src/Makefile"; echo "${src##*/} $base"; grep -h '^[^#]' "$@" | sort -u; } |
		sha256sum | cut -c1-12
}

# rc_check_config BUILD FRAGMENT...: every option a fragment sets must be in
# the final .config exactly; Kconfig silently drops what it cannot satisfy.
rc_check_config() {
	local build=$1 line bad=0
	shift
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) grep -qxF "$line" "$build/.config" ||
			{ rc_log "config: wanted $line, got: $(grep "^${line%%=*}=" "$build/.config" || echo unset)"; bad=1; } ;;
		"# CONFIG_"*" is not set") grep -q "^${line#\# }" "$build/.config" 2>/dev/null &&
			{ rc_log "config: wanted '$line'"; bad=1; } ;;
		esac
	done < <(cat "$@")
	return $bad
}

# rc_build_kernel [-s pristine] ARCH NAME FRAGMENT...: configure and build a
# kernel from the (patched) 6.12 tree; print its build directory. The config
# is allnoconfig with the fragments forced on (KCONFIG_ALLCONFIG), so a kernel
# holds what its fragments ask for and what that needs, nothing else: the
# fragments list every option a test depends on. Rebuilt only when the tree,
# its patches or a fragment changes. -s pristine builds from Debian's tree
# without scripts/patches.
rc_build_kernel() {
	local arch name src key build t0 which=""
	if [ "$1" = -s ]; then which=$2; shift 2; fi
	arch=$1 name=$2
	shift 2
	src=$(rc_kernel_src ${which:+"$which"}) || exit 1
	key=$(rc_config_key "$src" allnoconfig "$@")
	build=$RC_CACHE/build/$name-$key
	if [ -e "$build/.built" ]; then
		printf '%s\n' "$build"
		return 0
	fi
	t0=$(date +%s)
	rc_log "building $name kernel in $build (cached afterwards)"
	rm -rf "$build" && mkdir -p "$build"
	cat "$@" >"$build/.fragments"
	make -s -C "$src" O="$build" ARCH="$arch" KCONFIG_ALLCONFIG="$build/.fragments" \
		allnoconfig >&2 || rc_die "allnoconfig failed"
	rc_check_config "$build" "$@" || rc_die "kernel config for $name lacks required options"
	make -s -C "$src" O="$build" ARCH="$arch" -j"$RC_JOBS" >&2 ||
		rc_die "kernel build for $name failed"
	printf '%s\n' "$src" >"$build/.src"
	touch "$build/.built"
	# Earlier builds of this kernel (other keys) are of no further use.
	find "$RC_CACHE/build" -mindepth 1 -maxdepth 1 -name "$name-????????????" \
		! -name "${build##*/}" -exec rm -rf {} +
	rc_log "$name kernel built in $(($(date +%s) - t0)) s ($(find "$build" -name '*.o' | wc -l) object files)"
	printf '%s\n' "$build"
}

# Packages every script needs on a fresh Debian 12 machine.
RC_PACKAGES=(linux-source-6.12 busybox-static build-essential bc flex bison
	libelf-dev libssl-dev python3 xz-utils kmod patch)

# rc_uml_kernel: provision, then print the UML build directory.
rc_uml_kernel() {
	rc_need_packages "${RC_PACKAGES[@]}"
	rc_build_kernel um uml "$RC_TOP/scripts/uml-env.config" "$RC_TOP/scripts/uml.config" \
		"$RC_TOP/kunit/.kunitconfig"
}

# rc_build_modules NAME KDIR [MAKEARGS...]: build the module and its tests in
# a private copy of the sources, one per kernel and work tree (so builds never
# share objects, and the work tree stays clean); print the copy's path. Compiler
# warnings are errors here: the build log is kept in NAME/build.log. A copy
# whose sources, kernel and arguments are those of its last clean build is
# used as it is (every runner builds first, and the sources rarely change
# between runs); RC_FRESH_MODULES=1 builds anyway.
rc_build_modules() {
	local name=$1 kdir=$2 dir out a stamp
	shift 2
	dir=$RC_CACHE/modules/$name-$(printf '%s' "$RC_TOP" | sha1sum | cut -c1-8)
	# The kernel's output tree: O= if given, else KDIR itself.
	out=$kdir
	for a in "$@"; do
		case $a in O=*) out=${a#O=} ;; esac
	done
	stamp=$({
		printf '%s\n' "$kdir" "$@"
		cat "$out/.config" "$out/Module.symvers" 2>/dev/null
		(cd "$RC_TOP" && find Kbuild module include kunit -type f | LC_ALL=C sort | xargs cat)
	} | sha256sum | cut -c1-16)
	if [ -z "${RC_FRESH_MODULES:-}" ] && [ "$(cat "$dir/.clean-build" 2>/dev/null)" = "$stamp" ]; then
		printf '%s\n' "$dir"
		return 0
	fi
	mkdir -p "$dir"
	rm -rf "${dir:?}"/{module,kunit,include,Kbuild,.clean-build}
	cp -r "$RC_TOP"/{Kbuild,module,include,kunit} "$dir"/
	if ! make -C "$kdir" M="$dir" W=1 "$@" modules >"$dir/build.log" 2>&1; then
		cat "$dir/build.log" >&2
		rc_die "module build for $name failed"
	fi
	if grep -E 'warning:|error:' "$dir/build.log" >&2; then
		rc_die "module build for $name has warnings"
	fi
	printf '%s\n' "$stamp" >"$dir/.clean-build"
	printf '%s\n' "$dir"
}

# rc_check_kernel_log FILE [CONTEXT]: print the lines of the kernel log FILE
# that fail a run (scripts/lib/klog.sh: what fails, and the exceptions each
# CONTEXT allows: "kunit" for the boots that load refcache_kunit.ko); false
# if any.
rc_check_kernel_log() {
	! rc_klog_bad "${2:-boot}" <"$1"
}

# The QEMU test kernels (scripts/qemu-run.sh): real SMP x86_64, two variants
# because KASAN and KCSAN exclude each other.
RC_QEMU_PACKAGES=(qemu-system-x86 cpio)

# rc_qemu_kernel kasan|kcsan: provision, then print that QEMU kernel's build
# directory (named qemu-VARIANT-KEY).
rc_qemu_kernel() {
	local variant=$1
	case $variant in
	kasan | kcsan) ;;
	*) rc_die "unknown QEMU kernel variant '$variant' (kasan or kcsan)" ;;
	esac
	rc_need_packages "${RC_PACKAGES[@]}" "${RC_QEMU_PACKAGES[@]}"
	rc_build_kernel x86_64 "qemu-$variant" "$RC_TOP/scripts/qemu.config" \
		"$RC_TOP/scripts/qemu-$variant.config"
}

# Debian's own kernels as the distribution ships them, no debugging options
# (qemu-run.sh -k debian, -k debian-6.1): 6.12, for the SMP figures to quote,
# and 6.1, the kernel Debian 12 runs by default. Their images come from the
# archive, never from the host's /boot, which a fresh machine need not have
# and which these scripts leave alone; their modules are built against the
# matching header package in /usr/src. rc_debian_headers_pkg VERSION: the
# package that brings those headers (6.1: the default kernel's metapackage).
rc_debian_headers_pkg() {
	case $1 in
	6.12) echo linux-headers-6.12-amd64 ;;
	6.1) echo linux-headers-amd64 ;;
	*) rc_die "no Debian kernel $1 (6.12 or 6.1)" ;;
	esac
}

# Debian's header packages depend on their kernel image, and the image on an
# initramfs generator. Installed with them, tiny-initramfs is that generator:
# initramfs-tools, apt's default, would pull in udev and upgrade systemd, and
# take a minute to build an initramfs for an image the host never boots.
RC_INITRAMFS=tiny-initramfs

# rc_debian_headers VERSION: the newest installed
# /usr/src/linux-headers-VERSION.*-amd64 (VERSION 6.12 or 6.1), or nothing.
rc_debian_headers() {
	find /usr/src -maxdepth 1 -name "linux-headers-$1.*-amd64" | sort -V | tail -n 1
}

# rc_download_deb DIR PKG=VERSION...: apt-get download the first of the
# packages that the package lists have into DIR; print the .deb's path.
rc_download_deb() {
	local dir=$1 p
	shift
	for p in "$@"; do
		apt-cache show "$p" >/dev/null 2>&1 || continue
		rc_log "downloading $p (once per version)"
		# As root, into a directory the _apt user cannot enter (the cache
		# is under root's home): no sandbox user, or apt warns.
		(cd "$dir" && apt-get download -q -o APT::Sandbox::User=root "$p" >&2) || continue
		find "$dir" -maxdepth 1 -name '*.deb' | head -n 1 | grep . && return 0
	done
	return 1
}

# rc_debian_kernel [VERSION]: provision, then print the directory holding
# the linux-image package (VERSION 6.12, the default, or 6.1) that matches
# the newest installed /usr/src/linux-headers-VERSION.*-amd64, unpacked
# (boot/vmlinuz-KVER, boot/config-KVER, lib/modules/KVER/):
# $RC_CACHE/debian/KVER_VERSION, downloaded once per version. Its .kver names
# the kernel release, its .kdir the headers to build modules against.
rc_debian_kernel() {
	local v=${1:-6.12} pkg hdr kver ver dir deb
	pkg=$(rc_debian_headers_pkg "$v") || exit 1
	rc_need_packages "${RC_PACKAGES[@]}" "${RC_QEMU_PACKAGES[@]}" "$RC_INITRAMFS" "$pkg"
	hdr=$(rc_debian_headers "$v")
	[ -n "$hdr" ] || rc_die "no /usr/src/linux-headers-$v.*-amd64 after installing $pkg"
	kver=${hdr#/usr/src/linux-headers-}
	ver=$(dpkg-query -W -f='${Version}' "linux-headers-$kver") ||
		rc_die "$hdr belongs to no linux-headers-$kver package"
	dir=$RC_CACHE/debian/${kver}_$ver
	if [ ! -e "$dir/.unpacked" ]; then
		rm -rf "$dir" && mkdir -p "$dir/deb"
		# The -unsigned package is the plain build; the signed one (the
		# same kernel, its image signed for Secure Boot) is the fallback.
		# apt-get download needs the package lists, which a fresh machine
		# may lack until its first update.
		set -- "linux-image-$kver-unsigned=$ver" "linux-image-$kver=$ver"
		deb=$(rc_download_deb "$dir/deb" "$@") ||
			{ rc_apt_update && deb=$(rc_download_deb "$dir/deb" "$@"); } ||
			rc_die "no linux-image-$kver at $ver, the headers' version, in the package lists (the archive keeps only the newest: upgrade $pkg)"
		dpkg-deb -x "$deb" "$dir" || rc_die "cannot unpack $deb"
		rm -rf "$dir/deb"
		[ -f "$dir/boot/vmlinuz-$kver" ] || rc_die "$deb has no boot/vmlinuz-$kver"
		printf '%s\n' "$kver" >"$dir/.kver"
		printf '%s\n' "$hdr" >"$dir/.kdir"
		touch "$dir/.unpacked"
	fi
	printf '%s\n' "$dir"
}

# rc_copy_host_file ROOT FILE: copy FILE (following links) into the tree ROOT
# at the same path, the directories resolved as on the host, so that with the
# host's top-level links (bin -> usr/bin, ...) mirrored in ROOT the file is
# found under either name.
rc_copy_host_file() {
	local root=$1 file=$2 dir
	dir=$root$(readlink -f "$(dirname "$file")")
	mkdir -p "$dir"
	cp -L "$file" "$dir/"
}

# rc_runner_args DEFAULT_KERNEL USAGE_FILE "$@": the options uml-run.sh and
# qemu-run.sh share (-k KERNEL -m MEM -t SECONDS -a 'KERNEL ARGS' -o DIR, and
# uml-run.sh's -x BYTES) into kernel, mem, timeout, append, dir and xsave;
# RC_ARGS gets the command that follows. A bad option prints USAGE_FILE's
# "# usage" block (up to its first bare "#" line) and exits 2.
# shellcheck disable=SC2034 # the option variables are the calling runner's
rc_runner_args() {
	local opt OPTIND=1 usage=$2
	kernel=$1 mem=1G timeout=600 append="" dir="" xsave=""
	shift 2
	while getopts k:m:t:a:o:x: opt; do
		case $opt in
		k) kernel=$OPTARG ;;
		m) mem=$OPTARG ;;
		t) timeout=$OPTARG ;;
		a) append=$OPTARG ;;
		o) dir=$OPTARG ;;
		x) xsave=$OPTARG ;;
		*) sed -n '/^# usage/,/^#$/p' "$usage" >&2; exit 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -gt 0 ] || rc_die "no command given"
	RC_ARGS=("$@")
}

# rc_uml_tempdir: the directory UML maps its memory from, chosen as
# arch/um/os-Linux/mem.c does: $TMPDIR, $TMP or $TEMP, else /dev/shm, else /tmp.
rc_uml_tempdir() {
	local v
	for v in "${TMPDIR:-}" "${TMP:-}" "${TEMP:-}"; do
		[ -n "$v" ] && { printf '%s\n' "$v"; return; }
	done
	if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
		echo /dev/shm
	else
		echo /tmp
	fi
}

# rc_uml_preflight: fail with one line if this host cannot run UML at all
# for a reason visible before boot: a memory directory that refuses exec
# mappings (mounted noexec).
rc_uml_preflight() {
	local tmp opts
	tmp=$(rc_uml_tempdir)
	opts=$(findmnt -n -o OPTIONS --target "$tmp" 2>/dev/null) || return 0
	case ,$opts, in
	*,noexec,*) rc_die "UML cannot run here: $tmp, where it maps its memory, is mounted noexec (remount it with exec, or set TMPDIR to a tmpfs directory that allows exec)" ;;
	esac
}

# rc_xsave_size CONSOLE_LOG: the host XSAVE size a patched UML printed at
# boot (scripts/patches/0001-*), or nothing.
rc_xsave_size() {
	sed -n 's/.*x86 XSAVE area: \([0-9]*\) bytes on the host.*/\1/p' "$1" | head -n 1
}

# rc_uml_diagnose CONSOLE_LOG: when a UML kernel died before its command
# finished, print one line naming the cause if the log shows a known one
# (the host's XSAVE size, no PTRACE_SYSEMU, no exec mappings); false if not.
rc_uml_diagnose() {
	local log=$1 size
	if grep -q 'ptrace set fp regs failed, errno = 14' "$log"; then
		# The patched kernel prints the host's size; under uml-run.sh -x,
		# the shim prints the size it plays.
		size=$(rc_xsave_size "$log")
		[ -n "$size" ] || size=$(sed -n 's/^xsave-preload: ptrace plays a \([0-9]*\)-byte.*/\1/p' \
			"$log" | head -n 1)
		echo "UML cannot start user space on this host: its XSAVE area" \
			"(${size:-over 2696} bytes; 11008 on Intel CPUs with AMX) is larger than the" \
			"2696 bytes this UML kernel restores, so PTRACE_SETREGSET fails (EFAULT);" \
			"build UML from the tree that scripts/patches/ fixes (scripts/lib.sh, rc_kernel_src)"
	elif grep -qE 'check_sysemu|syscall emulation for ptrace\.\.\.missing' "$log"; then
		echo "UML cannot run on this host: its ptrace lacks PTRACE_SYSEMU (as under gVisor," \
			"WSL1 or a seccomp profile that filters ptrace); run on a plain Linux host or VM"
	elif grep -q 'must be not mounted noexec' "$log" ||
		# The check's line ends in strerror() when the mapping failed,
		# in "OK" on every boot that got past it.
		grep -E 'Checking PROT_EXEC mmap in .*\.\.\.[A-Z]' "$log" |
		grep -qvE '\.\.\.OK'$'\r''?$'; then
		echo "UML cannot run on this host: $(rc_uml_tempdir) refuses exec mappings" \
			"(mounted noexec?); set TMPDIR to a tmpfs directory that allows exec"
	else
		return 1
	fi
}

# rc_xsave_preload: build scripts/xsave-preload.c (an LD_PRELOAD shim that
# makes ptrace() answer as a host with a larger XSAVE area; see its header)
# into the cache once per source; print the library's path.
rc_xsave_preload() {
	local so
	so=$RC_CACHE/tools/xsave-preload-$(sha256sum <"$RC_TOP/scripts/xsave-preload.c" | cut -c1-8).so
	if [ ! -e "$so" ]; then
		mkdir -p "${so%/*}"
		gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$so.tmp" \
			"$RC_TOP/scripts/xsave-preload.c" -ldl >&2 || rc_die "cannot build scripts/xsave-preload.c"
		mv "$so.tmp" "$so"
	fi
	printf '%s\n' "$so"
}
