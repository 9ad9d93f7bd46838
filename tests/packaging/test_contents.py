"""packaging_contents: what the .deb holds, checked against the source tree it was built from:
the file list and modes, control fields and Depends (every linked library is depended on,
every package named exists), conffiles, maintainer scripts, the installed policy, man pages,
the systemd unit (systemd-analyze verify and security) and the hugepage helper."""
import gzip
import io
import re
import shutil
import stat
import tarfile
from pathlib import Path

import pytest
import yaml

from debpkg import (CAMFENCED, DEFAULT_CATALOG, SOURCE_DIR, VERSION, control_fields, deb_path,
                    depends_names, run)

# The dashboard and alert directories are installed whole (these kinds of files).
DATA_SUFFIXES = (".json", ".yaml", ".yml", ".md")
EXECUTABLES = {"/usr/sbin/camfenced", "/usr/bin/camfencectl", "/usr/libexec/camfence/ensure-hugepages"}
UNIT = "/lib/systemd/system/camfenced.service"
# systemd-analyze security: the unit's overall exposure must stay at or below this (it is
# 4.0 with the options the unit documents; removing hardening raises it).
MAX_EXPOSURE = 4.5


@pytest.fixture(scope="module")
def deb():
    return deb_path()


@pytest.fixture(scope="module")
def members(deb):
    """Path in the package -> TarInfo."""
    data = run(["dpkg-deb", "--fsys-tarfile", str(deb)], text=False).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as t:
        return {"/" + m.name.lstrip("./"): m for m in t.getmembers() if m.name not in (".", "./")}


@pytest.fixture(scope="module")
def root(deb, tmp_path_factory):
    """The package extracted."""
    d = tmp_path_factory.mktemp("deb-root")
    run(["dpkg-deb", "-x", str(deb), str(d)])
    return d


@pytest.fixture(scope="module")
def control_dir(deb, tmp_path_factory):
    d = tmp_path_factory.mktemp("deb-control") / "DEBIAN"
    run(["dpkg-deb", "-e", str(deb), str(d)])
    return d


@pytest.fixture(scope="module")
def unit(root):
    """The unit's [Service]/[Unit]/[Install] keys -> list of values (keys may repeat)."""
    keys, section = {}, None
    for line in (root / UNIT.lstrip("/")).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        k, v = line.split("=", 1)
        keys.setdefault(f"{section}.{k}", []).append(v)
    return keys


def data_dir_files(name):
    src = SOURCE_DIR / "config" / name
    return {f"/usr/share/camfence/{name}/{p.relative_to(src)}": p
            for p in src.rglob("*") if p.is_file() and p.suffix in DATA_SUFFIXES}


def expected_sources():
    """Installed path -> the source file it must equal byte for byte."""
    s = {
        "/etc/camfence/camfence.yaml": SOURCE_DIR / "config/camfence.yaml",
        DEFAULT_CATALOG: SOURCE_DIR / "config/vendors.yaml",
        UNIT: SOURCE_DIR / "packaging/camfenced.service",
        "/usr/libexec/camfence/ensure-hugepages": SOURCE_DIR / "packaging/ensure-hugepages",
        "/usr/lib/sysctl.d/camfence-hugepages.conf": SOURCE_DIR / "packaging/hugepages.conf",
        "/usr/share/doc/camfence/copyright": SOURCE_DIR / "packaging/copyright",
        "/etc/logrotate.d/camfence": SOURCE_DIR / "packaging/logrotate",
    }
    s.update(data_dir_files("grafana"))
    s.update(data_dir_files("prometheus"))
    return s


GZIPPED = {
    "/usr/share/man/man8/camfenced.8.gz": "packaging/man/camfenced.8",
    "/usr/share/man/man8/camfencectl.8.gz": "packaging/man/camfencectl.8",
    "/usr/share/man/man5/camfence.yaml.5.gz": "packaging/man/camfence.yaml.5",
    "/usr/share/doc/camfence/changelog.gz": "packaging/changelog",
}
OTHER = {"/usr/sbin/camfenced", "/usr/bin/camfencectl", "/etc/camfence/policy.yaml"}


def test_file_list_is_exactly_what_the_sources_say(members):
    files = {p for p, m in members.items() if not m.isdir()}
    expected = set(expected_sources()) | set(GZIPPED) | OTHER
    assert sorted(files - expected) == [], "files in the package that nothing here expects"
    assert sorted(expected - files) == [], "files missing from the package"


