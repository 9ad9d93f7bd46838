#include "daemon/appliance.h"

#include <arpa/inet.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include <prometheus/exposer.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>

#include "daemon/control_server.h"
#include "daemon/event_log.h"
#include "daemon/json_reader.h"
#include "daemon/json_writer.h"
#include "daemon/metrics.h"
#include "daemon/registry.h"
#include "daemon/state_files.h"
#include "dataplane/fingerprint/dispatch.h"
#include "dataplane/io/eal.h"
#include "dataplane/io/port.h"
#include "dataplane/io/state.h"
#include "dataplane/io/worker.h"
#include "policy/sha256.h"
#include "policy/snapshot.h"
#include "policy/yaml_strict.h"

namespace camfence::daemon {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using dataplane::DataplaneState;
using dataplane::WorkerCounters;
using policy::Action;
using policy::DeviceClass;
using policy::PolicySnapshot;

namespace {

std::int64_t unix_now() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

double precise_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string ip_text(const dataplane::DeviceReport& r) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (r.ip_version == 4) inet_ntop(AF_INET, r.ip, buf, sizeof buf);
    if (r.ip_version == 6) inet_ntop(AF_INET6, r.ip, buf, sizeof buf);
    std::string s = buf;
    if (s == "0.0.0.0" || s == "::" || s == "255.255.255.255") return "";
    return s;
}

// The action a counter slot stands for (its rule's, or the special slots').
std::string slot_action(const PolicySnapshot& s, std::size_t slot) {
    if (slot < s.rule_actions.size()) return std::string(policy::to_string(s.rule_actions[slot]));
    if (slot == s.slot_default()) return std::string(policy::to_string(s.default_action));
    if (slot == s.slot_non_camera()) return "forward";
    return "drop";
}

// The vendor a device counts under in the metrics: the one its protocol evidence proves if
// that is what made it prohibited (a white-label camera), else its OUI's.
std::string metric_vendor(const Device& d) {
    if (d.verdict() == DeviceClass::prohibited && !d.protocol_vendor.empty())
        return d.protocol_vendor;
    return d.vendor;
}

// Last modification of a file in unix seconds, or nullopt if it cannot be read.
std::optional<double> file_mtime(const std::string& path) {
    struct stat st {};
    if (path.empty() || ::stat(path.c_str(), &st) != 0) return std::nullopt;
    return static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
}

struct Totals {
    std::uint64_t frames = 0, bytes = 0;
};

// Everything loaded from one policy file: what the reload and exception expiry recompile.
struct LoadedState {
    policy::LoadedPolicy loaded;
    std::shared_ptr<const PolicySnapshot> snapshot;
};

}  // namespace

class Appliance {
  public:
    Appliance(const AppConfig& config, std::string version)
        : cfg_(config),
          version_(std::move(version)),
          registry_(config.device_capacity),
          started_at_(unix_now()) {}
    ~Appliance();

    void start();  // throws std::runtime_error / policy::PolicyError: nothing left running
    int run();

  private:
    void wait_signal();
    // policy
    LoadedState load_policy_files(const std::string& path, const policy::LoadOptions& opts,
                                  std::int64_t now);
    void load_initial_policy();
    void save_last_good(const LoadedState& st);
    std::string reload(const std::string& trigger);  // JSON reply
    void install_policy(LoadedState st, const std::string& reason);
    void check_exception_expiry();

    // data plane
    void start_dataplane();
    void publish(std::shared_ptr<const PolicySnapshot> policy, bool new_bank);
    std::shared_ptr<const dataplane::DeviceTable> build_device_table();
    void fold_bank(unsigned bank, const PolicySnapshot& s, unsigned next_bank);
    void stop_workers();

    // registry
    void restore_registry();
    void drain_reports();
    void drain_punts();
    void log_changes(const std::vector<VerdictChange>& changes);
    void persist_registry();
    void pull_last_seen();
    void update_device_counts();

    // control plane
    void schedule_tick();
    void housekeeping();
    std::string handle(const std::string& request);
    std::string status_json();
    std::string devices_json();
    std::string exceptions_json();
    std::string clear(const JsonValue& request);
    std::vector<prometheus::MetricFamily> collect();
    void log_event(JsonWriter& w) { events_->write(w); }

    AppConfig cfg_;
    std::string version_;
    std::unique_ptr<EventLog> events_;

    // Policy in force
    std::unique_ptr<LoadedState> policy_;
    std::string policy_source_ = "configured";  // or "last-good"
    std::uint64_t generation_ = 0;
    std::int64_t policy_loaded_at_ = 0;
    double policy_read_at_ = 0;  // just before its files were read: newer files are unread
    std::uint64_t reloads_ok_ = 0, reloads_failed_ = 0;
    std::int64_t last_reload_at_ = 0;
    std::map<std::string, policy::OuiRegistry> oui_registries_;  // by directory

    DeviceRegistry registry_;
    bool table_dirty_ = false;
    bool persist_dirty_ = false;
    std::int64_t started_at_;

    // DPDK: declared in construction order, destroyed in reverse
    std::unique_ptr<dataplane::Eal> eal_;
    rte_mempool* pool_ = nullptr;
    std::vector<std::unique_ptr<dataplane::Port>> ports_;
    std::vector<const PortConfig*> port_cfg_;
    rte_ring* reports_ = nullptr;
    rte_ring* punts_ = nullptr;
    rte_mempool* punt_pool_ = nullptr;
    std::unique_ptr<dataplane::StatePublisher> publisher_;
    unsigned bank_ = 0;
    std::atomic<bool> stop_{false};
    struct Worker {
        unsigned lcore = 0;
        std::vector<dataplane::WorkerPath> paths;
        std::array<std::unique_ptr<WorkerCounters>, 2> counters;
        dataplane::DeviceReporter reporter;
        dataplane::Punter punter;
        std::unique_ptr<dataplane::WorkerContext> ctx;
        std::uint64_t last_loops = 0, last_busy = 0;
        double busy_ratio = 0;
        bool stalled = false;
    };
    std::vector<std::unique_ptr<Worker>> workers_;
    bool workers_running_ = false;

    // Shared with the metrics thread (prometheus-cpp's web server): guarded by mu_.
    std::mutex mu_;
    std::map<std::pair<std::string, std::string>, Totals> folded_;  // (action, rule) -> totals
    std::array<std::uint64_t, policy::kActionCount> folded_actions_{};
    std::shared_ptr<const PolicySnapshot> metrics_policy_;
    std::map<std::pair<std::string, std::string>, std::uint64_t> device_counts_;  // class, vendor
    std::map<std::string, std::uint64_t> folded_prohibited_forwarded_;            // zone -> frames
    std::map<std::string, std::uint64_t> prohibited_detected_;  // vendor -> devices
    std::uint64_t refused_total_ = 0;
    std::uint64_t suspect_count_ = 0;

    // Control plane
    asio::io_context io_;
    std::unique_ptr<asio::signal_set> signals_;
    std::unique_ptr<asio::steady_timer> tick_;
    std::unique_ptr<ControlServer> control_;
    std::shared_ptr<CallbackCollectable> collectable_;
    std::unique_ptr<prometheus::Exposer> exposer_;
    std::uint64_t ticks_ = 0;
    std::uint64_t watchdog_usec_ = 0;
    std::chrono::steady_clock::time_point last_persist_;
    std::chrono::steady_clock::time_point last_verdict_persist_;
    std::chrono::steady_clock::time_point last_full_event_;
    bool new_verdicts_ = false;
    std::uint64_t refused_logged_ = 0;
};

// ---------------------------------------------------------------------------------------
// Start-up and shutdown

