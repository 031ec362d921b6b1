#!/usr/bin/env python3
"""Helpers for the toolstack tests (tests/toolstack.sh, tests/control-robust.sh).

  wirtctl.py request NAME CMD [ARGS-JSON]   one control request; prints the reply line
  wirtctl.py field NAME CMD KEY             one request; prints result[KEY]
  wirtctl.py console-pty WIRT NAME          attaches `wirt console NAME` on a pseudo-terminal,
                                            runs `echo`, detaches with Ctrl-], checks the
                                            terminal is raw while attached and restored after
  wirtctl.py console-expect NAME WAIT SEND EXPECT [SECONDS]
                                            on NAME's console socket: waits for the text
                                            WAIT, sends the line SEND, waits for EXPECT
  wirtctl.py save-events NAME FILE          subscribes, saves NAME to FILE, prints the
                                            save-progress events ("done total") and "ok"
  wirtctl.py stale NAME                     leaves a stale socket NAME.sock (nobody listens)
  wirtctl.py robust NAME                    malformed requests to guest NAME: a line
                                            "PASS what" or "FAIL what" per check

The control socket is $XDG_RUNTIME_DIR/wirt/NAME.sock (docs/control-protocol.md).
"""
import json
import os
import select
import socket
import subprocess
import sys
import termios
import time
import pty


def sock_path(name):
    return os.path.join(os.environ["XDG_RUNTIME_DIR"], "wirt", name + ".sock")


