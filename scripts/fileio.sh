# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/fileio.c (pwrite, pread, lseek from the command line: bash has no
# builtin for them), built once per source; sourced, never run.
#
# rc_fileio: print the helper's path, building it first if need be; false,
# with the reason on stderr, if it is not there and cannot be built. The
# path is $RC_FILEIO when that is set, else CACHE/tools/fileio-HASH (HASH:
# the first 8 hex digits of the source's sha256, so an edited source gets a
# new binary), where CACHE is
#  - $RC_CACHE when set (on the host: scripts/lib.sh sets it);
#  - else the cache that holds $RC_MODDIR: inside the test kernels, which get
#    only RC_TOP and RC_MODDIR (= CACHE/modules/NAME) from their runners, and
#    whose HOME is not the host's;
#  - else ${XDG_CACHE_HOME:-$HOME/.cache}/refcache, lib.sh's default.
# The binary is static (gcc -static), so it runs anywhere: in UML, which
# sees the host's files and its gcc (a first use there builds it), and in
# QEMU's initramfs, which has no C library but bash's and no compiler:
# qemu-run.sh copies the binary in at its host path (rc_fileio_install),
# where this finds it.

RC_FILEIO_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/fileio.c

rc_fileio() {
	local cache tmp='' bin=${RC_FILEIO:-}
	if [ -z "$bin" ]; then
		cache=${RC_CACHE:-}
		[ -n "$cache" ] || [[ ${RC_MODDIR:-} != */modules/* ]] || cache=${RC_MODDIR%/modules/*}
		[ -n "$cache" ] || cache=${XDG_CACHE_HOME:-$HOME/.cache}/refcache
		bin=$cache/tools/fileio-$(sha256sum <"$RC_FILEIO_SRC" | cut -c1-8)
	fi
	if [ ! -x "$bin" ]; then
		if [ -n "${RC_FILEIO:-}" ]; then
			echo "rc_fileio: RC_FILEIO=$bin is no executable" >&2
			return 1
		elif ! command -v gcc >/dev/null; then
			echo "rc_fileio: no $bin, and no gcc here to build it" >&2
			return 1
		fi
		# Under a name of its own (a UML guest and a host may build at
		# once, and their pids are not one namespace's), so no
		# half-written binary is ever used. PATH=$PATH: exported, for
		# gcc to find cc1 and ld with (a UML init does not export it).
		if ! { mkdir -p "${bin%/*}" && tmp=$(mktemp "$bin.XXXXXX") &&
			PATH=$PATH gcc -static -O2 -Wall -Wextra -Werror -o "$tmp" "$RC_FILEIO_SRC" >&2 &&
			chmod 0755 "$tmp" && mv -f "$tmp" "$bin"; }; then
			[ -z "$tmp" ] || rm -f "$tmp"
			echo "rc_fileio: cannot build $RC_FILEIO_SRC into $bin" >&2
			return 1
		fi
	fi
	printf '%s\n' "$bin"
}

# rc_fileio_install ROOT: rc_fileio, and the helper copied to the same path
# under ROOT (an initramfs).
rc_fileio_install() {
	local bin
	bin=$(rc_fileio) && install -D -m 0755 "$bin" "$1$bin"
}
