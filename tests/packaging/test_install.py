"""packaging_install: the .deb installed into a throwaway Debian root (debootstrap minbase of
the host's release), its Depends resolved from the archive by apt, as an operator would.
There: camfenced --check on the shipped config, an offline audit (DPDK from the installed
packages: the run-time drivers the Depends name), the conffiles registered, the service
installed disabled, a reinstall keeping local changes, remove, purge.

The debootstrap base is cached as a tarball in /var/cache/camfence-tests/ (one a day per
release), so reruns take seconds; a machine with no cache builds it (about a minute). The
root lives under the build directory and is always unmounted and deleted, also after an
interrupted earlier run."""
import datetime
import json
import os
import re
import shutil
import signal
from pathlib import Path

import pytest

from debpkg import SOURCE_DIR, VERSION, WORK_DIR, deb_path, host_codename, run

CACHE_DIR = Path(os.environ.get("CAMFENCE_TEST_CACHE", "/var/cache/camfence-tests"))
CHROOT_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
              "DEBIAN_FRONTEND": "noninteractive", "HOME": "/root"}
CONFFILES = {"/etc/camfence/camfence.yaml", "/etc/camfence/policy.yaml", "/etc/logrotate.d/camfence"}
# What `systemctl enable camfenced` creates ([Install] WantedBy= and Alias=).
WANTS_LINK = "etc/systemd/system/multi-user.target.wants/camfenced.service"
ALIAS_LINK = "etc/systemd/system/camfence.service"


def apt_mirrors(suite):
    """(archive, security) URIs from the host's apt sources, so the root comes from the same
    mirror as the host's packages; deb.debian.org when the host names none."""
    archive = security = None
    entries = []
    sources = [Path("/etc/apt/sources.list")] + sorted(Path("/etc/apt/sources.list.d").glob("*"))
    for f in sources:
        if not f.is_file():
            continue
        text = f.read_text()
        if f.suffix == ".sources":
            for stanza in text.split("\n\n"):
                fields = dict(line.split(":", 1) for line in stanza.splitlines()
                              if ":" in line and not line.startswith(("#", " ")))
                for uri in fields.get("URIs", "").split():
                    entries += [(uri, s) for s in fields.get("Suites", "").split()]
        elif f.suffix == ".list" or f.name == "sources.list":
            for line in text.splitlines():
                words = [w for w in line.split() if not w.startswith("[") and not w.endswith("]")]
                if len(words) >= 3 and words[0] == "deb":
                    entries.append((words[1], words[2]))
    for uri, s in entries:
        uri = uri.rstrip("/")
        if s == suite and uri.endswith("/debian") and not archive:
            archive = uri
        if s == f"{suite}-security" and not security:
            security = uri
    archive = archive or "http://deb.debian.org/debian"
    return archive, security or archive.replace("/debian", "/debian-security")


def mounts_below(path):
    """Mount points at or below path, deepest first."""
    path = str(path.resolve())
    points = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        point = line.split()[1].replace("\\040", " ")
        if point == path or point.startswith(path + "/"):
            points.append(point)
    return sorted(points, key=len, reverse=True)


def unmount_below(path):
    for point in mounts_below(path):
        if run(["umount", point], check=False).returncode != 0:
            run(["umount", "-l", point])
    assert mounts_below(path) == [], f"still mounted below {path}"


def remove_tree(path):
    if path.exists():
        unmount_below(path)
        shutil.rmtree(path)


def base_tarball(suite):
    """The cached debootstrap base of today, built if missing (older ones are deleted)."""
    key = f"debootstrap-{suite}-minbase-{datetime.date.today():%Y%m%d}"
    tarball = CACHE_DIR / f"{key}.tar.gz"
    if tarball.is_file():
        print(f"debootstrap base: cached {tarball}")
        return tarball
    archive, security = apt_mirrors(suite)
    base = WORK_DIR / "base"
    remove_tree(base)
    print(f"debootstrap base: building {suite} from {archive}")
    run(["debootstrap", "--variant=minbase", suite, str(base), archive])
    (base / "etc/apt/sources.list").write_text(
        f"deb {archive} {suite} main\n"
        f"deb {archive} {suite}-updates main\n"
        f"deb {security} {suite}-security main\n")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = tarball.with_suffix(f".partial-{os.getpid()}")
    run(["tar", "--numeric-owner", "-C", str(base), "-czf", str(partial), "."])
    partial.rename(tarball)  # atomic: a concurrent run sees the whole file or none
    for old in CACHE_DIR.glob(f"debootstrap-{suite}-minbase-*.tar.gz"):
        if old != tarball:
            old.unlink()
    remove_tree(base)
    return tarball


