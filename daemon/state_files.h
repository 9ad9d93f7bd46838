// Files in the state directory, written so a crash at any moment leaves either the old or
// the new content: write a temporary file, fsync it, rename it over, fsync the directory.
#pragma once

#include <optional>
#include <string>

namespace camfence::daemon {

// Throws std::runtime_error (with errno's text) on failure; the old file is then untouched.
void write_file_atomic(const std::string& path, const std::string& content, unsigned mode = 0640);

// nullopt if the file does not exist; throws std::runtime_error if it cannot be read.
std::optional<std::string> read_file(const std::string& path);

// Creates `dir` (and parents) with `mode` if missing. Throws std::runtime_error.
void ensure_directory(const std::string& dir, unsigned mode = 0750);

// Names in the state directory.
inline constexpr const char* kDevicesFile = "devices.json";
inline constexpr const char* kLastGoodPolicyFile = "last-good-policy.yaml";
inline constexpr const char* kEventsFile = "events.jsonl";

}  // namespace camfence::daemon
