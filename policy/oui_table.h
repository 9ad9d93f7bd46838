// MAC -> registry assignment, compiled for the fast path: an open-addressing hash of the
// 24-bit blocks; a block that holds finer MA-M/MA-S assignments points to a second probe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/mac_address.h"
#include "policy/types.h"

namespace camfence::policy {

inline constexpr std::uint16_t kNoVendor = 0xffff;
inline constexpr std::uint16_t kNoOrganization = 0xffff;

// Eight bytes, so the fast path copies it in one move.
struct alignas(8) OuiMatch {
    std::uint16_t vendor = kNoVendor;              // catalog index, kNoVendor if not in the catalog
    std::uint16_t organization = kNoOrganization;  // index into OuiTable::organizations()
    std::uint8_t bits = 0;                         // 24, 28 or 36; 0 = no registry entry
    DeviceClass device_class = DeviceClass::unregistered;
    // True if the vendor came from the catalog's extra_prefixes rather than the IEEE registry.
    bool from_catalog = false;
};
static_assert(sizeof(OuiMatch) == 8);

class OuiTable {
  public:
    struct Assignment {
        MacPrefix prefix;
        std::uint16_t organization;
        std::uint16_t vendor;
        DeviceClass device_class;
        bool from_catalog;
    };

    // `organizations` are referenced by index from `assignments` (at most 65535 names).
    OuiTable(std::vector<std::string> organizations, const std::vector<Assignment>& assignments);
    OuiTable() = default;

    // The most specific assignment containing `mac` (bits == 0 when none does).
    OuiMatch lookup(MacAddress mac) const {
        const Slot* s =
            probe(static_cast<std::uint64_t>(mac.value >> 24) | (std::uint64_t{24} << 40));
        if (!s) return {};
        if (s->has_finer) {
            if (const Slot* f = probe((mac.value >> 12) | (std::uint64_t{36} << 40));
                f && f->match.bits)
                return f->match;
            if (const Slot* f = probe((mac.value >> 20) | (std::uint64_t{28} << 40));
                f && f->match.bits)
                return f->match;
        }
        return s->match;
    }

    const std::vector<std::string>& organizations() const { return organizations_; }
    std::size_t size() const { return entries_; }

  private:
    struct Slot {
        std::uint64_t key = 0;  // prefix | bits << 40; 0 = empty (no assignment has bits 0)
        OuiMatch match;
        bool has_finer = false;
    };

    static std::uint64_t hash(std::uint64_t key) { return (key * 0x9E3779B97F4A7C15ULL) >> 20; }
    const Slot* probe(std::uint64_t key) const {
        for (std::uint64_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.key == key) return &s;
            if (s.key == 0) return nullptr;
        }
    }
    Slot& insert(std::uint64_t key);

    std::vector<std::string> organizations_;
    std::vector<Slot> slots_ = std::vector<Slot>(16);  // never empty: probe() needs no check
    std::uint64_t mask_ = 15;
    std::size_t entries_ = 0;
};

}  // namespace camfence::policy
