"""packaging_lintian: lintian finds no error in the .deb. Every tag it reports (warnings,
info, pedantic) is printed, so what is left is visible in the test log."""
from debpkg import deb_path, run


def test_lintian_reports_no_errors():
    deb = deb_path()
    r = run(["lintian", "--fail-on", "error", "--display-info", "--pedantic", "--no-tag-display-limit",
             str(deb)], check=False)
    tags = [line for line in r.stdout.splitlines() if line[:2] in ("E:", "W:", "I:", "P:", "X:")]
    print(f"lintian {deb.name}: {len(tags)} tag(s)")
    for line in tags:
        print("  " + line)
    errors = [line for line in tags if line.startswith("E:")]
    assert errors == [] and r.returncode == 0, r.stdout + r.stderr
