#!/bin/sh
# The wirt command line: version, help, and one clear line plus exit 2 for usage errors.
# Speaks TAP. Usage: cli.sh PATH-TO-WIRT
wirt=$1
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }

# expect NAME STATUS STDOUT-PATTERN STDERR-LINES -- ARGS...
expect() {
    name=$1 want_status=$2 out_pat=$3 err_lines=$4
    shift 5
    out=$("$wirt" "$@" 2>/tmp/wirt-cli-err.$$)
    status=$?
    lines=$(wc -l </tmp/wirt-cli-err.$$)
    if [ "$status" -ne "$want_status" ]; then
        not_ok "$name: exit $status, wanted $want_status"
    elif ! printf '%s\n' "$out" | grep -q -- "$out_pat"; then
        not_ok "$name: stdout lacks '$out_pat'"
    elif [ "$err_lines" != "-" ] && [ "$lines" -ne "$err_lines" ]; then
        not_ok "$name: $lines stderr lines, wanted $err_lines"
    else
        ok "$name"
    fi
    cat /tmp/wirt-cli-err.$$ | sed 's/^/# stderr: /'
    rm -f /tmp/wirt-cli-err.$$
}

expect "--version" 0 '^wirt [0-9][0-9.]*' 0 -- --version
expect "--help lists run" 0 'run' 0 -- --help
expect "--bogus" 2 '' 1 -- --bogus
expect "no subcommand" 2 '' 1 --
expect "unknown subcommand" 2 '' 1 -- frobnicate
expect "run --bogus" 2 '' 1 -- run --bogus
expect "run -d help" 0 'in_asm' 0 -- run -d help
expect "run -d bogus" 2 '' 1 -- run -d bogus
expect "run -D into a missing folder" 2 '' 1 -- run -D /nonexistent-dir/log
expect "run extra argument" 2 '' 1 -- run stray
expect "run --kernel missing file" 2 '' 1 -- run --kernel /nonexistent/kernel
expect "run --kernel not Multiboot" 2 '' 1 -- run --kernel "$0"
expect "run --module missing file" 2 '' 1 -- run --kernel "$0" --module /nonexistent/mod
expect "run --module without --kernel" 2 '' 1 -- run --module "$0"
expect "run --flat with --kernel" 2 '' 1 -- run --flat "$0" --kernel "$0"
expect "run --save-at without a file" 2 '' 1 -- run --save-at 1000 --flat "$0"
expect "run --save-at bad count" 2 '' 1 -- run --save-at x:/tmp/f --flat "$0"
expect "run --restore with --kernel" 2 '' 1 -- run --restore "$0" --kernel "$0"
expect "run --restore missing file" 2 '' 1 -- run --restore /nonexistent/snap
expect "run --record with --replay" 2 '' 1 -- run --record /tmp/x --replay /tmp/y --flat "$0"
expect "run --record on the real-time clock" 2 '' 1 -- run --record /tmp/x --clock realtime \
    --flat "$0"
expect "run --replay missing log" 2 '' 1 -- run --replay /nonexistent/log --flat "$0"
expect "run --replay not a log" 2 '' 1 -- run --replay "$0" --flat "$0"
expect "run --record into a missing folder" 2 '' 1 -- run --record /nonexistent-dir/log \
    --flat "$0"
expect "replay without arguments" 2 '' 1 -- replay
expect "replay info not a log" 2 '' 1 -- replay info "$0"
expect "snapshot without arguments" 2 '' 1 -- snapshot
expect "snapshot info not a snapshot" 2 '' 1 -- snapshot info "$0"
expect "run --bios missing file" 2 '' 1 -- run --bios /nonexistent/bios.bin
expect "run --bios not a multiple of 64 KiB" 2 '' 1 -- run --bios "$0"
expect "run --bios with --kernel" 2 '' 1 -- run --bios "$0" --kernel "$0"
expect "run --bios with --flat" 2 '' 1 -- run --flat "$0" --bios "$0"
expect "run --machine bogus" 2 '' 1 -- run --machine vax --flat "$0"
expect "run --clock bogus" 2 '' 1 -- run --clock sundial --flat "$0"
expect "run --clock insns,shift too big" 2 '' 1 -- run --clock insns,shift=99 --flat "$0"
expect "run --clock insns,shift=x" 2 '' 1 -- run --clock insns,shift=x --flat "$0"
expect "run --serial bogus" 2 '' 1 -- run --machine pc --serial tcp:1234 --flat "$0"
expect "run --serial file: without a path" 2 '' 1 -- run --machine pc --serial file: --flat "$0"
expect "run --serial three times" 2 '' 1 -- run --machine pc --serial none --serial none \
    --serial none --flat "$0"
expect "run --serial on the test board" 2 '' 1 -- run --machine test --serial none --flat "$0"
expect "run --serial stdio twice" 2 '' 1 -- run --machine pc --serial stdio --serial stdio \
    --flat "$0"
expect "run --serial file: in a missing folder" 2 '' 1 -- run --machine pc \
    --serial file:/nonexistent-dir/out --flat "$0"
expect "run --rtc bogus" 2 '' 1 -- run --machine pc --rtc yesterday --flat "$0"
expect "run --rtc bad date" 2 '' 1 -- run --machine pc --rtc base=2006-02-30T00:00:00 --flat "$0"
expect "run --rtc on the test board" 2 '' 1 -- run --machine test --rtc base=utc --flat "$0"
# Config files (docs/config.md) and the toolstack's subcommands (a private runtime directory).
XDG_RUNTIME_DIR=$(mktemp -d)
export XDG_RUNTIME_DIR
cfg=$XDG_RUNTIME_DIR/t.cfg
printf 'name = "t"\nmemroy = 4\n' >"$cfg"
expect "run --config with an unknown key" 2 '' 1 -- run --config "$cfg"
expect "create with an unknown key" 2 '' 1 -- create "$cfg"
expect "run --config missing file" 2 '' 1 -- run --config /nonexistent/t.cfg
printf 'name = "t"\nmemory = 4\nflat = "x"\n' >"$cfg"
expect "run --config with a command-line-only key" 2 '' 1 -- run --config "$cfg"
expect "create without a file" 2 '' 1 -- create
expect "create missing file" 2 '' 1 -- create /nonexistent/t.cfg
expect "restore without a file" 2 '' 1 -- restore
expect "restore not a snapshot" 2 '' 1 -- restore "$0"
expect "console without a name" 2 '' 1 -- console
expect "console of no such guest" 2 '' 1 -- console nosuch
expect "pause of no such guest" 2 '' 1 -- pause nosuch
expect "pause a bad name" 2 '' 1 -- pause 'a/b'
expect "save without a file" 2 '' 1 -- save nosuch
expect "shutdown --timeout -1" 2 '' 1 -- shutdown --timeout -1 nosuch
expect "destroy of no such guest" 2 '' 1 -- destroy nosuch
expect "top -n 0" 2 '' 1 -- top -n 0
expect "top --once with no guests" 0 'wirt top - 0 guests' 0 -- top --once -d 0.05
expect "list with no guests" 0 '^Name' 0 -- list
expect "a background run without a name" 2 '' 1 -- run --daemon-ready-fd=9 --machine pc \
    --serial none --flat "$0"
rm -rf "$XDG_RUNTIME_DIR"
echo "1..$n"
exit $fail