class Conn:
    def __init__(self, name):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(30)
        self.s.connect(sock_path(name))
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("the guest closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def request(self, cmd, args=None, rid=1):
        msg = {"id": rid, "cmd": cmd}
        if args is not None:
            msg["args"] = args
        self.send((json.dumps(msg) + "\n").encode())
        return self.line()


def cmd_request(name, cmd, args=None):
    reply = Conn(name).request(cmd, json.loads(args) if args else None)
    print(json.dumps(reply))
    return 0 if reply.get("ok") else 1


def cmd_field(name, cmd, key):
    reply = Conn(name).request(cmd)
    if not reply.get("ok"):
        print(json.dumps(reply), file=sys.stderr)
        return 1
    print(reply["result"][key])
    return 0


def cmd_save_events(name, path):
    c = Conn(name)
    c.request("subscribe", rid=1)
    c.send((json.dumps({"id": 2, "cmd": "save", "args": {"path": path}}) + "\n").encode())
    while True:
        msg = c.line()
        if msg.get("event") == "save-progress":
            print("%d %d" % (msg["data"]["done"], msg["data"]["total"]))
        elif msg.get("id") == 2:
            print("ok" if msg.get("ok") else json.dumps(msg))
            return 0 if msg.get("ok") else 1


def read_until(fd, pattern, timeout=20.0):
    """Reads the pty master FD until PATTERN (bytes) has arrived; returns what came."""
    got = b""
    end = time.monotonic() + timeout
    while pattern not in got:
        left = end - time.monotonic()
        if left <= 0:
            raise TimeoutError("no %r in %r" % (pattern, got))
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
    if pattern not in got:
        raise EOFError("no %r in %r" % (pattern, got))
    return got


def cmd_console_pty(wirt, name):
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    proc = subprocess.Popen([wirt, "console", name], stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    try:
        read_until(master, b"Ctrl-] detaches")
        during = termios.tcgetattr(slave)
        if during[3] & (termios.ICANON | termios.ECHO | termios.ISIG):
            print("# the terminal is not raw while attached")
            return 1
        os.write(master, b"echo hello-console\r")
        read_until(master, b"\r\nhello-console\r\n")
        os.write(master, b"\x1d")
        read_until(master, b"detached from " + name.encode())
        status = proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    after = termios.tcgetattr(slave)
    if status != 0:
        print("# wirt console exited with %d" % status)
        return 1
    if after != before:
        print("# the terminal was not restored: %r, was %r" % (after, before))
        return 1
    return 0


def cmd_console_expect(name, wait_for, send, expect, timeout="900"):
    """On guest NAME's console socket: waits for WAIT_FOR, sends SEND and a newline,
    waits for EXPECT; prints what came."""
    path = Conn(name).request("status")["result"]["console"]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    got = b""
    end = time.monotonic() + float(timeout)
    for pattern, line in ((wait_for, send), (expect, None)):
        while pattern.encode() not in got:
            s.settimeout(max(0.1, end - time.monotonic()))
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        if pattern.encode() not in got:
            print("# no %r in the console output" % pattern)
            sys.stdout.write("".join("# console: %s\n" % l for l in
                                     got.decode(errors="replace").splitlines()[-20:]))
            return 1
        if line is not None:
            got = b""
            s.sendall(line.encode() + b"\n")
    sys.stdout.write("".join("# console: %s\n" % l for l in
                             got.decode(errors="replace").splitlines()))
    return 0


def cmd_stale(name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(sock_path(name))
    s.close()       # bound, never listened, not removed: a dead guest's leftover
    return 0


def robust_checks(name):
    """Yields (description, passed) for malformed input on one connection."""
    c = Conn(name)
    c.send(b"{this is not json\n")
    r = c.line()
    yield "malformed JSON: a parse error with id null", \
        r.get("id", 0) is None and r["error"]["code"] == "parse"
    c.send(b"[1, 2, 3]\n")
    r = c.line()
    yield "an array, not an object: parse error", r["error"]["code"] == "parse"
    r = c.request("frobnicate", rid=7)
    yield "unknown command: unknown-command with its id", \
        r["id"] == 7 and r["error"]["code"] == "unknown-command"
    c.send(b'{"cmd": "status"}\n')
    r = c.line()
    yield "no id: bad-request", r["error"]["code"] == "bad-request"
    c.send(b'{"id": 3, "cmd": "status", "args": [1]}\n')
    r = c.line()
    yield "args not an object: bad-request", r["id"] == 3 and r["error"]["code"] == "bad-request"
    r = c.request("save", {"path": "relative.snap"}, rid=4)
    yield "save to a relative path: bad-args", r["error"]["code"] == "bad-args"
    r = c.request("save", {"path": "/nonexistent-dir/x.snap"}, rid=5)
    yield "save into a missing folder: failed, the guest goes on", r["error"]["code"] == "failed"
    c.send(b'{"id": 1, "cmd": "' + b"x" * 200000 + b'"}\n')
    r = c.line()
    yield "a 200 KB line: too-large", r.get("id", 0) is None and r["error"]["code"] == "too-large"
    c.send(b"\xff\xfe\x00garbage\n")
    r = c.line()
    yield "invalid UTF-8 and a NUL: parse error", r["error"]["code"] == "parse"
    r = c.request("hello", rid=9)
    yield "the same connection still answers", r["ok"] and r["result"]["name"] == name
    c2 = Conn(name)
    c2.send(b'{"id": 1, "cmd": "hel')
    c2.s.close()
    r = Conn(name).request("status", rid=10)
    yield "a half request then a hang-up: the guest still answers others", \
        r["ok"] and r["result"]["state"] in ("running", "idle")


def cmd_robust(name):
    fail = 0
    try:
        for what, passed in robust_checks(name):
            fail += not passed
            print("%s %s" % ("PASS" if passed else "FAIL", what))
    except Exception as e:  # a dropped connection or a timeout is a failure, not a crash
        fail += 1
        print("FAIL the checks stopped: %r" % (e,))
    return 1 if fail else 0


def main(argv):
    cmds = {
        "request": cmd_request, "field": cmd_field, "console-pty": cmd_console_pty,
        "console-expect": cmd_console_expect,
        "stale": cmd_stale, "robust": cmd_robust, "save-events": cmd_save_events,
    }
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[argv[1]](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
