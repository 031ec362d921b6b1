#!/usr/bin/env bash
# Times wirt on the compute-bound guest bench/guests/compute.asm and, when
# qemu-system-i386 is installed, QEMU (TCG) on the very same file; prints plain lines of
# figures. Each emulator also runs bench/guests/exit.asm, a guest that exits at once, so
# start-up cost can be subtracted. Every time is the best of N runs.
# Usage: bench/run.sh [--wirt PATH] [--qemu PATH] [--runs N] [--scale N]
#   --wirt PATH   the wirt executable (default: build/wirt beside this folder)
#   --qemu PATH   the QEMU executable (default: qemu-system-i386 from PATH)
#   --runs N      runs per measurement, the best one counts (default 3)
#   --scale N     multiply the guest's work by N (default 1: about 1-3 s under wirt)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
wirt=$here/../build/wirt
qemu=$(command -v qemu-system-i386 || true)
runs=3
scale=1
while [ $# -gt 0 ]; do
    case $1 in
    --wirt) wirt=$2 ;;
    --qemu) qemu=$2 ;;
    --runs) runs=$2 ;;
    --scale) scale=$2 ;;
    *) echo "run.sh: unknown option $1 (see the usage at the top of bench/run.sh)" >&2; exit 2 ;;
    esac
    shift 2
done
if [ ! -x "$wirt" ]; then
    echo "run.sh: $wirt is not an executable: build wirt first (ninja -C build)" >&2
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nasm -f bin -w+all -DSCALE="$scale" "$here/guests/compute.asm" -o "$tmp/compute.bin"
nasm -f bin -w+all "$here/guests/exit.asm" -o "$tmp/exit.bin"
nasm -f bin -w+all "$here/guests/memory.asm" -o "$tmp/memory.bin"
nasm -f bin -w+all -DPAGING "$here/guests/memory.asm" -o "$tmp/memory-paging.bin"
nasm -f bin -w+all "$here/guests/float.asm" -o "$tmp/float.bin"

