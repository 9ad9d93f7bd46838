// The fast path's view of the device inventory: (VLAN, MAC) -> what the registry decided
// beyond the policy (a sticky prohibited verdict). Built by the control plane, published
// with RCU and then only read by the workers (open addressing, linear probing, no locks).
// Workers stamp last_seen on a hit; nothing else in an entry changes after publication.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace camfence::dataplane {

// Not a VLAN a frame can carry: the table's per-MAC entry for a sticky verdict on any VLAN.
inline constexpr std::uint16_t kAnyVlan = 0xfff;
// Entries keyed by an IPv4 address bound to a device with a sticky verdict: bit 60 set, which
// no (VLAN, MAC) key has (its VLAN takes bits 48-59), so no device can collide with one.
inline constexpr std::uint64_t kIpv4BindingBit = 1ULL << 60;
inline constexpr std::uint64_t ipv4_binding_key(std::uint32_t ip) noexcept {
    return kIpv4BindingBit | ip;
}
inline constexpr bool is_ipv4_binding(std::uint64_t key) noexcept {
    return (key >> 60) == 1;
}

// (VLAN, MAC) packed into one word: MAC in the low 48 bits, VLAN above.
inline constexpr std::uint64_t device_key(std::uint64_t mac, std::uint16_t vlan) noexcept {
    return (mac & 0xffffffffffffULL) | (static_cast<std::uint64_t>(vlan & 0xfff) << 48);
}
inline constexpr std::uint64_t key_mac(std::uint64_t key) noexcept {
    return key & 0xffffffffffffULL;
}
inline constexpr std::uint16_t key_vlan(std::uint64_t key) noexcept {
    return static_cast<std::uint16_t>(key >> 48);
}

struct DeviceSlot {
    static constexpr std::uint64_t kEmpty = ~0ULL;  // no VLAN is 0xffff, so no key is this
    static constexpr std::uint8_t kStickyProhibited = 0x01;

    std::uint64_t key = kEmpty;
    std::uint8_t flags = 0;
    mutable std::atomic<std::uint32_t> last_seen{0};  // unix seconds, stamped by workers
};

struct DeviceTableEntry {
    std::uint64_t key;
    std::uint8_t flags;
    std::uint32_t last_seen;
};

class DeviceTable {
  public:
    // Holds up to `capacity` entries at a load factor of at most one half.
    explicit DeviceTable(std::size_t capacity);

    // False if the table is full (capacity reached) or the key is already there.
    bool insert(const DeviceTableEntry& e);

    [[gnu::always_inline]] const DeviceSlot* find(std::uint64_t key) const noexcept {
        std::size_t i = hash(key) & mask_;
        for (;;) {
            const DeviceSlot& s = slots_[i];
            if (s.key == key) return &s;
            if (s.key == DeviceSlot::kEmpty) return nullptr;
            i = (i + 1) & mask_;
        }
    }

    std::size_t size() const { return size_; }
    // True once an IPv4 binding (ipv4_binding_key) is in the table: the fast path looks
    // addresses up only then.
    bool has_ip_bindings() const { return has_ip_bindings_; }
    std::size_t capacity() const { return capacity_; }

    // The last_seen stamps, to carry over into the next table the control plane builds.
    std::vector<DeviceTableEntry> entries() const;

    static std::size_t hash(std::uint64_t key) noexcept {
        key ^= key >> 33;
        key *= 0xff51afd7ed558ccdULL;
        key ^= key >> 33;
        return static_cast<std::size_t>(key);
    }

  private:
    std::size_t capacity_;
    std::size_t mask_;
    std::size_t size_ = 0;
    bool has_ip_bindings_ = false;
    std::unique_ptr<DeviceSlot[]> slots_;
};

}  // namespace camfence::dataplane
