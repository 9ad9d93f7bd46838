// camfencectl: the operator's CLI for camfenced's control socket. One request line, one reply
// line (daemon/control_server.h); the text shown for each reply is in ctl_format.cc.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "daemon/app_config.h"
#include "daemon/ctl_format.h"
#include "daemon/json_reader.h"
#include "policy/diagnostic.h"
#include "policy/mac_address.h"

namespace {

using namespace camfence;
using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    R"(usage: camfencectl [--socket PATH] [--config FILE] [--json] [--timeout SECONDS]
                   COMMAND [ARGS]
commands:
  status                        version, uptime, the policy in force, ports, workers,
                                frame and device counts
  devices [--verdict CLASS] [-v|--verbose]
                                the device inventory; evidence for prohibited devices
                                (for every device listed with --verbose). CLASS:
                                prohibited, excepted, unregistered, clear
  reload                        reload the policy file; prints its errors if rejected
  clear MAC [--vlan N]          lift the sticky prohibited verdict of MAC (on every VLAN,
                                or only VLAN N)
  exceptions                    the policy's exceptions: until when, active, seen
options:
  --socket PATH     the control socket (default: control.socket of the config, else
                    /run/camfence/control.sock)
  --config FILE     read the socket path from FILE (default /etc/camfence/camfence.yaml,
                    if it exists)
  --json            print the daemon's reply as it is (one JSON line)
  --timeout SECONDS to connect and reply (default 10)
  --help, --version
exit status: 0 done; 1 the daemon refused (the reason on stderr); 2 usage error, daemon
unreachable or its reply unreadable.
)";

constexpr int kExitRefused = 1;
constexpr int kExitTrouble = 2;
constexpr std::size_t kMaxReplyBytes = std::size_t{512} << 20;

int usage_error(const std::string& message) {
    std::cerr << "camfencectl: " << message << "\n(camfencectl --help for usage)\n";
    return kExitTrouble;
}

int trouble(const std::string& message) {
    std::cerr << "camfencectl: " << message << "\n";
    return kExitTrouble;
}

struct Options {
    std::optional<std::string> socket, config, verdict, mac;
    std::optional<unsigned> vlan;
    bool json = false, verbose = false;
    double timeout = 10;
    std::string command;
};

bool known_verdict(const std::string& v) {
    return v == "prohibited" || v == "excepted" || v == "unregistered" || v == "clear";
}

// The socket path: --socket, else the config's control.socket (--config FILE, or the default
// config if it exists), else the default path. nullopt (after saying why) if --config FILE
// cannot be read; an unreadable default config falls back to the default path, with a
// warning (the daemon may listen elsewhere).
std::optional<std::string> socket_path(const Options& o) {
    if (o.socket) return *o.socket;
    if (o.config) {
        try {
            return daemon::load_app_config(*o.config).socket;
        } catch (const policy::PolicyError& e) {
            std::cerr << e.what() << "camfencectl: cannot read the socket path from " << *o.config
                      << "; give --socket PATH\n";
            return std::nullopt;
        } catch (const std::exception& e) {
            std::cerr << "camfencectl: cannot read the socket path from " << *o.config << ": "
                      << e.what() << "; give --socket PATH\n";
            return std::nullopt;
        }
    }
    std::error_code ec;
    if (std::filesystem::exists(daemon::kDefaultConfigPath, ec)) {
        std::string why;
        try {
            return daemon::load_app_config(daemon::kDefaultConfigPath).socket;
        } catch (const policy::PolicyError& e) {
            why = e.diagnostics().empty() ? e.what() : e.diagnostics().front().to_string();
        } catch (const std::exception& e) {
            why = e.what();
        }
        std::cerr << "camfencectl: warning: cannot read the socket path from "
                  << daemon::kDefaultConfigPath << " (" << why << "); trying "
                  << daemon::kDefaultSocketPath << "\n";
    }
    return std::string(daemon::kDefaultSocketPath);
}

class Connection {
  public:
    Connection(std::string path, double timeout_seconds)
        : path_(std::move(path)),
          timeout_seconds_(timeout_seconds),
          deadline_(Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(timeout_seconds))) {}
    ~Connection() {
        if (fd_ >= 0) ::close(fd_);
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Each returns an empty string or what went wrong, for "camfencectl: <it>".
    std::string connect();
    std::string send(const std::string& line);
    std::string receive(std::string& line);

  private:
    // Waits for `events` until the deadline: 0 ready, else an errno (ETIMEDOUT).
    int wait(short events);
    std::string timed_out(const char* what) const;

    std::string path_;
    double timeout_seconds_;
    Clock::time_point deadline_;
    int fd_ = -1;
};

