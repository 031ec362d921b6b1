#!/usr/bin/env bash
# Boot benchmark: boots the default Linux guest (guests/linux: Debian's 686 kernel and a
# BusyBox initramfs, made by scripts/guest-linux.sh) under wirt and, when
# qemu-system-i386 is installed, under QEMU (TCG, `-M isapc -cpu pentium2`) with the same
# kernel, initramfs, memory and command line ("console=ttyS0,115200 nolapic"), driving each
# guest through its serial console. For each emulator it measures
#   boot      host wall seconds from starting the process to "wirt guest ready" on the
#             serial output (the initramfs prints it just before starting its shell);
#   workload  host wall seconds from typing `sh /tmp/w.sh; echo WORKLOAD-DONE` at the
#             shell prompt to the marker coming back, /tmp/w.sh being a fixed CPU-bound
#             script typed in beforehand (chained md5sums over generated data, then a
#             BusyBox awk arithmetic loop); the host clock only, nothing from the guest;
#             also split at the md5sum result line into its two parts;
#   cpu       user + system seconds of the whole emulator process, boot to power-off
#             (`reboot -f`, and the emulator is told not to reboot, so it exits).
# The workload prints checksums, which must be identical in every run and in both
# emulators: a difference means an emulation bug, and the script then exits 1.
# wirt runs with its default (real-time) clock. Every figure is the best of N runs.
# Not part of `meson test`: timings depend on the host and on what else it is doing.
# Usage: bench/boot.sh [--wirt PATH] [--qemu PATH] [--guest DIR] [-m MIB] [--runs N]
#   --wirt PATH   the wirt executable (default: build/wirt beside this folder)
#   --qemu PATH   the QEMU executable (default: qemu-system-i386 from PATH; skipped with
#                 a note when there is none)
#   --guest DIR   folder with vmlinuz and initrd.img (default: guests/linux)
#   -m MIB        guest RAM in MiB (default 128)
#   --runs N      boots per emulator, the best figures count (default 1: boots are long)
# Exit status: 0 measured, 1 a boot or the workload failed or results differ, 2 usage.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
wirt=$here/../build/wirt
qemu=$(command -v qemu-system-i386 || true)
guest=$here/../guests/linux
mem=128
runs=1
boot_timeout=900     # seconds to the shell prompt before giving up
work_timeout=900     # seconds for the workload before giving up

usage() {
    echo "boot.sh: $1 (usage: bench/boot.sh [--wirt PATH] [--qemu PATH] [--guest DIR] [-m MIB] [--runs N])" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage "option $1 needs a value"
    case $1 in
    --wirt) wirt=$2 ;;
    --qemu) qemu=$2 ;;
    --guest) guest=$2 ;;
    -m) mem=$2 ;;
    --runs) runs=$2 ;;
    *) usage "unknown option $1" ;;
    esac
    shift 2
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || usage "--runs wants a positive whole number, not '$runs'"
[[ $mem =~ ^[1-9][0-9]*$ ]] || usage "-m wants a size in MiB, not '$mem'"
if [ ! -f "$guest/vmlinuz" ] || [ ! -f "$guest/initrd.img" ]; then
    echo "boot.sh: no guest in $guest (vmlinuz, initrd.img): run scripts/guest-linux.sh" >&2
    exit 2
fi
guest=$(cd "$guest" && pwd)
if [ ! -x "$wirt" ]; then
    echo "boot.sh: $wirt is not an executable: build wirt first (make)" >&2
    exit 2
fi
if [ -n "$qemu" ] && [ ! -x "$qemu" ]; then
    echo "boot.sh: $qemu is not an executable" >&2
    exit 2
fi

append="console=ttyS0,115200 nolapic"
wirt_cmd=("$wirt" run --kernel "$guest/vmlinuz" --initrd "$guest/initrd.img"
          --append "$append" -m "$mem" --serial stdio --no-reboot)
qemu_cmd=("$qemu" -M isapc -cpu pentium2 -accel tcg -m "$mem" -display none
          -serial stdio -monitor none -no-reboot
          -kernel "$guest/vmlinuz" -initrd "$guest/initrd.img" -append "$append")

# The workload, typed into the guest as /tmp/w.sh. Chained md5sums: each round hashes the
# previous digest followed by about 0.5 MB of text (a fork or two and an exec per round,
# then hashing); then an awk loop of products, quotients and int() (BusyBox's awk has no
# libm), going through the x87. Both print a result line that must not depend on the
# emulator.
# shellcheck disable=SC2016  # the $ are for the guest's shell
workload=(
    'seq 1 80000 >/tmp/d'
    'h=wirt i=0'
    'while [ $i -lt 36 ]; do h=$({ echo $h; cat /tmp/d; } | md5sum); h=${h%% *}; i=$((i + 1)); done'
    'echo md5 $h'
    "awk 'BEGIN { x = 0; s = 1; for (i = 1; i <= 80000; i++) { x = x * 0.999 + i / 7; s = s * 31 + i; s -= int(s / 1000003) * 1000003 } printf \"awk %.6f %d\\n\", x, s }'"
)

