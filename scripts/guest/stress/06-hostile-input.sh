#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Case 6, hostile input: a corpus of well over 200 malformed ctl writes (each
# one write(2), built with printf so NULs and binary bytes go through), plus
# writes to the read-only files and reads with nothing to read. Proves that
#  - every malformed write fails with exactly the documented errno: EINVAL
#    for bad syntax (blank lines, unknown commands, missing or extra tokens,
#    signs, hex, leading zeros, out-of-range and 64-bit-overflowing numbers,
#    a create's SIZE of 0, above 4096 or not canonical,
#    control bytes, NULs, binary bytes, each half of a split command), E2BIG
#    above 256 bytes, ENOENT for a well-formed command on a non-live id;
#  - a failed write leaves nothing to read (read(2) returns EOF), and leaves
#    "objects" and "stats" byte-for-byte unchanged;
#  - the read-only files refuse writes with the errno the kernel really gives
#    (EINVAL: debugfs 6.12 gives them no write method; measured, see below),
#    ctl opened read-only refuses writes with EBADF, and a fresh ctl file
#    reads EOF before any write.
#
# usage: 06-hostile-input.sh [-s SEED]   (-w/-n/-t accepted; the corpus is fixed,
#   SEED only varies the random binary lines)

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
RC_WORKERS=1 RC_OPS=60 RC_SECS=120
rc_args "$@"
rc_require_module

C_FMT=() C_ERR=() C_CAT=() cat=
add() { C_FMT+=("$1"); C_ERR+=("$2"); C_CAT+=("$cat"); }

rc_ktap_start 15
rc_ctl_open

# -- reads with nothing to read, and the "failed write clears" rule ----------
rc_ctl_read_raw
r1=$RC_VAL
rc_ctl "create 3"
A=${RC_OUT[0]} B=${RC_OUT[1]} D=${RC_OUT[2]}
rc_ctl "get $B"
rc_ctl "put $D"
rc_ctl "get $A" && res=$RC_VAL
rc_ctl_raw 'get +1\n'
rc_ctl_read_raw
r2=$RC_VAL
rc_ctl "put $A"
rc_ctl "get $A" && rc_ctl_raw "put $A\n" && rc_ctl_read_raw && r3=$RC_VAL
rc_eq "read before any write is EOF; a failed write leaves nothing to read" \
	"[$r1] $res [$r2] [$r3]" "[] 2 [] [1"$'\n'"]"
rc_diag "live objects used: $A (refcount 1), $B (refcount 2); dead id $D"
# An id nobody has used yet: its slot (the low 24 bits, 7022592) lies far
# beyond the ones this module has handed out.
N=4000000000

# -- the corpus ----------------------------------------------------------------
cat="blank lines"
for f in '\n' ' \n' '\t\n' '   ' '\t' ' \t \n' '\n\n' '\r\n' ' \r' '\v' '\f\n' \
	'\t\t\t\t\n' ' '; do add "$f" EINVAL; done

cat="unknown commands"
for f in creat CREATE Create "GET $A" "Get $A" "PUT $A" "gett $A" "pu $A" \
	"puts $A" "delete $A" "del $A" list help stats reset create1 "get$A" \
	"put$A" "get-$A" "get_$A" "xget $A" c "g $A" "p $A" "destroy $A" \
	"ref $A" "unref $A" "free $A" alloc new "crea te" "ge t $A" "p ut $A" \
	createcreate "getget $A" "$A" "$A get" "1 create" "$A put" "get:$A" \
	"get,$A" "get=$A" "create=1" "objects" "ctl" "-create" "+get $A" "#get $A"; do
	add "$f\\n" EINVAL
done

cat="missing or extra tokens"
for f in get put 'get ' 'put  ' 'get\t' "create 1 1 1" "create 1 16 2" "get $A $A" \
	"put $A $A" "get $A x" "put $A 0" "create 1 x" "get $A $B $B" \
	"create  1  1  1 " "get $A\\t$A" "put $B -" "get $A +" "create create" \
	"get get $A" "put $A put"; do
	add "$f\\n" EINVAL
done

