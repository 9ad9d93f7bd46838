"""End-to-end tests of the offline audit: `camfenced --audit` over scapy-built captures.

One folder per case under cases/ (suricata-verify style): policy.yaml, and expect.json with
one row per input frame (label, action, rule, and for quarantined frames the VLAN stack it
must leave with) plus the devices the report must list. The captures are written by
tests/fixtures/make_captures.py into a temporary directory at the start of the session.
Adding a regression is adding a folder and a function in make_captures.py.

Run: CAMFENCED=build/daemon/camfenced /usr/bin/python3 -m pytest -q tests/integration
"""
import datetime
import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from scapy.utils import RawPcapReader

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CASES_DIR = HERE / "cases"
MAKE_CAPTURES = REPO / "tests" / "fixtures" / "make_captures.py"
CAMFENCED = os.environ.get("CAMFENCED", str(Path(__file__).resolve().parents[2] / "build" / "daemon" / "camfenced"))

ACTIONS = ("forward", "drop", "quarantine")
TPIDS = (0x8100, 0x88A8, 0x9100)
MAX_TAGS = 4
DEFAULT_AT = "2026-06-01"  # every run is judged at a fixed date: exceptions expire
MALFORMED, NON_CAMERA = "(malformed)", "(non-camera-vlan)"  # slots outside the rules list

CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "policy.yaml").is_file())