def test_dashboard_and_alerts_are_shipped(members):
    grafana = [p for p in members if p.startswith("/usr/share/camfence/grafana/")]
    assert "/usr/share/camfence/grafana/camfence.json" in grafana, \
        "config/grafana/camfence.json (the dashboard) is not in the package"
    assert any(p.endswith((".yaml", ".yml")) for p in grafana), \
        "no Grafana provisioning file (config/grafana/*.yaml) in the package"
    for name in ("alerts.yml", "scrape.yml"):
        assert f"/usr/share/camfence/prometheus/{name}" in members


def test_modes_and_owners(members):
    for path, m in members.items():
        assert (m.uid, m.gid, m.uname, m.gname) == (0, 0, "root", "root"), path
        if m.isdir():
            want = 0o755
        elif m.issym():
            continue
        else:
            want = 0o755 if path in EXECUTABLES else 0o644
        assert stat.S_IMODE(m.mode) == want, f"{path}: mode {oct(m.mode)}, want {oct(want)}"


def test_shipped_files_equal_their_sources(root):
    for path, source in expected_sources().items():
        assert (root / path.lstrip("/")).read_bytes() == source.read_bytes(), path


def test_gzipped_files_are_reproducible_and_current(root):
    for path, source in GZIPPED.items():
        raw = (root / path.lstrip("/")).read_bytes()
        # gzip -n: no original name (FNAME flag, bit 3) and no timestamp (bytes 4-7).
        assert raw[:2] == b"\x1f\x8b", path
        assert not raw[3] & 0x08, f"{path}: gzip header carries a file name"
        assert raw[4:8] == b"\0\0\0\0", f"{path}: gzip header carries a timestamp"
        assert gzip.decompress(raw) == (SOURCE_DIR / source).read_bytes(), f"{path} is stale"


def test_man_pages_name_their_command(root):
    for path in GZIPPED:
        if "/man/" not in path:
            continue
        page = Path(path).name.removesuffix(".gz")
        name, section = page.rsplit(".", 1)
        text = gzip.decompress((root / path.lstrip("/")).read_bytes()).decode()
        th = re.search(r"^\.TH (\S+) (\S+)", text, re.M)
        assert th and th.group(1).lower() == name and th.group(2) == section, page
        assert re.search(rf"^\.SH NAME\n{re.escape(name)} \\- ", text, re.M), page
        # Rendered without warnings (groff via man, as lintian does).
        if shutil.which("man"):
            r = run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z",
                     str(root / path.lstrip("/"))], env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin"})
            assert r.stderr == "", f"{page}: {r.stderr}"


def test_changelog_is_for_this_version(root):
    text = gzip.decompress((root / "usr/share/doc/camfence/changelog.gz").read_bytes()).decode()
    first = text.splitlines()[0]
    assert re.fullmatch(rf"camfence \({re.escape(VERSION)}\) \S+; urgency=\w+", first), first
    assert re.search(r"^ -- .+ <.+@.+>  \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$",
                     text, re.M), "changelog trailer line"


def test_control_fields(deb):
    f = control_fields(deb)
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    assert f["Package"] == "camfence"
    assert f["Version"] == VERSION
    assert f["Architecture"] == arch
    assert f["Section"] == "net" and f["Priority"] == "optional"
    assert re.fullmatch(r".+ <[^@\s]+@[^@\s]+>", f["Maintainer"]), f["Maintainer"]
    synopsis = f["Description"].splitlines()[0]
    assert 0 < len(synopsis) < 80 and not synopsis.endswith("."), synopsis
    depends = depends_names(f["Depends"])
    # Loaded by name at run time, so dpkg-shlibdeps cannot see them.
    runtime = {"ieee-data", "librte-mempool-ring23", "librte-net-af-packet23",
               "librte-net-pcap23", "librte-net-ring23"}
    assert runtime <= depends, f"missing from Depends: {runtime - depends}"
    assert depends_names(f["Recommends"]) == {"dpdk"}
    assert depends_names(f["Suggests"]) == {"prometheus"}


def test_every_package_named_exists_in_the_archive(deb):
    f = control_fields(deb)
    names = set()
    for field in ("Depends", "Recommends", "Suggests"):
        names |= depends_names(f.get(field, ""))
    for name in sorted(names):
        out = run(["apt-cache", "policy", name]).stdout
        assert "Candidate:" in out and "Candidate: (none)" not in out, f"{name}: {out}"


def needed_libraries(binary):
    out = run(["readelf", "-d", str(binary)]).stdout
    assert "RPATH" not in out and "RUNPATH" not in out, f"{binary} carries an rpath"
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+)\]", out)