def chroot(root, *cmd, check=True):
    return run(["chroot", str(root), *cmd], check=check, env=CHROOT_ENV)


def interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="module")
def root():
    # A SIGTERM unwinds through the cleanup below, like Ctrl-C.
    signal.signal(signal.SIGTERM, interrupted)
    r = WORK_DIR / "root"
    remove_tree(WORK_DIR)  # what an interrupted run left
    r.mkdir(parents=True)
    try:
        run(["tar", "--numeric-owner", "-C", str(r), "-xzpf", str(base_tarball(host_codename()))])
        shutil.copy("/etc/resolv.conf", r / "etc/resolv.conf")
        chroot(r, "apt-get", "update", "-qq")
        yield r
    finally:
        remove_tree(WORK_DIR)


@pytest.fixture(scope="module")
def deb_in_root(root):
    deb = deb_path()
    shutil.copy(deb, root / "tmp" / deb.name)
    return f"/tmp/{deb.name}"


def status(root):
    return chroot(root, "dpkg-query", "-W", "-f=${Status} ${Version}", "camfence", check=False).stdout


def test_apt_installs_the_package_and_its_depends(root, deb_in_root):
    # Recommends (dpdk: devbind, NIC drivers) are not needed for what is checked here.
    r = chroot(root, "apt-get", "install", "-y", "--no-install-recommends", deb_in_root)
    print("\n".join(line for line in r.stdout.splitlines() if "newly installed" in line))
    assert status(root) == f"install ok installed {VERSION}"


def test_check_passes_on_the_shipped_config(root):
    r = chroot(root, "camfenced", "--check", "--config", "/etc/camfence/camfence.yaml")
    print(r.stdout)
    lines = r.stdout.splitlines()
    assert any(line.startswith("OK /etc/camfence/camfence.yaml: ") for line in lines), r.stdout
    assert any(line.startswith("OK /etc/camfence/policy.yaml: ") for line in lines), r.stdout
    # The policy with its catalog (the packaged default) and the IEEE registry (ieee-data).
    r = chroot(root, "camfenced", "--check", "--policy", "/etc/camfence/policy.yaml")
    print(r.stdout)
    counts = dict((what, int(n)) for n, what in
                  re.findall(r"(\d+) (prohibited vendors|registry prefixes)", r.stdout))
    assert counts.get("prohibited vendors", 0) > 0 and counts.get("registry prefixes", 0) > 0, r.stdout


def test_versions(root):
    assert chroot(root, "camfenced", "--version").stdout.strip() == f"camfenced {VERSION}"
    assert chroot(root, "camfencectl", "--version").stdout.strip() == f"camfencectl {VERSION}"


def test_camfencectl_finds_the_socket_in_the_installed_config(root):
    config = root / "etc/camfence/camfence.yaml"
    shipped = config.read_text()
    try:
        # No daemon runs in the root: camfencectl names the socket it tried, the shipped one.
        r = chroot(root, "camfencectl", "status", check=False)
        assert r.returncode == 2 and "cannot connect to /run/camfence/control.sock" in r.stderr, r
        assert "warning" not in r.stderr
        config.write_text(shipped.replace("/run/camfence/control.sock", "/run/camfence/site.sock"))
        r = chroot(root, "camfencectl", "status", check=False)
        assert "cannot connect to /run/camfence/site.sock" in r.stderr, r
        # A broken config: said so, with the place, before falling back to the default path.
        config.write_text(shipped.replace("control:", "control: [", 1))
        r = chroot(root, "camfencectl", "status", check=False)
        assert r.returncode == 2, r
        assert ("camfencectl: warning: cannot read the socket path from "
                "/etc/camfence/camfence.yaml (/etc/camfence/camfence.yaml:") in r.stderr, r
        assert "cannot connect to /run/camfence/control.sock" in r.stderr, r
    finally:
        config.write_text(shipped)