cat="signs, hex, octal, leading zeros, non-digits"
for f in "get +$A" "get -$A" "put +$A" "put -$A" "create +1" "create -1" \
	"create +0" "get 0x$(printf %x "$A")" "get 0X$(printf %X "$A")" \
	"put 0x$(printf %x "$A")" "create 0x1" "create 0x10" "create 0b1" \
	"get 0$A" "get 00$A" "put 0$A" "create 01" "create 00" "create 0" \
	"get 0" "put 0" "get 00" "get 0o7" "get $A." "get $A.0" "get 1e1" \
	"create 1e1" "get $A," "get ${A}k" "create 1k" "get ${A}_" \
	"get \\xd9\\xa1" "get \\xef\\xbc\\x95" "get \\xe2\\x88\\x92$A" \
	"create \\xc2\\xb2" "get ' $A'" "get \"$A\"" "get ($A)" "get $A;" \
	"get \$$A" "get ~$A" "get !$A" "create  -0" "get 1_000"; do
	add "$f\\n" EINVAL
done

cat="a create's SIZE: 0, above 4096, not canonical decimal"
for f in "create 1 0" "create 1 4097" "create 1 010" "create 1 0x10" \
	"create 1 -16" "create 1 +16" "create 1 4096x" "create 0 16"; do
	add "$f\\n" EINVAL
done

cat="out of range, 64-bit overflow"
for f in "create 65537" "create 100000" "create 4294967295" \
	"create 4294967296" "create 18446744073709551615" \
	"create 18446744073709551616" "create 99999999999999999999" \
	"get 4294967296" "get 4294967297" "put 4294967296" \
	"get 18446744073709551615" "get 18446744073709551616" \
	"get 18446744073709551617" "get 99999999999" "get 12345678901" \
	"put 340282366920938463463374607431768211456" \
	"get 1000000000000000000000000" "create 65536000" \
	"put 9223372036854775807" "put 9223372036854775808" \
	"get $((4294967296 + A))" "put $((18446744073709551615 + 0))"; do
	add "$f\\n" EINVAL
done

cat="well-formed, non-live id"
for f in "get 4294967295" "put 4294967295" "get $D" "put $D" "get $N" \
	"put $N" "get 4294967294" "put $((N + 1))" "get $D\\n" "put $N\\n"; do
	add "$f" ENOENT
done

cat="control bytes and NULs"
for f in "get $A\\x00\\n" "\\x00get $A\\n" "get \\x00$A\\n" "get $A\\x00" \
	'create\x00' 'create\x00\n' '\x00' '\x00\n' "get $A\\r\\n" \
	"get\\x01$A\\n" "get $A\\x1b[0m\\n" "get $A\\x7f\\n" 'create\x7f\n' \
	"get $A\\n\\n" "get $A\\n \\n" '\ncreate' "\\nget $A" "get\\n$A" \
	"get $A\\v" "get $A\\f" "put $B\\b" 'create \x00 1' "get $A\\x00\\x00" \
	"get $A\\x85\\n" "get $A\\x9f\\n" 'create\n\n'; do
	add "$f" EINVAL
done
for c in 01 02 03 04 05 06 07 08 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 \
	19 1a 1b 1c 1d 1e 1f 7f 80 90; do
	add "get $A\\x$c\\n" EINVAL
done

cat="binary and non-ASCII bytes"
for f in '\xff' '\xfe\xff' "get $A\\xff" "get \\xc2\\xa0$A" \
	"\\xef\\xbb\\xbfget $A" 'crea\xcc\x81te' '\xc0\x80' "\\xa0get $A" \
	"get\\xa0$A" '\xe2\x80\x8bcreate'; do
	add "$f\\n" EINVAL
done

cat="random binary lines (no letters, so never a command)"
alpha=()
for ((b = 1; b < 256; b++)); do
	((b >= 65 && b <= 90)) || ((b >= 97 && b <= 122)) && continue
	printf -v f '\\x%02x' "$b"
	alpha+=("$f")