void Appliance::start() {
    ensure_directory(cfg_.state_dir);
    events_ = std::make_unique<EventLog>(
        cfg_.log_stdout, cfg_.log_file ? (fs::path(cfg_.state_dir) / kEventsFile).string() : "");
    load_initial_policy();
    restore_registry();
    // Refuse a busy socket before touching any port.
    ensure_socket_free(cfg_.socket);
    if (cfg_.metrics_enabled) {
        std::string addr = cfg_.metrics_address + ":" + std::to_string(cfg_.metrics_port);
        try {
            exposer_ = std::make_unique<prometheus::Exposer>(addr, 2);
        } catch (const std::exception& e) {
            throw std::runtime_error("cannot serve metrics on " + addr + ": " + e.what() +
                                     " (address in use?)");
        }
    }
    start_dataplane();
    signals_ = std::make_unique<asio::signal_set>(io_, SIGHUP, SIGTERM, SIGINT);
    control_ = std::make_unique<ControlServer>(
        io_, cfg_.socket, cfg_.socket_group,
        [this](const std::string& request) { return handle(request); });
    if (exposer_) {
        collectable_ = std::make_shared<CallbackCollectable>([this] { return collect(); });
        exposer_->RegisterCollectable(collectable_);
    }
    // Workers last: everything they report to exists. Registered with RCU here, before they
    // run, so no publish can miss a reader that is starting.
    for (auto& w : workers_)
        rte_rcu_qsbr_thread_register(publisher_->rcu(), w->ctx->rcu_thread);
    for (auto& w : workers_)
        if (rte_eal_remote_launch(dataplane::worker_main, w->ctx.get(), w->lcore) != 0)
            throw std::runtime_error("cannot launch the worker on lcore " +
                                     std::to_string(w->lcore));
    workers_running_ = true;

    auto e = EventLog::begin("started");
    e.field("version", version_)
        .field("config", cfg_.path)
        .field("policy", policy_->snapshot->path)
        .field("policy_source", policy_source_)
        .field("policy_sha256", policy_->snapshot->sha256)
        .field("workers", cfg_.workers)
        .field("devices_restored", static_cast<std::uint64_t>(registry_.size()));
    e.key("ports").begin_array();
    for (const auto* p : port_cfg_)
        e.value(p->name);
    e.end_array();
    log_event(e);
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0) watchdog_usec_ = usec;
    sd_notifyf(0, "READY=1\nSTATUS=enforcing policy %s (generation %llu)",
               policy_->snapshot->sha256.substr(0, 12).c_str(),
               static_cast<unsigned long long>(generation_));
}

void Appliance::start_dataplane() {
    bool no_huge = false;
    for (const auto& a : cfg_.eal_args)
        no_huge |= a == "--no-huge";
    if (!no_huge && !dataplane::hugepages_available())
        throw std::runtime_error(
            "no free 2 MiB hugepages: reserve some (scripts/hugepages.sh, or the camfence "
            "package's hugepages.conf) or add --no-huge to dataplane.eal_args");
    eal_ = std::make_unique<dataplane::Eal>(cfg_.eal_args);
    if (rte_lcore_count() < cfg_.workers + 1)
        throw std::runtime_error("dataplane.eal_args give " + std::to_string(rte_lcore_count()) +
                                 " lcore(s); workers: " + std::to_string(cfg_.workers) + " needs " +
                                 std::to_string(cfg_.workers + 1) + " (one for the control plane)");
    const auto queues = static_cast<std::uint16_t>(cfg_.workers);
    unsigned mbufs = cfg_.mbufs;
    if (mbufs == 0) {
        unsigned need = static_cast<unsigned>(cfg_.ports.size()) * cfg_.workers *
                            (cfg_.rx_descriptors + cfg_.tx_descriptors) +
                        cfg_.workers * 2 * (256 + dataplane::kBurstSize * 4) + 4096;
        mbufs = 1;
        while (mbufs < need + 1)
            mbufs <<= 1;
        mbufs -= 1;  // 2^n - 1: the mempool's best size
    }
    pool_ = dataplane::create_mempool("camfence_pool", mbufs);
    const PortConfig* cam = cfg_.port(PortSide::camera);
    const PortConfig* core = cfg_.port(PortSide::core);
    const PortConfig* quar = cfg_.port(PortSide::quarantine);
    for (const PortConfig* pc : {cam, core, quar}) {
        if (!pc) continue;
        std::string device = pc->device;
        // af_packet spreads a socket's frames over its queues by flow hash (PACKET_FANOUT):
        // one queue pair per worker unless the operator chose.
        if (device.rfind("net_af_packet", 0) == 0 && device.find("qpairs=") == std::string::npos)
            device += ",qpairs=" + std::to_string(queues);
        ports_.push_back(std::make_unique<dataplane::Port>(
            pc->name, device, pool_, queues, static_cast<std::uint16_t>(cfg_.rx_descriptors),
            static_cast<std::uint16_t>(cfg_.tx_descriptors)));
        port_cfg_.push_back(pc);
    }
    const std::uint16_t cam_id = ports_[0]->id(), core_id = ports_[1]->id();
    const std::uint16_t quar_id = quar ? ports_[2]->id() : dataplane::kNoPort;

    reports_ = rte_ring_create_elem("camfence_reports", sizeof(dataplane::DeviceReport),
                                    cfg_.report_ring_size, static_cast<int>(rte_socket_id()),
                                    RING_F_SC_DEQ);
    if (!reports_)
        throw std::runtime_error(std::string("cannot create the device report ring: ") +
                                 rte_strerror(rte_errno));
    // Fingerprint copies: their own small pool, so a flood of them can never take the
    // buffers the ports receive into.
    punt_pool_ = dataplane::create_mempool("camfence_punt", 4095);
    punts_ =
        rte_ring_create("camfence_punts", 4096, static_cast<int>(rte_socket_id()), RING_F_SC_DEQ);
    if (!punts_)
        throw std::runtime_error(std::string("cannot create the fingerprint ring: ") +
                                 rte_strerror(rte_errno));
    publisher_ = std::make_unique<dataplane::StatePublisher>(cfg_.workers);

    unsigned lcore = rte_get_next_lcore(-1, 1, 0);
    for (unsigned i = 0; i < cfg_.workers; ++i) {
        auto w = std::make_unique<Worker>();
        w->lcore = lcore;
        lcore = rte_get_next_lcore(lcore, 1, 0);
        const auto q = static_cast<std::uint16_t>(i);
        dataplane::PathOptions up{dataplane::DirectionSource::upstream_port, cam->native_vlan,
                                  quar != nullptr};
        dataplane::PathOptions down{dataplane::DirectionSource::downstream_port, core->native_vlan,
                                    quar != nullptr};
        w->paths = {{cam_id, q, core_id, q, up, quar_id, q},
                    {core_id, q, cam_id, q, down, quar_id, q}};
        w->counters[0] = std::make_unique<WorkerCounters>();
        w->counters[1] = std::make_unique<WorkerCounters>();
        w->reporter.ring = reports_;
        w->punter.ring = punts_;
        w->punter.pool = punt_pool_;
        w->punter.per_second = cfg_.punt_per_second;
        w->punter.per_device = cfg_.punt_per_device;
        w->ctx = std::make_unique<dataplane::WorkerContext>();
        auto& c = *w->ctx;
        c.state = publisher_->slot();
        c.rcu = publisher_->rcu();
        c.rcu_thread = i;
        c.paths = w->paths;
        c.counters = {w->counters[0].get(), w->counters[1].get()};
        c.reporter = &w->reporter;
        c.punter = &w->punter;
        c.stop = &stop_;
        workers_.push_back(std::move(w));
    }
    publish(policy_->snapshot, false);
}

Appliance::~Appliance() {
    stop_workers();
    exposer_.reset();  // no scrape may run past this point
    control_.reset();
    publisher_.reset();
    if (reports_) rte_ring_free(reports_);
    if (punts_) {
        rte_mbuf* m;
        while (rte_ring_sc_dequeue(punts_, reinterpret_cast<void**>(&m)) == 0)
            rte_pktmbuf_free(m);
        rte_ring_free(punts_);
    }
    if (punt_pool_) rte_mempool_free(punt_pool_);
    ports_.clear();
    if (pool_) rte_mempool_free(pool_);
    eal_.reset();
}

