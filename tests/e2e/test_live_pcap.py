"""The live daemon (camfenced --config) on net_pcap ports: every frame checked.

Where the namespace lab shows behaviour with real hosts, this test pins down frame by frame
what leaves each port of the running appliance: an access camera port (native_vlan), a core
port, and a quarantine port that receives quarantined frames unchanged instead of the VLAN
rewrite. The captures are written with scapy; camfenced runs until every input frame is
counted (camfencectl status), then stops on SIGTERM, which flushes the output captures.
"""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from scapy.all import Dot1Q, Ether, IP, UDP, Raw, rdpcap, wrpcap

ROOT = Path(__file__).resolve().parents[2]
CAMFENCED = os.environ.get("CAMFENCED", str(ROOT / "build" / "daemon" / "camfenced"))
CAMFENCECTL = os.environ.get("CAMFENCECTL", str(ROOT / "build" / "daemon" / "camfencectl"))

HIK, AXIS, LAA = "44:47:cc:00:00:11", "ac:cc:8e:00:00:13", "02:cf:00:00:00:14"
NVR = "00:16:3e:c0:7e:01"
CAM_IP, NVR_IP = "10.77.1.11", "10.77.0.10"

POLICY = f"""version: 1
site: {{name: live-pcap, sensitive: true}}
catalog: {ROOT / "config" / "vendors.yaml"}
prohibited: [hikvision]
camera_vlans: [100, 200]
quarantine_vlan: 999
zones:
  core: [10.77.0.0/24]
rules:
  - {{name: prohibited-quarantine, device: prohibited, action: quarantine}}
  - {{name: unregistered-drop, device: unregistered, action: drop}}
default_action: forward
"""


def frame(src, dst, label, vlan=None, src_ip=CAM_IP, dst_ip=NVR_IP):
    eth = Ether(src=src, dst=dst)
    l3 = IP(src=src_ip, dst=dst_ip) / UDP(sport=4000, dport=5000) / Raw(label.encode().ljust(24, b"."))
    return eth / Dot1Q(vlan=vlan) / l3 if vlan is not None else eth / l3


# Camera side (access port, native VLAN 100), upstream.
CAM_IN = [
    ("axis-untagged", frame(AXIS, NVR, "axis-untagged"), "core"),
    ("hik-untagged", frame(HIK, NVR, "hik-untagged"), "quarantine"),
    # A device tagging its own frames (any VLAN) stays on the access VLAN.
    ("hik-tag5", frame(HIK, NVR, "hik-tag5", vlan=5), "quarantine"),
    ("laa-untagged", frame(LAA, NVR, "laa-untagged"), None),
    ("axis-vlan200", frame(AXIS, NVR, "axis-vlan200", vlan=200), "core"),
    ("hik-vlan200", frame(HIK, NVR, "hik-vlan200", vlan=200), "quarantine"),
]
# Core side (native VLAN 100 too), downstream: the device is the destination.
CORE_IN = [
    ("to-axis", frame(NVR, AXIS, "to-axis", src_ip=NVR_IP, dst_ip=CAM_IP), "camera"),
    ("to-hik", frame(NVR, HIK, "to-hik", src_ip=NVR_IP, dst_ip=CAM_IP), "quarantine"),
    ("to-laa", frame(NVR, LAA, "to-laa", src_ip=NVR_IP, dst_ip=CAM_IP), None),
]


def labels(path):
    out = []
    for p in rdpcap(str(path)):
        raw = bytes(p[Raw].load) if Raw in p else b""
        out.append((raw.rstrip(b".").decode(errors="replace"), bytes(p)))
    return out


def run_daemon(d, cam_in, core_in, device_capacity=65536):
    """camfenced --config on net_pcap ports until every input frame is counted; returns the
    last status and devices replies. SIGTERM then flushes the output captures."""
    wrpcap(str(d / "cam_in.pcap"), cam_in)
    wrpcap(str(d / "core_in.pcap"), core_in)
    wrpcap(str(d / "empty.pcap"), [])
    (d / "policy.yaml").write_text(POLICY)
    huge = Path("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages")
    mem = ["--in-memory"] if huge.exists() and int(huge.read_text()) > 64 else ["--no-huge", "-m", "256"]
    eal = mem + ["-l", "0-1", "--no-pci", "--log-level", "pmd:error", "--log-level", "lib.eal:error"]
    (d / "camfence.yaml").write_text(f"""dataplane:
  eal_args: {json.dumps(eal)}
  ports:
    - {{name: cam0, device: "net_pcap0,rx_pcap={d}/cam_in.pcap,tx_pcap={d}/cam_out.pcap", side: camera, native_vlan: 100}}
    - {{name: core0, device: "net_pcap1,rx_pcap={d}/core_in.pcap,tx_pcap={d}/core_out.pcap", side: core, native_vlan: 100}}
    - {{name: q0, device: "net_pcap2,rx_pcap={d}/empty.pcap,tx_pcap={d}/quarantine_out.pcap", side: quarantine}}
  workers: 1
  device_capacity: {device_capacity}
control:
  socket: {d}/control.sock
  metrics: "off"
  state_dir: {d}/state
log: {{stdout: false}}
policy: {d}/policy.yaml
""")
    log = open(d / "camfenced.log", "w")
    proc = subprocess.Popen([CAMFENCED, "--config", str(d / "camfence.yaml")], stdout=log,
                            stderr=subprocess.STDOUT)
    total = len(cam_in) + len(core_in)
    status = None
    deadline = time.time() + 30
    while time.time() < deadline and proc.poll() is None:
        r = subprocess.run([CAMFENCECTL, "--socket", str(d / "control.sock"), "--json", "status"],
                           capture_output=True, text=True)
        if r.returncode == 0:
            status = json.loads(r.stdout)
            if sum(status["frames"][a] for a in ("forward", "drop", "quarantine")) >= total:
                break
        time.sleep(0.2)
    time.sleep(0.3)  # the control plane takes the last device reports
    devices = json.loads(subprocess.run(
        [CAMFENCECTL, "--socket", str(d / "control.sock"), "--json", "devices"],
        capture_output=True, text=True).stdout or "{}")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, (d / "camfenced.log").read_text()
    log.close()
    return status, devices


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("live-pcap")
    status, devices = run_daemon(d, [f for _, f, _ in CAM_IN], [f for _, f, _ in CORE_IN])
    return d, status, devices


