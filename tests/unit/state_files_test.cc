// State files: write_file_atomic leaves the old content or the new, never a mix, a stray
// temporary or a half-written file; read_file tells a missing file from an unreadable one.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/state_files.h"
#include "tests/fixtures/temp_files.h"

namespace {

namespace fs = std::filesystem;
namespace d = camfence::daemon;
namespace t = camfence::test;

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

// Sets the umask for one test and puts the old one back.
struct Umask {
    explicit Umask(mode_t m) : old(::umask(m)) {}
    ~Umask() { ::umask(old); }
    mode_t old;
};

// Runs `body` in a child process as an unprivileged user (as itself when not root), so that
// permissions apply even when the tests run as root. The body's result, or nullopt if the
// child could not drop its privileges.
std::optional<int> unprivileged(const std::function<int()>& body) {
    if (::geteuid() != 0) return body();
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(100);
        int rc = 101;
        try {
            rc = body();
        } catch (...) {
        }
        ::_exit(rc);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 100) return std::nullopt;
    return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("write_file_atomic creates, then replaces, with the mode asked for", "[state_files]") {
    Umask umask(022);
    t::TempDir dir;
    const std::string path = dir / d::kDevicesFile;

    d::write_file_atomic(path, "{\"version\":1}\n");
    CHECK(slurp(path) == "{\"version\":1}\n");
    CHECK(mode_of(path) == 0640);
    CHECK(names_in(dir.path()) == std::vector<std::string>{"devices.json"});

    // Replaced whole: a shorter content leaves nothing of the longer one behind.
    d::write_file_atomic(path, "x", 0600);
    CHECK(slurp(path) == "x");
    CHECK(mode_of(path) == 0600);
    CHECK(names_in(dir.path()) == std::vector<std::string>{"devices.json"});

    // Binary content, NUL bytes included, and a large file written in more than one go.
    std::string big(3 * 1024 * 1024 + 17, '\0');
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>(i * 7 + i / 251);
    d::write_file_atomic(path, big, 0644);
    CHECK(slurp(path) == big);
    CHECK(mode_of(path) == 0644);

    d::write_file_atomic(path, "");
    CHECK(fs::file_size(path) == 0);
    CHECK(names_in(dir.path()) == std::vector<std::string>{"devices.json"});
}

TEST_CASE("write_file_atomic replaces the file, not what a link points at", "[state_files]") {
    t::TempDir dir;
    const std::string target = dir / "elsewhere";
    const std::string path = dir / "devices.json";
    d::write_file_atomic(target, "keep");
    fs::create_symlink(target, path);
    d::write_file_atomic(path, "new");
    CHECK(slurp(target) == "keep");
    CHECK_FALSE(fs::is_symlink(path));
    CHECK(slurp(path) == "new");
}

TEST_CASE("a failed write_file_atomic leaves the old file and no temporary", "[state_files]") {
    t::TempDir dir;
    const std::string path = dir / "devices.json";
    d::write_file_atomic(path, "old content");

    SECTION("the temporary cannot be created (a directory is in its way)") {
        fs::create_directory(path + ".tmp");
        try {
            d::write_file_atomic(path, "new content");
            FAIL("no exception");
        } catch (const std::runtime_error& e) {
            INFO(e.what());
            CHECK(std::string(e.what()).find(path + ".tmp") != std::string::npos);
            // unlink() cannot remove a directory, so O_EXCL then finds it in the way.
            CHECK(std::string(e.what()).find("File exists") != std::string::npos);
        }
        CHECK(slurp(path) == "old content");
    }
    SECTION("the rename fails (the target is a non-empty directory)") {
        const std::string dir_path = dir / "state";
        fs::create_directory(dir_path);
        d::write_file_atomic(dir_path + "/inner", "x");
        CHECK_THROWS_AS(d::write_file_atomic(dir_path, "new content"), std::runtime_error);
        CHECK(fs::is_directory(dir_path));
        CHECK_FALSE(fs::exists(dir_path + ".tmp"));
        CHECK(slurp(path) == "old content");
    }
    SECTION("the directory does not exist") {
        CHECK_THROWS_AS(d::write_file_atomic(dir / "missing/devices.json", "x"),
                        std::runtime_error);
        CHECK_FALSE(fs::exists(dir / "missing"));
    }
    SECTION("the directory is not writable") {
        // r-x for everyone: the unprivileged writer may look, not create.
        fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec |
                                        fs::perms::group_read | fs::perms::group_exec |
                                        fs::perms::others_read | fs::perms::others_exec);
        auto rc = unprivileged([&] {
            try {
                d::write_file_atomic(path, "new content");
            } catch (const std::runtime_error& e) {
                // The error names the file and the reason.
                const std::string what = e.what();
                return what.find(path + ".tmp") != std::string::npos &&
                               what.find("Permission denied") != std::string::npos
                           ? 0
                           : 2;
            }
            return 1;  // no exception
        });
        fs::permissions(dir.path(), fs::perms::owner_all);
        if (!rc) {
            WARN("cannot drop root privileges here; skipped");
        } else {
            CHECK(*rc == 0);
            CHECK(slurp(path) == "old content");
        }
    }
    // Whatever failed, nothing but the old file (and what the section made) is left.
    std::vector<std::string> names = names_in(dir.path());
    for (const auto& n : names)
        CHECK((n.find(".tmp") == std::string::npos || fs::is_directory(dir / n)));
    CHECK(slurp(path) == "old content");
}