void Appliance::stop_workers() {
    if (!workers_running_) return;
    stop_ = true;
    rte_eal_mp_wait_lcore();
    workers_running_ = false;
}

void Appliance::wait_signal() {
    signals_->async_wait([this](boost::system::error_code ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
            reload("SIGHUP");
            wait_signal();
            return;
        }
        auto e = EventLog::begin("stopping");
        e.field("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        log_event(e);
        sd_notify(0, "STOPPING=1");
        io_.stop();
    });
}

int Appliance::run() {
    wait_signal();
    schedule_tick();
    io_.run();
    // Graceful stop: workers drain their queues, the registry takes their last reports and
    // is persisted, then the ports are released (destructor).
    stop_workers();
    drain_reports();
    pull_last_seen();
    persist_registry();
    auto e = EventLog::begin("stopped");
    e.field("devices", static_cast<std::uint64_t>(registry_.size()));
    log_event(e);
    return 0;
}

// ---------------------------------------------------------------------------------------
// Policy

LoadedState Appliance::load_policy_files(const std::string& path, const policy::LoadOptions& opts,
                                         std::int64_t now) {
    LoadedState st;
    st.loaded = policy::load_policy(path, opts);
    const std::string& dir = st.loaded.policy.registry_dir;
    auto it = oui_registries_.find(dir);
    if (it == oui_registries_.end())
        it = oui_registries_.emplace(dir, policy::load_oui_registry(dir)).first;
    st.snapshot = policy::compile_policy(st.loaded, it->second, now);
    return st;
}

namespace {

std::string last_good_path(const AppConfig& c, const char* name) {
    return (fs::path(c.state_dir) / name).string();
}

void write_errors(JsonWriter& w, const policy::PolicyError& e) {
    w.key("errors").begin_array();
    for (const auto& d : e.diagnostics())
        w.value(d.to_string());
    w.end_array();
}

}  // namespace

void Appliance::load_initial_policy() {
    const double read_at = precise_now();
    std::int64_t now = unix_now();
    try {
        policy_ = std::make_unique<LoadedState>(load_policy_files(cfg_.policy, {}, now));
        save_last_good(*policy_);
    } catch (const policy::PolicyError& e) {
        // The configured file is broken: enforce the last policy that loaded, loudly.
        std::string lg = last_good_path(cfg_, kLastGoodPolicyFile);
        std::string meta_text =
            read_file(last_good_path(cfg_, "last-good-policy.json")).value_or("");
        if (meta_text.empty() || !fs::exists(lg)) throw;
        std::cerr << "camfenced: the configured policy " << cfg_.policy << " is rejected:\n"
                  << e.what();
        JsonValue meta = parse_json(meta_text);
        policy::LoadOptions opts{last_good_path(cfg_, "last-good-catalog.yaml"),
                                 meta.get_string("registry_dir")};
        policy_ = std::make_unique<LoadedState>(load_policy_files(lg, opts, now));
        policy_source_ = "last-good";
        std::cerr << "camfenced: WARNING: enforcing the last good policy (sha256 "
                  << policy_->snapshot->sha256 << ", saved " << meta.get_string("saved_at")
                  << ") until " << cfg_.policy << " is fixed and reloaded\n";
        auto ev = EventLog::begin("policy_fallback", "error");
        ev.field("configured", cfg_.policy)
            .field("enforcing", lg)
            .field("sha256", policy_->snapshot->sha256);
        write_errors(ev, e);
        log_event(ev);
    }
    generation_ = 1;
    policy_loaded_at_ = now;
    policy_read_at_ = read_at;
    last_reload_at_ = now;
    std::lock_guard lock(mu_);
    metrics_policy_ = policy_->snapshot;
}

void Appliance::save_last_good(const LoadedState& st) {
    std::string meta_path = last_good_path(cfg_, "last-good-policy.json");
    if (auto old = read_file(meta_path)) {
        try {
            if (parse_json(*old).get_string("sha256") == st.snapshot->sha256 &&
                fs::exists(last_good_path(cfg_, kLastGoodPolicyFile)))
                return;
        } catch (const std::exception&) {
        }
    }
    auto policy_text = read_file(st.loaded.policy.path);
    auto catalog_text = read_file(st.loaded.policy.catalog_path);
    if (!policy_text || !catalog_text) return;
    write_file_atomic(last_good_path(cfg_, "last-good-catalog.yaml"), *catalog_text);
    write_file_atomic(last_good_path(cfg_, kLastGoodPolicyFile), *policy_text);
    JsonWriter w;
    w.begin_object()
        .field("source", st.loaded.policy.path)
        .field("catalog", st.loaded.policy.catalog_path)
        .field("registry_dir", st.loaded.policy.registry_dir)
        .field("sha256", st.snapshot->sha256)
        .field("saved_at", rfc3339(unix_now()))
        .end_object();
    write_file_atomic(meta_path, w.str() + "\n");
}

std::string Appliance::reload(const std::string& trigger) {
    const double read_at = precise_now();
    std::int64_t now = unix_now();
    JsonWriter reply;
    reply.begin_object();
    try {
        LoadedState st = load_policy_files(cfg_.policy, {}, now);
        std::string old_sha = policy_->snapshot->sha256;
        install_policy(std::move(st), "policy reload");
        policy_source_ = "configured";
        ++reloads_ok_;
        last_reload_at_ = now;
        policy_loaded_at_ = now;
        policy_read_at_ = read_at;
        try {
            save_last_good(*policy_);
        } catch (const std::exception& e) {
            std::cerr << "camfenced: cannot keep the last good policy: " << e.what() << "\n";
        }
        auto ev = EventLog::begin("reload");
        ev.field("result", "ok")
            .field("trigger", trigger)
            .field("generation", generation_)
            .field("sha256", policy_->snapshot->sha256)
            .field("previous_sha256", old_sha);
        ev.key("warnings").begin_array();
        for (const auto& w : policy_->snapshot->warnings)
            ev.value(w);
        ev.end_array();
        log_event(ev);
        reply.field("ok", true)
            .field("generation", generation_)
            .field("sha256", policy_->snapshot->sha256);
        reply.key("warnings").begin_array();
        for (const auto& w : policy_->snapshot->warnings)
            reply.value(w);
        reply.end_array();
    } catch (const policy::PolicyError& e) {
        ++reloads_failed_;
        last_reload_at_ = now;
        auto ev = EventLog::begin("reload", "error");
        ev.field("result", "failed")
            .field("trigger", trigger)
            .field("generation", generation_)
            .field("sha256", policy_->snapshot->sha256);
        write_errors(ev, e);
        log_event(ev);
        reply.field("ok", false)
            .field("error",
                   "policy rejected; generation " + std::to_string(generation_) + " stays in force")
            .field("generation", generation_);
        write_errors(reply, e);
    } catch (const std::exception& e) {
        // Not a policy error (memory, a file vanishing mid-read): the running policy stays.
        ++reloads_failed_;
        last_reload_at_ = now;
        auto ev = EventLog::begin("reload", "error");
        ev.field("result", "failed").field("trigger", trigger).field("error", e.what());
        log_event(ev);
        reply.field("ok", false)
            .field("error", std::string("reload failed: ") + e.what() + "; generation " +
                                std::to_string(generation_) + " stays in force")
            .field("generation", generation_);
    }
    reply.end_object();
    return reply.str();
}

void Appliance::install_policy(LoadedState st, const std::string& reason) {
    pull_last_seen();
    auto changes = registry_.reevaluate(*st.snapshot, reason);
    policy_ = std::make_unique<LoadedState>(std::move(st));
    ++generation_;
    publish(policy_->snapshot, true);
    log_changes(changes);
    update_device_counts();
    persist_registry();
    sd_notifyf(0, "STATUS=enforcing policy %s (generation %llu)",
               policy_->snapshot->sha256.substr(0, 12).c_str(),
               static_cast<unsigned long long>(generation_));
}

