// The IEEE MAC address registry as shipped by Debian's ieee-data (oui.csv, mam.csv,
// oui36.csv, iab.csv): every assigned prefix with its organization name.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "policy/mac_address.h"

namespace camfence::policy {

struct RegistryEntry {
    MacPrefix prefix;
    std::string organization;
};

struct OuiRegistry {
    std::string directory;
    std::vector<RegistryEntry> entries;
};

// Reads the CSV files in `directory`. oui.csv must exist; the finer-grained files are read
// when present. Throws PolicyError naming the file and line of anything unreadable.
OuiRegistry load_oui_registry(const std::string& directory);

// Reads the next CSV record (RFC 4180: quoted fields may hold commas, doubled quotes and
// line breaks). Returns false at the end of the input. `line` counts physical lines read.
bool read_csv_record(std::istream& in, std::vector<std::string>& fields, int& line);

}  // namespace camfence::policy
