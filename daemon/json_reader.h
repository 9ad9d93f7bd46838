// A strict RFC 8259 JSON reader for untrusted control-socket requests, the daemon's state file
// and camfencectl's view of the daemon's replies. Anything that is not exactly one well-formed
// value (valid UTF-8, no duplicate keys, bounded nesting) is a JsonError naming the byte offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace camfence::daemon {

struct JsonError : std::runtime_error {
    // what() is `message` followed by " at offset N".
    JsonError(const std::string& message, std::size_t at);
    std::size_t offset;
};

class JsonValue {
  public:
    enum class Type { null, boolean, number, string, array, object };
    using Array = std::vector<JsonValue>;
    using Object = std::vector<std::pair<std::string, JsonValue>>;

    JsonValue() = default;  // null

    Type type() const { return static_cast<Type>(data_.index()); }
    bool is_null() const { return type() == Type::null; }
    bool is_bool() const { return type() == Type::boolean; }
    bool is_number() const { return type() == Type::number; }
    bool is_string() const { return type() == Type::string; }
    bool is_array() const { return type() == Type::array; }
    bool is_object() const { return type() == Type::object; }

    // Each throws JsonError, at this value's offset, if the value is of another type.
    bool as_bool() const;
    double as_number() const;
    // Integer literals only, read without going through double so that the whole int64 and
    // uint64 ranges are exact. Strict: 1e3 and 2.0 are not integers here.
    std::int64_t as_int() const;
    std::uint64_t as_uint() const;
    const std::string& as_string() const;
    const Array& as_array() const;
    const Object& as_object() const;  // in document order

    // The member named `key`, or nullptr if there is none or this is not an object.
    const JsonValue* find(std::string_view key) const;
    // The string member named `key`, `fallback` if it is absent; JsonError if it is not a string.
    std::string get_string(std::string_view key, std::string_view fallback = {}) const;

    // Byte offset of the value in the parsed text, for errors found after parsing.
    std::size_t offset() const { return offset_; }

    // Structural equality; object members compare in order. Two numbers are equal if both are
    // exact integers with the same value, or otherwise if their doubles are equal.
    friend bool operator==(const JsonValue& a, const JsonValue& b);

  private:
    friend class JsonParser;
    struct Number {
        double value = 0;
        bool exact = false;  // written as an integer, within the int64 or uint64 range
        bool negative = false;
        std::uint64_t magnitude = 0;  // of the exact integer
        friend bool operator==(const Number& a, const Number& b) {
            if (a.exact && b.exact) return a.negative == b.negative && a.magnitude == b.magnitude;
            return a.value == b.value;
        }
    };
    [[noreturn]] void wrong_type(const char* wanted) const;

    std::variant<std::monostate, bool, Number, std::string, Array, Object> data_;
    std::size_t offset_ = 0;
};

// Parses exactly one JSON value, with optional whitespace around it. Arrays and objects may
// nest `max_depth` deep; deeper input is rejected before the parser recurses further.
JsonValue parse_json(std::string_view text, std::size_t max_depth = 64);

}  // namespace camfence::daemon
