#!/bin/sh
# The control socket of a live guest under abuse (issue #8): malformed JSON, unknown
# commands, a huge line, bad arguments and a half request each get their error reply, and
# the guest keeps running (its shell still answers on the console). Also: a foreground
# `wirt run --name`, a shutdown the guest ignores (it times out and says so), a shutdown
# of a guest without a keyboard, destroy, and bad names or no runtime directory.
# Speaks TAP; skips without python3. Usage: control-robust.sh WIRT SHELL-ROM ECHO-GUEST
wirt=$1 rom=$2 echo_guest=$3
here=$(cd "$(dirname "$0")" && pwd)
ctl="$here/wirtctl.py"
if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # SKIP python3 not found"
    exit 0
fi
. "$here/tap.sh"

dir=$(mktemp -d)
export XDG_RUNTIME_DIR="$dir/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
pids=""
cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

# Waits until guest NAME answers hello (up to 30 s).
wait_guest() {
    i=0
    while ! python3 "$ctl" request "$1" hello >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -gt 300 ] && return 1
        sleep 0.1
    done
}
# wirt SUBCOMMAND...: stdout in $dir/out, stderr in $dir/err, status in $st.
w() {
    "$wirt" "$@" >"$dir/out" 2>"$dir/err" </dev/null
    st=$?
    sed 's/^/# stdout: /' "$dir/out"
    sed 's/^/# stderr: /' "$dir/err"
}

"$wirt" run --name rob --bios "$rom" -m 4 --serial "unix:$dir/com1" \
    >"$dir/rob.out" 2>"$dir/rob.err" </dev/null &
rob=$!
pids="$pids $rob"
wait_guest rob
check $? "a foreground guest with --name answers on its control socket"

python3 "$ctl" robust rob >"$dir/robust"
while read -r verdict what; do
    [ "$verdict" = PASS ]
    check $? "$what"
done <"$dir/robust"

printf 'echo still-here\r' | "$wirt" console rob >"$dir/console" 2>"$dir/err"
{ cat "$dir/console"; echo; } | tr -d '\r' | sed 's/^/# console: /'
grep -q '^still-here' "$dir/console"
check $? "after all that the guest's shell still answers on its console"
[ "$(python3 "$ctl" field rob status state)" = idle ]
check $? "and its state is idle (waiting in HLT), not stopped"

w destroy rob
wait $rob
status=$?
[ $st -eq 0 ] && [ $status -eq 0 ] && [ ! -e "$XDG_RUNTIME_DIR/wirt/rob.sock" ]
check $? "destroy ends a foreground guest (exit 0) and removes its socket"

# A guest that ignores Ctrl-Alt-Del (its keyboard interrupt is masked).
"$wirt" run --name deaf --machine pc --flat "$echo_guest" --serial none \
    >"$dir/deaf.out" 2>"$dir/deaf.err" </dev/null &
deaf=$!
pids="$pids $deaf"
wait_guest deaf
w shutdown deaf --timeout 1
[ $st -eq 1 ] && grep -q 'deaf did not power off within 1 s' "$dir/err" &&
    [ "$(wc -l <"$dir/err")" -eq 1 ]
check $? "a shutdown the guest ignores times out with one line (exit 1)"
w destroy deaf
wait $deaf
check $? "then destroy stops it"

# The test board has no keyboard controller to send Ctrl-Alt-Del to.
"$wirt" run --name board --machine test --flat "$echo_guest" \
    >"$dir/board.out" 2>"$dir/board.err" </dev/null &
board=$!
pids="$pids $board"
wait_guest board
w shutdown board
[ $st -eq 1 ] && grep -q 'no keyboard controller' "$dir/err"
check $? "shutdown of a guest without a keyboard: refused with the reason"
w destroy board
wait $board
check $? "destroy a test-board guest"

# `wirt shutdown` sends its keys through the input funnel: recorded, then replayed alone.
"$wirt" run --name rec --bios "$rom" -m 4 --clock insns --record "$dir/rec.log" \
    --serial none >"$dir/rec.out" 2>"$dir/rec.err" </dev/null &
rec=$!
pids="$pids $rec"
wait_guest rec
w shutdown rec --timeout 30
wait $rec
rec_status=$?
w replay info "$dir/rec.log"
grep -q 'key .*key 0x14 down$' "$dir/out" && grep -q 'key .*key 0xe071 down$' "$dir/out"
check $? "the recording holds Ctrl-Alt-Del as key events"
w run --bios "$rom" -m 4 --replay "$dir/rec.log" --serial none
[ $rec_status -eq 0 ] && [ $st -eq 0 ] && grep -q 'halted at .* with interrupts disabled' "$dir/err"
check $? "replayed without the control socket, the guest powers off the same way"

w run --name 'bad/name' --bios "$rom" -m 4
[ $st -eq 2 ] && [ "$(wc -l <"$dir/err")" -eq 1 ]
check $? "run --name with a bad name: one line, exit 2"
env XDG_RUNTIME_DIR=relative/dir "$wirt" run --name nodir --bios "$rom" -m 4 --serial none \
    >"$dir/out" 2>"$dir/err" </dev/null
st=$?
sed 's/^/# stderr: /' "$dir/err"
[ $st -eq 2 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q XDG_RUNTIME_DIR "$dir/err"
check $? "run --name with a relative runtime directory: one line, exit 2"
w list nosuch
[ $st -eq 2 ]
check $? "list of a guest that is not running: exit 2"

for f in "$dir"/*.err; do [ -f "$f" ] && sed "s|^|# $(basename "$f"): |" "$f"; done
echo "1..$n"
exit $fail