done
for ((i = 0; i < 40; i++)); do
	f=
	for ((j = RANDOM % 40 + 1; j > 0; j--)); do f+=${alpha[RANDOM % ${#alpha[@]}]}; done
	add "$f" EINVAL
done

cat="over-long writes"
pad() { printf -v RC_VAL "%-$2s" "$1"; }
pad "get $A" 257 && add "$RC_VAL" E2BIG
pad "create 1" 257 && add "$RC_VAL" E2BIG
pad "create" 256 && add "$RC_VAL\\n" E2BIG
pad "x" 255 && add "$RC_VAL\\n" EINVAL
pad "x" 256 && add "$RC_VAL" EINVAL
pad "x" 257 && add "$RC_VAL" E2BIG
pad "put $A" 300 && add "$RC_VAL\\n" E2BIG
pad "" 1024 && add "$RC_VAL" E2BIG
pad "get" 4000 && add "$RC_VAL" E2BIG
printf -v f '%0300d' 1 && add "get $f\\n" E2BIG
printf -v f '%0240d' "$A" && add "get $f\\n" EINVAL

cat="partial writes (one command split over two writes)"
for f in "ge|t $A\\n" "put| $A\\n" "cre|ate 2\\n" "get |$A\\n" "g|et $A" \
	"put|  $B\\n"; do
	add "${f%%|*}" EINVAL
	add "${f#*|}" EINVAL
done

# -- run it --------------------------------------------------------------------
rc_diag "corpus: ${#C_FMT[@]} malformed writes"
rc_check "corpus has at least 200 entries" $((${#C_FMT[@]} < 200)) "${#C_FMT[@]}"

snap() {
	local -a a b
	mapfile -t a <"$RC_DIR/objects"
	mapfile -t b <"$RC_DIR/stats"
	printf -v RC_VAL '%s|' "${a[@]}" "${b[@]}"
}
snap
base=$RC_VAL
declare -A bad=() nent=() ntot=()
cats=()
for c in "${C_CAT[@]}"; do
	[ -n "${ntot[$c]:-}" ] || cats+=("$c")
	ntot[$c]=$((${ntot[$c]:-0} + 1))
done
for ((i = 0; i < ${#C_FMT[@]}; i++)); do
	# -t bounds this case too (the soak gives it what is left of a round).
	rc_time_left || break
	c=${C_CAT[i]}
	nent[$c]=$((${nent[$c]:-0} + 1))
	why=
	if rc_ctl_raw "${C_FMT[i]}"; then
		why="accepted"
	elif [ "$RC_ERR" != "${C_ERR[i]}" ]; then
		why="$RC_ERR, want ${C_ERR[i]}"
	fi
	rc_ctl_read_raw
	[ -z "$RC_VAL" ] || why+=" read after it returned '${RC_VAL//$'\n'/\\n}'"
	if [ "$RC_SHARED" != 1 ]; then
		snap
		if [ "$RC_VAL" != "$base" ]; then
			why+=" objects/stats changed"
			base=$RC_VAL
		fi
	fi
	[ -n "$why" ] && bad[$c]+="'${C_FMT[i]}': $why"$'\n'
done
for c in "${cats[@]}"; do
	if [ -z "${nent[$c]:-}" ]; then
		rc_skip "$c: ${ntot[$c]} writes" "deadline reached before them"
		continue
	fi
	n=${nent[$c]}
	[ "$n" = "${ntot[$c]}" ] || n="$n of ${ntot[$c]} (deadline)"
	rc_check "$c: $n writes fail as specified, change nothing" \
		$((${#bad[$c]} != 0)) "${bad[$c]:-}"
done

# -- read-only files -----------------------------------------------------------
snap
base=$RC_VAL
res=()
for f in objects stats; do
	if { exec 6<>"$RC_DIR/$f"; } 2>&4; then
		if printf 'create\n' >&6 2>&4; then res+=("$f:accepted"); else rc_catch_err; res+=("$f:$RC_ERR"); fi
		exec 6>&-
	else
		rc_catch_err
		res+=("$f:open:$RC_ERR")
	fi
done
if { exec 6<"$RC_DIR/ctl"; } 2>&4; then
	if printf 'create\n' >&6 2>&4; then res+=("ctl(O_RDONLY):accepted"); else rc_catch_err; res+=("ctl(O_RDONLY):$RC_ERR"); fi
	exec 6>&-
fi
snap
[ "$RC_SHARED" = 1 ] || [ "$RC_VAL" = "$base" ] || res+=("objects/stats changed")
rc_diag "writes to read-only files: ${res[*]}"
rc_eq "read-only files refuse writes (kernel gives EINVAL; ctl O_RDONLY EBADF)" \
	"${res[*]}" "objects:EINVAL stats:EINVAL ctl(O_RDONLY):EBADF"

# Clean up the three objects we made.
rc_ctl "put $A"
rc_ctl "put $B"
rc_ctl "put $B"