def test_linked_libraries_are_depended_on(deb, root):
    depends = depends_names(control_fields(deb)["Depends"])
    for binary in ("usr/sbin/camfenced", "usr/bin/camfencectl"):
        libs = needed_libraries(root / binary)
        assert libs, binary
        for lib in libs:
            owners = run(["dpkg", "-S", f"*/{lib}"]).stdout
            packages = {line.split(":", 1)[0] for line in owners.splitlines()
                        if line.rstrip().endswith("/" + lib)}
            assert packages & depends, f"{binary} needs {lib} ({packages}), not in Depends"


def test_binaries_are_stripped(root):
    for binary in ("usr/sbin/camfenced", "usr/bin/camfencectl"):
        sections = run(["readelf", "-SW", str(root / binary)]).stdout
        for unwanted in (".debug_info", ".symtab", ".comment"):
            assert f" {unwanted} " not in sections, f"{binary} has {unwanted}"


def test_conffiles_are_every_file_in_etc(control_dir, members):
    conffiles = (control_dir / "conffiles").read_text().split()
    etc = sorted(p for p, m in members.items() if p.startswith("/etc/") and not m.isdir())
    assert sorted(conffiles) == etc
    assert "/etc/camfence/camfence.yaml" in conffiles and "/etc/camfence/policy.yaml" in conffiles


def test_maintainer_scripts(control_dir):
    for name in ("postinst", "prerm", "postrm"):
        script = control_dir / name
        assert stat.S_IMODE(script.stat().st_mode) == 0o755, name
        text = script.read_text()
        assert text.startswith("#!/bin/sh\n") and "\nset -e\n" in text, name
        run(["sh", "-n", str(script)])
        # Every systemd call is guarded, so the package installs where systemd is not running.
        for line in text.splitlines():
            if re.match(r"\s*(systemctl|deb-systemd-invoke)\b", line):
                assert line.rstrip().endswith("|| true"), f"{name}: {line}"
    # Installed disabled: a first install enables and starts nothing.
    postinst = (control_dir / "postinst").read_text()
    assert not re.search(r"deb-systemd-invoke (start|restart)\b", postinst)


def test_installed_policy_uses_the_packaged_catalog(root):
    installed = root / "etc/camfence/policy.yaml"
    doc = yaml.safe_load(installed.read_text())
    source = yaml.safe_load((SOURCE_DIR / "config/policy.yaml").read_text())
    assert "catalog" not in doc, "the installed policy must use the default catalog"
    source.pop("catalog", None)
    assert doc == source, "the installed policy differs from config/policy.yaml beyond the catalog"
    # It validates against the catalog the package ships (the default path of camfenced).
    r = run([CAMFENCED, "--check", "--policy", str(installed),
             "--catalog", str(root / DEFAULT_CATALOG.lstrip("/"))])
    print(r.stdout)
    assert r.stdout.startswith("OK ")


@pytest.fixture(scope="module")
def verify_root(root, tmp_path_factory):
    """The package over a copy of the host's unit directory, so systemd-analyze resolves the
    unit's dependencies (sysinit.target, dev-hugepages.mount) and finds its programs."""
    d = tmp_path_factory.mktemp("verify-root")
    shutil.copytree("/lib/systemd/system", d / "lib/systemd/system", symlinks=True)
    run(["dpkg-deb", "-x", str(deb_path()), str(d)])
    return d


def test_unit_verifies(verify_root):
    # verify exits 0 even for unknown keys or bad values, so any output is a failure. MANPATH:
    # the unit's Documentation= man pages must resolve to the ones the package ships.
    r = run(["systemd-analyze", "verify", f"--root={verify_root}", "camfenced.service"],
            check=False, env={"MANPATH": str(verify_root / "usr/share/man"), "PATH": "/usr/bin:/bin"})
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_unit_directives(unit, root):
    s = lambda key: unit.get(f"Service.{key}", [])
    assert s("Type") == ["notify"]
    assert s("Restart") == ["on-failure"]
    assert s("WatchdogSec") and s("WatchdogSec")[0] not in ("0", "infinity")
    assert s("StateDirectory") == ["camfence"] and s("RuntimeDirectory") == ["camfence"]
    assert any(re.fullmatch(r"[-+!@:]*/usr/sbin/camfenced --check --config /etc/camfence/camfence.yaml", v)
               for v in s("ExecStartPre")), s("ExecStartPre")
    assert any("/usr/libexec/camfence/ensure-hugepages" in v for v in s("ExecStartPre"))
    assert s("ExecStart") == ["/usr/sbin/camfenced --config /etc/camfence/camfence.yaml"]
    assert s("ExecReload")[-1] == "/bin/kill -HUP $MAINPID"
    assert "dev-hugepages.mount" in " ".join(unit.get("Unit.After", []))
    # Every program the unit runs is in the package (or, /bin/kill, essential).
    for key in ("ExecStartPre", "ExecStart", "ExecReload"):
        for v in s(key):
            program = v.lstrip("-+!@:").split()[0]
            assert program == "/bin/kill" or (root / program.lstrip("/")).is_file(), v


