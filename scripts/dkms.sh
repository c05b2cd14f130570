#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS for refcache: stage the sources as /usr/src/refcache-VERSION and run
# dkms on them.
#
# usage: scripts/dkms.sh add                  stage the sources and dkms add
#        scripts/dkms.sh build KERNELVERSION  dkms build; fails on any warning
#        scripts/dkms.sh install [KERNELVERSION]
#        scripts/dkms.sh remove               dkms remove --all, unstage
#
# VERSION is the git description of the work tree (or "0.0" outside git).
set -eu
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

version=$(git -C "$RC_TOP" describe --always --dirty 2>/dev/null | tr -c 'A-Za-z0-9.\n' '.' || true)
version=${version:-0.0}
stage=/usr/src/refcache-$version

add() {
	rc_need_packages dkms
	dkms remove -m refcache -v "$version" --all >/dev/null 2>&1 || true
	rm -rf "$stage" && mkdir -p "$stage"
	cp -r "$RC_TOP"/{Kbuild,Makefile,module,include,kunit} "$stage"/
	sed "s/@VERSION@/$version/" "$RC_TOP/scripts/dkms.conf" >"$stage/dkms.conf"
	dkms add -m refcache -v "$version"
}

build() {
	local kver=$1 log
	dkms build -m refcache -v "$version" -k "$kver" --force
	log=/var/lib/dkms/refcache/$version/$kver/$(uname -m)/log/make.log
	[ -s "$log" ] || rc_die "no build log at $log"
	ls "/var/lib/dkms/refcache/$version/$kver/$(uname -m)/module/"refcache.ko* >/dev/null ||
		rc_die "dkms built no refcache.ko for $kver"
	if grep -E 'warning:|error:' "$log"; then
		rc_die "dkms build for $kver has warnings (see $log)"
	fi
	echo "dkms build for $kver: clean"
}

case ${1:-} in
add) add ;;
build) [ $# -eq 2 ] || rc_die "usage: $0 build KERNELVERSION"; build "$2" ;;
install) dkms install -m refcache -v "$version" ${2:+-k "$2"} ;;
remove)
	dkms remove -m refcache -v "$version" --all || true
	rm -rf "$stage"
	;;
*) sed -n '/^# usage/,/^# VERSION/p' "$0" >&2; exit 2 ;;
esac
