# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The reader of scripts/guest/stress/cases.table, the one table of which
# stress case runs on which kernel (its header says what each field means);
# sourced, never run, by guest/stress/run.sh (the cases a boot runs) and by
# test.sh (the boots). Pure bash, for QEMU's busybox initramfs.
#
#  - rc_cases_read FILE: parse the table into
#      RC_KERNELS        the kernels' names, in order
#      RC_KERNEL_LANE[K] the test.sh lane that boots K, or "-"
#      RC_KERNEL_SOAK[K] 09-soak's seconds on K
#      RC_KERNEL_RUN[K]  the runner and its options, blank-separated
#      RC_CASES          the cases' names, in order
#      RC_CASE_ON[C]     the kernels C runs on, " K1 K2 " (blanks around)
#      RC_CASE_LIMIT[C]  its time limit, an arithmetic expression of {soak}
#      RC_CASE_PARAMS[C] its module parameters, blank-separated ("" if none)
#      RC_CASE_ARGS[C]   its arguments, blank-separated, with {ko} and {soak}
#    false, with FILE:LINE: REASON on stderr, if the table is malformed.
#  - rc_cases_on KERNEL: print the names of the cases that run on KERNEL.
#  - rc_cases_kernels LANE: print the names of the kernels LANE boots.

# shellcheck disable=SC2034 # the parsed table is this library's interface
{
	declare -ga RC_KERNELS=() RC_CASES=()
	declare -gA RC_KERNEL_LANE=() RC_KERNEL_SOAK=() RC_KERNEL_RUN=()
	declare -gA RC_CASE_ON=() RC_CASE_LIMIT=() RC_CASE_PARAMS=() RC_CASE_ARGS=()
}

rc_cases_read() {
	local file=$1 line n=0 k i name nk
	local -a f
	_rc_cases_bad() { echo "$file:$n: $*" >&2; }
	RC_KERNELS=() RC_CASES=()
	RC_KERNEL_LANE=() RC_KERNEL_SOAK=() RC_KERNEL_RUN=()
	RC_CASE_ON=() RC_CASE_LIMIT=() RC_CASE_PARAMS=() RC_CASE_ARGS=()
	[ -r "$file" ] || { echo "no table of cases at $file" >&2; return 1; }
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		line=${line%%#*}
		read -r -a f <<<"$line"
		[ ${#f[@]} -gt 0 ] || continue
		name=${f[1]:-}
		case ${f[0]} in
		kernel)
			[ ${#RC_CASES[@]} -eq 0 ] ||
				{ _rc_cases_bad "kernel line after a case line (the marks go by the kernel lines' order)"; return 1; }
			[ ${#f[@]} -ge 5 ] || { _rc_cases_bad "kernel NAME LANE SOAK RUNNER [OPTION...]"; return 1; }
			[ -z "${RC_KERNEL_LANE[$name]:-}" ] || { _rc_cases_bad "kernel $name twice"; return 1; }
			[[ ${f[3]} =~ ^[0-9]+$ ]] || { _rc_cases_bad "kernel $name: SOAK '${f[3]}' is no number"; return 1; }
			RC_KERNELS+=("$name")
			RC_KERNEL_LANE[$name]=${f[2]}
			RC_KERNEL_SOAK[$name]=${f[3]}
			RC_KERNEL_RUN[$name]=${f[*]:4}
			;;
		case)
			nk=${#RC_KERNELS[@]}
			[ ${#f[@]} -ge $((nk + 4)) ] ||
				{ _rc_cases_bad "case NAME, $nk marks (one per kernel line), LIMIT, PARAMS [ARG...]"; return 1; }
			[ -z "${RC_CASE_LIMIT[$name]:-}" ] || { _rc_cases_bad "case $name twice"; return 1; }
			RC_CASES+=("$name")
			RC_CASE_ON[$name]=" "
			for ((i = 0; i < nk; i++)); do
				k=${f[i + 2]}
				case $k in
				x) RC_CASE_ON[$name]+="${RC_KERNELS[i]} " ;;
				.) ;;
				*) _rc_cases_bad "case $name: mark '$k' for ${RC_KERNELS[i]} (x or .)"; return 1 ;;
				esac
			done
			RC_CASE_LIMIT[$name]=${f[nk + 2]}
			RC_CASE_PARAMS[$name]=${f[nk + 3]//,/ }
			[ "${RC_CASE_PARAMS[$name]}" != - ] || RC_CASE_PARAMS[$name]=
			RC_CASE_ARGS[$name]=${f[*]:nk+4}
			;;
		*) _rc_cases_bad "unknown line '${f[0]}' (kernel or case)"; return 1 ;;
		esac
	done <"$file"
	if [ ${#RC_KERNELS[@]} -eq 0 ] || [ ${#RC_CASES[@]} -eq 0 ]; then
		echo "$file: no kernel or no case lines" >&2
		return 1
	fi
}

rc_cases_on() {
	local c
	for c in "${RC_CASES[@]}"; do
		[[ ${RC_CASE_ON[$c]} == *" $1 "* ]] && printf '%s\n' "$c"
	done
	return 0
}

rc_cases_kernels() {
	local k
	for k in "${RC_KERNELS[@]}"; do
		[ "${RC_KERNEL_LANE[$k]}" = "$1" ] && printf '%s\n' "$k"
	done
	return 0
}
