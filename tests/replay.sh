#!/bin/sh
# Record/replay (vm/replay.c) with the serial echo guest pc-echo: a recorded run with
# piped input, replayed with no input, prints the same bytes; a changed byte in the log
# is reported as a divergence (exit 6) naming the field; a log is refused (exit 2, one
# line) on another machine configuration, truncated in its header, or not a log.
# Speaks TAP. Usage: replay.sh WIRT GUEST
wirt=$1 guest=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"
run() {
    "$wirt" run --flat "$guest" --machine pc --serial stdio "$@"
}
echo "1..7"
printf 'hello, wirt.' | run --record "$tmp/a.log" >"$tmp/a.out" 2>"$tmp/a.err"
sa=$?
[ "$sa" -eq 1 ] && grep -q "hello, wirt" "$tmp/a.out"
check $? "recorded: the guest echoes its input (exit $sa)"
run --replay "$tmp/a.log" </dev/null >"$tmp/b.out" 2>"$tmp/b.err"
sb=$?
[ "$sb" -eq 1 ] && cmp -s "$tmp/a.out" "$tmp/b.out"
check $? "replayed with no input: the same bytes (exit $sb)"
"$wirt" replay info "$tmp/a.log" >"$tmp/info"
[ "$(grep -c serial "$tmp/info")" -eq 12 ] && grep -q "end " "$tmp/info"
check $? "replay info lists the 12 typed bytes and the end"
off=$(awk '$2 == "serial" && $8 == "0x77" { print $1; exit }' "$tmp/info")
cp "$tmp/a.log" "$tmp/e.log"
printf 'x' | dd of="$tmp/e.log" bs=1 seek=$((${off:-0} + 18)) conv=notrunc 2>/dev/null
run --replay "$tmp/e.log" </dev/null >/dev/null 2>"$tmp/e.err"
se=$?
[ "$se" -eq 6 ] && grep -q "replay diverged at instruction" "$tmp/e.err" &&
    grep -q "uart0\.rxf" "$tmp/e.err"
check $? "one logged byte changed: a divergence naming the UART's FIFO (exit $se)"
sed 's/^/# /' "$tmp/e.err"

# refuse WHY REGEX LOG [ARGS...]
refuse() {
    why=$1 re=$2 log=$3
    shift 3
    run --replay "$log" "$@" </dev/null >/dev/null 2>"$tmp/err"
    status=$?
    [ "$status" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -Eq "$re" "$tmp/err"
    check $? "refused: $why (exit $status)"
    sed 's/^/# /' "$tmp/err"
}
refuse "another machine configuration" "another machine configuration" "$tmp/a.log" -m 32
head -c 40 "$tmp/a.log" >"$tmp/short.log"
refuse "a truncated header" "corrupt or truncated" "$tmp/short.log"
refuse "not a log" "not a wirt replay log" "$guest"
exit $fail
