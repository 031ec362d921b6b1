#!/bin/sh
# Snapshots (vm/snapshot.c) on the PC board with the deterministic clock, using the
# timer-driven guest pc-determinism (PIT, RTC, TSC): a run saved at instruction N and
# restored in a new process prints, from N on, exactly what an uninterrupted run prints;
# a restored machine re-saved at once equals the file field for field, and re-saved
# later equals the uninterrupted run's snapshot at that point; bad files are refused with
# one line and exit 2; a failed save leaves the earlier file and the guest running.
# Speaks TAP. Usage: snapshot.sh WIRT GUEST
wirt=$1 guest=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"
run() {     # run ARGS...: the guest on the deterministic PC board
    "$wirt" run --flat "$guest" --machine pc --clock insns --serial none "$@"
}
echo "1..13"

run >"$tmp/full.out" 2>/dev/null
[ $? -eq 1 ] && [ -s "$tmp/full.out" ]; check $? "an uninterrupted run prints its trace"

for at in 1 150000 300000 437000; do
    run --save-at "$at:$tmp/$at.snap" --max-insns "$at" >"$tmp/pre.out" 2>"$tmp/pre.err"
    "$wirt" run --restore "$tmp/$at.snap" --serial none >"$tmp/post.out" 2>"$tmp/post.err"
    status=$?
    cat "$tmp/pre.out" "$tmp/post.out" | cmp -s - "$tmp/full.out" && [ "$status" -eq 1 ]
    check $? "saved at instruction $at, restored: the same output as without a break"
done
sed 's/^/# /' "$tmp/pre.err"

"$wirt" run --restore "$tmp/150000.snap" --serial none --save-at "0:$tmp/again.snap" \
    --max-insns 1 >/dev/null 2>&1
"$wirt" snapshot diff "$tmp/150000.snap" "$tmp/again.snap" >"$tmp/diff.out"
check $? "restored and saved again at once: no field differs"
sed 's/^/# /' "$tmp/diff.out" | head -n 5

run --save-at "300000:$tmp/ref.snap" >/dev/null 2>&1
"$wirt" run --restore "$tmp/150000.snap" --serial none --save-at "300000:$tmp/later.snap" \
    >/dev/null 2>&1
"$wirt" snapshot diff "$tmp/ref.snap" "$tmp/later.snap" >"$tmp/diff.out"
check $? "restored at 150000 and saved at 300000: equal to the uninterrupted run's snapshot"
sed 's/^/# /' "$tmp/diff.out" | head -n 5

# refuse FILE WHY REGEX [ARGS...]: restoring FILE fails with one line matching REGEX.
refuse() {
    file=$1 why=$2 re=$3
    shift 3
    "$wirt" run --restore "$file" --serial none "$@" >/dev/null 2>"$tmp/err"
    status=$?
    [ "$status" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -Eq "$re" "$tmp/err"
    check $? "refused: $why (exit $status)"
    sed 's/^/# /' "$tmp/err"
}
snap=$tmp/150000.snap
size=$(wc -c <"$snap")
head -c $((size / 2)) "$snap" >"$tmp/short.snap"
refuse "$tmp/short.snap" "a truncated file" "truncated"
cp "$snap" "$tmp/flip.snap"
printf 'X' | dd of="$tmp/flip.snap" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
refuse "$tmp/flip.snap" "a corrupt byte" "corrupt"
cp "$snap" "$tmp/new.snap"
printf '\011' | dd of="$tmp/new.snap" bs=1 seek=8 conv=notrunc 2>/dev/null
refuse "$tmp/new.snap" "a newer format" "newer"
refuse "$snap" "another machine configuration" "another machine configuration" -m 32
refuse "$guest" "not a snapshot" "not a wirt snapshot"

# A save that fails (the file size limit cuts the write) keeps the earlier file and the
# guest runs on to its end (exit status 1).
cp "$snap" "$tmp/keep.snap"
(trap '' XFSZ; ulimit -f 8; run --save-at "200000:$tmp/keep.snap" >/dev/null 2>"$tmp/err")
status=$?
cmp -s "$snap" "$tmp/keep.snap" && [ "$status" -eq 1 ] && grep -q "earlier file" "$tmp/err" &&
    [ -z "$(ls "$tmp" | grep 'keep.snap.')" ]
check $? "a failed save: the earlier file is intact, no temporary is left, the guest runs on"
sed 's/^/# /' "$tmp/err"
exit $fail