int Connection::wait(short events) {
    for (;;) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
        if (left <= 0) return ETIMEDOUT;
        pollfd p{fd_, events, 0};
        int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60'000)));
        if (n > 0) return 0;
        if (n < 0 && errno != EINTR) return errno;
    }
}

std::string Connection::timed_out(const char* what) const {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", timeout_seconds_);
    return std::string(what) + " " + path_ + " within " + seconds +
           " s (is camfenced stuck? a reload can take a while: --timeout SECONDS)";
}

std::string Connection::connect() {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.size() >= sizeof addr.sun_path)
        return "socket path " + path_ + " is longer than a Unix socket allows (" +
               std::to_string(sizeof addr.sun_path - 1) + ")";
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) return std::string("cannot create a socket: ") + std::strerror(errno);
    int err = 0;
    for (;;) {
        if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
            err = 0;
            break;
        }
        err = errno;
        if (err == EINTR) continue;
        // The daemon's listen backlog is full (a Unix socket does not queue the attempt):
        // try again until the deadline.
        if (err != EAGAIN) break;
        if (Clock::now() >= deadline_) return timed_out("no connection to");
        ::poll(nullptr, 0, 20);
    }
    if (!err) return "";
    std::string hint = err == EACCES || err == EPERM
                           ? "run as root or as a member of control.socket_group"
                           : "is camfenced running?";
    return "cannot connect to " + path_ + ": " + std::strerror(err) + " (" + hint + ")";
}

std::string Connection::send(const std::string& line) {
    std::string data = line + "\n";
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int err = wait(POLLOUT);
            if (err == ETIMEDOUT) return timed_out("cannot send to");
            if (err) return std::string("cannot send to ") + path_ + ": " + std::strerror(err);
            continue;
        }
        return std::string("cannot send to ") + path_ + ": " + std::strerror(errno);
    }
    return "";
}

std::string Connection::receive(std::string& line) {
    line.clear();
    char buf[64 * 1024];
    for (;;) {
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n > 0) {
            line.append(buf, static_cast<std::size_t>(n));
            if (auto nl = line.find('\n'); nl != std::string::npos) {
                line.resize(nl);
                return "";
            }
            if (line.size() > kMaxReplyBytes) return "the reply from " + path_ + " is too long";
            continue;
        }
        if (n == 0)
            return line.empty() ? "camfenced closed the connection without replying"
                                : "camfenced closed the connection in the middle of its reply";
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int err = wait(POLLIN);
            if (err == ETIMEDOUT) return timed_out("no reply from");
            if (err) return std::string("cannot read from ") + path_ + ": " + std::strerror(err);
            continue;
        }
        return std::string("cannot read from ") + path_ + ": " + std::strerror(errno);
    }
}

