#!/bin/sh
# Runs one test guest under `wirt run` and checks how it ended. Speaks TAP.
# Usage: guest-test.sh WIRT GUEST [--boot flat|kernel|bios] [--reboot] [--status N]
#                      [--stderr REGEX] [--stdout REGEX] [--stdin STRING]
#                      [-- WIRT-RUN-ARGS...]
#   --boot HOW     flat (default): `wirt run --flat GUEST`, started in real mode at 7C00;
#                  bios: `wirt run --bios GUEST`, a firmware image started at the reset vector;
#                  kernel: `wirt run --kernel GUEST`, a Multiboot kernel
#   --reboot       let a triple fault reset the machine (default: --no-reboot)
#   --status N     expected exit status (default 1: the guest wrote 0 to port 0xf4)
#   --stderr RE    a line of wirt's stderr must match RE (e.g. a triple-fault report)
#   --stdout RE    a line of the guest's debug-console output must match RE
#   --stdin STR    STR is piped to wirt's standard input (serial input with --serial stdio);
#                  otherwise stdin is /dev/null
#   -- ARGS...     further arguments for `wirt run` (-m, --append, --module, ...)
wirt=$1 guest=$2
shift 2
boot=flat no_reboot=--no-reboot want_status=1 want_err="" want_out="" stdin=""
while [ $# -gt 0 ]; do
    case $1 in
    --) shift; break ;;
    --reboot) no_reboot=""; shift; continue ;;
    --boot) boot=$2 ;;
    --status) want_status=$2 ;;
    --stderr) want_err=$2 ;;
    --stdout) want_out=$2 ;;
    --stdin) stdin=$2 ;;
    *) echo "Bail out! unknown option $1"; exit 1 ;;
    esac
    shift 2
done
case $boot in
flat|kernel|bios) ;;
*) echo "Bail out! --boot $boot: expected flat, kernel or bios"; exit 1 ;;
esac
name=$(basename "$guest" .bin)
out=$(mktemp) err=$(mktemp)
printf '%s' "$stdin" |
    "$wirt" run --"$boot" "$guest" $no_reboot --max-insns 200000000 "$@" >"$out" 2>"$err"
status=$?
echo "1..1"
sed 's/^/# stdout: /' "$out"
sed 's/^/# stderr: /' "$err"
why=""
if [ "$status" -ne "$want_status" ]; then
    if [ $((status & 1)) -eq 1 ] && [ "$status" -gt 1 ]; then
        why="exit status $status (guest check $((status >> 1)) failed), wanted $want_status"
    else
        why="exit status $status, wanted $want_status"
    fi
elif [ -n "$want_err" ] && ! grep -Eq "$want_err" "$err"; then
    why="stderr lacks /$want_err/"
elif [ -n "$want_out" ] && ! grep -Eq "$want_out" "$out"; then
    why="stdout lacks /$want_out/"
fi
rm -f "$out" "$err"
if [ -z "$why" ]; then
    echo "ok 1 - $name"
else
    echo "not ok 1 - $name: $why"
    exit 1
fi