void Appliance::check_exception_expiry() {
    std::int64_t now = unix_now();
    const auto& snap = *policy_->snapshot;
    std::vector<const policy::ExceptionInfo*> expired;
    for (const auto& e : snap.exceptions)
        if (e.expired_since_compile(now)) expired.push_back(&e);
    if (expired.empty()) return;
    for (const auto* e : expired) {
        auto ev = EventLog::begin("exception_expired", "warning");
        ev.field("mac", e->mac.to_string()).field("until", e->until).field("reason", e->reason);
        log_event(ev);
    }
    LoadedState st;
    st.loaded = policy_->loaded;
    st.snapshot =
        policy::compile_policy(st.loaded, oui_registries_.at(st.loaded.policy.registry_dir), now);
    install_policy(std::move(st), "exception expired");
}

// ---------------------------------------------------------------------------------------
// Data plane state

std::shared_ptr<const dataplane::DeviceTable> Appliance::build_device_table() {
    // Room for a per-MAC sticky entry (kAnyVlan) and an IPv4 binding beside every device.
    // Sized to what it holds, not to the capacity, so it stays in cache: it is rebuilt on
    // every change anyway (the registry enforces device_capacity).
    auto t = std::make_shared<dataplane::DeviceTable>(3 * registry_.size() + 16);
    constexpr auto kSticky = dataplane::DeviceSlot::kStickyProhibited;
    // IPv4 bindings: each address goes to the device that used it last, and is bound
    // (enforced by address) only if that device's verdict is sticky.
    std::map<std::uint32_t, const Device*> owner;
    for (const auto& [key, d] : registry_.devices()) {
        t->insert({dataplane::device_key(d.mac, d.vlan),
                   static_cast<std::uint8_t>(d.sticky ? kSticky : 0),
                   static_cast<std::uint32_t>(d.last_seen)});
        if (d.sticky) t->insert({dataplane::device_key(d.mac, dataplane::kAnyVlan), kSticky, 0});
        in_addr a{};
        if (!d.ips.empty() && inet_pton(AF_INET, d.ips.back().c_str(), &a) == 1) {
            const Device*& o = owner[ntohl(a.s_addr)];
            if (!o || o->last_seen <= d.last_seen) o = &d;
        }
    }
    for (const auto& [ip, d] : owner)
        if (d->sticky) t->insert({dataplane::ipv4_binding_key(ip), kSticky, 0});
    return t;
}

void Appliance::publish(std::shared_ptr<const PolicySnapshot> policy, bool new_bank) {
    std::shared_ptr<const PolicySnapshot> old_policy =
        publisher_->current() ? publisher_->current()->policy : nullptr;
    const unsigned old_bank = bank_;
    const unsigned next_bank = new_bank ? bank_ ^ 1 : bank_;
    auto st = std::make_unique<DataplaneState>();
    st->policy = std::move(policy);
    st->devices = build_device_table();
    st->bank = next_bank;
    st->generation = generation_;
    publisher_->publish(std::move(st));  // returns after the grace period
    table_dirty_ = false;
    if (new_bank && old_policy) fold_bank(old_bank, *old_policy, next_bank);
}

// Until this runs, a scrape reads the old bank under the old policy's names (complete: no
// worker writes it any more); after it, the folded totals plus the new bank. Counters
// never go backwards.
void Appliance::fold_bank(unsigned bank, const PolicySnapshot& s, unsigned next_bank) {
    std::lock_guard lock(mu_);
    bank_ = next_bank;
    for (auto& w : workers_) {
        WorkerCounters& c = *w->counters[bank];
        for (std::size_t slot = 0; slot < s.slot_count(); ++slot) {
            if (!c.slots[slot].frames) continue;
            Totals& t = folded_[{slot_action(s, slot), s.slot_name(slot)}];
            t.frames += c.slots[slot].frames;
            t.bytes += c.slots[slot].bytes;
        }
        for (int a = 0; a < policy::kActionCount; ++a)
            folded_actions_[a] += c.action_frames[a];
        for (std::size_t b = 0; b < dataplane::kZoneBuckets; ++b)
            if (c.prohibited_forwarded[b])
                folded_prohibited_forwarded_[dataplane::zone_bucket_name(s, b)] +=
                    c.prohibited_forwarded[b];
        // Anomaly and failure counts are summed over both banks at report time; keep them.
        WorkerCounters kept{};
        kept.anomalies = c.anomalies;
        kept.fragments = c.fragments;
        kept.quarantine_no_room = c.quarantine_no_room;
        kept.tx_failed = c.tx_failed;
        c = kept;
    }
    metrics_policy_ = policy_->snapshot;
}

// ---------------------------------------------------------------------------------------
// Device registry

void Appliance::restore_registry() {
    std::string path = (fs::path(cfg_.state_dir) / kDevicesFile).string();
    auto text = read_file(path);
    if (text) {
        try {
            registry_ = DeviceRegistry::from_json(*text, cfg_.device_capacity);
        } catch (const std::exception& e) {
            // Keep the unreadable file for the operator; start with an empty inventory.
            std::string aside = path + ".unreadable-" + std::to_string(unix_now());
            fs::rename(path, aside);
            auto ev = EventLog::begin("inventory_unreadable", "error");
            ev.field("file", path).field("moved_to", aside).field("error", e.what());
            log_event(ev);
            std::cerr << "camfenced: WARNING: " << path << " is unreadable (" << e.what()
                      << "); moved to " << aside << "\n";
        }
    }
    log_changes(registry_.reevaluate(*policy_->snapshot, "policy at start-up"));
    update_device_counts();
}

void Appliance::drain_reports() {
    if (!reports_) return;
    dataplane::DeviceReport batch[64];
    const PolicySnapshot& snap = *policy_->snapshot;
    std::vector<VerdictChange> changes;
    for (int round = 0; round < 64; ++round) {
        unsigned n = rte_ring_sc_dequeue_burst_elem(reports_, batch, sizeof batch[0], 64, nullptr);
        for (unsigned i = 0; i < n; ++i) {
            const auto& r = batch[i];
            auto mac = dataplane::key_mac(r.key);
            auto vlan = dataplane::key_vlan(r.key);
            bool known = registry_.devices().count(r.key) != 0;
            if (auto c = registry_.observe(mac, vlan, r.time, ip_text(r), snap))
                changes.push_back(*c);
            if (!known && registry_.devices().count(r.key)) table_dirty_ = true;
            persist_dirty_ = true;
        }
        if (n < 64) break;
    }
    if (!changes.empty()) {
        log_changes(changes);
        update_device_counts();
    }
    if (registry_.refused() > refused_logged_) {
        {
            std::lock_guard lock(mu_);
            refused_total_ = registry_.refused();
        }
        // The inventory is full: new devices are still enforced by the policy (OUI), but are
        // not recorded. Said once per 10 s at most.
        auto now = std::chrono::steady_clock::now();
        if (now - last_full_event_ >= std::chrono::seconds(10)) {
            auto ev = EventLog::begin("inventory_full", "error");
            ev.field("capacity", static_cast<std::uint64_t>(registry_.capacity()))
                .field("refused", registry_.refused());
            log_event(ev);
            last_full_event_ = now;
            refused_logged_ = registry_.refused();
        }
    }
    if (table_dirty_ && workers_running_) publish(policy_->snapshot, false);
    // A new verdict reaches the disk within 100 ms (batched: a burst of new devices is one
    // write); a changed one at once (reload, clear).
    if (!changes.empty()) new_verdicts_ = true;
    if (new_verdicts_ && std::chrono::steady_clock::now() - last_verdict_persist_ >=
                             std::chrono::milliseconds(100)) {
        persist_registry();
        new_verdicts_ = false;
        last_verdict_persist_ = std::chrono::steady_clock::now();
    }
}

