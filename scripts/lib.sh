# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the refcache scripts; sourced, never run.
#
# Everything that is expensive to make (the unpacked kernel tree, the UML
# kernel) lives under $RC_CACHE, outside the repository, keyed by what it was
# built from, so a second run reuses it.

RC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
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
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >&2 || rc_die "apt-get install failed: ${missing[*]}"
}

# rc_kernel_src: print the path of the unpacked Debian 6.12 tree, unpacking it
# once per package version.
rc_kernel_src() {
	local ver dir tarball=/usr/src/$RC_SRC_PKG.tar.xz
	ver=$(dpkg-query -W -f='${Version}' "$RC_SRC_PKG") || rc_die "$RC_SRC_PKG not installed"
	dir=$RC_CACHE/src/$ver
	if [ ! -e "$dir/.unpacked" ]; then
		rc_log "unpacking $tarball (once per version)"
		rm -rf "$dir" && mkdir -p "$dir"
		tar -xf "$tarball" -C "$dir" --strip-components=1 || rc_die "cannot unpack $tarball"
		touch "$dir/.unpacked"
	fi
	printf '%s\n' "$dir"
}

# rc_config_key SRC FRAGMENT...: a short hash of the tree version and the
# options the fragments set (comments and order do not matter), naming the
# build directory.
rc_config_key() {
	local src=$1
	shift
	{ head -n 5 "$src/Makefile"; grep -h '^[^#]' "$@" | sort -u; } | sha256sum | cut -c1-12
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

# rc_build_kernel ARCH NAME FRAGMENT...: configure and build a kernel from the
# 6.12 tree; print its build directory. Like kunit.py, the config is the
# fragments with every other option at its default (olddefconfig), which
# builds in a fraction of defconfig's time. Rebuilt only when the tree or a
# fragment changes.
rc_build_kernel() {
	local arch=$1 name=$2 src key build t0
	shift 2
	src=$(rc_kernel_src) || exit 1
	key=$(rc_config_key "$src" "$@")
	build=$RC_CACHE/build/$name-$key
	if [ -e "$build/.built" ]; then
		printf '%s\n' "$build"
		return 0
	fi
	t0=$(date +%s)
	rc_log "building $name kernel in $build (cached afterwards)"
	rm -rf "$build" && mkdir -p "$build"
	cat "$@" >"$build/.config"
	make -s -C "$src" O="$build" ARCH="$arch" olddefconfig >&2 || rc_die "olddefconfig failed"
	rc_check_config "$build" "$@" || rc_die "kernel config for $name lacks required options"
	make -s -C "$src" O="$build" ARCH="$arch" -j"$RC_JOBS" >&2 ||
		rc_die "kernel build for $name failed"
	printf '%s\n' "$src" >"$build/.src"
	touch "$build/.built"
	rc_log "$name kernel built in $(($(date +%s) - t0)) s"
	printf '%s\n' "$build"
}

# Packages every script needs on a fresh Debian 12 machine.
RC_PACKAGES=(linux-source-6.12 busybox-static build-essential bc flex bison
	libelf-dev libssl-dev python3 xz-utils kmod)

# rc_uml_kernel: provision, then print the UML build directory.
rc_uml_kernel() {
	rc_need_packages "${RC_PACKAGES[@]}"
	rc_build_kernel um uml "$RC_TOP/scripts/uml.config" "$RC_TOP/kunit/.kunitconfig"
}

# rc_build_modules NAME KDIR [MAKEARGS...]: build the module and its tests in
# a private copy of the sources, one per kernel and work tree (so builds never
# share objects, and the work tree stays clean); print the copy's path. Compiler
# warnings are errors here: the build log is kept in NAME/build.log.
rc_build_modules() {
	local name=$1 kdir=$2 dir
	shift 2
	dir=$RC_CACHE/modules/$name-$(printf '%s' "$RC_TOP" | sha1sum | cut -c1-8)
	mkdir -p "$dir"
	rm -rf "${dir:?}"/{module,kunit,include,Kbuild}
	cp -r "$RC_TOP"/{Kbuild,module,include,kunit} "$dir"/
	if ! make -C "$kdir" M="$dir" W=1 "$@" modules >"$dir/build.log" 2>&1; then
		cat "$dir/build.log" >&2
		rc_die "module build for $name failed"
	fi
	if grep -E 'warning:|error:' "$dir/build.log" >&2; then
		rc_die "module build for $name has warnings"
	fi
	printf '%s\n' "$dir"
}

# Lines in a kernel log that fail a run: oopses, KASAN/KCSAN/lockdep/RCU
# reports, refcount_t and slab complaints. Sanitizer reports start with
# "BUG: KASAN:" / "BUG: KCSAN:"; the bare names also appear in harmless boot
# notes ("kcsan: non-strict mode configured").
RC_BAD_LOG='BUG:|kernel BUG|WARNING:|refcount_t:|Objects remaining|possible recursive locking|circular locking|suspicious RCU|inconsistent lock state|lock held when returning|Kernel panic|Oops|general protection|Call Trace:'

# rc_check_kernel_log FILE: print the lines of FILE that fail a run; false if any.
rc_check_kernel_log() {
	! grep -E "$RC_BAD_LOG" "$1"
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

# Debian's own 6.12 kernel as the distribution ships it, no debugging
# options (qemu-run.sh -k debian): the SMP figures to quote. Its image comes
# from the archive, never from the host's /boot, which a fresh machine need
# not have and which these scripts leave alone; its modules are built
# against the matching header package in /usr/src.
RC_DEBIAN_HEADERS=linux-headers-6.12-amd64

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

# rc_debian_kernel: provision, then print the directory holding the
# linux-image package that matches the newest installed
# /usr/src/linux-headers-6.12.*-amd64, unpacked (boot/vmlinuz-KVER,
# boot/config-KVER, lib/modules/KVER/): $RC_CACHE/debian/KVER_VERSION,
# downloaded once per version. Its .kver names the kernel release, its .kdir
# the headers to build modules against.
rc_debian_kernel() {
	local hdr kver ver dir deb
	rc_need_packages "${RC_PACKAGES[@]}" "${RC_QEMU_PACKAGES[@]}" "$RC_DEBIAN_HEADERS"
	hdr=$(find /usr/src -maxdepth 1 -name 'linux-headers-6.12.*-amd64' | sort -V | tail -n 1)
	[ -n "$hdr" ] || rc_die "no /usr/src/linux-headers-6.12.*-amd64 after installing $RC_DEBIAN_HEADERS"
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
			rc_die "no linux-image-$kver at $ver, the headers' version, in the package lists (the archive keeps only the newest: upgrade $RC_DEBIAN_HEADERS)"
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
# qemu-run.sh share (-k KERNEL -m MEM -t SECONDS -a 'KERNEL ARGS' -o DIR)
# into kernel, mem, timeout, append and dir; RC_ARGS gets the command that
# follows. A bad option prints USAGE_FILE's "# usage" block and exits 2.
rc_runner_args() {
	local opt OPTIND=1 usage=$2
	kernel=$1 mem=1G timeout=600 append="" dir=""
	shift 2
	while getopts k:m:t:a:o: opt; do
		case $opt in
		k) kernel=$OPTARG ;;
		m) mem=$OPTARG ;;
		t) timeout=$OPTARG ;;
		a) append=$OPTARG ;;
		o) dir=$OPTARG ;;
		*) sed -n '/^# usage/,/^#   -o/p' "$usage" >&2; exit 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -gt 0 ] || rc_die "no command given"
	RC_ARGS=("$@")
}
