#!/bin/sh
# Fetches SeaBIOS, the firmware QEMU boots PCs with, from Debian's seabios package into
# guests/seabios/ (git-ignored):
#   guests/seabios/bios.bin   the 128 KiB image, for `wirt run --bios`
#   guests/seabios/VERSIONS   the package version it came from
# Does nothing when VERSIONS already matches what apt would fetch. Needs root or sudo only
# when apt's package lists must be updated.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${GUEST_DIR:-$ROOT/guests/seabios}
export LC_ALL=C

say() { echo "guest-seabios: $*"; }
die() { echo "guest-seabios: $*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg-deb; do
    command -v "$tool" >/dev/null 2>&1 || die "needs $tool (a Debian system)"
done
candidate() {
    apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2; exit }'
}

if [ -z "$(candidate seabios)" ]; then
    say "updating apt's package lists"
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq || say "apt-get update reported errors; checking the package anyway"
    elif command -v sudo >/dev/null 2>&1; then
        sudo apt-get update -qq || say "apt-get update reported errors; checking anyway"
    fi
fi
VER=$(candidate seabios)
[ -n "$VER" ] || die "apt has no candidate for seabios"
STAMP="seabios $VER"
if [ -f "$OUT/VERSIONS" ] && [ -f "$OUT/bios.bin" ] && [ "$(cat "$OUT/VERSIONS")" = "$STAMP" ]; then
    say "up to date in $OUT (seabios $VER)"
    exit 0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/guest-seabios.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
# apt's download sandbox user must be able to write here (else a warning, and root downloads).
if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$TMP"; fi
say "downloading seabios $VER"
(cd "$TMP" && apt-get download -qq "seabios=$VER") || die "apt-get download failed"
dpkg-deb -x "$TMP"/seabios_*.deb "$TMP/x"
[ -f "$TMP/x/usr/share/seabios/bios.bin" ] || die "the seabios package has no usr/share/seabios/bios.bin"
mkdir -p "$OUT"
cp "$TMP/x/usr/share/seabios/bios.bin" "$OUT/bios.bin.new"
mv "$OUT/bios.bin.new" "$OUT/bios.bin"
printf '%s\n' "$STAMP" >"$OUT/VERSIONS"
say "ready in $OUT (seabios $VER)"