void Appliance::drain_punts() {
    if (!punts_) return;
    rte_mbuf* batch[64];
    const PolicySnapshot& snap = *policy_->snapshot;
    std::vector<VerdictChange> changes;
    std::vector<fingerprint::Observation> obs;
    std::vector<SeenField> seen;
    const std::int64_t now = unix_now();
    bool sticky_changed = false, suspect_seen = false;
    for (int round = 0; round < 16; ++round) {  // at most 1024 per tick
        unsigned n =
            rte_ring_sc_dequeue_burst(punts_, reinterpret_cast<void**>(batch), 64, nullptr);
        for (unsigned i = 0; i < n; ++i) {
            rte_mbuf* m = batch[i];
            dataplane::PuntMeta meta;
            std::memcpy(&meta, rte_pktmbuf_mtod(m, const void*), sizeof meta);
            fingerprint::Bytes bytes{rte_pktmbuf_mtod_offset(m, const std::byte*, sizeof meta),
                                     rte_pktmbuf_data_len(m) - sizeof meta};
            dataplane::ParsedFrame f = dataplane::parse_frame(bytes);
            const auto kind = static_cast<fingerprint::PuntKind>(meta.kind);
            obs.clear();
            fingerprint::observe(kind, f, bytes, obs);
            rte_pktmbuf_free(m);
            if (kind == fingerprint::PuntKind::arp) {
                // The address the device uses now: its IPv4 binding follows it.
                if (f.has_ip && f.src_ip_lo != 0) {
                    in_addr a{htonl(static_cast<std::uint32_t>(f.src_ip_lo))};
                    char text[INET_ADDRSTRLEN] = {};
                    inet_ntop(AF_INET, &a, text, sizeof text);
                    const auto mac = dataplane::key_mac(meta.device_key);
                    const auto vlan = dataplane::key_vlan(meta.device_key);
                    if (registry_.note_address(mac, vlan, now, text, snap, changes))
                        table_dirty_ = true;
                    persist_dirty_ = true;
                }
                continue;
            }
            if (obs.empty()) continue;
            seen.clear();
            for (const auto& o : obs)
                seen.push_back({std::string(fingerprint::to_string(o.protocol)), o.field, o.value});
            const auto mac = dataplane::key_mac(meta.device_key);
            const auto vlan = dataplane::key_vlan(meta.device_key);
            const auto key = dataplane::device_key(mac, vlan);
            const bool known = registry_.devices().count(key) != 0;
            const bool was_sticky = known && registry_.devices().at(key).sticky;
            bool suspect = false;
            if (auto c = registry_.observe_protocol(mac, vlan, now, 0, seen, snap, suspect))
                changes.push_back(*c);
            persist_dirty_ = true;
            auto it = registry_.devices().find(key);
            if (it == registry_.devices().end()) continue;
            if (it->second.sticky != was_sticky) sticky_changed = true;
            if (!known) table_dirty_ = true;
            if (suspect) {
                suspect_seen = true;
                auto ev = EventLog::begin("white_label_suspect", "warning");
                ev.field("mac", policy::MacAddress{mac}.to_string())
                    .field("vlan", unsigned{vlan})
                    .field("oui_organization", it->second.organization)
                    .field("oui_vendor", it->second.vendor)
                    .field("protocol_vendor", it->second.protocol_vendor);
                log_event(ev);
            }
        }
        if (n < 64) break;
    }
    if (!changes.empty()) log_changes(changes);
    if (!changes.empty() || suspect_seen) update_device_counts();
    // The new verdict reaches every worker now: within this 10 ms tick of the evidence.
    if ((sticky_changed || table_dirty_) && workers_running_) publish(policy_->snapshot, false);
    if (!changes.empty()) {
        persist_registry();
        last_verdict_persist_ = std::chrono::steady_clock::now();
    }
}

void Appliance::log_changes(const std::vector<VerdictChange>& changes) {
    for (const auto& c : changes) {
        const Device& d = registry_.devices().at(dataplane::device_key(c.mac, c.vlan));
        const bool bad = c.to == DeviceClass::prohibited;
        if (bad && c.from != DeviceClass::prohibited) {
            std::lock_guard lock(mu_);
            ++prohibited_detected_[metric_vendor(d)];
        }
        auto ev =
            EventLog::begin(c.from ? "verdict_change" : "device_new", bad ? "warning" : "info");
        ev.field("mac", policy::MacAddress{c.mac}.to_string()).field("vlan", unsigned{c.vlan});
        if (c.from)
            ev.field("from", std::string(policy::to_string(*c.from)));
        else
            ev.key("from").null();
        ev.field("to", std::string(policy::to_string(c.to)))
            .field("reason", c.reason)
            .field("vendor", d.vendor)
            .field("organization", d.organization)
            .field("sticky", d.sticky);
        ev.key("ips").begin_array();
        for (const auto& ip : d.ips)
            ev.value(ip);
        ev.end_array();
        write_evidence(ev, d, false);
        if (!d.protocol_vendor.empty()) ev.field("protocol_vendor", d.protocol_vendor);
        if (d.white_label_suspect) ev.field("white_label_suspect", true);
        if (!d.model.empty()) ev.field("model", d.model);
        if (!d.serial.empty()) ev.field("serial", d.serial);
        if (!d.firmware.empty()) ev.field("firmware", d.firmware);
        log_event(ev);
    }
}

void Appliance::pull_last_seen() {
    const DataplaneState* st = publisher_ ? publisher_->current() : nullptr;
    if (!st || !st->devices) return;
    for (const auto& e : st->devices->entries())
        if (e.last_seen) {
            auto it = registry_.devices().find(e.key);
            if (it != registry_.devices().end() && it->second.last_seen < e.last_seen) {
                registry_.touch(dataplane::key_mac(e.key), dataplane::key_vlan(e.key), e.last_seen);
                persist_dirty_ = true;
            }
        }
}

void Appliance::persist_registry() {
    try {
        write_file_atomic((fs::path(cfg_.state_dir) / kDevicesFile).string(),
                          registry_.to_json(unix_now()));
        persist_dirty_ = false;
    } catch (const std::exception& e) {
        auto ev = EventLog::begin("persist_failed", "error");
        ev.field("error", e.what());
        log_event(ev);
    }
}

void Appliance::update_device_counts() {
    std::map<std::pair<std::string, std::string>, std::uint64_t> counts;
    for (const auto& [key, d] : registry_.devices())
        ++counts[{std::string(policy::to_string(d.verdict())), metric_vendor(d)}];
    std::uint64_t suspects = 0;
    for (const auto& [key, d] : registry_.devices())
        suspects += d.white_label_suspect;
    std::lock_guard lock(mu_);
    device_counts_ = std::move(counts);
    suspect_count_ = suspects;
    refused_total_ = registry_.refused();
}

// ---------------------------------------------------------------------------------------
// Periodic work: every 10 ms the report ring, every second the rest.

void Appliance::schedule_tick() {
    if (!tick_) tick_ = std::make_unique<asio::steady_timer>(io_);
    tick_->expires_after(std::chrono::milliseconds(10));
    tick_->async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        try {
            drain_reports();
            drain_punts();
            if (++ticks_ % 100 == 0) housekeeping();
        } catch (const std::exception& e) {
            // The control plane keeps running (the workers never depended on it per frame).
            auto ev = EventLog::begin("internal_error", "error");
            ev.field("where", "periodic tasks").field("error", e.what());
            log_event(ev);
        }
        schedule_tick();
    });
}

