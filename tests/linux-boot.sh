#!/bin/sh
# The milestone test: boots the default guest (Debian's linux-image-686 and BusyBox, made
# by scripts/guest-linux.sh) on the PC board with the deterministic clock, types commands
# into its serial shell once the prompt is up (uname, md5sum of a generated file, an awk
# floating-point computation (BusyBox's awk has no libm: products and quotients only),
# /proc/interrupts), reboots it, and expects wirt to end
# cleanly. Runs twice: the serial logs must be byte-identical up to the shell prompt
# (after it, when the typed input arrives depends on the host until record/replay lands).
# Speaks TAP; skips when the guest is absent.
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

boot() {
    mkfifo "$tmp/in.$1"
    : >"$tmp/out.$1"
    type_commands "$tmp/out.$1" "$tmp/done.$1" >"$tmp/in.$1" 2>/dev/null &
    typist=$!
    "$wirt" run --kernel "$dir/vmlinuz" --initrd "$dir/initrd.img" \
        --append "console=ttyS0 nolapic" -m 128 --clock insns --serial stdio --no-reboot \
        --max-insns 60000000000 <"$tmp/in.$1" >"$tmp/out.$1" 2>"$tmp/err.$1"
    status=$?
    touch "$tmp/done.$1"
    wait "$typist"
    return $status
}

boot a; sa=$?
boot b; sb=$?
echo "1..7"
n=0 fail=0
check() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}
a=$tmp/out.a
[ "$sa" -eq 0 ] && grep -q "reset requested" "$tmp/err.a"
check $? "the guest boots, runs the commands and reboots (wirt exit $sa)"
grep -q "wirt guest ready" "$a"; check $? "the initramfs shell starts"
grep -q "^Linux .* i686" "$a"; check $? "uname -a"
grep -q "^ea4d0a24dabcaa11f9aa979b872d162b  /tmp/f" "$a"; check $? "md5sum of seq 1 2000"
grep -q "^awk 494.611558" "$a"; check $? "awk floating point through the x87"
grep -q "timer" "$a"; check $? "/proc/interrupts lists the timer"
sed '/wirt guest ready/q' "$a" >"$tmp/boot.a"
sed '/wirt guest ready/q' "$tmp/out.b" >"$tmp/boot.b"
[ "$sb" -eq 0 ] && cmp -s "$tmp/boot.a" "$tmp/boot.b"
check $? "two deterministic boots print the same bytes up to the shell"
tail -n 12 "$a" | sed 's/^/# /'
tail -n 2 "$tmp/err.a" | sed 's/^/# stderr: /'
exit $fail
