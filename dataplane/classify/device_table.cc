#include "dataplane/classify/device_table.h"

#include <bit>

namespace camfence::dataplane {

DeviceTable::DeviceTable(std::size_t capacity)
    : capacity_(capacity),
      mask_(std::bit_ceil(capacity * 2 < 16 ? std::size_t{16} : capacity * 2) - 1),
      slots_(new DeviceSlot[mask_ + 1]) {}

bool DeviceTable::insert(const DeviceTableEntry& e) {
    if (size_ >= capacity_ || e.key == DeviceSlot::kEmpty) return false;
    std::size_t i = hash(e.key) & mask_;
    while (slots_[i].key != DeviceSlot::kEmpty) {
        if (slots_[i].key == e.key) return false;
        i = (i + 1) & mask_;
    }
    slots_[i].key = e.key;
    has_ip_bindings_ |= is_ipv4_binding(e.key);
    slots_[i].flags = e.flags;
    slots_[i].last_seen.store(e.last_seen, std::memory_order_relaxed);
    ++size_;
    return true;
}

std::vector<DeviceTableEntry> DeviceTable::entries() const {
    std::vector<DeviceTableEntry> out;
    out.reserve(size_);
    for (std::size_t i = 0; i <= mask_; ++i)
        if (slots_[i].key != DeviceSlot::kEmpty)
            out.push_back({slots_[i].key, slots_[i].flags,
                           slots_[i].last_seen.load(std::memory_order_relaxed)});
    return out;
}

}  // namespace camfence::dataplane