void Appliance::housekeeping() {
    // Busy ratio and progress of every worker; the watchdog is fed only while all progress.
    bool all_progress = true;
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        Worker& w = *workers_[i];
        std::uint64_t loops = w.ctx->loops.load(std::memory_order_relaxed);
        std::uint64_t busy = w.ctx->busy_loops.load(std::memory_order_relaxed);
        if (loops == w.last_loops) {
            all_progress = false;
            if (!w.stalled) {
                auto ev = EventLog::begin("worker_stalled", "error");
                ev.field("worker", static_cast<std::uint64_t>(i)).field("lcore", w.lcore);
                log_event(ev);
            }
            w.stalled = true;
        } else {
            std::lock_guard lock(mu_);
            w.busy_ratio =
                static_cast<double>(busy - w.last_busy) / static_cast<double>(loops - w.last_loops);
            w.stalled = false;
        }
        w.last_loops = loops;
        w.last_busy = busy;
    }
    if (watchdog_usec_ && all_progress) sd_notify(0, "WATCHDOG=1");
    check_exception_expiry();
    auto now = std::chrono::steady_clock::now();
    if (now - last_persist_ >= std::chrono::milliseconds(cfg_.persist_interval_ms)) {
        pull_last_seen();
        if (persist_dirty_) persist_registry();
        last_persist_ = now;
    }
}

// ---------------------------------------------------------------------------------------
// Control socket

namespace {

std::string error_reply(const std::string& message) {
    JsonWriter w;
    w.begin_object().field("ok", false).field("error", message).end_object();
    return w.str();
}

void write_device(JsonWriter& w, const Device& d) {
    w.begin_object()
        .field("mac", policy::MacAddress{d.mac}.to_string())
        .field("vlan", unsigned{d.vlan})
        .field("verdict", std::string(policy::to_string(d.verdict())))
        .field("policy_class", std::string(policy::to_string(d.policy_class)))
        .field("sticky", d.sticky)
        .field("vendor", d.vendor)
        .field("organization", d.organization)
        .field("first_seen", rfc3339(d.first_seen))
        .field("last_seen", rfc3339(d.last_seen));
    w.key("ips").begin_array();
    for (const auto& ip : d.ips)
        w.value(ip);
    w.end_array();
    write_evidence(w, d, true);
    w.field("protocol_vendor", d.protocol_vendor)
        .field("white_label_suspect", d.white_label_suspect)
        .field("model", d.model)
        .field("serial", d.serial)
        .field("firmware", d.firmware);
    w.end_object();
}

}  // namespace

std::string Appliance::handle(const std::string& request) {
    JsonValue req;
    try {
        req = parse_json(request);
    } catch (const JsonError& e) {
        return error_reply(std::string("request is not JSON: ") + e.what());
    }
    if (!req.is_object()) return error_reply("request must be a JSON object");
    const JsonValue* cmd = req.find("command");
    if (!cmd || !cmd->is_string())
        return error_reply("request needs \"command\": status, devices, reload, clear, exceptions");
    const std::string& c = cmd->as_string();
    try {
        if (c == "status") return status_json();
        if (c == "devices") {
            pull_last_seen();
            return devices_json();
        }
        if (c == "reload") return reload("control socket");
        if (c == "clear") return clear(req);
        if (c == "exceptions") return exceptions_json();
    } catch (const std::exception& e) {
        return error_reply(std::string("failed: ") + e.what());
    }
    return error_reply("unknown command '" + c + "' (status, devices, reload, clear, exceptions)");
}

std::string Appliance::clear(const JsonValue& req) {
    const JsonValue* m = req.find("mac");
    if (!m || !m->is_string()) return error_reply("clear needs \"mac\"");
    auto mac = policy::MacAddress::parse(m->as_string());
    if (!mac) return error_reply("not a MAC address: '" + m->as_string() + "'");
    std::optional<std::uint16_t> vlan;
    if (const JsonValue* v = req.find("vlan"); v && !v->is_null()) {
        if (!v->is_number()) return error_reply("vlan must be a number");
        std::int64_t n = v->as_int();
        if (n < 0 || n > 4094) return error_reply("vlan must be 0-4094");
        vlan = static_cast<std::uint16_t>(n);
    }
    std::size_t found = 0;
    auto changes = registry_.clear(mac->value, vlan, found);
    if (found == 0) return error_reply("no device " + mac->to_string() + " in the inventory");
    auto ev = EventLog::begin("clear");
    ev.field("mac", mac->to_string()).field("devices", static_cast<std::uint64_t>(found));
    log_event(ev);
    log_changes(changes);
    update_device_counts();
    publish(policy_->snapshot, false);
    persist_registry();
    JsonWriter w;
    w.begin_object().field("ok", true).field("devices", static_cast<std::uint64_t>(found));
    w.key("changes").begin_array();
    for (const auto& ch : changes)
        w.begin_object()
            .field("mac", policy::MacAddress{ch.mac}.to_string())
            .field("vlan", unsigned{ch.vlan})
            .field("from", std::string(policy::to_string(*ch.from)))
            .field("to", std::string(policy::to_string(ch.to)))
            .end_object();
    w.end_array();
    // Still prohibited by the policy itself: clearing a sticky verdict does not override it.
    bool still = false;
    for (const auto& [key, d] : registry_.devices())
        still |= d.mac == mac->value && (!vlan || d.vlan == *vlan) &&
                 d.policy_class == DeviceClass::prohibited;
    w.field("still_prohibited_by_policy", still);
    w.end_object();
    return w.str();
}

std::string Appliance::devices_json() {
    JsonWriter w;
    w.begin_object().field("ok", true);
    w.key("devices").begin_array();
    for (const auto& [key, d] : registry_.devices())
        write_device(w, d);
    w.end_array();
    w.field("capacity", static_cast<std::uint64_t>(registry_.capacity()))
        .field("refused", registry_.refused())
        .end_object();
    return w.str();
}

std::string Appliance::exceptions_json() {
    JsonWriter w;
    w.begin_object().field("ok", true);
    w.key("exceptions").begin_array();
    for (const auto& e : policy_->snapshot->exceptions) {
        bool seen = false;
        for (const auto& [key, d] : registry_.devices())
            seen |= d.mac == e.mac.value;
        w.begin_object()
            .field("mac", e.mac.to_string())
            .field("until", e.until)
            .field("active", e.active)
            .field("reason", e.reason)
            .field("seen", seen)
            .end_object();
    }
    w.end_array().end_object();
    return w.str();
}