# measure NAME CMD...: runs CMD $runs times; each run must end by the guest writing 0 to
# the debug-exit port (exit status 1). Sets wall and cpu (user + system) to the best
# times in seconds; the last run's output stays in $tmp/NAME.out and $tmp/NAME.err.
measure() {
    local name=$1 i status times
    shift
    wall="" cpu=""
    for ((i = 0; i < runs; i++)); do
        status=0
        TIMEFORMAT='%3R %3U %3S'
        { time "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; } 2>"$tmp/$name.time" || status=$?
        if [ "$status" -ne 1 ]; then
            echo "run.sh: $name: exit status $status, wanted 1 (guest wrote 0 to port 0xf4):" >&2
            sed 's/^/  /' "$tmp/$name.err" >&2
            exit 1
        fi
        times=$(cat "$tmp/$name.time")
        wall=$(awk -v best="$wall" -v t="${times%% *}" \
            'BEGIN { print (best == "" || t < best) ? t : best }')
        cpu=$(echo "$times" | awk -v best="$cpu" \
            '{ t = $2 + $3; print (best == "" || t < best) ? t : best }')
    done
}

checksum() {
    sed -n 's/^compute: checksum //p' "$tmp/$1.out"
}

calc() {
    awk "BEGIN { printf \"$1\", $2 }"
}

# line LABEL VALUE...: one figure per line, values aligned.
line() {
    local label=$1
    shift
    printf '%-36s %s\n' "$label" "$*"
}

measure wirt "$wirt" run --kernel "$tmp/compute.bin" -d stats
wirt_wall=$wall wirt_cpu=$cpu
insns=$(sed -n 's/^stats: insns retired *//p' "$tmp/wirt.err")
wirt_sum=$(checksum wirt)
measure wirt-exit "$wirt" run --kernel "$tmp/exit.bin"
wirt_start=$wall

line "guest" "compute.bin (scale $scale)"
line "guest instructions" "$insns"
line "guest checksum (wirt)" "$wirt_sum"
line "wirt wall, best of $runs" "$wirt_wall s"
line "wirt cpu (user+sys), best of $runs" "$wirt_cpu s"
line "wirt MIPS (wall)" "$(calc %.1f "$insns / $wirt_wall / 1e6")"
line "wirt MIPS (cpu)" "$(calc %.1f "$insns / $wirt_cpu / 1e6")"
line "wirt wall, trivial guest" "$wirt_start s"

# The memory guest, paging off and on (same work; the second maps 64 MiB with 4 KiB pages).
measure wirt-mem "$wirt" run --kernel "$tmp/memory.bin" -m 64 -d stats
wirt_mem=$wall wirt_mem_cpu=$cpu
mem_insns=$(sed -n 's/^stats: insns retired *//p' "$tmp/wirt-mem.err")
measure wirt-memp "$wirt" run --kernel "$tmp/memory-paging.bin" -m 64
wirt_memp=$wall wirt_memp_cpu=$cpu
line "memory guest instructions" "$mem_insns"
line "wirt memory, paging off: wall / cpu" "$wirt_mem s / $wirt_mem_cpu s"
line "wirt memory, paging on: wall / cpu" "$wirt_memp s / $wirt_memp_cpu s"
line "wirt MIPS, paging off (cpu)" "$(calc %.1f "$mem_insns / $wirt_mem_cpu / 1e6")"
line "wirt MIPS, paging on (cpu)" "$(calc %.1f "$mem_insns / $wirt_memp_cpu / 1e6")"
line "wirt paging cost (cpu)" "$(calc %+.1f%% "($wirt_memp_cpu / $wirt_mem_cpu - 1) * 100")"

# The x87 guest: FMUL/FADD/FDIV/FSQRT loop with FSIN/FPATAN; prints its result's bits.
measure wirt-float "$wirt" run --kernel "$tmp/float.bin" -d stats
wirt_float_cpu=$cpu
float_insns=$(sed -n 's/^stats: insns retired *//p' "$tmp/wirt-float.err")
wirt_float_sum=$(head -n 1 "$tmp/wirt-float.out")
line "float guest instructions" "$float_insns"
line "float guest result (wirt)" "$wirt_float_sum"
line "wirt float cpu, best of $runs" "$wirt_float_cpu s"
line "wirt float MIPS (cpu)" "$(calc %.1f "$float_insns / $wirt_float_cpu / 1e6")"

if [ -z "$qemu" ]; then
    line "qemu" "not installed (qemu-system-i386): no comparison"
    exit 0
fi
qemu_cmd=("$qemu" -M pc -cpu pentium2 -accel tcg -display none -serial none -monitor none
          -device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot -debugcon stdio)
measure qemu "${qemu_cmd[@]}" -kernel "$tmp/compute.bin"
qemu_wall=$wall qemu_cpu=$cpu
qemu_sum=$(checksum qemu)
measure qemu-exit "${qemu_cmd[@]}" -kernel "$tmp/exit.bin"
qemu_start=$wall

agree=$([ "$qemu_sum" = "$wirt_sum" ] && echo "agrees with wirt" || echo "DIFFERS from wirt")
line "guest checksum (qemu)" "$qemu_sum ($agree)"
line "qemu wall, best of $runs" "$qemu_wall s"
line "qemu cpu (user+sys), best of $runs" "$qemu_cpu s"
line "qemu MIPS (wall)" "$(calc %.1f "$insns / $qemu_wall / 1e6")"
line "qemu wall, trivial guest" "$qemu_start s"
line "ratio wirt/qemu, wall" "$(calc %.2f "$wirt_wall / $qemu_wall")"
line "ratio wirt/qemu, wall - start-up" "$(calc %.2f \
    "($wirt_wall - $wirt_start) / ($qemu_wall - $qemu_start)")"
line "ratio wirt/qemu, cpu" "$(calc %.2f "$wirt_cpu / $qemu_cpu")"

measure qemu-mem "${qemu_cmd[@]}" -m 64 -kernel "$tmp/memory.bin"
qemu_mem=$wall qemu_mem_cpu=$cpu
measure qemu-memp "${qemu_cmd[@]}" -m 64 -kernel "$tmp/memory-paging.bin"
qemu_memp=$wall qemu_memp_cpu=$cpu
line "qemu memory, paging off: wall / cpu" "$qemu_mem s / $qemu_mem_cpu s"
line "qemu memory, paging on: wall / cpu" "$qemu_memp s / $qemu_memp_cpu s"
line "ratio wirt/qemu memory, paging off (cpu)" "$(calc %.2f "$wirt_mem_cpu / $qemu_mem_cpu")"
line "ratio wirt/qemu memory, paging on (cpu)" "$(calc %.2f "$wirt_memp_cpu / $qemu_memp_cpu")"

measure qemu-float "${qemu_cmd[@]}" -kernel "$tmp/float.bin"
qemu_float_cpu=$cpu
qemu_float_sum=$(head -n 1 "$tmp/qemu-float.out")
agree=$([ "$qemu_float_sum" = "$wirt_float_sum" ] && echo "agrees with wirt" || echo "DIFFERS from wirt")
line "float guest result (qemu)" "$qemu_float_sum ($agree)"
line "qemu float cpu, best of $runs" "$qemu_float_cpu s"
line "qemu float MIPS (cpu)" "$(calc %.1f "$float_insns / $qemu_float_cpu / 1e6")"
line "ratio wirt/qemu float (cpu)" "$(calc %.2f "$wirt_float_cpu / $qemu_float_cpu")"
