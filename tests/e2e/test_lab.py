"""End to end: camfenced inline between network namespaces (scripts/lab-net.sh).

Real kernel hosts on both sides, DPDK net_af_packet ports on the veth ends, real traffic
(ICMP, TCP, UDP from the hosts' own stacks), the real control socket through camfencectl,
the real Prometheus exposition checked with promtool, a real kill -9.

Neighbour entries are static in the lab hosts, so no ARP is sent: every frame in a test is
one the test made, and the counters can be checked exactly.

Runs as root (creates namespaces, reserves hugepages); the tests run in file order and share
one lab. Environment: CAMFENCED, CAMFENCECTL (binaries), PROMTOOL (optional path).
"""
import datetime
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from sd_notify import NotifyListener  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "scripts" / "lab-net.sh"
PROBE = ROOT / "scripts" / "lab_probe.py"
CAMFENCED = os.environ.get("CAMFENCED", str(ROOT / "build" / "daemon" / "camfenced"))
CAMFENCECTL = os.environ.get("CAMFENCECTL", str(ROOT / "build" / "daemon" / "camfencectl"))
PY = "/usr/bin/python3"
METRICS_PORT = 19720

CORE = {"ns": "cf-core", "mac": "00:16:3e:c0:7e:01", "ip": "10.77.0.10"}
CAMS = {
    "hik": {"ns": "cf-hik", "mac": "44:47:cc:00:00:11", "ip": "10.77.1.11"},
    "ezviz": {"ns": "cf-ezviz", "mac": "64:f2:fb:00:00:12", "ip": "10.77.1.12"},
    "axis": {"ns": "cf-axis", "mac": "ac:cc:8e:00:00:13", "ip": "10.77.1.13"},
    "laa": {"ns": "cf-laa", "mac": "02:cf:00:00:00:14", "ip": "10.77.1.14"},
}
TCP_PORT = 8080
UDP_PORT = 9999

POLICY = """version: 1
site: {{name: camfence-e2e, sensitive: true}}
catalog: {catalog}
prohibited: [{prohibited}]
camera_vlans: [0]
quarantine_vlan: 999
zones:
  core: [10.77.0.0/24]
rules:
  - {{name: prohibited-any, device: prohibited, action: {prohibited_action}}}
  - {{name: unregistered-to-core, device: unregistered, zone: core, action: quarantine}}
default_action: forward
"""


def policy_text(prohibited_action="drop", prohibited="hikvision, dahua"):
    return POLICY.format(catalog=ROOT / "config" / "vendors.yaml", prohibited=prohibited,
                         prohibited_action=prohibited_action)


def sh(*args, check=True, timeout=60, **kw):
    return subprocess.run([str(a) for a in args], check=check, timeout=timeout,
                          capture_output=True, text=True, **kw)


def in_ns(ns, *args, **kw):
    return sh("ip", "netns", "exec", ns, *args, **kw)


def ping(src_ns, dst_ip, count=1):
    return in_ns(src_ns, PY, PROBE, "ping", dst_ip, "--count", count, "--timeout", "1",
                 check=False).returncode == 0


def tcp(src_ns, dst_ip):
    return in_ns(src_ns, PY, PROBE, "tcp", dst_ip, TCP_PORT, "--timeout", "1",
                 check=False).returncode == 0


def udp(src_ns, dst_ip, count, rate=2000):
    in_ns(src_ns, PY, PROBE, "udp-send", dst_ip, UDP_PORT, "--count", count, "--rate", rate)


