#!/bin/sh
# Output on a pipe that closes (`wirt run ... | head`): wirt stops with one line and status
# 141 (128 + SIGPIPE), its exit path run (the terminal restored, a recording finished),
# instead of being killed by the signal mid-way or running on unheard. For the serial
# console (the shell ROM, kept talking by an endless stream of commands) and for the debug
# console (a guest printing on port 0xe9 for ever).
# Speaks TAP. Usage: serial-pipe.sh WIRT SHELL-ROM DEBUGCON-LOOP
wirt=$1 rom=$2 loop=$3
err=$(mktemp)
trap 'rm -f "$err"' EXIT
. "$(dirname "$0")/tap.sh"
echo "1..4"
# closed WHAT ARGS...: runs wirt with ARGS under `head -c 100`, fed endless shell commands,
# and checks its status and its one line of stderr.
closed() {
    what=$1
    shift
    status=$( { yes 'echo 0123456789' | tr '\n' '\r' |
        { "$wirt" run "$@" --max-insns 500000000 2>"$err"; echo $? >&3; } |
        head -c 100 >/dev/null; } 3>&1 )
    sed 's/^/# stderr: /' "$err"
    [ "$status" = 141 ]
    check $? "$what: the output pipe closed, wirt stops with status 141 (got $status)"
    [ "$(wc -l <"$err")" -eq 1 ] && grep -q "output pipe was closed" "$err"
    check $? "$what: one line says why"
}
closed "--serial stdio" --bios "$rom" -m 4 --clock insns --serial stdio
closed "the debug console" --flat "$loop"
exit $fail