// BUG (daemon/state_files.cc, write_file_atomic): the temporary is opened with O_CREAT |
// O_TRUNC but not O_EXCL, and `mode` applies only when open() creates the file. A <path>.tmp
// left by a crash (or made by anyone able to write the state directory) keeps its own mode,
// which rename() then gives the state file: devices.json ends up world-readable (or
// writable) though 0640 was asked for.
TEST_CASE("a stale temporary does not decide the new file's mode", "[state_files]") {
    Umask umask(0);
    t::TempDir dir;
    const std::string path = dir / "devices.json";
    {
        std::ofstream stale(path + ".tmp");
        stale << "half-written before a crash";
    }
    fs::permissions(path + ".tmp", fs::perms::all);  // 0777
    d::write_file_atomic(path, "new", 0640);
    CHECK(slurp(path) == "new");
    CHECK(mode_of(path) == 0640);
}

TEST_CASE("read_file returns the content, or nullopt for a missing file", "[state_files]") {
    t::TempDir dir;
    const std::string path = dir / "last-good-policy.yaml";
    CHECK_FALSE(d::read_file(path).has_value());
    CHECK_FALSE(d::read_file(dir / "no/such/dir/file").has_value());

    d::write_file_atomic(path, std::string("version: 1\n\0tail", 16));
    auto text = d::read_file(path);
    REQUIRE(text);
    CHECK(*text == std::string("version: 1\n\0tail", 16));

    d::write_file_atomic(path, "");
    text = d::read_file(path);
    REQUIRE(text);
    CHECK(text->empty());

    SECTION("a file that cannot be read is an error, not a missing file") {
        d::write_file_atomic(path, "secret", 0);
        auto rc = unprivileged([&] {
            try {
                d::read_file(path);
            } catch (const std::runtime_error& e) {
                return std::string(e.what()).find(path) != std::string::npos ? 0 : 2;
            }
            return 1;  // read it, or took it for missing
        });
        if (!rc)
            WARN("cannot drop root privileges here; skipped");
        else
            CHECK(*rc == 0);
    }
    SECTION("a path through a regular file is an error, not a missing file") {
        CHECK_THROWS_AS(d::read_file(path + "/child"), std::runtime_error);
    }
}

TEST_CASE("ensure_directory creates missing parents with the mode asked for", "[state_files]") {
    Umask umask(022);
    t::TempDir dir;
    const std::string nested = dir / "var/lib/camfence";
    d::ensure_directory(nested, 0750);
    CHECK(fs::is_directory(nested));
    CHECK(mode_of(nested) == 0750);
    // Existing: fine, and the mode is set again.
    fs::permissions(nested, fs::perms::all);
    d::ensure_directory(nested, 0700);
    CHECK(mode_of(nested) == 0700);
    // A file in the way is an error.
    d::write_file_atomic(dir / "file", "x");
    CHECK_THROWS_AS(d::ensure_directory(dir / "file/sub"), std::runtime_error);
}

// BUG (daemon/state_files.cc, read_file): a path that opens but cannot be read, such as a
// directory, comes back as an empty string instead of the documented std::runtime_error:
// std::ifstream opens a directory, the read fails, and the failure is not checked. A
// devices.json that is a directory then reads as "" (and is reported as a JSON syntax error
// at offset 0, not as what it is).
TEST_CASE("read_file of a directory is an error, not empty content", "[state_files]") {
    t::TempDir dir;
    fs::create_directory(dir / "devices.json");
    std::optional<std::string> text;
    CHECK_THROWS_AS(text = d::read_file(dir / "devices.json"), std::runtime_error);
    CHECK_FALSE(text.has_value());
}