tmp=$(mktemp -d)
runner=""   # the subshell that starts the current emulator, waits for it and times it

# stop_emulator: ends the current emulator if it is still running (TERM, then KILL). Its
# pid is only used while its parent, the runner, lives, so it cannot have been reused.
stop_emulator() {
    local pid i
    [ -n "$runner" ] || return 0
    for ((i = 0; i < 20; i++)); do   # the runner may not have written the pid yet
        if ! kill -0 "$runner" 2>/dev/null || [ -s "$tmp/pid" ]; then break; fi
        sleep 0.1
    done
    if kill -0 "$runner" 2>/dev/null && [ -s "$tmp/pid" ]; then
        pid=$(cat "$tmp/pid")
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 20; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$runner" 2>/dev/null || true
    runner=""
}
cleanup() {
    exec 3>&-
    stop_emulator
    rm -rf "$tmp"
}
trap cleanup EXIT
# INT and TERM only set a flag, acted on at the next nap: leaving a `read -t` from inside
# a trap crashes bash 5.2 ("longjmp causes uninitialized stack frame").
signalled=""
trap 'signalled=130' INT
trap 'signalled=143' TERM
# A write to a guest whose emulator has gone must fail, not kill the script unannounced.
trap : PIPE

# Host wall-clock times are kept in microseconds: ${EPOCHREALTIME/./} (bash 5; "C"
# locale, so the separator is a dot and there are always six decimals).

# nap: sleeps 20 ms without starting a process (a read that times out on a FIFO that
# nothing writes to), so that polling the serial output costs the host little; ends the
# script if it was interrupted.
mkfifo "$tmp/nap"
exec 4<>"$tmp/nap"
nap() {
    read -r -t 0.02 -u 4 _ || true
    [ -z "$signalled" ] || exit "$signalled"
}

# secs MICROSECONDS: prints them as seconds with two decimals.
secs() {
    awk -v u="$1" 'BEGIN { printf "%.2f", u / 1e6 }'
}

# fail MESSAGE: explains, shows the end of the guest's output and the emulator's
# messages, and ends the script.
fail() {
    echo "boot.sh: $name: $1" >&2
    if [ -s "$tmp/out" ]; then
        echo "  last serial output:" >&2
        tail -n 15 "$tmp/out" | tr -d '\r' | sed 's/^/  | /' >&2
    fi
    if [ -s "$tmp/err" ]; then
        echo "  emulator messages:" >&2
        tail -n 15 "$tmp/err" | sed 's/^/  | /' >&2
    fi
    exit 1
}

# wait_for REGEX SECONDS: reads the serial output as it grows (through fd 5, with
# builtins only: no process per poll) until a line, or the unfinished last line (a
# prompt), matches REGEX (bash's =~, an ERE); sets seen to the host time (microseconds)
# at which it was noticed. Fails if the emulator ends first or after SECONDS. Lines read
# while waiting are consumed: later calls only see what comes after the match.
wait_for() {
    local deadline=$((${EPOCHREALTIME/./} + $2 * 1000000)) l
    while :; do
        while IFS= read -r -u 5 l; do
            l=$partial$l
            partial=""
            if [[ $l =~ $1 ]]; then
                seen=${EPOCHREALTIME/./}
                return
            fi
        done
        partial+=$l   # what read found after the last newline
        if [[ $partial =~ $1 ]]; then
            seen=${EPOCHREALTIME/./}
            return
        fi
        [ -e "$tmp/status" ] && fail "the emulator ended (status $(cat "$tmp/status")) while waiting for /$1/"
        [ "${EPOCHREALTIME/./}" -lt "$deadline" ] || fail "no /$1/ on the serial console after $2 s"
        nap
    done
}

# type_line TEXT: types a line into the guest's serial console.
type_line() {
    printf '%s\n' "$1" >&3 2>/dev/null || fail "the emulator no longer reads its serial input"
}