class Daemon:
    def __init__(self, workdir):
        self.dir = Path(workdir)
        self.config = self.dir / "camfence.yaml"
        self.policy = self.dir / "policy.yaml"
        self.state = self.dir / "state"
        self.socket = self.dir / "control.sock"
        self.notify = self.dir / "notify.sock"
        self.proc = None
        self.log = None

    def write_config(self, workers=1, cam_device=None, extra_eal=()):
        lcores = ["-l", "0-1"] if workers == 1 else ["--lcores", "0@0,1@1,2@1"]
        eal = ["--in-memory", *lcores, "--no-pci", "--log-level", "pmd:error",
               "--log-level", "lib.eal:error", *extra_eal]
        cam = cam_device or "net_af_packet0,iface=cfc1,qdisc_bypass=0"
        self.config.write_text(f"""dataplane:
  eal_args: {json.dumps(eal)}
  ports:
    - {{name: cam0, device: "{cam}", side: camera}}
    - {{name: core0, device: "net_af_packet1,iface=cfk1,qdisc_bypass=0", side: core}}
  workers: {workers}
control:
  socket: {self.socket}
  metrics: 127.0.0.1:{METRICS_PORT}
  state_dir: {self.state}
policy: {self.policy}
""")

    def start(self, expect_ready=True, watchdog_usec=None):
        """Starts camfenced with a NOTIFY_SOCKET it reports to, as systemd would give it. A
        thread reads the notifications all along, as systemd does (an unread socket fills up
        and blocks the sender)."""
        if self.notify.exists():
            self.notify.unlink()
        self.notify_sock = NotifyListener(self.notify)
        self.msgs = self.notify_sock.messages
        env = dict(os.environ, NOTIFY_SOCKET=str(self.notify))
        if watchdog_usec:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
        self.log = open(self.dir / "camfenced.log", "a")
        self.proc = subprocess.Popen([CAMFENCED, "--config", str(self.config)], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        if expect_ready:
            ready = self.notifications(until="READY=1", timeout=30)
            assert any("READY=1" in m for m in ready), self.output()
        return self.proc

    def notifications(self, until=None, timeout=5.0):
        """The notifications that arrive from now on, within `timeout` (or up to `until`)."""
        start, end = len(self.msgs), time.time() + timeout
        while time.time() < end:
            if until and any(until in m for m in self.msgs[start:]):
                break
            if until and self.proc.poll() is not None:
                break
            time.sleep(0.05)
        return self.msgs[start:]

    def wait_exit(self, timeout=30):
        return self.proc.wait(timeout=timeout)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        if self.log:
            self.log.close()
            self.log = None
        if getattr(self, "notify_sock", None):
            self.notify_sock.close()
            self.notify_sock = None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()
        self.log = None
        self.notify_sock.close()
        self.notify_sock = None

    def output(self):
        return (self.dir / "camfenced.log").read_text()

    def ctl(self, *args, check=True):
        r = sh(CAMFENCECTL, "--socket", self.socket, "--json", *args, check=False)
        if check:
            assert r.returncode == 0, f"camfencectl {args}: rc {r.returncode}\n{r.stdout}{r.stderr}"
        return r.returncode, json.loads(r.stdout) if r.stdout.strip() else None

    def scrape(self):
        with socket.create_connection(("127.0.0.1", METRICS_PORT), timeout=5) as s:
            s.sendall(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        return data.split(b"\r\n\r\n", 1)[1].decode()

    def metrics(self):
        out = {}
        for line in self.scrape().splitlines():
            if line.startswith("#") or not line.strip():
                continue
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
        return out

    def devices(self):
        _, reply = self.ctl("devices")
        return {d["mac"]: d for d in reply["devices"]}


def delta(before, after, name):
    return after.get(name, 0) - before.get(name, 0)


@pytest.fixture(scope="module")
def lab():
    assert os.geteuid() == 0, "the e2e tests create network namespaces: run as root"
    sh("bash", ROOT / "scripts" / "hugepages.sh", check=False)
    sh("bash", LAB, "up", timeout=120)
    # Static neighbours: no ARP, so every frame is one a test sends.
    for c in CAMS.values():
        in_ns(c["ns"], "ip", "neigh", "replace", CORE["ip"], "lladdr", CORE["mac"], "dev", "eth0",
              "nud", "permanent")
        in_ns(CORE["ns"], "ip", "neigh", "replace", c["ip"], "lladdr", c["mac"], "dev", "eth0",
              "nud", "permanent")
    server = subprocess.Popen(["ip", "netns", "exec", CORE["ns"], PY, str(PROBE),
                               "tcp-echo-server", str(TCP_PORT)])
    for c in CAMS.values():  # cameras answer TCP too (core -> camera checks)
        c["server"] = subprocess.Popen(["ip", "netns", "exec", c["ns"], PY, str(PROBE),
                                        "tcp-echo-server", str(TCP_PORT)])
    time.sleep(0.5)
    yield
    server.kill()
    for c in CAMS.values():
        c["server"].kill()
    sh("bash", LAB, "down", timeout=120, check=False)


@pytest.fixture(scope="module")
def daemon(lab):
    work = Path(tempfile.mkdtemp(prefix="camfence-e2e-"))
    d = Daemon(work)
    d.policy.write_text(policy_text())
    d.write_config()
    d.start()
    yield d
    d.stop()
    shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------------------


def test_status_and_systemd_readiness(daemon):
    _, st = daemon.ctl("status")
    assert st["ok"] and st["policy"]["generation"] == 1
    assert st["policy"]["source"] == "configured"
    assert [p["name"] for p in st["ports"]] == ["cam0", "core0"]
    assert len(st["workers"]) == 1
    mode = os.stat(daemon.socket).st_mode & 0o777
    assert mode == 0o600, oct(mode)


def test_prohibited_cameras_cannot_reach_the_core(daemon):
    for name in ("hik", "ezviz"):
        assert not ping(CAMS[name]["ns"], CORE["ip"]), name
        assert not tcp(CAMS[name]["ns"], CORE["ip"]), name
    assert ping(CAMS["axis"]["ns"], CORE["ip"])
    assert tcp(CAMS["axis"]["ns"], CORE["ip"])


def test_core_cannot_reach_prohibited_camera(daemon):
    assert not ping(CORE["ns"], CAMS["hik"]["ip"])
    assert not tcp(CORE["ns"], CAMS["hik"]["ip"])
    assert ping(CORE["ns"], CAMS["axis"]["ip"])
    assert tcp(CORE["ns"], CAMS["axis"]["ip"])


def test_quarantined_frames_arrive_tagged_with_the_quarantine_vlan(daemon):
    sniff = subprocess.Popen(["ip", "netns", "exec", CORE["ns"], PY, str(PROBE), "sniff-vlan",
                              "eth0", "--seconds", "3", "--src", CAMS["laa"]["mac"]],
                             stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    udp(CAMS["laa"]["ns"], CORE["ip"], 25)
    out, _ = sniff.communicate(timeout=10)
    counts = {int(v): int(n) for v, n in (line.split() for line in out.splitlines())}
    assert counts == {999: 25}, counts
    assert not ping(CAMS["laa"]["ns"], CORE["ip"])  # the core host ignores VLAN 999


def test_devices_inventory_with_evidence(daemon):
    devs = daemon.devices()
    assert devs[CAMS["hik"]["mac"]]["verdict"] == "prohibited"
    assert devs[CAMS["hik"]["mac"]]["vendor"] == "hikvision"
    assert devs[CAMS["hik"]["mac"]]["sticky"] is True
    assert devs[CAMS["hik"]["mac"]]["evidence"][0]["signal"] == "oui"
    assert devs[CAMS["ezviz"]["mac"]]["verdict"] == "prohibited"
    assert devs[CAMS["ezviz"]["mac"]]["vendor"] == "ezviz"
    assert devs[CAMS["axis"]["mac"]]["verdict"] == "clear"
    assert devs[CAMS["laa"]["mac"]]["verdict"] == "unregistered"
    assert CAMS["hik"]["ip"] in devs[CAMS["hik"]["mac"]]["ips"]
    events = (daemon.state / "events.jsonl").read_text().splitlines()
    new = [json.loads(e) for e in events if '"device_new"' in e]
    assert {e["mac"] for e in new} >= {c["mac"] for c in CAMS.values()}


def traffic_round(d, n=200):
    """UDP from every camera; returns the metric deltas and what reached the core host."""
    before = d.metrics()
    counter = subprocess.Popen(["ip", "netns", "exec", CORE["ns"], PY, str(PROBE), "udp-count",
                                str(UDP_PORT), "--seconds", "4"], stdout=subprocess.PIPE,
                               text=True)
    time.sleep(0.3)
    for c in CAMS.values():
        udp(c["ns"], CORE["ip"], n)
    received = int(counter.communicate(timeout=20)[0])
    time.sleep(0.3)
    return before, d.metrics(), received


def test_metrics_count_exactly_the_traffic(daemon):
    n = 200
    before, after, received = traffic_round(daemon, n)
    f = 'camfence_frames_total{{action="{}",rule="{}"}}'
    assert delta(before, after, f.format("drop", "prohibited-any")) == 2 * n
    assert delta(before, after, f.format("quarantine", "unregistered-to-core")) == n
    assert delta(before, after, f.format("forward", "(default)")) == n
    assert delta(before, after, 'camfence_port_rx_packets_total{port="cam0"}') == 4 * n
    assert delta(before, after, 'camfence_port_tx_packets_total{port="core0"}') == 2 * n
    assert received == n  # only the Axis camera's datagrams reach the host
    assert after['camfence_devices{class="prohibited",vendor="hikvision"}'] == 1
    assert after["camfence_device_table_entries"] == 4
    assert after["camfence_policy_generation"] == 1
    for name in ("camfence_build_info", "camfence_worker_busy_ratio{worker=\"0\"}",
                 "camfence_device_table_capacity", "camfence_policy_last_reload_timestamp_seconds",
                 'camfence_port_rx_missed_total{port="cam0"}', 'camfence_bytes_total{action="drop",rule="prohibited-any"}'):
        assert any(k.startswith(name.split("{")[0]) for k in after), name
    text = daemon.scrape()
    assert not re.search(r"\b(?:[0-9a-f]{2}:){5}[0-9a-f]{2}\b", text)  # no MAC labels
    assert "10.77." not in text  # no IP labels


def test_promtool_accepts_the_exposition(daemon, tmp_path):
    promtool = os.environ.get("PROMTOOL") or shutil.which("promtool")
    assert promtool, "promtool missing (Debian package prometheus): scripts/deps.sh installs it"
    scrape = daemon.scrape()
    # Only our families: prometheus-cpp's own exposer_* summary prints NaN quantiles.
    ours = "\n".join(l for l in scrape.splitlines() if "camfence_" in l) + "\n"
    r = subprocess.run([promtool, "check", "metrics"], input=ours, text=True,
                       capture_output=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_real_prometheus_server_scrapes_the_exporter(daemon, tmp_path):
    prom = shutil.which("prometheus")
    assert prom, "prometheus missing (Debian package prometheus): scripts/deps.sh installs it"
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text("global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                   "scrape_configs:\n  - job_name: camfence\n    static_configs:\n"
                   f"      - targets: ['127.0.0.1:{METRICS_PORT}']\n")
    log = open(tmp_path / "prometheus.log", "w")
    p = subprocess.Popen([prom, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path / 'data'}",
                          "--web.listen-address=127.0.0.1:19090"], stdout=log,
                         stderr=subprocess.STDOUT)
    expected = daemon.metrics()['camfence_frames_total{action="drop",rule="prohibited-any"}']

    def query(q):
        url = "http://127.0.0.1:19090/api/v1/query?query=" + urllib.parse.quote(q)
        with urllib.request.urlopen(url, timeout=2) as r:
            return json.load(r)["data"]["result"]

    try:
        got, deadline = None, time.time() + 60
        while time.time() < deadline:
            try:
                up = query('up{job="camfence"}')
                res = query('camfence_frames_total{action="drop",rule="prohibited-any"}')
                if up and up[0]["value"][1] == "1" and res:
                    got = float(res[0]["value"][1])
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert got == expected, (got, expected, (tmp_path / "prometheus.log").read_text()[-2000:])
        assert query('camfence_devices{class="prohibited",vendor="hikvision"}')[0]["value"][1] == "1"
    finally:
        p.terminate()
        p.wait(timeout=30)
        log.close()


def test_reload_changes_drop_to_forward_without_restart(daemon):
    pid = daemon.proc.pid
    daemon.policy.write_text(policy_text(prohibited_action="forward"))
    rc, reply = daemon.ctl("reload")
    assert reply["ok"] and reply["generation"] == 2
    assert ping(CAMS["hik"]["ns"], CORE["ip"])
    assert tcp(CAMS["hik"]["ns"], CORE["ip"])
    assert daemon.proc.pid == pid and daemon.proc.poll() is None
    m = daemon.metrics()
    assert m['camfence_policy_reloads_total{result="ok"}'] == 1
    assert m["camfence_policy_generation"] == 2


def test_rejected_reload_keeps_the_running_policy(daemon):
    good = daemon.policy.read_text()
    daemon.policy.write_text(good.replace("action: forward}", "action: allow}"))
    rc, reply = daemon.ctl("reload", check=False)
    assert rc == 1 and reply["ok"] is False
    assert any(re.match(r".*policy\.yaml:\d+:\d+: ", e) for e in reply["errors"]), reply
    assert ping(CAMS["hik"]["ns"], CORE["ip"])  # generation 2 (forward) still in force
    m = daemon.metrics()
    assert m['camfence_policy_reloads_total{result="failed"}'] == 1
    assert m["camfence_policy_generation"] == 2
    # SIGHUP reloads too: back to dropping.
    daemon.policy.write_text(policy_text())
    daemon.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while time.time() < deadline and daemon.metrics()["camfence_policy_generation"] != 3:
        time.sleep(0.2)
    assert daemon.metrics()["camfence_policy_generation"] == 3
    assert not ping(CAMS["hik"]["ns"], CORE["ip"])
    events = [json.loads(l) for l in (daemon.state / "events.jsonl").read_text().splitlines()]
    reloads = [e for e in events if e["event"] == "reload"]
    assert [e["result"] for e in reloads][-3:] == ["ok", "failed", "ok"]
    assert reloads[-2]["errors"]


def test_reload_under_traffic_accounts_for_every_frame(daemon, tmp_path):
    """UDP streams through the appliance while the policy is reloaded 20 times, alternating
    drop and quarantine for the prohibited cameras: every frame received on the camera port
    is forwarded, quarantined or dropped by policy, and the Axis stream arrives whole."""
    a, b = policy_text("drop"), policy_text("quarantine")
    before = daemon.metrics()
    counter = subprocess.Popen(["ip", "netns", "exec", CORE["ns"], PY, str(PROBE), "udp-count",
                                str(UDP_PORT), "--seconds", "8"], stdout=subprocess.PIPE,
                               text=True)
    time.sleep(0.3)
    senders = [subprocess.Popen(["ip", "netns", "exec", CAMS[n]["ns"], PY, str(PROBE),
                                 "udp-send", CORE["ip"], str(UDP_PORT), "--count", "6000",
                                 "--rate", "2000"]) for n in ("hik", "axis", "ezviz")]
    for i in range(20):
        daemon.policy.write_text(b if i % 2 == 0 else a)
        _, reply = daemon.ctl("reload")
        assert reply["ok"]
        time.sleep(0.1)
    for s in senders:
        assert s.wait(timeout=30) == 0
    received = int(counter.communicate(timeout=30)[0])
    time.sleep(0.5)
    after = daemon.metrics()
    rx = delta(before, after, 'camfence_port_rx_packets_total{port="cam0"}')
    tx = delta(before, after, 'camfence_port_tx_packets_total{port="core0"}')
    dropped = sum(delta(before, after, k) for k in after if k.startswith('camfence_frames_total{action="drop"'))
    quarantined = sum(delta(before, after, k) for k in after if k.startswith('camfence_frames_total{action="quarantine"'))
    print(f"reload under traffic: rx {rx:.0f} tx {tx:.0f} dropped {dropped:.0f} "
          f"quarantined {quarantined:.0f} axis received {received}")
    assert rx == 18000
    assert rx == tx + dropped
    assert received == 6000  # the clear camera's stream is never touched by a reload
    assert quarantined > 0 and dropped > 0  # both policies were in force at some point
    assert delta(before, after, 'camfence_port_rx_missed_total{port="cam0"}') == 0
    assert after["camfence_tx_failed_total"] == before.get("camfence_tx_failed_total", 0)
    daemon.policy.write_text(a)
    daemon.ctl("reload")


def test_kill9_restart_restores_inventory_and_verdicts(daemon):
    before = daemon.devices()
    daemon.kill9()
    daemon.start()
    after = daemon.devices()  # before any new traffic
    assert set(after) == set(before)
    for mac, d in before.items():
        assert after[mac]["verdict"] == d["verdict"], mac
        assert after[mac]["sticky"] == d["sticky"], mac
        assert after[mac]["first_seen"] == d["first_seen"], mac
    assert not ping(CAMS["hik"]["ns"], CORE["ip"])
    assert ping(CAMS["axis"]["ns"], CORE["ip"])


def test_sticky_verdict_outlives_the_policy_until_cleared(daemon):
    # The site stops prohibiting Hikvision: the camera already judged prohibited stays so.
    daemon.policy.write_text(policy_text(prohibited="dahua"))
    _, reply = daemon.ctl("reload")
    assert reply["ok"]
    d = daemon.devices()[CAMS["hik"]["mac"]]
    assert d["verdict"] == "prohibited" and d["policy_class"] == "clear" and d["sticky"]
    assert not ping(CAMS["hik"]["ns"], CORE["ip"])
    rc, reply = daemon.ctl("clear", CAMS["hik"]["mac"])
    assert reply["ok"] and reply["changes"][0]["to"] == "clear"
    assert ping(CAMS["hik"]["ns"], CORE["ip"])
    assert daemon.devices()[CAMS["hik"]["mac"]]["sticky"] is False
    rc, reply = daemon.ctl("clear", "00:11:22:33:44:55", check=False)
    assert rc == 1 and "no device" in reply["error"]
    daemon.policy.write_text(policy_text())
    daemon.ctl("reload")


def test_start_up_errors_are_clear_and_leave_nothing(daemon, tmp_path):
    # Busy socket: a second appliance on the same config refuses before touching a port.
    other = Daemon(tmp_path)
    other.policy.write_text(policy_text())
    other.write_config()
    other.config.write_text(other.config.read_text().replace(str(other.socket), str(daemon.socket)))
    other.start(expect_ready=False)
    assert other.wait_exit() == 1
    assert "in use" in other.output()
    assert daemon.ctl("status")[1]["ok"]  # the running one is untouched
    # Unknown port device: named in the error, no socket left behind.
    d2 = Daemon(tmp_path / "d2")
    d2.dir.mkdir()
    d2.policy.write_text(policy_text())
    d2.write_config(cam_device="net_af_packet7,iface=cfnosuch,qdisc_bypass=0")
    d2.config.write_text(d2.config.read_text().replace(f":{METRICS_PORT}", ":19799"))
    d2.start(expect_ready=False)
    assert d2.wait_exit() == 1
    assert "cam0" in d2.output() and "cfnosuch" in d2.output()
    assert not d2.socket.exists()
    other.stop()
    d2.stop()
    # No free hugepages: the kernel's count, as camfenced reads it, is 0 in a private mount
    # namespace. One clear line, exit 1, no socket, no metrics port left behind.
    d3 = Daemon(tmp_path / "d3")
    d3.dir.mkdir()
    d3.policy.write_text(policy_text())
    d3.write_config()
    d3.config.write_text(d3.config.read_text().replace(f":{METRICS_PORT}", ":19798"))
    zero = d3.dir / "free_hugepages"
    zero.write_text("0\n")
    free = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
    r = sh("unshare", "--mount", "--propagation", "private", "sh", "-c",
           f'mount --bind "{zero}" {free} && exec "{CAMFENCED}" --config "{d3.config}"',
           check=False)
    assert r.returncode == 1, r
    assert "no free 2 MiB hugepages" in r.stderr and "--no-huge" in r.stderr, r.stderr
    assert not d3.socket.exists()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", 19798)) != 0
    assert daemon.ctl("status")[1]["ok"]


def test_broken_policy_at_start_enforces_the_last_good_one(daemon):
    daemon.stop()
    daemon.policy.write_text("version: 1\nsite: {name: x}\nbogus: true\n")
    daemon.start()
    _, st = daemon.ctl("status")
    assert st["policy"]["source"] == "last-good"
    assert "WARNING: enforcing the last good policy" in daemon.output()
    assert daemon.metrics()["camfence_policy_fallback"] == 1
    assert not ping(CAMS["hik"]["ns"], CORE["ip"])
    assert ping(CAMS["axis"]["ns"], CORE["ip"])
    daemon.policy.write_text(policy_text())
    _, reply = daemon.ctl("reload")
    assert reply["ok"]
    assert daemon.ctl("status")[1]["policy"]["source"] == "configured"


def test_watchdog_is_fed_while_workers_progress(daemon):
    daemon.stop()
    daemon.start(watchdog_usec=2_000_000)
    msgs = daemon.notifications(timeout=4)
    assert sum("WATCHDOG=1" in m for m in msgs) >= 2, msgs


def test_two_workers_with_rss_give_the_same_verdicts(daemon):
    """The same traffic with one worker and with two (af_packet fanout spreads flows over
    two queues): the same per-rule counts and the same device verdicts."""
    n = 200
    before1, after1, received1 = traffic_round(daemon, n)
    verdicts1 = {m: d["verdict"] for m, d in daemon.devices().items()}
    daemon.stop()
    shutil.rmtree(daemon.state)  # a fresh inventory: verdicts are found anew
    daemon.write_config(workers=2)
    daemon.start()
    _, st = daemon.ctl("status")
    assert len(st["workers"]) == 2
    # Several flows (one per camera, TCP and UDP), so the fanout hash uses both queues.
    for c in CAMS.values():
        ping(c["ns"], CORE["ip"])
        tcp(c["ns"], CORE["ip"])
    before2, after2, received2 = traffic_round(daemon, n)
    verdicts2 = {m: d["verdict"] for m, d in daemon.devices().items()}
    assert verdicts2 == verdicts1
    assert received2 == received1 == n
    for k in after1:
        if k.startswith("camfence_frames_total"):
            assert delta(before2, after2, k) == delta(before1, after1, k), k
    _, st = daemon.ctl("status")
    cam = st["ports"][0]["rx_queue_packets"]
    assert len(cam) == 2 and all(q > 0 for q in cam), cam


DHIP_REPLY = r'''
import json, socket, struct
body = json.dumps({"method": "client.notifyDevInfo", "params": {"deviceInfo": {
    "DeviceType": "IPC-HFW2431S-S-S2", "DeviceClass": "IPC", "SerialNo": "7J0ABCD123456",
    "Version": "2.800.0000000.25.R", "mac": "ac:cc:8e:00:00:13"}}}).encode()
header = struct.pack("<I4sIIIIII", 32, b"DHIP", 0, 0, len(body), 0, len(body), 0)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(header + body, ("10.77.0.10", 37810))
'''


def test_a_white_label_camera_is_blocked_once_it_announces_itself(daemon):
    """The "Axis" camera (Axis OUI) passes until it answers a Dahua DHIP discovery: then it
    is a Dahua camera under another brand's MAC, prohibited and blocked, and the inventory
    says why. Last in the file: the verdict is sticky."""
    axis = CAMS["axis"]
    assert ping(axis["ns"], CORE["ip"])
    before = daemon.metrics()
    t0 = time.time()
    in_ns(axis["ns"], PY, "-c", DHIP_REPLY)
    verdict, deadline = None, time.time() + 10
    while time.time() < deadline:
        verdict = daemon.devices()[axis["mac"]]["verdict"]
        if verdict == "prohibited":
            break
        time.sleep(0.05)
    print(f"white-label camera: prohibited {time.time() - t0:.2f} s after its DHIP reply "
          "(including the control socket round trips of this poll)")
    assert verdict == "prohibited"
    assert not ping(axis["ns"], CORE["ip"])
    assert not tcp(axis["ns"], CORE["ip"])
    d = daemon.devices()[axis["mac"]]
    assert d["white_label_suspect"] is True and d["protocol_vendor"] == "dahua"
    assert d["model"] == "IPC-HFW2431S-S-S2" and d["serial"] == "7J0ABCD123456"
    assert d["firmware"] == "2.800.0000000.25.R"
    assert any(e["signal"] == "dhip" and e["value"] == "method=client.notifyDevInfo"
               for e in d["evidence"])
    table = sh(CAMFENCECTL, "--socket", daemon.socket, "devices").stdout
    assert "dhip: method=client.notifyDevInfo" in table, table
    after = daemon.metrics()
    assert after["camfence_white_label_suspects"] == 1
    assert delta(before, after, 'camfence_fingerprint_frames_total{result="punted"}') >= 1
    events = [json.loads(l) for l in (daemon.state / "events.jsonl").read_text().splitlines()]
    assert any(e["event"] == "white_label_suspect" and e["mac"] == axis["mac"] for e in events)


# --------------------------------------------------------------------------------------
# The shipped Grafana dashboard and Prometheus alert rules against a real Prometheus that
# scrapes this camfenced with the shipped scrape example. Last: it changes the policy.

ALERTS = ROOT / "config" / "prometheus" / "alerts.yml"
SCRAPE = ROOT / "config" / "prometheus" / "scrape.yml"
DASHBOARD = ROOT / "config" / "grafana" / "camfence.json"
EXCEPTED_MAC = "44:47:cc:00:00:99"  # a Hikvision MAC no lab host uses


class Prometheus:
    def __init__(self, workdir, port=19091):
        self.dir, self.port = Path(workdir), port
        prom = shutil.which("prometheus")
        assert prom, "prometheus missing (Debian package prometheus): scripts/deps.sh installs it"
        # The shipped example, pointed at this daemon, the repo's rules and a 1 s cadence.
        cfg = (SCRAPE.read_text()
               .replace("scrape_interval: 15s", "scrape_interval: 1s")
               .replace("evaluation_interval: 15s", "evaluation_interval: 1s")
               .replace("127.0.0.1:9720", f"127.0.0.1:{METRICS_PORT}")
               .replace("site: whitehall-3", "site: camfence-e2e")
               .replace("/usr/share/camfence/prometheus/alerts.yml", str(ALERTS)))
        assert "camfence-e2e" in cfg and str(ALERTS) in cfg and "1s" in cfg
        (self.dir / "prometheus.yml").write_text(cfg)
        self.log = open(self.dir / "prometheus.log", "w")
        self.proc = subprocess.Popen(
            [prom, f"--config.file={self.dir / 'prometheus.yml'}",
             f"--storage.tsdb.path={self.dir / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=self.log, stderr=subprocess.STDOUT)

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=5) as r:
            reply = json.load(r)
        assert reply["status"] == "success", reply
        return reply["data"]

    def query(self, q):
        return self.api("query", query=q)["result"]

    def wait(self, what, predicate, timeout=60):
        deadline, last = time.time() + timeout, None
        while time.time() < deadline:
            try:
                last = predicate()
                if last:
                    return last
            except OSError as e:  # not listening yet
                last = e
            time.sleep(0.5)
        raise AssertionError(f"{what}: {last}\n{self.output()[-3000:]}")

    def output(self):
        return (self.dir / "prometheus.log").read_text()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def dashboard_queries():
    """Every PromQL expression of the dashboard, with Grafana's variables filled in as an
    "All" selection and a 30 s rate window would."""
    d = json.loads(DASHBOARD.read_text())
    for p in d["panels"]:
        for t in p.get("targets", []):
            expr = (t["expr"].replace("$__rate_interval", "30s").replace("$__range", "10m")
                    .replace("$site", ".*").replace("$instance", ".*"))
            yield p["title"], expr


def test_dashboard_and_alerts_against_a_real_prometheus(daemon, tmp_path):
    hik = CAMS["hik"]
    until = (datetime.date.today() + datetime.timedelta(days=7)).isoformat()
    exception = (f'exceptions:\n  - {{mac: "{EXCEPTED_MAC}", until: {until}, '
                 'reason: "e2e pending removal"}\n')
    daemon.policy.write_text(policy_text() + exception)
    assert daemon.ctl("reload")[1]["ok"]
    prom = Prometheus(tmp_path)
    try:
        prom.wait("camfenced scraped", lambda: [r for r in prom.query('up{job="camfence"}')
                                                if r["value"][1] == "1"])
        # Samples enough for rate() over 30 s windows to have two points, and a baseline
        # for the increases the alerts look for.
        prom.wait("five scrapes", lambda: len(prom.query(
            'camfence_build_info[30s]')[0]["values"]) >= 5, timeout=30)

        # Events for the alerts to see, while Prometheus watches:
        # - the Hikvision camera stops being prohibited (policy, then clear), and becomes so
        #   again under a policy that forwards prohibited devices: a new prohibited device
        #   and a policy gap toward the core zone;
        daemon.policy.write_text(policy_text(prohibited="dahua"))
        assert daemon.ctl("reload")[1]["ok"]
        assert daemon.ctl("clear", hik["mac"])[1]["ok"]
        daemon.policy.write_text(policy_text(prohibited_action="forward") + exception)
        assert daemon.ctl("reload")[1]["ok"]
        assert daemon.devices()[hik["mac"]]["verdict"] == "prohibited"
        assert ping(hik["ns"], CORE["ip"], count=3)  # forwarded: the gap
        m = daemon.metrics()
        assert m['camfence_prohibited_forwarded_frames_total{zone="core"}'] >= 3
        # One series per zone of the policy and the two special ones, no more.
        assert sorted(re.findall(r'camfence_prohibited_forwarded_frames_total\{zone="([^"]*)"\}',
                                 daemon.scrape())) == ["(outside)", "(unreadable)", "core"]
        # - a rejected reload, whose broken file then waits unreloaded.
        daemon.policy.write_text(policy_text().replace("action: drop}", "action: allow}"))
        assert daemon.ctl("reload", check=False)[0] == 1

        def alerts():
            return {(a["labels"]["alertname"], a["state"]): a["labels"]
                    for a in prom.api("alerts")["alerts"]}

        want = {("CamfenceProhibitedDeviceAppeared", "firing"): {"vendor": "hikvision"},
                ("CamfenceProhibitedTrafficForwarded", "firing"): {"zone": "core"},
                ("CamfencePolicyReloadFailed", "firing"): {},
                ("CamfenceExceptionExpiringSoon", "firing"): {"mac": EXCEPTED_MAC,
                                                              "reason": "e2e pending removal"},
                # `for: 10m`: pending, which shows the file-newer-than-load comparison works.
                ("CamfencePolicyNotReloaded", "pending"): {}}
        got = prom.wait("the alerts", lambda: (lambda a: a if set(want) <= set(a) else None)(
            alerts()), timeout=60)
        for key, labels in want.items():
            assert got[key]["site"] == "camfence-e2e", got[key]
            for k, v in labels.items():
                assert got[key][k] == v, (key, got[key])
        # Nothing else fires: the exporter is up, no port misses, the table is nearly empty.
        quiet = {"CamfenceExporterDown", "CamfenceExporterAbsent", "CamfenceRxMissed",
                 "CamfenceDeviceTableNearlyFull", "CamfencePolicyFallback",
                 "CamfenceFingerprintShedding"}
        assert not quiet & {name for name, _ in got}, got

        # Every alert rule was evaluated by the server without error, and every expression
        # also evaluates on its own through the query API.
        rules = [r for g in prom.api("rules")["groups"] for r in g["rules"]]
        shipped = re.findall(r"^\s+- alert: (\w+)", ALERTS.read_text(), re.M)
        assert sorted(r["name"] for r in rules) == sorted(shipped)
        for r in rules:
            assert r["health"] == "ok" and not r.get("lastError"), r
            prom.api("query", query=r["query"])

        # Every dashboard query returns at least one series.
        empty = [(title, expr) for title, expr in dashboard_queries() if not prom.query(expr)]
        assert not empty, empty
        assert len(list(dashboard_queries())) >= 20
        # The variables' label_values() find this site and instance.
        assert "camfence-e2e" in prom.api("label/site/values", **{"match[]": "camfence_build_info"})
        assert f"127.0.0.1:{METRICS_PORT}" in prom.api(
            "label/instance/values", **{"match[]": 'camfence_build_info{site=~".*"}'})
        # A few panels, by value: the white-label "Axis" camera counts under Dahua.
        vendors = {r["metric"].get("vendor", ""): float(r["value"][1]) for r in prom.query(
            'sum by (vendor) (camfence_devices{class="prohibited"})')}
        assert vendors.get("hikvision") == 1 and vendors.get("dahua") == 1, vendors
    finally:
        prom.stop()
        daemon.policy.write_text(policy_text())
        daemon.ctl("reload", check=False)
