#include "dataplane/io/port.h"

#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <stdexcept>

namespace camfence::dataplane {

rte_mempool* create_mempool(const std::string& name, unsigned mbufs) {
    rte_mempool* pool = rte_pktmbuf_pool_create(
        name.c_str(), mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
    if (!pool)
        throw std::runtime_error("cannot create mbuf pool '" + name + "' of " +
                                 std::to_string(mbufs) + " buffers: " + rte_strerror(rte_errno) +
                                 " (raise the EAL memory, -m)");
    return pool;
}

Port::Port(std::string name, const std::string& device, rte_mempool* pool, std::uint16_t queues,
           std::uint16_t rx_desc, std::uint16_t tx_desc)
    : name_(std::move(name)) {
    auto fail = [&](const std::string& what, int rc) {
        throw std::runtime_error("port " + name_ + " (" + device + "): " + what + ": " +
                                 rte_strerror(rc < 0 ? -rc : rc));
    };
    // vdevs are created here; anything else must be a device EAL already probed (PCI).
    device_name_ = device.substr(0, device.find(','));
    bool is_vdev = device_name_.rfind("net_", 0) == 0;
    if (is_vdev) {
        std::string args =
            device.find(',') == std::string::npos ? "" : device.substr(device.find(',') + 1);
        int rc = rte_vdev_init(device_name_.c_str(), args.c_str());
        if (rc != 0)
            throw std::runtime_error("port " + name_ + ": cannot create device '" + device +
                                     "' (missing capture file, interface or driver?)");
    }
    if (rte_eth_dev_get_port_by_name(device_name_.c_str(), &id_) != 0)
        throw std::runtime_error("port " + name_ + ": no such device '" + device_name_ + "'");

    rte_eth_conf conf{};
    rte_eth_dev_info info{};
    if (int rc = rte_eth_dev_info_get(id_, &info); rc != 0) fail("device info", rc);
    if (queues > 1) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf =
            info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
    }
    if (int rc = rte_eth_dev_configure(id_, queues, queues, &conf); rc != 0) fail("configure", rc);
    if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(id_, &rx_desc, &tx_desc); rc != 0)
        fail("descriptor counts", rc);
    int socket = rte_eth_dev_socket_id(id_);
    if (socket < 0) socket = static_cast<int>(rte_socket_id());
    for (std::uint16_t q = 0; q < queues; ++q) {
        if (int rc = rte_eth_rx_queue_setup(id_, q, rx_desc, static_cast<unsigned>(socket), nullptr,
                                            pool);
            rc != 0)
            fail("rx queue " + std::to_string(q), rc);
        if (int rc =
                rte_eth_tx_queue_setup(id_, q, tx_desc, static_cast<unsigned>(socket), nullptr);
            rc != 0)
            fail("tx queue " + std::to_string(q), rc);
    }
    if (int rc = rte_eth_dev_start(id_); rc != 0) fail("start", rc);
    rte_eth_promiscuous_enable(id_);  // a bump in the wire sees every MAC
}

Port::~Port() {
    rte_eth_dev_stop(id_);
    rte_eth_dev_close(id_);
    if (device_name_.rfind("net_", 0) == 0) rte_vdev_uninit(device_name_.c_str());
}

}  // namespace camfence::dataplane
