#!/bin/sh
# The toolstack end to end (issue #8): two guests created from config files, listed,
# a console attached on a pseudo-terminal and one piped, a pause whose virtual clock
# stands still and whose process rests, `wirt top`, a save (the guest stops), a restore
# with the shell still there, a destroy and a second restore, a reset, a stale socket
# cleaned, and both guests shut down through Ctrl-Alt-Del on their keyboards. The guest
# is tests/guests/pc-shell.asm, a firmware image with a tiny shell on COM1.
# Speaks TAP; skips without python3. Usage: toolstack.sh WIRT SHELL-ROM
wirt=$1
rom=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
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
run="$XDG_RUNTIME_DIR/wirt"
pids=""
cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$dir"
}
show_logs() {
    for f in "$run"/*.log "$run"/*.log.1; do
        [ -f "$f" ] && sed "s|^|# $(basename "$f"): |" "$f"
    done
}
trap cleanup EXIT INT TERM

# wirt SUBCOMMAND...: runs it with stdout in $dir/out and stderr in $dir/err, status in $st.
w() {
    "$wirt" "$@" >"$dir/out" 2>"$dir/err" </dev/null
    st=$?
    sed 's/^/# stdout: /' "$dir/out"
    sed 's/^/# stderr: /' "$dir/err"
}
# The pid in "Started domain NAME (id=PID)".
remember_pid() {
    p=$(sed -n 's/.*(id=\([0-9]*\)).*/\1/p' "$dir/out")
    pids="$pids $p"
}
field() { python3 "$ctl" field "$1" status "$2"; }
# A line typed on guest NAME's piped console; the guest's answers go to $dir/console.
type_line() {
    printf '%s\r' "$2" | "$wirt" console "$1" >"$dir/console" 2>"$dir/err"
    st=$?
    { cat "$dir/console"; echo; } | tr -d '\r' | sed 's/^/# console: /'
}

# The last number the guest printed on the console of the last type_line (its `ticks`).
console_number() { tr -d '\r' <"$dir/console" | grep -x '[0-9][0-9]*' | tail -1; }
# run_named NAME ARGS...: `wirt run --bios ROM -m 4 --name NAME ARGS` in the background,
# waiting (up to 5 s) for its control socket.
run_named() {
    named=$1    # not n: tap.sh counts its checks in n
    shift
    "$wirt" run --bios "$rom" -m 4 --name "$named" "$@" </dev/null >"$dir/$named.out" 2>&1 &
    pids="$pids $!"
    i=0
    while [ ! -S "$run/$named.sock" ] && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}

for g in alpha beta; do
    printf 'name = "%s"   # the toolstack test\nmemory = 4\nbios = "%s"\n' "$g" "$rom" \
        >"$dir/$g.cfg"
done

