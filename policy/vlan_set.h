// Sets of 802.1Q VLAN ids (0 = untagged, 1-4094 tagged).
#pragma once

#include <bitset>
#include <cstdint>
#include <string>

namespace camfence::policy {

inline constexpr int kMaxVlan = 4094;

class VlanSet {
  public:
    void add(std::uint16_t vid) { bits_.set(vid); }
    void add_range(std::uint16_t first, std::uint16_t last);
    void add_all() { add_range(0, kMaxVlan); }
    // Unchecked read (operator[]): every 12-bit VID has a bit, and this is on the fast path.
    bool contains(std::uint16_t vid) const { return bits_[vid & 0xfff]; }
    bool empty() const { return bits_.none(); }
    std::size_t count() const { return bits_.count(); }
    std::string to_string() const;  // "0,100-199"
    bool operator==(const VlanSet&) const = default;

  private:
    std::bitset<4096> bits_;
};

}  // namespace camfence::policy