// Parses the command line into `o`; returns -1 to go on, else the exit status.
int parse_args(const std::vector<std::string>& args, Options& o) {
    std::vector<std::string> positional;
    std::optional<std::string> timeout, vlan;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string a = args[i];
        std::optional<std::string> inline_value;
        if (a.rfind("--", 0) == 0)
            if (auto eq = a.find('='); eq != std::string::npos) {
                inline_value = a.substr(eq + 1);
                a.resize(eq);
            }
        // --opt VALUE or --opt=VALUE, once.
        auto take = [&](std::optional<std::string>& slot, const char* what) -> std::string {
            if (slot) return a + " is given twice";
            if (inline_value)
                slot = *inline_value;
            else if (i + 1 < args.size())
                slot = args[++i];
            if (!slot || slot->empty()) return a + " needs " + what;
            return "";
        };
        std::string err;
        if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            return 0;
        } else if (a == "--version") {
            std::cout << "camfencectl " << CAMFENCE_VERSION << "\n";
            return 0;
        } else if (inline_value && (a == "--json" || a == "--verbose")) {
            err = a + " takes no value";
        } else if (a == "--json") {
            o.json = true;
        } else if (a == "-v" || a == "--verbose") {
            o.verbose = true;
        } else if (a == "--socket") {
            err = take(o.socket, "a PATH");
        } else if (a == "--config") {
            err = take(o.config, "a FILE");
        } else if (a == "--timeout") {
            err = take(timeout, "SECONDS");
        } else if (a == "--verdict") {
            err = take(o.verdict, "a CLASS");
        } else if (a == "--vlan") {
            err = take(vlan, "a VLAN id");
        } else if (a.size() > 1 && a[0] == '-') {
            err = "unknown option '" + a + "'";
        } else {
            positional.push_back(a);
        }
        if (!err.empty()) return usage_error(err);
    }
    if (positional.empty()) return usage_error("no COMMAND");
    o.command = positional[0];
    const std::string& c = o.command;
    if (c != "status" && c != "devices" && c != "reload" && c != "clear" && c != "exceptions")
        return usage_error("unknown command '" + c + "'");
    const std::size_t want = c == "clear" ? 2 : 1;
    if (positional.size() < want) return usage_error("clear needs a MAC address");
    if (positional.size() > want)
        return usage_error("unexpected argument '" + positional[want] + "' after " + c);
    if ((o.verdict || o.verbose) && c != "devices")
        return usage_error(std::string(o.verdict ? "--verdict" : "--verbose") +
                           " is an option of devices");
    if (vlan && c != "clear") return usage_error("--vlan is an option of clear");
    if (o.verdict && !known_verdict(*o.verdict))
        return usage_error("--verdict '" + *o.verdict +
                           "' is not a class: prohibited, excepted, unregistered, clear");
    if (c == "clear") {
        auto mac = policy::MacAddress::parse(positional[1]);
        if (!mac) return usage_error("'" + positional[1] + "' is not a MAC address");
        o.mac = mac->to_string();
    }
    if (vlan) {
        char* end = nullptr;
        errno = 0;
        unsigned long n = std::strtoul(vlan->c_str(), &end, 10);
        if (errno || *end || !std::isdigit(static_cast<unsigned char>((*vlan)[0])) || n > 4094)
            return usage_error("--vlan '" + *vlan + "' is not a VLAN id 0-4094");
        o.vlan = static_cast<unsigned>(n);
    }
    if (timeout) {
        char* end = nullptr;
        double t = std::strtod(timeout->c_str(), &end);
        if (*end || !std::isfinite(t) || t <= 0 || t > 86400)
            return usage_error("--timeout '" + *timeout +
                               "' is not a number of seconds (more than 0, at most 86400)");
        o.timeout = t;
    }
    return -1;
}

std::string show(const Options& o, const daemon::JsonValue& reply) {
    using namespace camfence::daemon;
    if (o.command == "status") return format_status(reply);
    if (o.command == "devices")
        return format_devices(reply, DevicesOptions{o.verdict.value_or(""), o.verbose});
    if (o.command == "reload") return format_reload(reply);
    if (o.command == "clear") return format_clear(reply, *o.mac);
    return format_exceptions(reply);
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (int rc = parse_args(std::vector<std::string>(argv + 1, argv + argc), o); rc >= 0) return rc;
    auto path = socket_path(o);
    if (!path) return kExitTrouble;

    Connection conn(*path, o.timeout);
    if (std::string err = conn.connect(); !err.empty()) return trouble(err);
    if (std::string err =
            conn.send(daemon::format_request({o.command, o.mac.value_or(""), o.vlan}));
        !err.empty())
        return trouble(err);
    std::string line;
    if (std::string err = conn.receive(line); !err.empty()) return trouble(err);

    daemon::JsonValue reply;
    try {
        reply = daemon::parse_json(line);
    } catch (const daemon::JsonError& e) {
        return trouble(std::string("malformed reply from camfenced: ") + e.what());
    }
    auto ok = daemon::reply_ok(reply);
    if (!ok) return trouble("malformed reply from camfenced: no \"ok\": true or false");
    if (o.json) {
        std::cout << line << "\n";
        return *ok ? 0 : kExitRefused;
    }
    try {
        if (!*ok) {
            std::cerr << daemon::format_failure(reply);
            return kExitRefused;
        }
        std::cout << show(o, reply);
    } catch (const daemon::JsonError& e) {
        return trouble(std::string("malformed reply from camfenced: ") + e.what());
    }
    return 0;
}
