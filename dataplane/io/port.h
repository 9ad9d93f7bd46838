// An Ethernet port (PCI device or vdev) set up with one RX and one TX queue per worker.
#pragma once

#include <cstdint>
#include <string>

struct rte_mempool;

namespace camfence::dataplane {

// A packet buffer pool on the caller's NUMA socket. Throws std::runtime_error on failure.
rte_mempool* create_mempool(const std::string& name, unsigned mbufs);

class Port {
  public:
    // `device` is a vdev devargs string ("net_pcap0,rx_pcap=in.pcap") or a PCI address.
    // The device is probed, configured and started. Throws std::runtime_error naming the
    // device and the DPDK reason on failure.
    Port(std::string name, const std::string& device, rte_mempool* pool, std::uint16_t queues = 1,
         std::uint16_t rx_desc = 1024, std::uint16_t tx_desc = 1024);
    ~Port();
    Port(const Port&) = delete;
    Port& operator=(const Port&) = delete;

    std::uint16_t id() const { return id_; }
    const std::string& name() const { return name_; }

  private:
    std::string name_;
    std::string device_name_;
    std::uint16_t id_ = 0;
};

}  // namespace camfence::dataplane
