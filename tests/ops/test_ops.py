"""The operations files, checked without a running appliance: the alert rules (promtool
check + promtool unit tests, one for every alert, firing and quiet), the scrape config
example, the Grafana dashboard's structure and its provisioning file.

The dashboard's queries and the alert expressions against a real Prometheus scraping a real
camfenced are checked in tests/e2e/test_lab.py (test_dashboard_and_alerts_...).
"""
import json
import re
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "config" / "prometheus" / "alerts.yml"
SCRAPE = ROOT / "config" / "prometheus" / "scrape.yml"
DASHBOARD = ROOT / "config" / "grafana" / "camfence.json"
PROVISIONING = ROOT / "config" / "grafana" / "provisioning.yaml"
TESTS = Path(__file__).resolve().parent / "alerts_test.yml"


def promtool():
    p = shutil.which("promtool")
    assert p, "promtool missing (Debian package prometheus): scripts/deps.sh installs it"
    return p


def run(*args, cwd=None):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def alert_rules():
    doc = yaml.safe_load(ALERTS.read_text())
    return [r for g in doc["groups"] for r in g["rules"] if "alert" in r]


def test_promtool_checks_the_rules():
    r = run(promtool(), "check", "rules", ALERTS)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in r.stdout, r.stdout


def test_promtool_unit_tests_pass():
    r = run(promtool(), "test", "rules", TESTS.name, cwd=TESTS.parent)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout


def test_every_alert_has_a_firing_and_a_quiet_unit_test():
    tests = yaml.safe_load(TESTS.read_text())["tests"]
    firing, quiet = set(), set()
    for t in tests:
        for a in t.get("alert_rule_test", []):
            (firing if a.get("exp_alerts") else quiet).add(a["alertname"])
    names = {r["alert"] for r in alert_rules()}
    assert len(names) >= 10
    assert names - firing == set(), f"alerts without a firing test: {names - firing}"
    assert names - quiet == set(), f"alerts without a quiet test: {names - quiet}"
    assert (firing | quiet) - names == set(), "tests name alerts that do not exist"


def test_every_alert_is_documented_and_labelled():
    for r in alert_rules():
        assert r["labels"]["severity"] in {"critical", "warning", "info"}, r["alert"]
        assert r["annotations"]["summary"] and r["annotations"]["description"], r["alert"]
        # Every camfence metric an alert reads exists in the daemon's exposition.
        for metric in re.findall(r"camfence_[a-z_]+", r["expr"]):
            assert metric in (ROOT / "daemon" / "appliance.cc").read_text(), metric


def test_a_broken_rule_file_is_refused(tmp_path):
    """The check above can fail: promtool refuses a rule with a bad expression."""
    bad = tmp_path / "alerts.yml"
    bad.write_text(ALERTS.read_text().replace("> 0.9", "> > 0.9"))
    r = run(promtool(), "check", "rules", bad)
    assert r.returncode != 0


def test_the_scrape_example_is_a_valid_prometheus_config(tmp_path):
    # promtool check config also checks the rule_files it names: point them at the repo's.
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text(SCRAPE.read_text().replace("/usr/share/camfence/prometheus/alerts.yml",
                                              str(ALERTS)))
    r = run(promtool(), "check", "config", cfg)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = yaml.safe_load(SCRAPE.read_text())
    job = doc["scrape_configs"][0]
    assert job["job_name"] == "camfence"
    assert job["static_configs"][0]["labels"]["site"]


def dashboard():
    return json.loads(DASHBOARD.read_text())


def targets(d):
    for p in d["panels"]:
        for t in p.get("targets", []):
            yield p, t


def test_dashboard_identity_inputs_and_variables():
    d = dashboard()
    assert d["uid"] == "camfence-edge"  # stable: links and provisioning rely on it
    assert [i["pluginId"] for i in d["__inputs"]] == ["prometheus"]
    ds_input = d["__inputs"][0]["name"]
    variables = {v["name"]: v for v in d["templating"]["list"]}
    assert set(variables) >= {"datasource", "site", "instance"}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["current"]["value"] == "${" + ds_input + "}"
    for name in ("site", "instance"):
        assert variables[name]["type"] == "query"
        assert "label_values(" in variables[name]["definition"]
        assert variables[name]["includeAll"] and variables[name]["allValue"] == ".*"


def test_every_dashboard_query_uses_the_datasource_and_both_variables():
    d = dashboard()
    ids = [p["id"] for p in d["panels"]]
    assert len(ids) == len(set(ids))
    seen = 0
    for p, t in targets(d):
        seen += 1
        assert p["datasource"]["uid"] == "${datasource}" and t["datasource"]["uid"] == "${datasource}"
        expr = t["expr"]
        for selector in re.findall(r"\b(?:camfence_[a-z_]+|up)\{([^}]*)\}", expr):
            assert 'site=~"$site"' in selector and 'instance=~"$instance"' in selector, expr
        assert not re.search(r"\bcamfence_[a-z_]+(?![a-z_{])", expr), f"unfiltered metric: {expr}"
    assert seen >= 20


def test_the_dashboard_shows_what_the_issue_asks_for():
    exprs = " ".join(t["expr"] for _, t in targets(dashboard()))
    for needed in ("camfence_frames_total", 'action="drop"', 'action="quarantine"',
                   'class="prohibited"', "sum by (class) (camfence_devices",
                   "camfence_policy_generation", "camfence_policy_reloads_total",
                   "camfence_port_rx_packets_total", "camfence_port_tx_packets_total",
                   "camfence_port_rx_missed_total", "camfence_worker_busy_ratio",
                   "camfence_fingerprint_frames_total", "camfence_device_table_entries",
                   "camfence_prohibited_forwarded_frames_total",
                   "camfence_exception_expiry_timestamp_seconds"):
        assert needed in exprs, needed


def test_grid_positions_do_not_overlap():
    cells = set()
    for p in dashboard()["panels"]:
        g = p["gridPos"]
        assert 0 <= g["x"] and g["x"] + g["w"] <= 24, p["title"]
        for y in range(g["y"], g["y"] + g["h"]):
            for x in range(g["x"], g["x"] + g["w"]):
                assert (x, y) not in cells, f"{p['title']} overlaps at {(x, y)}"
                cells.add((x, y))


def test_provisioning_points_at_the_installed_dashboard():
    doc = yaml.safe_load(PROVISIONING.read_text())
    assert doc["apiVersion"] == 1
    (provider,) = doc["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/usr/share/camfence/grafana"
