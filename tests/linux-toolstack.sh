#!/bin/sh
# The toolstack with the default Linux guest (scripts/guest-linux.sh): `wirt create` from a
# config file on the real-time clock, a command typed on its console once the shell is up,
# `wirt list`, then `wirt shutdown`: Ctrl-Alt-Del on the keyboard, which the guest's init
# answers by powering off through ACPI, and wirt ends. Speaks TAP; skips when the guest is
# absent or python3 is missing. Usage: linux-toolstack.sh WIRT GUEST-DIR
wirt=$1 guest=$(cd "$2" 2>/dev/null && pwd)
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "$guest" ] || [ ! -f "$guest/vmlinuz" ] || [ ! -f "$guest/initrd.img" ]; then
    echo "1..0 # SKIP no guest in $2: run scripts/guest-linux.sh"
    exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # SKIP python3 not found"
    exit 0
fi
. "$here/tap.sh"
dir=$(mktemp -d)
export XDG_RUNTIME_DIR="$dir/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
echo "1..5"

cat >"$dir/linux.cfg" <<CFG
name    = "linux"
memory  = 128
kernel  = "$guest/vmlinuz"
initrd  = "$guest/initrd.img"
cmdline = "console=ttyS0,115200 nolapic"
CFG
"$wirt" create "$dir/linux.cfg" >"$dir/out" 2>"$dir/err"
check $? "create the Linux guest"
pid=$(sed -n 's/.*(id=\([0-9]*\)).*/\1/p' "$dir/out")
sed 's/^/# /' "$dir/out" "$dir/err"

python3 "$here/wirtctl.py" console-expect linux "wirt guest ready" "echo hello from \$(uname -s)" \
    "hello from Linux" 1800
check $? "its shell answers on the console"

"$wirt" list >"$dir/out" 2>&1
grep -q '^linux .* 128 ' "$dir/out"
check $? "list shows it with 128 MiB"
sed 's/^/# /' "$dir/out"

"$wirt" shutdown linux --timeout 600 >"$dir/out" 2>&1
check $? "shutdown: the guest powers off"
sed 's/^/# /' "$dir/out"
sed 's/^/# linux.log: /' "$XDG_RUNTIME_DIR/wirt/linux.log"
# Gone, or a zombie its new parent has not reaped yet.
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat")" != Z ]; }
sleep 1
[ ! -e "$XDG_RUNTIME_DIR/wirt/linux.sock" ] && ! alive "$pid"
check $? "its process and control socket are gone"
exit $fail