def test_every_frame_leaves_by_the_right_port(run):
    d, status, _ = run
    assert status is not None, (d / "camfenced.log").read_text()
    out = {"core": labels(d / "core_out.pcap"), "camera": labels(d / "cam_out.pcap"),
           "quarantine": labels(d / "quarantine_out.pcap")}
    for name, sent, where in CAM_IN + CORE_IN:
        found = [port for port, frames in out.items() for label, _ in frames if label == name]
        assert found == ([where] if where else []), (name, found)
    assert status["frames"] == {"forward": 3, "drop": 2, "quarantine": 4, "anomalies": 0,
                                "tx_failed": 0, "quarantine_no_room": 0}


def test_frames_are_unchanged_except_by_quarantine(run):
    d, _, _ = run
    sent = {name: bytes(f) for name, f, _ in CAM_IN + CORE_IN}
    # Forwarded frames, and frames sent to the quarantine port, are not rewritten: an
    # access port's untagged frames stay untagged, a tag stays as it was.
    for path in ("core_out.pcap", "cam_out.pcap", "quarantine_out.pcap"):
        for label, raw in labels(d / path):
            assert raw == sent[label], (path, label)


def test_inventory_keys_devices_by_the_access_vlan(run):
    _, _, devices = run
    seen = {(x["mac"], x["vlan"]): x["verdict"] for x in devices["devices"]}
    # On an access port every frame is on the port's VLAN: the tags a device adds itself (a
    # non-camera VLAN 5, another camera VLAN 200) do not move it.
    assert seen == {(HIK, 100): "prohibited", (AXIS, 100): "clear", (LAA, 100): "unregistered"}


def test_a_full_inventory_still_enforces_and_says_so(tmp_path):
    # 24 Hikvision cameras, room for 16 in the inventory: every frame is still quarantined
    # by the policy; 8 devices are refused, counted and reported once in the event log.
    cams = ["44:47:cc:00:01:%02x" % i for i in range(24)]
    status, devices = run_daemon(tmp_path, [frame(m, NVR, "hik-%d" % i) for i, m in enumerate(cams)],
                                 [], device_capacity=16)
    assert status["frames"]["quarantine"] == 24
    assert len(labels(tmp_path / "quarantine_out.pcap")) == 24
    assert len(devices["devices"]) == 16 and devices["refused"] >= 8
    events = [json.loads(l) for l in (tmp_path / "state" / "events.jsonl").read_text().splitlines()]
    full = [e for e in events if e["event"] == "inventory_full"]
    assert len(full) == 1 and full[0]["capacity"] == 16


def test_a_flood_of_fingerprint_frames_is_shed_not_queued(tmp_path):
    """500 DNS queries from one camera in one burst: the fast path forwards every one, the
    fingerprint copies stop at the per-device limit (20 a second) and the rest are counted
    as shed; the device's evidence still arrives from the copies that were made."""
    from scapy.all import DNS, DNSQR
    flood = [Ether(src=AXIS, dst=NVR) / IP(src=CAM_IP, dst="198.51.100.53") /
             UDP(sport=40000 + i, dport=53) / DNS(id=i, qd=DNSQR(qname="www.example.com"))
             for i in range(500)]
    status, devices = run_daemon(tmp_path, flood, [])
    assert status["frames"]["forward"] == 500
    fp = status["fingerprint"]
    assert fp["punted"] + fp["shed"] + fp["failed"] == 500, fp
    assert 1 <= fp["punted"] <= 60, fp  # 20 a second; the burst may straddle a second or two
    assert fp["shed"] >= 440, fp
    assert len(labels(tmp_path / "core_out.pcap")) == 500