def test_offline_audit_runs_on_the_installed_dpdk(root):
    # EAL needs /proc and /sys (lcores, hugepages); mounted for this step only.
    shutil.copy(SOURCE_DIR / "config/samples/site-edge.pcap", root / "tmp/site-edge.pcap")
    try:
        run(["mount", "-t", "proc", "proc", str(root / "proc")])
        run(["mount", "-t", "sysfs", "sysfs", str(root / "sys")])
        chroot(root, "camfenced", "--policy", "/etc/camfence/policy.yaml", "--audit",
               "/tmp/site-edge.pcap", "--report", "/tmp/report.json", "--quiet")
    finally:
        unmount_below(root / "proc")
        unmount_below(root / "sys")
    report = json.loads((root / "tmp/report.json").read_text())
    totals = report["totals"]
    frames = report["input"]["frames"]
    assert frames > 0 and report["devices"]
    assert totals["forward"] + totals["drop"] + totals["quarantine"] + totals["malformed"] == frames


def test_conffiles_are_registered(root):
    out = chroot(root, "dpkg-query", "-W", "-f=${Conffiles}", "camfence").stdout
    registered = {}
    for line in out.splitlines():
        words = line.split()
        if words:
            registered[words[0]] = words[1:]
    assert set(registered) == CONFFILES, out
    for path, (md5, *flags) in registered.items():
        assert flags == [], f"{path}: {flags}"
        on_disk = chroot(root, "md5sum", path).stdout.split()[0]
        assert on_disk == md5, path


def test_service_is_installed_disabled(root):
    assert (root / "lib/systemd/system/camfenced.service").is_file()
    for link in (WANTS_LINK, ALIAS_LINK):
        assert not (root / link).is_symlink(), "a first install must not enable the service"
    # ...but deb-systemd-helper knows it, so a purge removes the enablement an admin adds.
    state = root / "var/lib/systemd/deb-systemd-helper-enabled/camfenced.service.dsh-also"
    recorded = state.read_text().split()
    assert "/" + WANTS_LINK in recorded and "/" + ALIAS_LINK in recorded, recorded


def test_reinstall_keeps_local_changes_and_enablement(root, deb_in_root):
    policy = root / "etc/camfence/policy.yaml"
    changed = policy.read_text() + "# local change\n"
    policy.write_text(changed)
    for link in (WANTS_LINK, ALIAS_LINK):  # systemctl enable, as systemd is not installed
        (root / link).parent.mkdir(parents=True, exist_ok=True)
        os.symlink("/lib/systemd/system/camfenced.service", root / link)
    chroot(root, "dpkg", "-i", deb_in_root)
    assert status(root) == f"install ok installed {VERSION}"
    assert policy.read_text() == changed
    assert (root / WANTS_LINK).is_symlink() and (root / ALIAS_LINK).is_symlink()
    chroot(root, "camfenced", "--check", "--config", "/etc/camfence/camfence.yaml")


def test_remove_keeps_conffiles_and_state(root):
    state = root / "var/lib/camfence"
    state.mkdir(parents=True, exist_ok=True)
    (state / "devices.json").write_text("{}\n")
    chroot(root, "dpkg", "-r", "camfence")
    assert status(root).startswith("deinstall ok config-files")
    assert not (root / "usr/sbin/camfenced").exists()
    assert all((root / p.lstrip("/")).is_file() for p in CONFFILES)
    assert (state / "devices.json").is_file()


def test_purge_removes_everything(root):
    chroot(root, "dpkg", "--purge", "camfence")
    assert chroot(root, "dpkg-query", "-W", "camfence", check=False).returncode != 0 or \
        status(root).startswith("unknown ok not-installed")
    for path in ("etc/camfence", "etc/logrotate.d/camfence", "var/lib/camfence",
                 "usr/share/camfence", WANTS_LINK, ALIAS_LINK,
                 "etc/systemd/system/camfenced.service"):
        assert not (root / path).exists() and not (root / path).is_symlink(), path
