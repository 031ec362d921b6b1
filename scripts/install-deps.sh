#!/bin/sh
# Installs the Debian packages wirt needs to build, test and run, and only those that are
# missing. Safe to run any number of times; prints what it installs. Needs root or sudo
# when something is missing.
set -eu

# Build tools and libraries (see meson.build), the assembler for test guests, Python for
# the tests' socket clients (tests/wirtctl.py).
PACKAGES="gcc make meson ninja-build pkg-config
libglib2.0-dev zlib1g-dev libcapstone-dev libsdl2-dev libslirp-dev
nasm python3"

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=""
for p in $PACKAGES; do
    installed "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install-deps: missing Debian packages:$missing; run this script as root" >&2
    exit 1
fi

echo "install-deps: installing:$missing"
# A failed secondary index (i386, security) must not stop us: the packages decide.
$SUDO apt-get update -qq || echo "install-deps: apt-get update reported errors; trying anyway" >&2
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing

still=""
for p in $missing; do
    installed "$p" || still="$still $p"
done
if [ -n "$still" ]; then
    echo "install-deps: could not install:$still" >&2
    exit 1
fi
echo "install-deps: done"
