"""packaging_sandbox: does the systemd unit's sandbox leave camfenced what it uses? systemd is
not PID 1 on every test machine, so the unit cannot be started here; instead camfenced runs
live under strace the way the unit runs it (the shipped EAL arguments: --in-memory on
hugepages; net_af_packet ports on a veth pair; NOTIFY_SOCKET, WATCHDOG_USEC and
RUNTIME_DIRECTORY as systemd sets them), gets frames, a scrape, camfencectl requests, a SIGHUP
reload and SIGTERM, and the trace is held against the unit (packaging/camfenced.service):
- every system call is in SystemCallFilter= (groups expanded by systemd-analyze);
- every socket family is in RestrictAddressFamilies=;
- no mapping is writable and executable at once (MemoryDenyWriteExecute=);
- every file written is where ProtectSystem=strict and ProtectKernelTunables= allow writes:
  the StateDirectory, the RuntimeDirectory, /dev (hugepages, shm), the private /tmp, its
  own /proc/self; nothing is opened in /home or /root (ProtectHome=)."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from debpkg import CAMFENCED, SOURCE_DIR, WORK_DIR, run

sys.path.insert(0, str(SOURCE_DIR / "tests" / "fixtures"))
from sd_notify import NotifyListener  # noqa: E402

CAMFENCECTL = os.environ.get("CAMFENCECTL", str(Path(CAMFENCED).parent / "camfencectl"))
UNIT = SOURCE_DIR / "packaging/camfenced.service"
VETH = [("cfpkg0", "cfpkg0p"), ("cfpkg1", "cfpkg1p")]  # (the daemon's end, the peer)
HIKVISION, AXIS, NVR = "44:47:cc:00:00:31", "ac:cc:8e:00:00:32", "00:16:3e:00:00:33"


def unit_values(key):
    values = []
    for line in UNIT.read_text().splitlines():
        if line.startswith(key + "="):
            values += line.split("=", 1)[1].split()
    assert values, f"{UNIT} has no {key}="
    return values


def syscall_groups():
    """@group -> its members (names and nested @groups), from systemd-analyze."""
    groups, current = {}, None
    for line in run(["systemd-analyze", "syscall-filter", "--no-pager"]).stdout.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), set())
        elif current is not None and line.strip() and not line.strip().startswith("#"):
            current.add(line.strip())
    return groups


def allowed_syscalls():
    groups, allowed = syscall_groups(), set()

    def add(item):
        if item.startswith("@"):
            for member in groups[item]:
                add(member)
        else:
            allowed.add(item)

    for item in unit_values("SystemCallFilter"):
        assert not item.startswith("~"), "the test expects an allow list"
        add(item)
    add("@default")  # always allowed by systemd
    return allowed


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def frame(src, dst):
    """An untagged IPv4/UDP frame (checksums zero: the classifier does not read them)."""
    mac = lambda m: bytes.fromhex(m.replace(":", ""))
    ip = bytes.fromhex("450000200000400040110000") + bytes([10, 0, 1, 5]) + bytes([10, 0, 0, 9])
    udp = bytes.fromhex("0fa01388000c0000") + b"camf"
    return mac(dst) + mac(src) + b"\x08\x00" + ip + udp


@pytest.fixture(scope="module")
def veth():
    for a, b in VETH:
        run(["ip", "link", "del", a], check=False)
        run(["ip", "link", "add", a, "type", "veth", "peer", "name", b])
        for end in (a, b):
            run(["ip", "link", "set", end, "up"])
    try:
        yield
    finally:
        for a, _ in VETH:
            run(["ip", "link", "del", a], check=False)


@pytest.fixture(scope="module")
def trace(veth):
    """Runs camfenced under strace through a short life; returns (trace text, dirs)."""
    # Not under /tmp, which is writable under the unit anyway (PrivateTmp=): a write outside
    # the state and runtime directories must show.
    d = WORK_DIR.parent / "sandbox"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    state, runtime = d / "state", d / "run"
    runtime.mkdir(mode=0o755)
    shipped = yaml.safe_load((SOURCE_DIR / "config/camfence.yaml").read_text())
    metrics_port = free_port()
    config = d / "camfence.yaml"
    config.write_text(json.dumps({
        "dataplane": {
            "eal_args": shipped["dataplane"]["eal_args"],
            "ports": [{"name": "cam0", "device": f"net_af_packet0,iface={VETH[0][0]},qdisc_bypass=0",
                       "side": "camera"},
                      {"name": "core0", "device": f"net_af_packet1,iface={VETH[1][0]},qdisc_bypass=0",
                       "side": "core"}]},
        "control": {"socket": str(runtime / "control.sock"), "metrics": f"127.0.0.1:{metrics_port}",
                    "state_dir": str(state)},
        "policy": str(SOURCE_DIR / "config/policy.yaml")}))
    assert "--in-memory" in shipped["dataplane"]["eal_args"]
    nr = Path("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages")
    assert int(nr.read_text()) > 0, "no free hugepages: run scripts/hugepages.sh (as the unit would)"

    notify = NotifyListener(d / "notify.sock")
    messages = notify.messages
    env = dict(os.environ, NOTIFY_SOCKET=str(d / "notify.sock"), WATCHDOG_USEC="10000000",
               RUNTIME_DIRECTORY=str(runtime), STATE_DIRECTORY=str(state))
    log = open(d / "camfenced.log", "w")
    proc = subprocess.Popen(["strace", "-f", "-qq", "-s", "256", "-o", str(d / "strace.log"),
                             CAMFENCED, "--config", str(config)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    daemon = None  # camfenced's pid: signals go to it, not to strace (which would detach)
    try:
        deadline = time.time() + 60
        while daemon is None and time.time() < deadline:
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
            daemon = int(children.read_text().split()[0]) if children.read_text().strip() else None
            time.sleep(0.05)
        assert daemon, "strace started no camfenced"
        while not any("READY=1" in m for m in messages):
            assert proc.poll() is None and time.time() < deadline, (d / "camfenced.log").read_text()
            time.sleep(0.1)
        with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
            s.bind((VETH[0][1], 0))
            for src in (HIKVISION, AXIS):
                for _ in range(3):
                    s.send(frame(src, NVR))
        with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
            s.bind((VETH[1][1], 0))
            s.send(frame(NVR, AXIS))
        deadline = time.time() + 20
        while True:
            r = run([CAMFENCECTL, "--socket", str(runtime / "control.sock"), "--json", "devices"])
            if len(json.loads(r.stdout).get("devices", [])) >= 2 or time.time() > deadline:
                break
            time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as m:
            assert b"camfence_frames_total" in m.read()
        run([CAMFENCECTL, "--socket", str(runtime / "control.sock"), "reload"])
        os.kill(daemon, signal.SIGHUP)
        time.sleep(1.5)  # a watchdog ping or two, and the SIGHUP reload
        run([CAMFENCECTL, "--socket", str(runtime / "control.sock"), "status"])
    finally:
        # strace exits with camfenced's status once camfenced has gone.
        if daemon and proc.poll() is None:
            os.kill(daemon, signal.SIGTERM)
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            for pid in (daemon, proc.pid):
                if pid:
                    os.kill(pid, signal.SIGKILL)
            proc.wait(timeout=30)
            raise
        finally:
            log.close()
            notify.close()
    output = (d / "camfenced.log").read_text()
    assert rc == 0, output
    assert any("STOPPING=1" in m for m in messages) and any("WATCHDOG=1" in m for m in messages)
    return (d / "strace.log").read_text(), {"state": state, "runtime": runtime, "dir": d}


def calls(text):
    """(syscall name, full line) for every call in an strace -f log."""
    for line in text.splitlines():
        m = re.match(r"^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)(?:\(| resumed>)", line)
        if m:
            yield m.group(1), line


def test_system_calls_are_in_the_filter(trace):
    text, _ = trace
    used = {name for name, _ in calls(text)}
    assert len(used) > 20, "the trace looks empty"
    denied = sorted(used - allowed_syscalls())
    print(f"{len(used)} system calls used; outside SystemCallFilter=: {denied}")
    assert denied == [], f"SystemCallFilter= would refuse {denied}"


def test_socket_families_are_allowed(trace):
    text, _ = trace
    allowed = set(unit_values("RestrictAddressFamilies"))
    used = {m.group(1) for name, line in calls(text) if name in ("socket", "socketpair")
            for m in [re.search(r"\((AF_[A-Z0-9]+)", line)] if m}
    print(f"socket families used: {sorted(used)}")
    assert "AF_PACKET" in used, "the trace shows no net_af_packet port"
    assert used <= allowed, f"RestrictAddressFamilies= would refuse {sorted(used - allowed)}"


def test_no_writable_executable_memory(trace):
    text, _ = trace
    assert unit_values("MemoryDenyWriteExecute") == ["yes"]
    wx = [line for name, line in calls(text)
          if name in ("mmap", "mprotect", "pkey_mprotect") and "PROT_WRITE|PROT_EXEC" in line]
    assert wx == [], wx[:5]


WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC")
PATH_WRITES = {"mkdir", "mkdirat", "unlink", "unlinkat", "rename", "renameat", "renameat2",
               "rmdir", "truncate", "chmod", "fchmodat", "chown", "fchownat", "symlink",
               "symlinkat", "link", "linkat", "mknod", "mknodat"}


def test_writes_stay_where_the_unit_allows_them(trace):
    text, dirs = trace
    assert unit_values("ProtectSystem") == ["strict"]
    assert unit_values("ProtectKernelTunables") == ["yes"]
    assert unit_values("ProtectHome") == ["yes"]
    # Under systemd: StateDirectory= and RuntimeDirectory= (here the test's own), /dev,
    # the private /tmp, the process's own /proc entries (thread names).
    writable = [str(dirs["state"]) + "/", str(dirs["runtime"]) + "/", "/dev/", "/tmp/",
                "/proc/self/", "/proc/thread-self/"]
    written, opened = set(), set()
    for name, line in calls(text):
        paths = re.findall(r'"(/[^"]*)"', line)
        if not paths:
            continue
        opened.update(paths)
        if name in ("open", "openat", "creat") and any(f in line for f in WRITE_FLAGS):
            written.add(paths[0])
        elif name in PATH_WRITES:
            written.update(paths)
        elif name == "bind" and "AF_UNIX" in line:
            written.update(paths)
    own_proc = re.compile(r"^/proc/\d+/task/\d+/comm$")
    outside = sorted(p for p in written
                     if not (p.startswith(tuple(writable)) or own_proc.match(p)
                             or p == str(dirs["state"]) or p == str(dirs["runtime"])))
    print(f"paths written: {sorted(written)}")
    assert outside == [], f"ProtectSystem=strict/ProtectKernelTunables= would refuse {outside}"
    assert any(p.startswith(str(dirs["state"])) for p in written), "no inventory written?"
    home = sorted(p for p in opened if p.startswith(("/home/", "/root/", "/run/user/")))
    assert home == [], f"ProtectHome= hides {home}"
