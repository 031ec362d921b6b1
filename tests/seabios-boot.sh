#!/bin/sh
# Firmware boot: SeaBIOS (Debian's seabios, fetched by scripts/guest-seabios.sh) started by
# `wirt run --bios` on the PC board with the deterministic clock. Its debug log (port
# 0x402, -d firmware) must show a POST that found the RAM size in the CMOS, the serial
# port and the PS/2 keyboard, an e820 map, the search for a boot disk ending in "No
# bootable device", and the retry after 60 s (virtual: HLT skips to the timer) as a reset
# that starts SeaBIOS again: SeaBIOS tries port 0xCF9, which a PC without PCI lacks, then
# a triple fault. Two runs must log the same bytes. Speaks TAP; skips when the image is absent.
# Usage: seabios-boot.sh WIRT GUEST-DIR
wirt=$1 bios=$2/bios.bin
if [ ! -f "$bios" ]; then
    echo "1..0 # SKIP no $bios: run scripts/guest-seabios.sh"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

boot() {
    "$wirt" run --bios "$bios" -m 32 --serial none --clock insns --max-insns 40000000 \
        -d firmware -D "$tmp/log.$1" </dev/null >"$tmp/out.$1" 2>"$tmp/err.$1"
}
boot a; sa=$?
boot b
log=$tmp/log.a
echo "1..9"
. "$(dirname "$0")/tap.sh"
[ "$sa" -eq 4 ]; check $? "runs to the instruction limit (wirt exit $sa, wanted 4)"
grep -q "^SeaBIOS (version" "$log"; check $? "SeaBIOS starts at the reset vector"
grep -q "^RamSize: 0x02000000 \[cmos\]" "$log"; check $? "RAM size from the CMOS (32 MiB)"
grep -q "^Found 1 serial ports" "$log"; check $? "COM1 found"
grep -q "^PS2 keyboard initialized" "$log"; check $? "the PS/2 keyboard answers"
grep -q "0000000000100000 - 0000000002000000 = 1 RAM" "$log"; check $? "e820: RAM above 1 MiB"
grep -q "^No bootable device" "$log"; check $? "boot devices searched"
[ "$(grep -c "^Attempting a hard reboot" "$log")" -ge 2 ] &&
    [ "$(grep -c "^RamSize" "$log")" -ge 3 ] && grep -q "triple fault .*, resetting" "$tmp/err.a"
check $? "the retry resets the machine and SeaBIOS starts again"
cmp -s "$log" "$tmp/log.b"; check $? "two deterministic runs log the same bytes"
grep -c "" "$log" | sed 's/^/# log lines: /'
tail -n 3 "$tmp/err.a" | sed 's/^/# stderr: /'
exit $fail
