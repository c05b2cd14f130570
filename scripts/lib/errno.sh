# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The one errno map of the refcache scripts (refcachectl, the stress cases,
# the refcachectl test, the demo); sourced, never run. Bash reports a failed
# write(2) or open(2) only as text: "printf: write error: Invalid argument",
# glibc's strerror() after the last ": ". These are the errors refcache's
# files give (README, "The debugfs interface") and those of the files around
# them (debugfs gone under an unload, a read-only or root-only file), with
# their numbers from include/uapi/asm-generic/errno-base.h and errno.h.
#
#  - rc_errno TEXT: the E-name for an error text (the whole message or just
#    its strerror part) in RC_ERRNO, and its number in RC_ERRNO_NUM; false,
#    with RC_ERRNO "E?(TEXT)" and RC_ERRNO_NUM empty, for a text not in the
#    map. No fork: the stress cases call it in their inner loops.
#  - RC_ERRNO_TEXT[ENAME], RC_ERRNO_NUMBER[ENAME]: the other way round.

# shellcheck disable=SC2034 # the maps are this library's interface
{
	declare -gA RC_ERRNO_TEXT=() RC_ERRNO_NUMBER=() RC_ERRNO_BY_TEXT=()
	RC_ERRNO='' RC_ERRNO_NUM=''
}

#	number	E-name		strerror() text
while read -r _n _e _t; do
	RC_ERRNO_NUMBER[$_e]=$_n
	RC_ERRNO_TEXT[$_e]=$_t
	RC_ERRNO_BY_TEXT[$_t]=$_e
done <<'EOF'
1	EPERM		Operation not permitted
2	ENOENT		No such file or directory
5	EIO		Input/output error
6	ENXIO		No such device or address
7	E2BIG		Argument list too long
9	EBADF		Bad file descriptor
11	EAGAIN		Resource temporarily unavailable
12	ENOMEM		Cannot allocate memory
13	EACCES		Permission denied
14	EFAULT		Bad address
16	EBUSY		Device or resource busy
19	ENODEV		No such device
22	EINVAL		Invalid argument
28	ENOSPC		No space left on device
29	ESPIPE		Illegal seek
30	EROFS		Read-only file system
75	EOVERFLOW	Value too large for defined data type
EOF
unset _n _e _t

rc_errno() {
	local t=${1##*: }
	RC_ERRNO=
	# (An empty key is no subscript bash takes.)
	[ -z "$t" ] || RC_ERRNO=${RC_ERRNO_BY_TEXT[$t]:-}
	if [ -n "$RC_ERRNO" ]; then
		RC_ERRNO_NUM=${RC_ERRNO_NUMBER[$RC_ERRNO]}
		return 0
	fi
	RC_ERRNO="E?($1)" RC_ERRNO_NUM=''
	return 1
}
