#include "daemon/control_server.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <stdexcept>

#include "daemon/json_writer.h"

namespace camfence::daemon {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

void ensure_socket_free(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return;
    if (!S_ISSOCK(st.st_mode))
        throw std::runtime_error("control socket path " + path + " exists and is not a socket");
    asio::io_context io;
    local::socket probe(io);
    boost::system::error_code ec;
    probe.connect(local::endpoint(path), ec);
    if (!ec)
        throw std::runtime_error("control socket " + path +
                                 " is in use: is another camfenced running?");
    ::unlink(path.c_str());  // stale: its process is gone
}

class ControlServer::Session : public std::enable_shared_from_this<Session> {
  public:
    Session(local::socket socket, Handler& handler, std::shared_ptr<int> clients)
        : socket_(std::move(socket)),
          handler_(handler),
          buffer_(kMaxRequestBytes),
          clients_(std::move(clients)) {
        ++*clients_;
    }
    ~Session() { --*clients_; }

    void read() {
        auto self = shared_from_this();
        asio::async_read_until(
            socket_, buffer_, '\n', [self](boost::system::error_code ec, std::size_t n) {
                if (ec == asio::error::not_found) {
                    self->reply_and_close(error_reply("request longer than 64 KiB"));
                    return;
                }
                if (ec) return;  // closed by the client
                std::string line(
                    asio::buffers_begin(self->buffer_.data()),
                    asio::buffers_begin(self->buffer_.data()) + static_cast<std::ptrdiff_t>(n - 1));
                self->buffer_.consume(n);
                if (!line.empty() && line.back() == '\r') line.pop_back();
                std::string reply =
                    line.empty() ? error_reply("empty request") : self->handler_(line);
                self->write(std::move(reply), true);
            });
    }

    void reply_and_close(std::string reply) { write(std::move(reply), false); }

  private:
    static std::string error_reply(const std::string& message) {
        JsonWriter w;
        w.begin_object().field("ok", false).field("error", message).end_object();
        return w.str();
    }

    void write(std::string reply, bool then_read) {
        auto self = shared_from_this();
        auto data = std::make_shared<std::string>(std::move(reply) + "\n");
        asio::async_write(socket_, asio::buffer(*data),
                          [self, data, then_read](boost::system::error_code ec, std::size_t) {
                              if (!ec && then_read) self->read();
                          });
    }

    local::socket socket_;
    Handler& handler_;
    asio::streambuf buffer_;
    std::shared_ptr<int> clients_;
};

ControlServer::ControlServer(asio::io_context& io, const std::string& path,
                             const std::string& group, Handler handler)
    : io_(io), path_(path), acceptor_(io), handler_(std::move(handler)) {
    gid_t gid = 0;
    if (!group.empty()) {
        struct group* g = ::getgrnam(group.c_str());
        if (!g) throw std::runtime_error("control socket group '" + group + "' does not exist");
        gid = g->gr_gid;
    }
    ensure_socket_free(path);
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
    }
    // Created owner-only, then opened to the group: never briefly world-accessible.
    mode_t old = ::umask(0177);
    boost::system::error_code ec;
    acceptor_.open(local(), ec);
    if (!ec) acceptor_.bind(local::endpoint(path), ec);
    ::umask(old);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error("cannot listen on control socket " + path + ": " + ec.message());
    if (!group.empty()) {
        if (::chown(path.c_str(), static_cast<uid_t>(-1), gid) != 0 ||
            ::chmod(path.c_str(), 0660) != 0)
            throw std::runtime_error("cannot give group '" + group + "' access to " + path);
    }
    accept();
}

ControlServer::~ControlServer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    ::unlink(path_.c_str());
}

void ControlServer::accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, local::socket socket) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec) {
            auto session = std::make_shared<Session>(std::move(socket), handler_, clients_);
            if (*clients_ > kMaxClients)
                session->reply_and_close(R"({"ok":false,"error":"too many control clients"})");
            else
                session->read();
        }
        accept();
    });
}

}  // namespace camfence::daemon