std::string Appliance::status_json() {
    const PolicySnapshot& s = *policy_->snapshot;
    JsonWriter w;
    w.begin_object()
        .field("ok", true)
        .field("version", version_)
        .field("started_at", rfc3339(started_at_))
        .field("uptime_seconds", unix_now() - started_at_);
    w.key("policy")
        .begin_object()
        .field("path", s.path)
        .field("source", policy_source_)
        .field("configured", cfg_.policy)
        .field("site", s.site_name)
        .field("sha256", s.sha256)
        .field("generation", generation_)
        .field("loaded_at", rfc3339(policy_loaded_at_))
        .field("rules", static_cast<std::uint64_t>(s.rule_names.size()))
        .field("reloads_ok", reloads_ok_)
        .field("reloads_failed", reloads_failed_)
        .end_object();
    w.key("ports").begin_array();
    for (std::size_t i = 0; i < ports_.size(); ++i) {
        rte_eth_stats st{};
        rte_eth_stats_get(ports_[i]->id(), &st);
        w.begin_object()
            .field("name", port_cfg_[i]->name)
            .field("side", to_string(port_cfg_[i]->side))
            .field("device", port_cfg_[i]->device);
        if (port_cfg_[i]->native_vlan >= 0) w.field("native_vlan", port_cfg_[i]->native_vlan);
        w.field("rx_packets", std::uint64_t{st.ipackets})
            .field("tx_packets", std::uint64_t{st.opackets})
            .field("rx_bytes", std::uint64_t{st.ibytes})
            .field("tx_bytes", std::uint64_t{st.obytes})
            .field("rx_missed", std::uint64_t{st.imissed})
            .field("rx_errors", std::uint64_t{st.ierrors})
            .field("tx_errors", std::uint64_t{st.oerrors});
        // Per rx queue (one per worker): how RSS spreads the load.
        w.key("rx_queue_packets").begin_array();
        for (unsigned q = 0; q < cfg_.workers && q < RTE_ETHDEV_QUEUE_STAT_CNTRS; ++q)
            w.value(std::uint64_t{st.q_ipackets[q]});
        w.end_array().end_object();
    }
    w.end_array();
    std::array<std::uint64_t, policy::kActionCount> actions{};
    std::uint64_t anomalies = 0, tx_failed = 0, no_room = 0, reports_lost = 0;
    w.key("workers").begin_array();
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        Worker& wk = *workers_[i];
        for (int b = 0; b < 2; ++b) {
            const WorkerCounters& c = *wk.counters[b];
            for (int a = 0; a < policy::kActionCount; ++a)
                actions[a] += dataplane::read_counter(c.action_frames[a]);
            anomalies += dataplane::read_counter(c.anomalies);
            tx_failed += dataplane::read_counter(c.tx_failed);
            no_room += dataplane::read_counter(c.quarantine_no_room);
        }
        reports_lost += dataplane::read_counter(wk.reporter.lost);
        std::lock_guard lock(mu_);
        w.begin_object()
            .field("worker", static_cast<std::uint64_t>(i))
            .field("lcore", wk.lcore)
            .field("loops", wk.ctx->loops.load(std::memory_order_relaxed))
            .field("busy_ratio", wk.busy_ratio)
            .field("stalled", wk.stalled)
            .end_object();
    }
    w.end_array();
    {
        std::lock_guard lock(mu_);
        for (int a = 0; a < policy::kActionCount; ++a)
            actions[a] += folded_actions_[a];
    }
    std::uint64_t p_ok = 0, p_shed = 0, p_failed = 0;
    for (auto& wk : workers_) {
        p_ok += dataplane::read_counter(wk->punter.punted);
        p_shed += dataplane::read_counter(wk->punter.shed);
        p_failed += dataplane::read_counter(wk->punter.failed);
    }
    w.key("fingerprint")
        .begin_object()
        .field("punted", p_ok)
        .field("shed", p_shed)
        .field("failed", p_failed)
        .end_object();
    w.key("frames")
        .begin_object()
        .field("forward", actions[0])
        .field("drop", actions[1])
        .field("quarantine", actions[2])
        .field("anomalies", anomalies)
        .field("tx_failed", tx_failed)
        .field("quarantine_no_room", no_room)
        .end_object();
    std::map<std::string, std::uint64_t> by_verdict;
    for (const auto& [key, d] : registry_.devices())
        ++by_verdict[std::string(policy::to_string(d.verdict()))];
    w.key("devices").begin_object().field("total", static_cast<std::uint64_t>(registry_.size()));
    for (const auto& [k, n] : by_verdict)
        w.field(k, n);
    w.field("capacity", static_cast<std::uint64_t>(registry_.capacity()))
        .field("reports_lost", reports_lost)
        .end_object();
    w.end_object();
    return w.str();
}

// ---------------------------------------------------------------------------------------
// Metrics (called on prometheus-cpp's web server thread)

