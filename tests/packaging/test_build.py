"""packaging_build: CPack builds the .deb from this build directory (no compile: camfenced
and camfencectl must already be built). The other packaging tests use what it writes."""
import os
import shutil

from debpkg import BUILD_DIR, PACKAGE_DIR, VERSION, deb_path, run


def test_cpack_builds_the_deb():
    assert VERSION, "CAMFENCE_VERSION is not set (tests/packaging/CMakeLists.txt sets it)"
    config = BUILD_DIR / "CPackConfig.cmake"
    assert config.is_file(), f"{config} missing: packaging/CMakeLists.txt did not include CPack"
    shutil.rmtree(PACKAGE_DIR, ignore_errors=True)
    PACKAGE_DIR.mkdir(parents=True)
    # Staged files and directories keep their modes in the package: build it as a release
    # would be, whatever the caller's umask.
    old = os.umask(0o022)
    try:
        p = run(["cpack", "-G", "DEB", "--config", str(config), "-B", str(PACKAGE_DIR)])
    finally:
        os.umask(old)
    print(p.stdout)
    deb = deb_path()
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    assert deb.name == f"camfence_{VERSION}_{arch}.deb"
    shutil.rmtree(PACKAGE_DIR / "_CPack_Packages", ignore_errors=True)
