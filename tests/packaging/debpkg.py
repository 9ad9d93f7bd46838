"""Shared by the packaging tests: where the sources, the build and the built .deb are, and
small wrappers around dpkg-deb. The paths come from tests/packaging/CMakeLists.txt."""
import os
import subprocess
from pathlib import Path

SOURCE_DIR = Path(os.environ.get("CAMFENCE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BUILD_DIR = Path(os.environ.get("CAMFENCE_BUILD_DIR", SOURCE_DIR / "build"))
PACKAGE_DIR = Path(os.environ.get("CAMFENCE_PACKAGE_DIR", BUILD_DIR / "tests" / "packaging" / "deb"))
WORK_DIR = Path(os.environ.get("CAMFENCE_WORK_DIR", BUILD_DIR / "tests" / "packaging" / "work"))
VERSION = os.environ.get("CAMFENCE_VERSION", "")
DEFAULT_CATALOG = os.environ.get("CAMFENCE_DEFAULT_CATALOG", "/usr/share/camfence/vendors.yaml")
CAMFENCED = os.environ.get("CAMFENCED", str(BUILD_DIR / "daemon" / "camfenced"))


def run(cmd, check=True, **kw):
    """Runs cmd, returns the CompletedProcess with text output; on failure (check) the
    assertion shows the command and everything it printed."""
    kw.setdefault("text", True)
    p = subprocess.run(cmd, capture_output=True, **kw)
    if check:
        assert p.returncode == 0, (
            f"{' '.join(map(str, cmd))} exited {p.returncode}\n"
            f"--- stdout\n{p.stdout!s}\n--- stderr\n{p.stderr!s}")
    return p


def deb_path():
    """The one .deb packaging_build wrote (fails if there is none, or several)."""
    debs = sorted(PACKAGE_DIR.glob("camfence_*.deb"))
    assert len(debs) == 1, f"expected one camfence_*.deb in {PACKAGE_DIR}, found {debs}"
    return debs[0]


def control_fields(deb):
    """The control file as a dict (continuation lines joined with newlines)."""
    fields, key = {}, None
    for line in run(["dpkg-deb", "-f", str(deb)]).stdout.splitlines():
        if line.startswith((" ", "\t")) and key:
            fields[key] += "\n" + line.strip()
        elif ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    return fields


def depends_names(value):
    """Package names of a Depends-style field: 'a (>= 1), b | c' -> {'a', 'b', 'c'}."""
    names = set()
    for clause in value.split(","):
        for alternative in clause.split("|"):
            name = alternative.strip().split(" ", 1)[0].split("(", 1)[0]
            if name:
                names.add(name.split(":", 1)[0])
    return names


def host_codename():
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("VERSION_CODENAME="):
            return line.split("=", 1)[1].strip().strip('"')
    raise AssertionError("/etc/os-release has no VERSION_CODENAME")