# --- session setup -----------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def hugepages():
    """As root, reserve 2 MiB hugepages and mount hugetlbfs (a fresh CI machine has neither).

    Not root, or not allowed: camfenced falls back to --no-huge by itself, so only warn.
    """
    if os.geteuid() != 0:
        return
    nr = Path("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")
    try:
        if nr.exists() and int(nr.read_text()) < 512:
            nr.write_text("512\n")
        if subprocess.run(["mountpoint", "-q", "/dev/hugepages"]).returncode != 0:
            os.makedirs("/dev/hugepages", exist_ok=True)
            subprocess.run(["mount", "-t", "hugetlbfs", "nodev", "/dev/hugepages"],
                           check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        warnings.warn(f"hugepages not set up ({e}); camfenced will run with --no-huge")


@pytest.fixture(scope="session")
def camfenced():
    path = Path(CAMFENCED)
    assert path.is_file() and os.access(path, os.X_OK), \
        f"camfenced not found at {path}: build it, or set CAMFENCED"
    return path


@pytest.fixture(scope="session")
def captures(tmp_path_factory):
    out = tmp_path_factory.mktemp("captures")
    subprocess.run([sys.executable, str(MAKE_CAPTURES), str(out)], check=True)
    return out


def read_pcap(path):
    """Frames of a capture as bytes, asserting none was cut by the snap length."""
    frames = []
    for data, meta in RawPcapReader(str(path)):
        assert meta.caplen == meta.wirelen, f"{path}: a frame was truncated by the snaplen"
        frames.append(bytes(data))
    return frames


@dataclass
class Audit:
    case: str
    policy: Path
    quarantine_vlan: int
    expect: dict
    labels: list
    inputs: list  # frames of the input capture, bytes
    rc: int
    stdout: str
    stderr: str
    report: dict = None
    outputs: dict = field(default_factory=dict)  # action -> [bytes]


@pytest.fixture(scope="session")
def audits(camfenced, captures, tmp_path_factory):
    """Runs each case's audit once, on first use."""
    done = {}

    def run(case):
        if case in done:
            return done[case]
        folder = CASES_DIR / case
        expect = json.loads((folder / "expect.json").read_text())
        pcap = captures / f"{case}.pcap"
        out = tmp_path_factory.mktemp(case)
        report_path = out / "report.json"
        proc = subprocess.run(
            [str(camfenced), "--policy", str(folder / "policy.yaml"), "--audit", str(pcap),
             "--report", str(report_path), "--pcap-out", str(out / "pcaps"),
             "--at", expect.get("at", DEFAULT_AT), "--quiet"],
            capture_output=True, text=True, timeout=60)
        qvid = int(re.search(r"^quarantine_vlan: *(\d+)", (folder / "policy.yaml").read_text(),
                             re.M).group(1))
        a = Audit(case, folder / "policy.yaml", qvid, expect,
                  json.loads((captures / f"{case}.frames.json").read_text()),
                  read_pcap(pcap), proc.returncode, proc.stdout, proc.stderr)
        if proc.returncode == 0:
            a.report = json.loads(report_path.read_text())
            a.outputs = {act: read_pcap(out / "pcaps" / f"{act}.pcap") for act in ACTIONS}
        done[case] = a
        return a

    return run


@pytest.fixture(params=CASES)
def audit(request, audits):
    a = audits(request.param)
    assert a.rc == 0, f"camfenced exited {a.rc}\nstderr:\n{a.stderr}"
    return a


# --- what a frame must look like on the way out ------------------------------------------


def vlan_tags(frame):
    """(offset, tpid, tci) of each VLAN tag, outermost first, as the appliance reads them:
    a tag counts only if the ethertype after it is in the frame too."""
    tags, off = [], 12
    while len(tags) < MAX_TAGS and off + 6 <= len(frame):
        tpid, tci = struct.unpack_from(">HH", frame, off)
        if tpid not in TPIDS:
            break
        tags.append((off, tpid, tci))
        off += 4
    return tags


def quarantined(frame, vid, tag=None):
    """The frame as quarantine must emit it: the segment tag (the inner one of a QinQ
    stack, the only one otherwise; or `tag` when the frame was admitted on another camera
    VLAN tag) gets VID `vid` with PCP and DEI kept; an untagged frame gets an 802.1Q tag
    (PCP 0) after the MAC addresses. Every other byte is unchanged."""
    tags = vlan_tags(frame)
    if not tags:
        return frame[:12] + struct.pack(">HH", 0x8100, vid) + frame[12:]
    if tag is None:
        tag = 1 if len(tags) >= 2 else 0
    off, _, tci = tags[tag]
    return frame[:off + 2] + struct.pack(">H", (tci & 0xF000) | vid) + frame[off + 4:]


def expected_output(a, i):
    row = a.expect["frames"][i]
    frame = a.inputs[i]
    if row["action"] != "quarantine":
        return frame
    return quarantined(frame, a.quarantine_vlan, row.get("rewrite_tag"))


# --- the checks, for every case ----------------------------------------------------------


def test_every_case_has_a_capture(captures):
    written = sorted(p.name[:-len(".pcap")] for p in captures.glob("*.pcap"))
    assert written == CASES, "make_captures.py and cases/ disagree on the set of cases"


def test_capture_and_expectations_agree(audit):
    """expect.json names the frames make_captures.py wrote, in the same order."""
    assert [r["what"] for r in audit.expect["frames"]] == audit.labels
    assert len(audit.inputs) == len(audit.labels)


def test_run_is_quiet_and_clean(audit):
    assert audit.stdout == ""
    assert audit.stderr == ""
    assert audit.report["warnings"] == []


def test_report_names_policy_and_input(audit, captures):
    p = audit.report["policy"]
    assert p["path"] == str(audit.policy)
    assert p["sha256"] == hashlib.sha256(audit.policy.read_bytes()).hexdigest()
    assert p["site"] == f"integ-{audit.case}"
    assert Path(p["catalog"]) == REPO / "config" / "vendors.yaml"
    assert (Path(p["oui_registry"]) / "oui.csv").is_file()
    day = audit.expect.get("at", DEFAULT_AT)
    days = (datetime.date.fromisoformat(day) - datetime.date(1970, 1, 1)).days
    assert p["evaluated_at"] == days * 86400
    assert audit.report["input"] == {"path": str(captures / f"{audit.case}.pcap"),
                                      "frames": len(audit.inputs), "truncated": False}


def test_totals(audit):
    rows = audit.expect["frames"]
    by_action = Counter(r["action"] for r in rows if r["rule"] != MALFORMED)
    want = {
        "forward": by_action["forward"],
        "drop": by_action["drop"],
        "quarantine": by_action["quarantine"],
        "malformed": sum(r["rule"] == MALFORMED for r in rows),
        "non_camera": sum(r["rule"] == NON_CAMERA for r in rows),
        **audit.expect["totals"],
    }
    t = audit.report["totals"]
    assert t == want
    assert sum(t[k] for k in ("forward", "drop", "quarantine", "malformed")) == len(rows)


def test_rules(audit):
    """Each rule's frames, and its bytes as emitted (a quarantine tag insert adds 4)."""
    rows = audit.expect["frames"]
    frames, nbytes, action = Counter(), Counter(), {}
    for i, r in enumerate(rows):
        frames[r["rule"]] += 1
        nbytes[r["rule"]] += len(expected_output(audit, i))
        action.setdefault(r["rule"], r["action"])
        assert action[r["rule"]] == r["action"], f"expect.json: rule {r['rule']} has two actions"
    reported = audit.report["rules"]
    assert [x["name"] for x in reported][-1] == "(default)"
    unknown = set(frames) - {x["name"] for x in reported} - {MALFORMED, NON_CAMERA}
    assert not unknown, f"expect.json names rules the report lacks: {unknown}"
    for x in reported:
        assert (x["frames"], x["bytes"]) == (frames[x["name"]], nbytes[x["name"]]), x["name"]
        if x["name"] in action:
            assert x["action"] == action[x["name"]], x["name"]


def normalized(device):
    return {**device, "ips": sorted(device["ips"])}


def test_devices(audit):
    got = {(d["mac"], d["vlan"]): normalized(d) for d in audit.report["devices"]}
    want = {(d["mac"], d["vlan"]): normalized(d) for d in audit.expect["devices"]}
    assert sorted(got) == sorted(want), "devices listed"
    assert len(got) == len(audit.report["devices"]), "a (mac, vlan) listed twice"
    for key in want:
        assert got[key] == want[key], f"device {key}"


def test_policy_gaps(audit):
    """Frames of prohibited devices that the policy forwarded, by the peer's zone: none unless
    the case says so."""
    assert audit.report["policy_gaps"] == audit.expect.get("policy_gaps", [])


def test_exceptions(audit):
    assert audit.report["exceptions"] == audit.expect.get("exceptions", [])


@pytest.mark.parametrize("action", ACTIONS)
def test_output_capture(audit, action):
    """The action's capture holds exactly the frames the expectations send there, in input
    order: forwarded and dropped ones byte-identical, quarantined ones rewritten only in
    the segment VLAN."""
    rows = audit.expect["frames"]
    expected = [expected_output(audit, i) for i in range(len(rows))]
    want = [i + 1 for i, r in enumerate(rows) if r["action"] == action]
    got = audit.outputs[action]
    # Name each emitted frame by the input frame it is the expected output of (0: none).
    unused = list(range(len(expected)))
    named = []
    for out in got:
        n = next((i for i in unused if expected[i] == out), None)
        named.append(0 if n is None else n + 1)
        if n is not None:
            unused.remove(n)
    held = f"{action}.pcap holds input frames {named} (0: no match), expected {want}"
    assert len(got) == len(want), held
    for pos, (n, out) in enumerate(zip(want, got), 1):
        assert out.hex() == expected[n - 1].hex(), \
            f"{action}.pcap frame {pos} should be input frame {n} ({audit.labels[n - 1]}); {held}"


def test_quarantine_vlan_stacks(audit):
    """The VLAN stack each quarantined frame leaves with, as written in expect.json."""
    want = [r["vlans_out"] for r in audit.expect["frames"] if r["action"] == "quarantine"]
    got = [[tci & 0x0FFF for _, _, tci in vlan_tags(f)] for f in audit.outputs["quarantine"]]
    assert got == want


# --- the command line --------------------------------------------------------------------


def test_summary_on_stdout_without_quiet(camfenced, captures, tmp_path):
    report = tmp_path / "r.json"
    proc = subprocess.run([str(camfenced), "--policy", str(CASES_DIR / "hikvision" / "policy.yaml"),
                           "--audit", str(captures / "hikvision.pcap"), "--report", str(report),
                           "--at", DEFAULT_AT], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "9 frames: 0 forward, 3 drop, 6 quarantine, 0 malformed" in proc.stdout
    assert "PROHIBITED devices:" in proc.stdout and "44:47:cc:00:00:01 vlan 100" in proc.stdout
    # What happened to the camera's traffic, zone by zone.
    assert "traffic:  core 1 drop, nvr 1 quarantine, no zone 2 quarantine" in proc.stdout
    assert json.loads(report.read_text())["input"]["frames"] == 9


def test_summary_names_the_policy_gaps(camfenced, captures, tmp_path):
    proc = subprocess.run([str(camfenced), "--policy", str(CASES_DIR / "policy-gap" / "policy.yaml"),
                           "--audit", str(captures / "policy-gap.pcap"), "--report",
                           str(tmp_path / "r.json"), "--at", DEFAULT_AT],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "POLICY GAPS: frames of prohibited devices this policy forwards: nvr 3 (outside) 1" \
        in proc.stdout, proc.stdout
    # A policy that closes them has none to name.
    proc = subprocess.run([str(camfenced), "--policy", str(CASES_DIR / "hikvision" / "policy.yaml"),
                           "--audit", str(captures / "policy-gap.pcap"), "--report",
                           str(tmp_path / "r2.json"), "--at", DEFAULT_AT],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "POLICY GAPS" not in proc.stdout
    assert json.loads((tmp_path / "r2.json").read_text())["policy_gaps"] == []


def report_without_paths(path):
    r = json.loads(Path(path).read_text())
    del r["input"]["path"]
    return r


def test_pcapng_capture_audits_the_same(camfenced, captures, audits, tmp_path):
    from scapy.layers.l2 import Ether
    from scapy.utils import RawPcapNgReader, wrpcapng
    frames = read_pcap(captures / "hikvision.pcap")
    ng = tmp_path / "hikvision.pcapng"
    wrpcapng(str(ng), [Ether(f) for f in frames])
    assert [bytes(d) for d, _ in RawPcapNgReader(str(ng))] == frames
    proc = run_cli(camfenced, *audit_args(tmp_path, capture=ng), "--quiet")
    assert proc.returncode == 0, proc.stderr
    pcap_run = audits("hikvision")
    got = report_without_paths(tmp_path / "report.json")
    want = dict(pcap_run.report, input={"frames": pcap_run.report["input"]["frames"],
                                        "truncated": False})
    assert got == want
    for action in ACTIONS:
        assert read_pcap(tmp_path / "pcaps" / f"{action}.pcap") == pcap_run.outputs[action]


def test_without_pcap_out_the_report_is_the_same(camfenced, captures, audits, tmp_path):
    proc = run_cli(camfenced, "--policy", CASES_DIR / "qinq" / "policy.yaml",
                   "--audit", captures / "qinq.pcap", "--report", tmp_path / "report.json",
                   "--at", DEFAULT_AT, "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "report.json").read_text()) == audits("qinq").report
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_empty_capture(camfenced, tmp_path):
    empty = tmp_path / "empty.pcap"
    empty.write_bytes(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    proc = run_cli(camfenced, *audit_args(tmp_path, capture=empty), "--quiet")
    assert proc.returncode == 0, proc.stderr
    r = json.loads((tmp_path / "report.json").read_text())
    assert r["input"]["frames"] == 0
    assert set(r["totals"].values()) == {0}
    assert r["devices"] == []
    assert all(x["frames"] == 0 and x["bytes"] == 0 for x in r["rules"])
    for action in ACTIONS:
        assert read_pcap(tmp_path / "pcaps" / f"{action}.pcap") == []


def test_path_that_dpdk_cannot_take(camfenced, captures, tmp_path):
    odd = tmp_path / "a,b=c.pcap"
    odd.write_bytes((captures / "hikvision.pcap").read_bytes())
    proc = run_cli(camfenced, *audit_args(tmp_path, capture=odd))
    assert proc.returncode == 2
    assert "contains ',' or '='" in proc.stderr
    assert_nothing_written(tmp_path)


def test_capture_with_non_ethernet_link_type(camfenced, captures, tmp_path):
    """A `tcpdump -i any` capture (Linux cooked, link type 113) must be refused, not read as
    Ethernet: its frames would be classified from the wrong bytes."""
    sll = tmp_path / "any.pcap"
    body = (captures / "hikvision.pcap").read_bytes()
    sll.write_bytes(body[:20] + struct.pack("<I", 113) + body[24:])
    proc = run_cli(camfenced, *audit_args(tmp_path, capture=sll))
    assert proc.returncode == 2
    assert str(sll) in proc.stderr
    assert_nothing_written(tmp_path)


def test_truncated_capture_is_reported(camfenced, captures, tmp_path):
    """A capture cut mid-frame (tcpdump killed) must not pass as a complete audit: either
    refused, or audited with a diagnostic naming the capture."""
    whole = (captures / "hikvision.pcap").read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(whole[:len(whole) - 10])
    proc = run_cli(camfenced, *audit_args(tmp_path, capture=cut), "--quiet")
    assert str(cut) in proc.stderr
    assert proc.returncode == 0  # audited up to the cut, and said so
    report_input = json.loads((tmp_path / "report.json").read_text())["input"]
    assert report_input["frames"] == 8 and report_input["truncated"] is True


def run_cli(camfenced, *args):
    return subprocess.run([str(camfenced), *map(str, args)], capture_output=True, text=True,
                          timeout=60)


def audit_args(tmp_path, policy=None, capture=None):
    return ["--policy", policy or CASES_DIR / "hikvision" / "policy.yaml",
            "--audit", capture, "--report", tmp_path / "report.json",
            "--pcap-out", tmp_path / "pcaps", "--at", DEFAULT_AT]


def assert_nothing_written(tmp_path):
    assert not (tmp_path / "report.json").exists()
    assert not list(tmp_path.glob("pcaps/*.pcap"))


def test_missing_capture(camfenced, tmp_path):
    missing = tmp_path / "no-such.pcap"
    proc = run_cli(camfenced, *audit_args(tmp_path, capture=missing))
    assert proc.returncode == 2
    assert f"cannot open {missing}" in proc.stderr
    assert_nothing_written(tmp_path)


def test_capture_that_is_not_a_pcap(camfenced, tmp_path):
    text = tmp_path / "notes.pcap"
    text.write_text("this is not a capture\n")
    proc = run_cli(camfenced, *audit_args(tmp_path, capture=text))
    assert proc.returncode == 2
    assert f"{text} is not a pcap or pcapng capture" in proc.stderr
    assert_nothing_written(tmp_path)


def test_broken_policy(camfenced, captures, tmp_path):
    good = (CASES_DIR / "hikvision" / "policy.yaml").read_text()
    broken = good.replace("catalog: ../../../../config/vendors.yaml",
                          f"catalog: {REPO / 'config' / 'vendors.yaml'}")
    broken = broken.replace("action: drop}", "action: dropp}")
    assert broken.count("action: dropp}") == 1
    policy = tmp_path / "policy.yaml"
    policy.write_text(broken)
    line_no, line = next((n, l) for n, l in enumerate(broken.splitlines(), 1) if "dropp}" in l)
    column = line.index("dropp}") + 1
    proc = run_cli(camfenced, *audit_args(tmp_path, policy=policy,
                                          capture=captures / "hikvision.pcap"))
    assert proc.returncode == 1
    assert f"{policy}:{line_no}:{column}: error: action 'dropp'" in proc.stderr
    assert "nothing was audited" in proc.stderr
    assert_nothing_written(tmp_path)


def test_unknown_argument(camfenced, captures, tmp_path):
    proc = run_cli(camfenced, *audit_args(tmp_path, capture=captures / "hikvision.pcap"),
                   "--frobnicate")
    assert proc.returncode == 2
    assert "unknown argument '--frobnicate'" in proc.stderr
    assert "usage:" in proc.stderr
    assert_nothing_written(tmp_path)


def test_audit_without_report(camfenced, captures, tmp_path):
    proc = run_cli(camfenced, "--policy", CASES_DIR / "hikvision" / "policy.yaml",
                   "--audit", captures / "hikvision.pcap")
    assert proc.returncode == 2
    assert "--audit needs --report" in proc.stderr


def test_bad_at_date(camfenced, captures, tmp_path):
    args = audit_args(tmp_path, capture=captures / "hikvision.pcap")
    args[args.index("--at") + 1] = "2026-02-30"
    proc = run_cli(camfenced, *args)
    assert proc.returncode == 2
    assert "--at '2026-02-30' is not a date" in proc.stderr
    assert_nothing_written(tmp_path)
