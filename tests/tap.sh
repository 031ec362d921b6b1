# Shared by the shell tests: TAP results. Source it (. "$(dirname "$0")/tap.sh"), print
# the plan, call `check STATUS DESCRIPTION` once per check, and end with `exit $fail`.
n=0 fail=0
check() {
    n=$((n + 1))
    if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}
