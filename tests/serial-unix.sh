#!/bin/sh
# Serial input through `--serial unix:PATH`: a client (python3) attaches to the listening
# socket and sends a line; the echo guest (guests/pc-echo.asm) sleeps in HLT until each
# character wakes it and copies it to the debug console. Speaks TAP; skips without python3.
# Usage: serial-unix.sh WIRT ECHO-GUEST
wirt=$1 guest=$2
if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # SKIP python3 not found"
    exit 0
fi
dir=$(mktemp -d)
"$wirt" run --machine pc --flat "$guest" --no-reboot --max-insns 200000000 \
    --serial "unix:$dir/com1" >"$dir/out" 2>"$dir/err" </dev/null &
pid=$!
python3 - "$dir/com1" <<'PY'
import socket, sys, time
for _ in range(1000):
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[1])
        break
    except OSError:
        s.close()
        time.sleep(0.01)
else:
    sys.exit("no socket at " + sys.argv[1])
s.sendall(b"over the socket.")
s.close()
PY
wait $pid
status=$?
echo "1..1"
sed 's/^/# stdout: /' "$dir/out"
sed 's/^/# stderr: /' "$dir/err"
if [ "$status" -eq 1 ] && grep -q '^over the socket\.$' "$dir/out" && [ ! -e "$dir/com1" ]; then
    echo "ok 1 - serial input over a Unix socket"
    rm -rf "$dir"
    exit 0
fi
echo "not ok 1 - serial input over a Unix socket (exit status $status)"
rm -rf "$dir"
exit 1
