// The control socket: a Unix stream socket speaking JSON lines. Each request line gets one
// reply line from the handler. Owner-only (root) or owner + group, never world-accessible.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <functional>
#include <memory>
#include <string>

namespace camfence::daemon {

class ControlServer {
  public:
    using Handler = std::function<std::string(const std::string& request)>;

    // Fails (std::runtime_error) if another process listens on `path`; a stale socket file
    // left by a crash is replaced. `group` (may be empty) gets read/write access.
    ControlServer(boost::asio::io_context& io, const std::string& path, const std::string& group,
                  Handler handler);
    ~ControlServer();

    static constexpr std::size_t kMaxRequestBytes = 64 * 1024;
    static constexpr int kMaxClients = 32;

  private:
    class Session;
    void accept();

    boost::asio::io_context& io_;
    std::string path_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    Handler handler_;
    std::shared_ptr<int> clients_ = std::make_shared<int>(0);
};

// Throws std::runtime_error if a live process accepts connections on `path`.
void ensure_socket_free(const std::string& path);

}  // namespace camfence::daemon
