#!/bin/sh
# The milestone test: boots the default guest (Debian's linux-image-686 and BusyBox, made
# by scripts/guest-linux.sh) on the PC board with the deterministic clock, types commands
# into its serial shell once the prompt is up (uname, md5sum of a generated file, an awk
# floating-point computation (BusyBox's awk has no libm: products and quotients only),
# /proc/interrupts), reboots it, and expects wirt to end cleanly; the kernel must have
# found the ACPI tables and kept the TSC as its clocksource. That run is recorded
# (--record) with its slices of guest code cut at random points (WIRT_SLICE_JITTER), so
# that the replays, cut elsewhere, show any way the slicing leaks into the guest; a replay of the log with no input must print the same bytes, all of them;
# a replay saved to a snapshot in the middle and continued from the snapshot in a new
# process must too; and a log with one typed byte changed must make the replay stop with
# a divergence report. Speaks TAP; skips when the guest is absent.
# Usage: linux-boot.sh WIRT GUEST-DIR
wirt=$1 dir=$2
if [ ! -f "$dir/vmlinuz" ] || [ ! -f "$dir/initrd.img" ]; then
    echo "1..0 # SKIP no guest in $dir: run scripts/guest-linux.sh"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# type_commands OUT DONE: waits for the prompt in OUT, then prints the commands (the
# shell's input), and keeps the line open until the file DONE appears.
type_commands() {
    i=0
    while ! grep -q "wirt guest ready" "$1" 2>/dev/null; do
        i=$((i + 1))
        [ "$i" -gt 1800 ] || [ -e "$2" ] && return 1   # 15 minutes, or wirt ended
        sleep 0.5
    done
    # One command at a time, as a person types: the guest echoes and runs each in turn.
    awk_program='x = 1; for (i = 1; i <= 20; i++) x = x * 1.5 / 1.1; printf \"awk %.6f\\n\", x + 1/3'
    for c in 'uname -a' 'seq 1 2000 > /tmp/f' 'md5sum /tmp/f' "awk \"BEGIN { $awk_program }\"" \
        'grep timer /proc/interrupts' 'reboot -f'; do
        sleep 3
        printf '%s\n' "$c"
    done
    while [ ! -e "$2" ]; do
        sleep 0.5
    done
}

guest() {    # guest NAME ARGS...: the guest with its output in out.NAME, err.NAME
    name=$1
    shift
    env ${jitter:+WIRT_SLICE_JITTER=$jitter} "$wirt" run \
        --kernel "$dir/vmlinuz" --initrd "$dir/initrd.img" \
        --append "console=ttyS0,115200 nolapic" -m 128 --clock insns --serial stdio \
        --no-reboot --max-insns 60000000000 "$@" >"$tmp/out.$name" 2>"$tmp/err.$name"
}

boot() {    # the recorded run, typed into
    mkfifo "$tmp/in.a"
    : >"$tmp/out.a"
    type_commands "$tmp/out.a" "$tmp/done.a" >"$tmp/in.a" 2>/dev/null &
    typist=$!
    jitter=7
    guest a --record "$tmp/a.log" <"$tmp/in.a"
    status=$?
    jitter=
    touch "$tmp/done.a"
    wait "$typist"
    return $status
}

boot; sa=$?
guest b --replay "$tmp/a.log" </dev/null; sb=$?
# The end of the recording, and a point in the middle of the typed commands.
end=$("$wirt" replay info "$tmp/a.log" | awk '$2 == "end" { print $4 }')
mid=$("$wirt" replay info "$tmp/a.log" | awk '$2 == "serial" { n++; if (n == 40) print $4 }')
mid=$((${mid:-1} + 1000))
guest c --replay "$tmp/a.log" --save-at "$mid:$tmp/mid.snap" --max-insns "$mid" </dev/null
"$wirt" run --restore "$tmp/mid.snap" --replay "$tmp/a.log" --serial stdio --no-reboot \
    </dev/null >"$tmp/out.d" 2>"$tmp/err.d"
sd=$?
# One typed byte changed: the first 'u' of "uname -a" becomes 'v'.
off=$("$wirt" replay info "$tmp/a.log" | awk '$2 == "serial" && $8 == "0x75" { print $1; exit }')
cp "$tmp/a.log" "$tmp/e.log"
printf 'v' | dd of="$tmp/e.log" bs=1 seek=$((${off:-0} + 18)) conv=notrunc 2>/dev/null
guest e --replay "$tmp/e.log" </dev/null; se=$?
# The snapshot restored and saved again at once: every field and page as it was.
"$wirt" run --restore "$tmp/mid.snap" --serial none --save-at "0:$tmp/again.snap" \
    --max-insns 1 >/dev/null 2>&1
"$wirt" snapshot diff "$tmp/mid.snap" "$tmp/again.snap" >"$tmp/diff.out"; sdiff=$?
echo "1..12"
. "$(dirname "$0")/tap.sh"
a=$tmp/out.a
[ "$sa" -eq 0 ] && grep -q "reset requested" "$tmp/err.a"
check $? "the guest boots, runs the commands and reboots (wirt exit $sa)"
grep -q "wirt guest ready" "$a"; check $? "the initramfs shell starts"
grep -q "^Linux .* i686" "$a"; check $? "uname -a"
grep -q "^ea4d0a24dabcaa11f9aa979b872d162b  /tmp/f" "$a"; check $? "md5sum of seq 1 2000"
grep -q "^awk 494.611558" "$a"; check $? "awk floating point through the x87"
grep -q "timer" "$a"; check $? "/proc/interrupts lists the timer"
grep -q "ACPI: PM: (supports S0 S5)" "$a"; check $? "ACPI: the kernel finds the tables and S5"
grep -Eq "Switched to clocksource tsc([^-]|$)" "$a" && ! grep -q "TSC unstable" "$a"
check $? "the TSC stays the clocksource (the ACPI PM timer is the watchdog)"
[ "$sb" -eq 0 ] && cmp -s "$a" "$tmp/out.b"
check $? "the replay with no input prints the same bytes (exit $sb)"
cat "$tmp/out.c" "$tmp/out.d" | cmp -s - "$a" && [ "$sd" -eq 0 ]
check $? "saved at instruction $mid of $end while replaying, restored and replayed on: the same bytes"
[ "$se" -eq 6 ] && grep -q "replay diverged at instruction" "$tmp/err.e"
check $? "a changed byte in the log: the replay stops with a divergence report (exit $se)"
[ "$sdiff" -eq 0 ]; check $? "the snapshot restored and saved again: no field or RAM page differs"
sed 's/^/# /' "$tmp/diff.out" | head -n 5
grep "saved a snapshot" "$tmp/err.c" | sed 's/^/# /'
ls -l "$tmp/a.log" "$tmp/mid.snap" | awk '{ print "# " $5 " bytes " $NF }'
grep -A3 "replay diverged" "$tmp/err.e" | sed 's/^/# /'
tail -n 12 "$a" | sed 's/^/# /'
tail -n 2 "$tmp/err.a" | sed 's/^/# stderr: /'
exit $fail
