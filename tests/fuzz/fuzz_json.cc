// libFuzzer target: arbitrary bytes through parse_json, as a control-socket request would reach
// it. A parse either fails with a JsonError inside the input, or yields a value whose strings
// are valid UTF-8, whose objects have unique keys, whose depth is within the limit, and which
// serializes (through JsonWriter where it can) to text that parses back to an equal value.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/json_reader.h"
#include "daemon/json_writer.h"
#include "tests/fixtures/utf8_check.h"

namespace {

using camfence::daemon::JsonError;
using camfence::daemon::JsonValue;
using camfence::daemon::JsonWriter;
using camfence::daemon::parse_json;

constexpr std::size_t kMaxDepth = 64;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

using camfence::testing::valid_utf8;

// Walks the value checking the invariants; returns its nesting depth.
std::size_t walk(const JsonValue& v) {
    std::size_t deepest = 0;
    switch (v.type()) {
        case JsonValue::Type::string:
            check(valid_utf8(v.as_string()));
            break;
        case JsonValue::Type::array:
            for (const auto& item : v.as_array())
                deepest = std::max(deepest, walk(item));
            return deepest + 1;
        case JsonValue::Type::object: {
            std::set<std::string_view> keys;
            for (const auto& [key, member] : v.as_object()) {
                check(valid_utf8(key));
                check(keys.insert(key).second);
                check(v.find(key) == &member);
                deepest = std::max(deepest, walk(member));
            }
            return deepest + 1;
        }
        default:
            break;
    }
    return 0;
}

bool is_integer(const JsonValue& v) {
    try {
        v.as_uint();
        return true;
    } catch (const JsonError&) {
    }
    try {
        v.as_int();
        return true;
    } catch (const JsonError&) {
        return false;
    }
}

// Serializes by hand, in JsonWriter's format, with non-integer numbers in shortest form.
void serialize(const JsonValue& v, std::string& out) {
    switch (v.type()) {
        case JsonValue::Type::null:
            out += "null";
            break;
        case JsonValue::Type::boolean:
            out += v.as_bool() ? "true" : "false";
            break;
        case JsonValue::Type::number:
            if (is_integer(v)) {
                bool negative = v.as_number() < 0;
                out += negative ? std::to_string(v.as_int()) : std::to_string(v.as_uint());
            } else if (v.as_number() == 0) {
                // -0E+0 and the like; "-0" would read back as the integer 0 and print as "0".
                out += std::signbit(v.as_number()) ? "-0.0" : "0.0";
            } else {
                char buf[32];
                auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.as_number());
                check(ec == std::errc());
                out.append(buf, end);
            }
            break;
        case JsonValue::Type::string:
            out += "\"" + camfence::daemon::json_escape(v.as_string()) + "\"";
            break;
        case JsonValue::Type::array: {
            out += "[";
            for (const auto& item : v.as_array()) {
                if (out.back() != '[') out += ",";
                serialize(item, out);
            }
            out += "]";
            break;
        }
        case JsonValue::Type::object:
            out += "{";
            for (const auto& [key, member] : v.as_object()) {
                if (out.back() != '{') out += ",";
                out += "\"" + camfence::daemon::json_escape(key) + "\":";
                serialize(member, out);
            }
            out += "}";
            break;
    }
}

// The same through JsonWriter; false if the value holds a number JsonWriter cannot write.
bool write(const JsonValue& v, JsonWriter& w) {
    switch (v.type()) {
        case JsonValue::Type::null:
            w.null();
            return true;
        case JsonValue::Type::boolean:
            w.value(v.as_bool());
            return true;
        case JsonValue::Type::number:
            if (!is_integer(v)) return false;
            if (v.as_number() < 0)
                w.value(v.as_int());
            else
                w.value(v.as_uint());
            return true;
        case JsonValue::Type::string:
            w.value(v.as_string());
            return true;
        case JsonValue::Type::array:
            w.begin_array();
            for (const auto& item : v.as_array())
                if (!write(item, w)) return false;
            w.end_array();
            return true;
        case JsonValue::Type::object:
            w.begin_object();
            for (const auto& [key, member] : v.as_object()) {
                w.key(key);
                if (!write(member, w)) return false;
            }
            w.end_object();
            return true;
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // An exact-size heap copy so ASan sees any read past the end.
    std::vector<char> bytes(data, data + size);
    JsonValue v;
    try {
        v = parse_json(std::string_view(bytes.data(), size), kMaxDepth);
    } catch (const JsonError& e) {
        check(e.offset <= size);
        return 0;
    }
    check(walk(v) <= kMaxDepth);

    std::string once;
    serialize(v, once);
    JsonValue again = parse_json(once, kMaxDepth);
    check(again == v);
    std::string twice;
    serialize(again, twice);
    check(twice == once);

    JsonWriter w;
    if (write(v, w)) check(w.str() == once);
    return 0;
}
