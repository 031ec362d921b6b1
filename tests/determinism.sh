#!/bin/sh
# Determinism (DESIGN.md rule 1): runs a guest twice on the PC board with --clock insns
# and requires the same debug-console output byte for byte, and a third time with another
# shift, which must differ (so the output really depends on virtual time). Speaks TAP.
# Usage: determinism.sh WIRT GUEST
wirt=$1 guest=$2
a=$(mktemp) b=$(mktemp) c=$(mktemp)
run() {
    "$wirt" run --machine pc --flat "$guest" --no-reboot --max-insns 200000000 \
        --serial none "$@" </dev/null
}
run --clock insns >"$a" 2>/dev/null; sa=$?
run --clock insns >"$b" 2>/dev/null; sb=$?
run --clock insns,shift=5 >"$c" 2>/dev/null
echo "1..3"
sed 's/^/# /' "$a" | head -8
. "$(dirname "$0")/tap.sh"
[ "$sa" -eq 1 ] && [ "$sb" -eq 1 ] && [ "$(wc -l <"$a")" -ge 32 ]
check $? "guest passes and prints"
cmp -s "$a" "$b"; check $? "two --clock insns runs print the same bytes"
! cmp -s "$a" "$c"; check $? "another shift gives other values"
rm -f "$a" "$b" "$c"
exit $fail