std::vector<prometheus::MetricFamily> Appliance::collect() {
    using prometheus::MetricType;
    std::vector<prometheus::MetricFamily> out;
    std::lock_guard lock(mu_);
    const PolicySnapshot& s = *metrics_policy_;

    FamilyBuilder info("camfence_build_info", "camfenced version", MetricType::Gauge);
    info.add({{"version", version_}}, 1);
    out.push_back(info.take());

    FamilyBuilder rxp("camfence_port_rx_packets_total", "Frames received on a port",
                      MetricType::Counter);
    FamilyBuilder txp("camfence_port_tx_packets_total", "Frames sent on a port",
                      MetricType::Counter);
    FamilyBuilder rxb("camfence_port_rx_bytes_total", "Bytes received on a port",
                      MetricType::Counter);
    FamilyBuilder txb("camfence_port_tx_bytes_total", "Bytes sent on a port", MetricType::Counter);
    FamilyBuilder miss("camfence_port_rx_missed_total",
                       "Frames the port dropped because the rx queue was full",
                       MetricType::Counter);
    for (std::size_t i = 0; i < ports_.size(); ++i) {
        rte_eth_stats st{};
        rte_eth_stats_get(ports_[i]->id(), &st);
        std::vector<std::pair<std::string, std::string>> l{{"port", port_cfg_[i]->name}};
        rxp.add(l, static_cast<double>(st.ipackets));
        txp.add(l, static_cast<double>(st.opackets));
        rxb.add(l, static_cast<double>(st.ibytes));
        txb.add(l, static_cast<double>(st.obytes));
        miss.add(l, static_cast<double>(st.imissed));
    }
    for (auto* f : {&rxp, &txp, &rxb, &txb, &miss})
        out.push_back(f->take());

    // Per (action, rule): what earlier policies counted, plus the live bank of this one.
    std::map<std::pair<std::string, std::string>, Totals> totals = folded_;
    std::uint64_t tx_failed = 0, no_room = 0, anomalies = 0, fragments = 0;
    for (auto& w : workers_) {
        const WorkerCounters& c = *w->counters[bank_];
        for (std::size_t slot = 0; slot < s.slot_count(); ++slot) {
            std::uint64_t f = dataplane::read_counter(c.slots[slot].frames);
            if (!f && !totals.count({slot_action(s, slot), s.slot_name(slot)})) {
                totals[{slot_action(s, slot), s.slot_name(slot)}];  // zero: the series exists
                continue;
            }
            Totals& t = totals[{slot_action(s, slot), s.slot_name(slot)}];
            t.frames += f;
            t.bytes += dataplane::read_counter(c.slots[slot].bytes);
        }
        for (int b = 0; b < 2; ++b) {
            const WorkerCounters& cb = *w->counters[b];
            tx_failed += dataplane::read_counter(cb.tx_failed);
            no_room += dataplane::read_counter(cb.quarantine_no_room);
            anomalies += dataplane::read_counter(cb.anomalies);
            fragments += dataplane::read_counter(cb.fragments);
        }
    }
    FamilyBuilder frames("camfence_frames_total", "Frames acted on, by action and rule",
                         MetricType::Counter);
    FamilyBuilder bytes("camfence_bytes_total", "Bytes acted on, by action and rule",
                        MetricType::Counter);
    for (const auto& [k, t] : totals) {
        frames.add({{"action", k.first}, {"rule", k.second}}, static_cast<double>(t.frames));
        bytes.add({{"action", k.first}, {"rule", k.second}}, static_cast<double>(t.bytes));
    }
    out.push_back(frames.take());
    out.push_back(bytes.take());

    FamilyBuilder txf("camfence_tx_failed_total", "Frames freed because an egress queue was full",
                      MetricType::Counter);
    txf.add({}, static_cast<double>(tx_failed));
    FamilyBuilder nr("camfence_quarantine_no_room_total",
                     "Frames to quarantine without headroom for a tag: dropped instead",
                     MetricType::Counter);
    nr.add({}, static_cast<double>(no_room));
    FamilyBuilder an("camfence_anomalous_frames_total",
                     "Frames with a header cut short or impossible", MetricType::Counter);
    an.add({}, static_cast<double>(anomalies));
    FamilyBuilder fr("camfence_fragments_total", "IP fragments seen", MetricType::Counter);
    fr.add({}, static_cast<double>(fragments));
    for (auto* f : {&txf, &nr, &an, &fr})
        out.push_back(f->take());

    FamilyBuilder dev("camfence_devices", "Devices in the inventory by verdict and vendor",
                      MetricType::Gauge);
    for (int c = 0; c < policy::kDeviceClassCount; ++c)
        if (!device_counts_.count(
                {std::string(policy::to_string(static_cast<DeviceClass>(c))), ""}))
            dev.add({{"class", std::string(policy::to_string(static_cast<DeviceClass>(c)))},
                     {"vendor", ""}},
                    0);
    for (const auto& [k, n] : device_counts_)
        dev.add({{"class", k.first}, {"vendor", k.second}}, static_cast<double>(n));
    out.push_back(dev.take());

    FamilyBuilder detected("camfence_prohibited_detected_total",
                           "Devices this process judged prohibited (first sight, evidence or a "
                           "policy change), by vendor",
                           MetricType::Counter);
    std::map<std::string, std::uint64_t> detections = prohibited_detected_;
    // A zero series for every catalog vendor, so that the first detection is an increase,
    // even of a vendor a reload has just prohibited.
    for (const auto& v : s.vendors)
        detections[v.id];
    for (const auto& [vendor, n] : detections)
        detected.add({{"vendor", vendor}}, static_cast<double>(n));
    out.push_back(detected.take());

    // Frames of prohibited devices the policy forwarded, by the zone they went to or came
    // from: a policy gap. Every zone of the policy has a series, zero until it happens.
    std::map<std::string, std::uint64_t> gap = folded_prohibited_forwarded_;
    for (std::size_t b = 0; b < dataplane::kZoneBuckets; ++b) {
        if (!dataplane::zone_bucket_used(s, b)) continue;
        std::uint64_t n = 0;
        for (auto& w : workers_)
            n += dataplane::read_counter(w->counters[bank_]->prohibited_forwarded[b]);
        gap[dataplane::zone_bucket_name(s, b)] += n;
    }
    FamilyBuilder gapf("camfence_prohibited_forwarded_frames_total",
                       "Frames to or from prohibited devices that the policy forwarded, by the "
                       "peer's zone (a policy gap)",
                       MetricType::Counter);
    for (const auto& [zone, n] : gap)
        gapf.add({{"zone", zone}}, static_cast<double>(n));
    out.push_back(gapf.take());

    FamilyBuilder gen("camfence_policy_generation", "Policy loads since start (1 = the first)",
                      MetricType::Gauge);
    gen.add({}, static_cast<double>(generation_));
    out.push_back(gen.take());
    FamilyBuilder rel("camfence_policy_reloads_total", "Policy reloads by result",
                      MetricType::Counter);
    rel.add({{"result", "ok"}}, static_cast<double>(reloads_ok_));
    rel.add({{"result", "failed"}}, static_cast<double>(reloads_failed_));
    out.push_back(rel.take());
    FamilyBuilder last("camfence_policy_last_reload_timestamp_seconds",
                       "When the policy was last (re)loaded or a reload failed", MetricType::Gauge);
    last.add({}, static_cast<double>(last_reload_at_));
    out.push_back(last.take());
    FamilyBuilder loaded("camfence_policy_loaded_timestamp_seconds",
                         "When the files of the policy in force were read", MetricType::Gauge);
    loaded.add({}, policy_read_at_);
    out.push_back(loaded.take());
    // Compared with the load time, these say whether an edit is waiting for a reload.
    FamilyBuilder mtime("camfence_policy_file_mtime_seconds",
                        "Last modification of the configured policy file and of its catalog",
                        MetricType::Gauge);
    if (auto t = file_mtime(cfg_.policy)) mtime.add({{"file", "policy"}}, *t);
    if (auto t = file_mtime(s.catalog_path)) mtime.add({{"file", "catalog"}}, *t);
    out.push_back(mtime.take());
    FamilyBuilder expiry("camfence_exception_expiry_timestamp_seconds",
                         "When each active exception of the policy runs out (end of its "
                         "`until` day, UTC)",
                         MetricType::Gauge);
    for (const auto& e : s.exceptions)
        if (e.active)
            expiry.add({{"mac", e.mac.to_string()}, {"reason", e.reason}},
                       static_cast<double>(e.expires_at));
    out.push_back(expiry.take());

    FamilyBuilder fallback("camfence_policy_fallback",
                           "1 while the last good policy is enforced because the configured "
                           "file was rejected at start-up",
                           MetricType::Gauge);
    fallback.add({}, policy_source_ == "last-good" ? 1 : 0);
    out.push_back(fallback.take());

    std::uint64_t entries = 0;
    for (const auto& [k, n] : device_counts_)
        entries += n;
    FamilyBuilder te("camfence_device_table_entries", "Devices in the fast-path device table",
                     MetricType::Gauge);
    te.add({}, static_cast<double>(entries));
    FamilyBuilder tc("camfence_device_table_capacity", "Devices the device table can hold",
                     MetricType::Gauge);
    tc.add({}, static_cast<double>(cfg_.device_capacity));
    out.push_back(te.take());
    out.push_back(tc.take());
    FamilyBuilder punted("camfence_fingerprint_frames_total",
                         "Frames copied to the fingerprint parsers, or shed by the rate limits",
                         MetricType::Counter);
    std::uint64_t p_ok = 0, p_shed = 0, p_failed = 0;
    for (auto& w : workers_) {
        p_ok += dataplane::read_counter(w->punter.punted);
        p_shed += dataplane::read_counter(w->punter.shed);
        p_failed += dataplane::read_counter(w->punter.failed);
    }
    punted.add({{"result", "punted"}}, static_cast<double>(p_ok));
    punted.add({{"result", "shed"}}, static_cast<double>(p_shed));
    punted.add({{"result", "failed"}}, static_cast<double>(p_failed));
    out.push_back(punted.take());
    FamilyBuilder sus("camfence_white_label_suspects",
                      "Devices whose protocol evidence names another vendor than their OUI",
                      MetricType::Gauge);
    sus.add({}, static_cast<double>(suspect_count_));
    out.push_back(sus.take());
    FamilyBuilder refused("camfence_devices_refused_total",
                          "Device reports not recorded because the inventory was full",
                          MetricType::Counter);
    refused.add({}, static_cast<double>(refused_total_));
    out.push_back(refused.take());

    FamilyBuilder busy("camfence_worker_busy_ratio",
                       "Share of a worker's polling loops that received frames (last second)",
                       MetricType::Gauge);
    for (std::size_t i = 0; i < workers_.size(); ++i)
        busy.add({{"worker", std::to_string(i)}}, workers_[i]->busy_ratio);
    out.push_back(busy.take());
    return out;
}

// ---------------------------------------------------------------------------------------

int run_appliance(const AppConfig& config, const std::string& version) {
    // Signals are handled by the control plane; block them before EAL starts its threads so
    // none of those threads takes one.
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGHUP, SIGTERM, SIGINT})
        sigaddset(&set, s);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    int rc = 1;
    try {
        Appliance app(config, version);
        app.start();
        pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
        rc = app.run();
    } catch (const policy::PolicyError& e) {
        std::cerr << e.what()
                  << "camfenced: cannot start: the policy is rejected and no last "
                     "good policy is kept in the state directory\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "camfenced: cannot start: " << e.what() << "\n";
        return 1;
    }
    return rc;
}

int check_appliance_config(const std::string& config_path, std::int64_t now) {
    AppConfig c;
    try {
        c = load_app_config(config_path);
    } catch (const policy::PolicyError& e) {
        std::cout << e.what() << e.diagnostics().size() << " error(s): config rejected\n";
        return 1;
    }
    std::cout << "OK " << config_path << ": " << c.ports.size() << " ports, " << c.workers
              << " worker(s), policy " << c.policy << "\n";
    try {
        auto s = policy::load_snapshot(c.policy, now);
        std::cout << "OK " << c.policy << ": " << s->rule_names.size() << " rules, sha256 "
                  << s->sha256 << "\n";
    } catch (const policy::PolicyError& e) {
        std::cout << e.what() << e.diagnostics().size() << " error(s): policy rejected\n";
        return 1;
    }
    return 0;
}

}  // namespace camfence::daemon