def test_unit_agrees_with_the_shipped_config(unit, root):
    config = yaml.safe_load((root / "etc/camfence/camfence.yaml").read_text())
    state_dir = unit["Service.StateDirectory"][0]
    runtime_dir = unit["Service.RuntimeDirectory"][0]
    assert config["control"]["state_dir"] == f"/var/lib/{state_dir}"
    assert str(Path(config["control"]["socket"]).parent) == f"/run/{runtime_dir}"
    assert (root / config["policy"].lstrip("/")).is_file()


def test_unit_security_exposure(verify_root):
    r = run(["systemd-analyze", "security", "--offline=true", f"--root={verify_root}",
             f"--threshold={int(MAX_EXPOSURE * 10)}", "--no-pager", "camfenced.service"],
            check=False)
    print("\n".join(line for line in r.stdout.splitlines() if "✗" in line or "exposure" in line))
    m = re.search(r"Overall exposure level for camfenced.service: (\d+\.\d+)", r.stdout)
    assert m, r.stdout + r.stderr
    print(f"systemd-analyze security: exposure {m.group(1)}")
    assert float(m.group(1)) <= MAX_EXPOSURE and r.returncode == 0


def test_ensure_hugepages(root, tmp_path):
    helper = str(root / "usr/libexec/camfence/ensure-hugepages")
    sysfs = tmp_path / "hugepages-2048kB"
    sysfs.mkdir()
    mounts = tmp_path / "mounts"
    mounts.write_text("nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n")
    nr = sysfs / "nr_hugepages"
    env = {"PATH": "/usr/bin:/bin", "CAMFENCE_SYSFS_HUGEPAGES": str(sysfs),
           "CAMFENCE_MOUNTS": str(mounts)}

    def helper_run(want, check=True):
        return run([helper], check=check, env={**env, "CAMFENCE_HUGEPAGES": want})

    nr.write_text("100\n")
    helper_run("512")
    assert nr.read_text().strip() == "512", "raised to what is wanted"
    nr.write_text("2048\n")
    helper_run("512")
    assert nr.read_text().strip() == "2048", "never lowered"
    assert helper_run("many", check=False).returncode == 1
    # A kernel that refuses to reserve: free_hugepages has no store, writing it fails.
    nr.unlink()
    nr.symlink_to("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages")
    r = helper_run(str(10**9), check=False)
    assert r.returncode == 1 and "cannot raise" in r.stderr, r.stderr
    r = run([helper], check=False, env={**env, "CAMFENCE_SYSFS_HUGEPAGES": str(tmp_path / "none")})
    assert r.returncode == 1 and "no 2 MiB hugepages" in r.stderr, r.stderr


def test_logrotate_snippet_parses(root, tmp_path):
    r = run(["logrotate", "--debug", "--state", str(tmp_path / "state"),
             str(root / "etc/logrotate.d/camfence")], check=False)
    assert r.returncode == 0 and "error" not in r.stderr.lower(), r.stderr
    assert "/var/lib/camfence/events.jsonl" in r.stderr


def test_config_man_page_names_every_key():
    """camfence.yaml(5) documents every key daemon/app_config.cc accepts (its expect_map
    lists), so a new key cannot ship undocumented."""
    source = (SOURCE_DIR / "daemon/app_config.cc").read_text()
    lists = re.findall(r"expect_map\(.*?\{([^}]*)\}", source, re.S)
    keys = {k for body in lists for k in re.findall(r'"([a-z_]+)"', body)}
    assert len(lists) >= 4 and {"dataplane", "ports", "socket", "policy"} <= keys, lists
    page = (SOURCE_DIR / "packaging/man/camfence.yaml.5").read_text().replace("\\-", "-")
    missing = sorted(k for k in keys if not re.search(rf"(?<![\w-]){k}(?![\w-])", page))
    assert missing == [], f"camfence.yaml(5) does not document {missing}"