# boot_once NAME CMD...: boots, runs the workload, powers off. Sets boot, work, work_md5,
# work_awk and total (wall, microseconds), cpu (seconds) and result (the workload's
# result lines).
# shellcheck disable=SC2034  # bench reads the figures through ${!f}
boot_once() {
    local start sent times status
    name=$1
    shift
    rm -f "$tmp/in" "$tmp/pid" "$tmp/status" "$tmp/times"
    : >"$tmp/out"
    : >"$tmp/err"
    mkfifo "$tmp/in"
    start=${EPOCHREALTIME/./}
    # The runner: starts the emulator with the FIFO as its serial input, records its
    # pid, waits for it, then records its exit status and the user and system time of
    # its (only) child, the emulator.
    (
        "$@" >"$tmp/out" 2>"$tmp/err" <"$tmp/in" 4<&- &
        echo $! >"$tmp/pid"
        s=0
        wait $! || s=$?
        times >"$tmp/times"
        echo $s >"$tmp/status"
    ) &
    runner=$!
    exec 3>"$tmp/in"   # waits for the emulator to open the other end
    exec 5<"$tmp/out"   # wait_for reads the serial output through it
    partial=""

    wait_for "wirt guest ready" "$boot_timeout"
    boot=$((seen - start))

    # Type the workload into /tmp/w.sh once the shell's prompt is up; not timed.
    wait_for 'wirt:[^ ]*# ' 60
    type_line "cat >/tmp/w.sh <<'EOF'"
    for l in "${workload[@]}"; do
        type_line "$l"
    done
    type_line "EOF"
    type_line 'echo "SETUP-""DONE"'   # the quotes keep the echoed command from matching
    wait_for '^SETUP-DONE' 60

    sent=${EPOCHREALTIME/./}
    type_line 'sh /tmp/w.sh; echo "WORKLOAD-""DONE"'
    wait_for '^md5 ' "$work_timeout"
    work_md5=$((seen - sent))
    wait_for '^WORKLOAD-DONE' "$work_timeout"
    work=$((seen - sent))
    work_awk=$((work - work_md5))
    result=$(grep -aE '^(md5|awk) ' "$tmp/out" | tr -d '\r' | tr '\n' ' ')
    result=${result% }

    type_line 'reboot -f'
    local deadline=$((${EPOCHREALTIME/./} + 120 * 1000000))
    while [ ! -e "$tmp/status" ]; do
        [ "${EPOCHREALTIME/./}" -lt "$deadline" ] || fail "still running 120 s after reboot -f"
        nap
    done
    total=$((${EPOCHREALTIME/./} - start))
    wait "$runner" || true
    runner=""
    exec 3>&-
    exec 5<&-
    status=$(cat "$tmp/status")
    [ "$status" = 0 ] || fail "exit status $status after reboot -f, wanted 0"
    # times prints the shell's own times, then its children's: "1m2.345s 0m0.678s".
    times=$(sed -n 2p "$tmp/times")
    cpu=$(echo "$times" | awk '{
        n = split($1 " " $2, f, " "); t = 0
        for (k = 1; k <= n; k++) { split(f[k], p, "m"); t += p[1] * 60 + p[2] }
        printf "%.2f", t }')
    cp "$tmp/out" "$tmp/serial.$name"
}

# bench NAME CMD...: boot_once $runs times; keeps the best (smallest) of each figure in
# best[NAME,FIGURE] (seconds) and the workload's result in results[NAME]; every run's
# result must be the same.
declare -A best results
bench() {
    local n=$1 i f v
    for ((i = 0; i < runs; i++)); do
        boot_once "$@"
        [[ $result =~ ^md5\ [0-9a-f]{32}\ awk\ [-0-9.]+\ [0-9]+$ ]] ||
            fail "the workload printed no proper result lines (got '$result')"
        for f in boot work work_md5 work_awk total cpu; do
            v=${!f}
            [ "$f" = cpu ] || v=$(secs "$v")
            best[$n,$f]=$(awk -v a="${best[$n,$f]:-}" -v b="$v" \
                'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }')
        done
        if [ -n "${results[$n]:-}" ] && [ "${results[$n]}" != "$result" ]; then
            fail "the workload's result changed between runs: '${results[$n]}', then '$result'"
        fi
        results[$n]=$result
    done
}

# line LABEL VALUE...: one figure per line, values aligned.
line() {
    local label=$1
    shift
    printf '%-26s %s\n' "$label" "$*"
}

# figure LABEL FIGURE: the line for one figure: wirt's, QEMU's and their ratio.
figure() {
    local w=${best[wirt,$2]} q
    if [ -z "$qemu" ]; then
        line "$1" "wirt $w s"
        return
    fi
    q=${best[qemu,$2]}
    line "$1" "wirt $w s  qemu $q s  ratio $(awk -v w="$w" -v q="$q" \
        'BEGIN { if (q > 0) printf "%.2f", w / q; else print "-" }')"
}

bench wirt "${wirt_cmd[@]}"
[ -z "$qemu" ] || bench qemu "${qemu_cmd[@]}"

kernel=$(grep -a -m1 -o 'Linux version [^ ]*' "$tmp/serial.wirt" | sed 's/ version//' || true)
line "guest" "${kernel:-Linux} + BusyBox ($guest), -m $mem, \"$append\""
line "runs" "best of $runs"
figure "boot to shell (wall)" boot
figure "workload (wall)" work
figure "  md5sum part" work_md5
figure "  awk part" work_awk
figure "start to exit (wall)" total
figure "cpu (user+sys)" cpu
line "workload result (wirt)" "${results[wirt]}"
if [ -z "$qemu" ]; then
    line "qemu" "skipped: no qemu-system-i386 (Debian: qemu-system-x86)"
    exit 0
fi
if [ "${results[qemu]}" = "${results[wirt]}" ]; then
    line "workload result (qemu)" "${results[qemu]} (agrees with wirt)"
else
    line "workload result (qemu)" "${results[qemu]} (DIFFERS from wirt)"
    echo "boot.sh: the workload's result differs between wirt and QEMU" >&2
    exit 1
fi
