# Shared by the shell tests: TAP results. Source it (. "$(dirname "$0")/tap.sh"), print
# the plan, call `check STATUS DESCRIPTION` once per check, and end with `exit $fail`.
# A failed check is also written to stderr, which CI's log shows last, so the reason for a
# red run is visible without the full test log.
n=0 fail=0
check() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        echo "${0##*/}: not ok $n - $2" >&2
        fail=1
    fi
}
