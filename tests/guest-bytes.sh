#!/bin/sh
# Checks that the nasm rule produced the flat test guest tests/guests/halt.asm describes:
# exactly the bytes FA F4 (cli; hlt). Speaks TAP. Usage: guest-bytes.sh halt.bin
bytes=$(od -An -tx1 "$1" | tr -d ' \n')
if [ "$bytes" = "faf4" ]; then echo "ok 1 - halt.bin is cli; hlt"; else
    echo "not ok 1 - halt.bin holds '$bytes', wanted faf4"; echo "1..1"; exit 1; fi
echo "1..1"
