// Errors found in a policy or catalog file, each with the place a user must edit.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace camfence::policy {

struct Diagnostic {
    std::string file;
    int line = 0;    // 1-based; 0 when the problem is not tied to a place in the file
    int column = 0;  // 1-based
    std::string message;

    std::string to_string() const;
};

// Thrown when a file is rejected. Carries every problem found, not only the first.
class PolicyError : public std::runtime_error {
  public:
    explicit PolicyError(std::vector<Diagnostic> diagnostics);
    const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

  private:
    std::vector<Diagnostic> diagnostics_;
};

}  // namespace camfence::policy