w create "$dir/alpha.cfg"
[ $st -eq 0 ] && grep -q '^Started domain alpha (id=[0-9]*)$' "$dir/out"
check $? "create alpha"
remember_pid
w create "$dir/beta.cfg"
[ $st -eq 0 ] && grep -q '^Started domain beta' "$dir/out"
check $? "create beta"
remember_pid
w create "$dir/alpha.cfg"
[ $st -eq 2 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q 'already running' "$dir/err"
check $? "a second guest named alpha is refused (one line, exit 2)"

w list
[ $st -eq 0 ] && grep -q '^Name  *ID  *Mem  *VCPUs  *State  *Time(s)$' "$dir/out" &&
    grep -q '^alpha  *[0-9][0-9]*  *4  *1  *[-r]b*----' "$dir/out" &&
    grep -q '^beta  *[0-9]' "$dir/out"
check $? "list shows both guests as xm list does"

python3 "$ctl" console-pty "$wirt" alpha
check $? "console on a terminal: raw while attached, answers, Ctrl-] detaches, restored"
[ "$(field alpha state)" != "" ]
check $? "alpha keeps running after the detach"

type_line beta "echo piped-hello"
[ $st -eq 0 ] && grep -q '^piped-hello' "$dir/console"
check $? "console with piped input: a command and its answer"

# One console client at a time: a second is refused while a raw client holds the socket
# (tests/test-chardev.c checks that a client that reads nothing never blocks the guest).
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
time.sleep(2)
' "$run/beta.console" &
holder=$!
sleep 1
printf 'echo second\r' | "$wirt" console beta >"$dir/console" 2>"$dir/err"
st=$?
sed 's/^/# stderr: /' "$dir/err"
[ $st -eq 1 ] && grep -q "in use by another client" "$dir/err"
check $? "a second console client is refused while one is attached (exit $st)"
wait $holder
type_line beta "echo after-holder"
grep -q '^after-holder' "$dir/console"
check $? "after that client left, the console attaches again"

# Pause: the virtual clock stands still and the process uses (almost) no host CPU.
w pause alpha
check $st "pause alpha"
v1=$(field alpha vtime_ns) c1=$(field alpha cpu_ns)
sleep 1
v2=$(field alpha vtime_ns) c2=$(field alpha cpu_ns)
echo "# paused: vtime $v1 -> $v2 ns, cpu $c1 -> $c2 ns"
[ -n "$v1" ] && [ "$v1" = "$v2" ]
check $? "a paused guest's virtual time stands still for a second"
[ -n "$c1" ] && [ $((c2 - c1)) -lt 100000000 ]
check $? "a paused guest uses under 0.1 s of host CPU in a second"
w list alpha
grep -q '^alpha .* --p--- ' "$dir/out"
check $? "list shows alpha paused"
printf '' | "$wirt" console alpha >/dev/null 2>"$dir/err"
st=$?
sed 's/^/# stderr: /' "$dir/err"
[ $st -eq 0 ] && grep -q "alpha is paused: its console answers once" "$dir/err"
check $? "console on a paused guest says so"
w top --once -d 0.3
[ $st -eq 0 ] && grep -q '^alpha  *paused ' "$dir/out" && grep -q '^beta  *idle ' "$dir/out"
check $? "top shows both guests"
w unpause alpha
check $st "unpause alpha"
sleep 0.5
[ "$(field alpha vtime_ns)" -gt "$v2" ]
check $? "after unpause its virtual time moves again"

type_line alpha ticks
t_before=$(console_number)
w save alpha "$dir/alpha.snap"
[ $st -eq 0 ] && grep -q "^Saved alpha to $dir/alpha.snap" "$dir/out" && [ -s "$dir/alpha.snap" ]
check $? "save alpha"
sleep 0.2
w list
! grep -q '^alpha ' "$dir/out" && [ ! -e "$run/alpha.sock" ]
check $? "alpha stopped after the save"

w restore "$dir/alpha.snap"
[ $st -eq 0 ] && grep -q '^Restored domain alpha (id=[0-9]*)$' "$dir/out"
check $? "restore alpha from the file"
remember_pid
type_line alpha ticks
t_after=$(console_number)
echo "# ticks before the save $t_before, after the restore $t_after"
[ -n "$t_after" ] && [ -n "$t_before" ] && [ "$t_after" -ge "$t_before" ]
check $? "the restored shell answers and its tick count went on from the save"

w destroy alpha
[ $st -eq 0 ] && [ ! -e "$run/alpha.sock" ]
check $? "destroy alpha"
w restore "$dir/alpha.snap"
remember_pid
type_line alpha "echo back-again"
grep -q '^back-again' "$dir/console"
check $? "the same file restores again after a destroy"

sleep 1.5
type_line beta ticks
b1=$(console_number)
w reset beta
check $st "reset beta"
type_line beta ticks
b2=$(console_number)
echo "# beta's ticks before the reset $b1, after $b2"
[ -n "$b1" ] && [ -n "$b2" ] && [ "$b2" -lt "$b1" ]
check $? "after the reset beta's shell started again (its tick count restarted)"

# A reset from outside goes through the input funnel: it is allowed while recording, and
# the replay resets at the same instruction (the shell's tick counts before and after).
run_named rec --serial "unix:$dir/rec.console" --record "$dir/rec.log"
type_line rec ticks
r1=$(console_number)
w reset rec
check $st "reset a guest that is recording"
sleep 0.3
type_line rec ticks
r2=$(console_number)
w shutdown rec --timeout 30
"$wirt" replay info "$dir/rec.log" >"$dir/rec.info"
grep -v serial "$dir/rec.info" | sed 's/^/# rec.log: /'
"$wirt" run --bios "$rom" -m 4 --serial stdio --replay "$dir/rec.log" </dev/null \
    >"$dir/rep.out" 2>"$dir/rep.err"
sr=$?
replayed=$(tr -d '\r' <"$dir/rep.out" | grep -x '[0-9][0-9]*' | tr '\n' ' ')
echo "# recorded ticks $r1, then after the reset $r2; replayed: $replayed (exit $sr)"
[ $sr -eq 0 ] && [ -n "$r1" ] && [ -n "$r2" ] && [ "$replayed" = "$r1 $r2 " ] &&
    grep -q " reset " "$dir/rec.info" && grep -q "reset requested" "$dir/rep.err"
check $? "its replay resets at the same point: the same tick counts before and after"

# A save tells subscribed clients how far it is: events from 0 to all of RAM, then the reply.
run_named sv --serial none
python3 "$ctl" save-events sv "$dir/sv.snap" >"$dir/events"
st=$?
sed 's/^/# save-events: /' "$dir/events"
[ $st -eq 0 ] && [ "$(head -n 1 "$dir/events")" = "0 4194304" ] &&
    [ "$(tail -n 2 "$dir/events" | head -n 1)" = "4194304 4194304" ] &&
    [ "$(tail -n 1 "$dir/events")" = "ok" ] && [ -s "$dir/sv.snap" ]
check $? "save sends save-progress events from 0 to the RAM size, then its reply"

python3 "$ctl" stale ghost
w list
[ $st -eq 0 ] && [ ! -e "$run/ghost.sock" ] && ! grep -q ghost "$dir/out"
check $? "list removes a dead guest's stale socket"
w pause ghost
[ $st -eq 2 ] && grep -q 'no guest named ghost is running' "$dir/err"
check $? "a command to a guest that is not running: one line, exit 2"

w shutdown alpha --timeout 30
[ $st -eq 0 ] && [ ! -e "$run/alpha.sock" ]
check $? "shutdown alpha (Ctrl-Alt-Del, it powers off)"
w shutdown beta --timeout 30
[ $st -eq 0 ] && [ ! -e "$run/beta.sock" ]
check $? "shutdown beta"
grep -q 'powering off' "$run/alpha.log" 2>/dev/null ||
    grep -q 'halted at .* with interrupts disabled' "$run/alpha.log"
check $? "alpha's log says it powered off"
w list
[ $st -eq 0 ] && [ "$(wc -l <"$dir/out")" -eq 1 ] && [ ! -e "$run/alpha.console" ]
check $? "no guests left, no sockets left"

show_logs
echo "1..$n"
exit $fail
