#include "dataplane/classify/vlan_rewrite.h"

#include <cstring>

namespace camfence::dataplane {

void set_tag_vid(std::span<std::byte> frame, std::uint16_t tag_offset, std::uint16_t vid) noexcept {
    if (tag_offset + kVlanTagLen > frame.size()) return;
    auto* tci = frame.data() + tag_offset + 2;
    auto hi = static_cast<std::uint8_t>(tci[0]);
    tci[0] = static_cast<std::byte>((hi & 0xf0) | ((vid >> 8) & 0x0f));
    tci[1] = static_cast<std::byte>(vid & 0xff);
}

void insert_tag(std::span<std::byte> grown, std::uint16_t vid) noexcept {
    if (grown.size() < kEthernetHeaderLen + kVlanTagLen) return;
    std::memmove(grown.data(), grown.data() + kVlanTagLen, 12);
    grown[12] = std::byte{0x81};
    grown[13] = std::byte{0x00};
    grown[14] = static_cast<std::byte>((vid >> 8) & 0x0f);
    grown[15] = static_cast<std::byte>(vid & 0xff);
}

}  // namespace camfence::dataplane
