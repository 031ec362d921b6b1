#!/bin/sh
# The terminal back-end with its output on a pipe that closes (`wirt run ... | head`): wirt
# stops with one line and status 141 (128 + SIGPIPE), its exit path run (the terminal
# restored, a recording finished), instead of being killed by the signal mid-way. The guest
# is the shell ROM, kept talking by an endless stream of commands. Speaks TAP.
# Usage: serial-pipe.sh WIRT SHELL-ROM
wirt=$1 rom=$2
err=$(mktemp)
trap 'rm -f "$err"' EXIT
. "$(dirname "$0")/tap.sh"
echo "1..2"
status=$( { yes 'echo 0123456789' | tr '\n' '\r' |
    { "$wirt" run --bios "$rom" -m 4 --clock insns --serial stdio --max-insns 500000000 \
          2>"$err"; echo $? >&3; } | head -c 100 >/dev/null; } 3>&1 )
sed 's/^/# stderr: /' "$err"
[ "$status" = 141 ]
check $? "the output pipe closed: wirt stops with status 141 (got $status)"
[ "$(wc -l <"$err")" -eq 1 ] && grep -q "output pipe was closed" "$err"
check $? "one line says why"
exit $fail
