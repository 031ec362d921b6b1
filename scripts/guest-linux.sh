#!/bin/sh
# Prepares the default Linux guest from Debian's i386 packages into guests/linux/ (git-ignored):
#   guests/linux/vmlinuz     the kernel of linux-image-686:i386 (a bzImage)
#   guests/linux/initrd.img  a gzipped newc initramfs: static busybox, /dev/console, an /init
#                            that prints "wirt guest ready" and starts a shell on the console
#   guests/linux/VERSIONS    the package versions (and initramfs format) they were made from
# Does nothing when VERSIONS already matches what apt would fetch. The initramfs is built
# reproducibly (fixed mtimes, uid/gid 0, fixed entry order, gzip -n): the same packages give
# the same bytes. Needs root or sudo only to add the i386 architecture and update apt's lists.
# Boot it with: console=ttyS0 (e.g. qemu-system-i386 -kernel vmlinuz -initrd initrd.img
#   -append "console=ttyS0,115200 nolapic" -nographic).
set -eu

# Bump when the initramfs contents or layout below change, so that old guests are rebuilt.
FORMAT=2

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${GUEST_DIR:-$ROOT/guests/linux}
EPOCH=${SOURCE_DATE_EPOCH:-0}
export LC_ALL=C

say() { echo "guest-linux: $*"; }
die() { echo "guest-linux: $*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg dpkg-deb gzip; do
    command -v "$tool" >/dev/null 2>&1 || die "needs $tool (a Debian system)"
done

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    SUDO="need-root"
fi
asroot() {
    [ "$SUDO" = need-root ] && die "must run '$*' as root: run this script as root or install sudo"
    $SUDO "$@"
}

# The candidate version of a package, empty when apt knows none.
candidate() {
    apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { if ($2 != "(none)") print $2; exit }'
}

# 1. The i386 architecture and apt's lists for it.
if ! dpkg --print-foreign-architectures | grep -qx i386; then
    say "adding the i386 architecture"
    asroot dpkg --add-architecture i386
    asroot apt-get update -qq || say "apt-get update reported errors; checking the packages anyway"
fi
if [ -z "$(candidate linux-image-686:i386)" ] || [ -z "$(candidate busybox-static:i386)" ]; then
    say "updating apt's package lists"
    # Its status may be non-zero for a failed secondary index: the candidates decide.
    asroot apt-get update -qq || say "apt-get update reported errors; checking the packages anyway"
fi
[ -n "$(candidate linux-image-686:i386)" ] || die "apt has no candidate for linux-image-686:i386"
[ -n "$(candidate busybox-static:i386)" ] || die "apt has no candidate for busybox-static:i386"

# 2. linux-image-686 is a metapackage: the kernel is in the versioned package it depends on.
KPKG=$(apt-cache depends linux-image-686:i386 |
    sed -n 's/^ *|\{0,1\}Depends: \(linux-image-[0-9][^: ]*\).*/\1/p' | head -n 1)
[ -n "$KPKG" ] || die "cannot resolve linux-image-686:i386 to a kernel package"
KVER=$(candidate "$KPKG:i386")
BVER=$(candidate busybox-static:i386)
[ -n "$KVER" ] || die "apt has no candidate for $KPKG:i386"

STAMP="format $FORMAT
$KPKG:i386 $KVER
busybox-static:i386 $BVER"

if [ -f "$OUT/VERSIONS" ] && [ -f "$OUT/vmlinuz" ] && [ -f "$OUT/initrd.img" ] &&
   [ "$(cat "$OUT/VERSIONS")" = "$STAMP" ]; then
    say "up to date in $OUT ($KPKG $KVER, busybox-static $BVER)"
    exit 0
fi

# 3. Download and extract.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/guest-linux.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
# apt's download sandbox user must be able to write here (else a warning, and root downloads).
if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$TMP"; fi
say "downloading $KPKG:i386 $KVER and busybox-static:i386 $BVER"
(cd "$TMP" && apt-get download -qq "$KPKG:i386=$KVER" "busybox-static:i386=$BVER") ||
    die "apt-get download failed"
mkdir "$TMP/kernel" "$TMP/busybox"
dpkg-deb -x "$TMP/${KPKG}_"*"_i386.deb" "$TMP/kernel"
dpkg-deb -x "$TMP/busybox-static_"*"_i386.deb" "$TMP/busybox"
set -- "$TMP"/kernel/boot/vmlinuz-*
if [ $# -ne 1 ] || [ ! -f "$1" ]; then die "expected one boot/vmlinuz-* in $KPKG"; fi
VMLINUZ=$1
BUSYBOX=$TMP/busybox/bin/busybox
[ -f "$BUSYBOX" ] || die "busybox-static has no bin/busybox"

# 4. The initramfs. /init runs busybox --install -s at boot to make the applet links (the
# busybox here is an i386 binary that the build host need not be able to run).
cat > "$TMP/init" <<'EOF'
#!/bin/sh
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root TERM=${TERM:-vt100}
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
/bin/busybox --install -s
mkdir -p /dev/pts /tmp /root
mount -t devpts devpts /dev/pts 2>/dev/null
hostname wirt
echo "wirt guest ready: Linux $(uname -r) on $(uname -m); 'exit' powers off"
cd /root
# Ctrl-Alt-Del (`wirt shutdown`) reaches init as SIGINT instead of restarting at once.
echo 0 > /proc/sys/kernel/ctrl-alt-del
trap 'echo "wirt guest: ctrl-alt-del, powering off"; sync; poweroff -f' INT
# A shell with the console (ttyS0 with console=ttyS0) as its controlling terminal; init
# waits for it in the background so that a trapped signal interrupts the wait.
setsid cttyhack sh -l &
wait $!
echo "wirt guest: shell exited, powering off"
sync
poweroff -f
sleep 1
exit 0
EOF
cat > "$TMP/profile" <<'EOF'
PS1='wirt:\w# '
EOF

# The archive as a list, in order: dir NAME MODE | file NAME MODE SRC | slink NAME TARGET |
# nod NAME MODE MAJOR MINOR (a character device).
cat > "$TMP/list" <<EOF
dir bin 755
file bin/busybox 755 $BUSYBOX
slink bin/sh busybox
dir dev 755
nod dev/console 600 5 1
nod dev/null 666 1 3
dir etc 755
file etc/profile 644 $TMP/profile
file init 755 $TMP/init
dir proc 555
dir root 700
dir sbin 755
dir sys 555
dir tmp 1777
dir usr 755
dir usr/bin 755
dir usr/sbin 755
EOF

# Writes a newc ("070701") cpio archive of the list to stdout: uid/gid 0, mtime $EPOCH,
# inode numbers in list order. Needs no root, even for the device nodes.
INO=0
pad4() { # pad4 LENGTH: NULs up to the next multiple of 4
    case $(($1 % 4)) in
        1) printf '\000\000\000' ;;
        2) printf '\000\000' ;;
        3) printf '\000' ;;
    esac
}
header() { # header NAME MODE(octal, with type) NLINK SIZE RMAJOR RMINOR
    INO=$((INO + 1))
    namesize=$((${#1} + 1))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\000' \
        "$INO" "$((0$2))" 0 0 "$3" "$EPOCH" "$4" 0 0 "$5" "$6" "$namesize" 0 "$1"
    pad4 $((110 + namesize))
}
cpio_newc() {
    while read -r kind name a b c; do
        case $kind in
            dir) header "$name" "040$a" 2 0 0 0 ;;
            file)
                size=$(($(wc -c < "$b")))
                header "$name" "100$a" 1 "$size" 0 0
                cat "$b"
                pad4 "$size" ;;
            slink)
                header "$name" 120777 1 "${#a}" 0 0
                printf '%s' "$a"
                pad4 "${#a}" ;;
            nod) header "$name" "020$a" 1 0 "$b" "$c" ;;
            *) die "bad initramfs list entry: $kind" ;;
        esac
    done
    header TRAILER!!! 0 1 0 0 0
}
# Check the list's bytes: names must be plain ASCII for ${#name} to count bytes.
grep -q '[^ -~]' "$TMP/list" && die "non-ASCII path in the initramfs list"
cpio_newc < "$TMP/list" > "$TMP/initrd.cpio"
gzip -n -9 < "$TMP/initrd.cpio" > "$TMP/initrd.img"

# 5. Install, stamp last so that an interrupted run is redone.
mkdir -p "$OUT"
rm -f "$OUT/VERSIONS"
cp "$VMLINUZ" "$OUT/vmlinuz.new" && mv "$OUT/vmlinuz.new" "$OUT/vmlinuz"
cp "$TMP/initrd.img" "$OUT/initrd.img.new" && mv "$OUT/initrd.img.new" "$OUT/initrd.img"
# Debian's System.map is a stub pointing at the -dbg package: keep only a real one.
rm -f "$OUT/System.map"
for m in "$TMP"/kernel/boot/System.map-*; do
    if [ -f "$m" ] && [ "$(wc -l < "$m")" -gt 1 ]; then cp "$m" "$OUT/System.map"; fi
done
for c in "$TMP"/kernel/boot/config-*; do
    if [ -f "$c" ]; then cp "$c" "$OUT/config"; fi
done
printf '%s\n' "$STAMP" > "$OUT/VERSIONS"
say "ready in $OUT: vmlinuz ($KPKG $KVER), initrd.img (busybox-static $BVER)"
