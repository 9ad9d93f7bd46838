#include "policy/oui_table.h"

#include <bit>

namespace camfence::policy {

OuiTable::OuiTable(std::vector<std::string> organizations,
                   const std::vector<Assignment>& assignments)
    : organizations_(std::move(organizations)) {
    // At most one 24-bit parent slot per assignment plus the assignment itself; keep the load
    // factor at or below one half so probes stay short.
    std::size_t capacity = std::bit_ceil(std::max<std::size_t>(16, assignments.size() * 4));
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (const auto& a : assignments) {
        Slot& s = insert(a.prefix.value | (std::uint64_t{a.prefix.bits} << 40));
        if (s.match.bits == 0) ++entries_;
        // A catalog prefix overrides the registry's vendor attribution but keeps its name.
        if (s.match.bits == 0 || a.from_catalog) {
            std::uint16_t org = a.organization;
            if (a.from_catalog && s.match.bits != 0 && s.match.organization != kNoOrganization)
                org = s.match.organization;
            s.match = OuiMatch{a.vendor, org, a.prefix.bits, a.device_class, a.from_catalog};
        }
        if (a.prefix.bits > 24) {
            std::uint64_t block = a.prefix.value >> (a.prefix.bits - 24);
            insert(block | (std::uint64_t{24} << 40)).has_finer = true;
        }
    }
}

OuiTable::Slot& OuiTable::insert(std::uint64_t key) {
    for (std::uint64_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
        Slot& s = slots_[i];
        if (s.key == key) return s;
        if (s.key == 0) {
            s.key = key;
            return s;
        }
    }
}

}  // namespace camfence::policy
