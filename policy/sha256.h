// SHA-256 (FIPS 180-4), used to identify the exact policy bytes in force.
#pragma once

#include <string>
#include <string_view>

namespace camfence::policy {

std::string sha256_hex(std::string_view data);

}  // namespace camfence::policy
