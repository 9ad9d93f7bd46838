#include "daemon/json_reader.h"

#include <charconv>
#include <limits>
#include <set>
#include <system_error>

#include "daemon/json_writer.h"

namespace camfence::daemon {

namespace {

constexpr std::uint64_t kInt64MinMagnitude = std::uint64_t{1} << 63;
// Objects up to this size are checked for duplicate keys by a scan; larger ones by a tree (not
// a hash set, whose collisions a sender could craft), so many keys never cost quadratic time.
constexpr std::size_t kKeyScanLimit = 16;

const char* type_name(JsonValue::Type t) {
    static constexpr const char* kNames[] = {"null",     "a boolean", "a number",
                                             "a string", "an array",  "an object"};
    return kNames[static_cast<int>(t)];
}

// A key for an error message: escaped, and cut at a character boundary if long.
std::string quoted(std::string_view s) {
    std::string_view cut = s.substr(0, 64);
    if (cut.size() < s.size())
        while (!cut.empty() && (static_cast<unsigned char>(s[cut.size()]) & 0xC0) == 0x80)
            cut.remove_suffix(1);
    return "\"" + json_escape(cut) + (cut.size() < s.size() ? "...\"" : "\"");
}

// Length of the well-formed UTF-8 sequence (Unicode table 3-7: no overlong forms, no
// surrogates, nothing past U+10FFFF) at the start of `s`, or 0 if there is none.
std::size_t utf8_sequence_length(std::string_view s) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char lead = byte(0), lo = 0x80, hi = 0xBF;
    std::size_t n = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        n = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        n = 3;
        if (lead == 0xE0) lo = 0xA0;
        if (lead == 0xED) hi = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        n = 4;
        if (lead == 0xF0) lo = 0x90;
        if (lead == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (s.size() < n || byte(1) < lo || byte(1) > hi) return 0;
    for (std::size_t i = 2; i < n; ++i)
        if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
    return n;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    auto put = [&](std::uint32_t b) { out.push_back(static_cast<char>(b)); };
    if (cp < 0x80) {
        put(cp);
    } else if (cp < 0x800) {
        put(0xC0 | cp >> 6);
        put(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        put(0xE0 | cp >> 12);
        put(0x80 | (cp >> 6 & 0x3F));
        put(0x80 | (cp & 0x3F));
    } else {
        put(0xF0 | cp >> 18);
        put(0x80 | (cp >> 12 & 0x3F));
        put(0x80 | (cp >> 6 & 0x3F));
        put(0x80 | (cp & 0x3F));
    }
}

bool is_digit(int c) {
    return c >= '0' && c <= '9';
}

}  // namespace

JsonError::JsonError(const std::string& message, std::size_t at)
    : std::runtime_error(message + " at offset " + std::to_string(at)), offset(at) {}

class JsonParser {
  public:
    JsonParser(std::string_view text, std::size_t max_depth) : text_(text), max_depth_(max_depth) {}

    JsonValue parse_document() {
        skip_whitespace();
        JsonValue v = parse_value(0);
        skip_whitespace();
        if (pos_ != text_.size()) fail("unexpected data after the value");
        return v;
    }

  private:
    [[noreturn]] void fail(const std::string& message) const { throw JsonError(message, pos_); }
    [[noreturn]] void fail_expected(const std::string& what) const {
        fail(pos_ == text_.size() ? "unexpected end of input, expected " + what
                                  : "expected " + what);
    }

    int peek() const { return pos_ < text_.size() ? static_cast<unsigned char>(text_[pos_]) : -1; }
    bool consume(char c) {
        if (peek() != static_cast<unsigned char>(c)) return false;
        ++pos_;
        return true;
    }
    void skip_whitespace() {
        while (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')
            ++pos_;
    }

    // `depth` counts the arrays and objects around the value.
    JsonValue parse_value(std::size_t depth) {
        JsonValue v;
        v.offset_ = pos_;
        switch (peek()) {
            case '[':
            case '{':
                // Checked before recursing, so hostile nesting cannot exhaust the stack.
                if (depth >= max_depth_)
                    fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
                if (peek() == '[')
                    v.data_ = parse_array(depth + 1);
                else
                    v.data_ = parse_object(depth + 1);
                break;
            case '"':
                v.data_ = parse_string();
                break;
            case 't':
                parse_literal("true");
                v.data_ = true;
                break;
            case 'f':
                parse_literal("false");
                v.data_ = false;
                break;
            case 'n':
                parse_literal("null");
                break;
            default:
                if (peek() != '-' && !is_digit(peek())) fail_expected("a value");
                v.data_ = parse_number();
        }
        return v;
    }

    void parse_literal(std::string_view word) {
        if (text_.substr(pos_, word.size()) != word) fail_expected("'" + std::string(word) + "'");
        pos_ += word.size();
    }

    JsonValue::Array parse_array(std::size_t depth) {
        JsonValue::Array items;
        ++pos_;
        skip_whitespace();
        if (consume(']')) return items;
        for (;;) {
            skip_whitespace();
            items.push_back(parse_value(depth));
            skip_whitespace();
            if (consume(',')) continue;
            if (consume(']')) return items;
            fail_expected("',' or ']'");
        }
    }

    JsonValue::Object parse_object(std::size_t depth) {
        JsonValue::Object members;
        std::set<std::string> seen;  // filled once the object outgrows a scan
        ++pos_;
        skip_whitespace();
        if (consume('}')) return members;
        for (;;) {
            skip_whitespace();
            if (peek() != '"') fail_expected("a string key");
            std::size_t key_at = pos_;
            std::string key = parse_string();
            if (is_duplicate(key, members, seen))
                throw JsonError("duplicate key " + quoted(key), key_at);
            skip_whitespace();
            if (!consume(':')) fail_expected("':'");
            skip_whitespace();
            JsonValue value = parse_value(depth);
            members.emplace_back(std::move(key), std::move(value));
            skip_whitespace();
            if (consume(',')) continue;
            if (consume('}')) return members;
            fail_expected("',' or '}'");
        }
    }

    static bool is_duplicate(const std::string& key, const JsonValue::Object& members,
                             std::set<std::string>& seen) {
        if (members.size() < kKeyScanLimit) {
            for (const auto& member : members)
                if (member.first == key) return true;
            return false;
        }
        if (seen.empty())
            for (const auto& member : members)
                seen.insert(member.first);
        return !seen.insert(key).second;
    }

    std::string parse_string() {
        std::size_t start = pos_++;
        std::string out;
        for (;;) {
            if (pos_ == text_.size()) throw JsonError("unterminated string", start);
            auto c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c == '\\') {
                parse_escape(out);
            } else if (c < 0x20) {
                fail("unescaped control character in string");
            } else if (c < 0x80) {
                out.push_back(static_cast<char>(c));
                ++pos_;
            } else {
                std::size_t n = utf8_sequence_length(text_.substr(pos_));
                if (n == 0) fail("invalid UTF-8 in string");
                out.append(text_.substr(pos_, n));
                pos_ += n;
            }
        }
    }

    void parse_escape(std::string& out) {
        static constexpr std::string_view kEscapes = "\"\\/bfnrt", kDecoded = "\"\\/\b\f\n\r\t";
        std::size_t at = pos_++;
        int c = peek();
        if (std::size_t i = kEscapes.find(static_cast<char>(c)); c >= 0 && i != kEscapes.npos) {
            out.push_back(kDecoded[i]);
            ++pos_;
            return;
        }
        if (!consume('u')) throw JsonError("invalid escape in string", at);
        std::uint32_t cp = parse_hex4(at);
        if (cp >= 0xDC00 && cp <= 0xDFFF) throw JsonError("unpaired surrogate", at);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!consume('\\') || !consume('u')) throw JsonError("unpaired surrogate", at);
            std::uint32_t low = parse_hex4(at);
            if (low < 0xDC00 || low > 0xDFFF) throw JsonError("unpaired surrogate", at);
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        append_utf8(out, cp);
    }

    std::uint32_t parse_hex4(std::size_t escape_at) {
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i, ++pos_) {
            int c = peek(), lower = c | 0x20;  // only 'A'-'F' and 'a'-'f' land on 'a'-'f'
            if (!is_digit(c) && (lower < 'a' || lower > 'f'))
                throw JsonError("expected 4 hex digits after \\u", escape_at);
            v = v << 4 | static_cast<std::uint32_t>(is_digit(c) ? c - '0' : lower - 'a' + 10);
        }
        return v;
    }

    // Validates the RFC 8259 grammar first: from_chars alone would accept "01", "1." or ".5".
    JsonValue::Number parse_number() {
        std::size_t start = pos_;
        bool negative = consume('-');
        std::size_t digits_at = pos_;
        if (consume('0')) {
            if (is_digit(peek())) throw JsonError("leading zero in number", start);
        } else if (is_digit(peek())) {
            while (is_digit(peek()))
                ++pos_;
        } else {
            fail_expected("a digit");
        }
        std::size_t digits_end = pos_;
        if (consume('.')) {
            if (!is_digit(peek())) fail_expected("a digit after '.'");
            while (is_digit(peek()))
                ++pos_;
        }
        if (consume('e') || consume('E')) {
            if (!consume('+')) consume('-');
            if (!is_digit(peek())) fail_expected("a digit in the exponent");
            while (is_digit(peek()))
                ++pos_;
        }
        JsonValue::Number n;
        const char* first = text_.data();
        auto [end, ec] = std::from_chars(first + start, first + pos_, n.value);
        // Overflow and underflow alike: a double would not hold what the sender meant.
        if (ec != std::errc() || end != first + pos_) throw JsonError("number out of range", start);
        if (digits_end == pos_) {
            std::uint64_t magnitude = 0;
            auto r = std::from_chars(first + digits_at, first + digits_end, magnitude);
            if (r.ec == std::errc() && (!negative || magnitude <= kInt64MinMagnitude)) {
                n.exact = true;
                n.negative = negative && magnitude != 0;
                n.magnitude = magnitude;
            }
        }
        return n;
    }

    std::string_view text_;
    std::size_t max_depth_;
    std::size_t pos_ = 0;
};

JsonValue parse_json(std::string_view text, std::size_t max_depth) {
    return JsonParser(text, max_depth).parse_document();
}

void JsonValue::wrong_type(const char* wanted) const {
    throw JsonError(std::string("expected ") + wanted + ", found " + type_name(type()), offset_);
}

bool JsonValue::as_bool() const {
    if (const auto* b = std::get_if<bool>(&data_)) return *b;
    wrong_type("a boolean");
}

double JsonValue::as_number() const {
    if (const auto* n = std::get_if<Number>(&data_)) return n->value;
    wrong_type("a number");
}

std::int64_t JsonValue::as_int() const {
    const auto* n = std::get_if<Number>(&data_);
    if (!n) wrong_type("an integer");
    if (n->exact && n->negative)
        return n->magnitude == kInt64MinMagnitude ? std::numeric_limits<std::int64_t>::min()
                                                  : -static_cast<std::int64_t>(n->magnitude);
    if (n->exact && n->magnitude < kInt64MinMagnitude)
        return static_cast<std::int64_t>(n->magnitude);
    throw JsonError("expected an integer in the int64 range", offset_);
}

std::uint64_t JsonValue::as_uint() const {
    const auto* n = std::get_if<Number>(&data_);
    if (!n) wrong_type("an unsigned integer");
    if (n->exact && !n->negative) return n->magnitude;
    throw JsonError("expected an integer in the uint64 range", offset_);
}

const std::string& JsonValue::as_string() const {
    if (const auto* s = std::get_if<std::string>(&data_)) return *s;
    wrong_type("a string");
}

const JsonValue::Array& JsonValue::as_array() const {
    if (const auto* a = std::get_if<Array>(&data_)) return *a;
    wrong_type("an array");
}

const JsonValue::Object& JsonValue::as_object() const {
    if (const auto* o = std::get_if<Object>(&data_)) return *o;
    wrong_type("an object");
}

const JsonValue* JsonValue::find(std::string_view key) const {
    if (const auto* members = std::get_if<Object>(&data_))
        for (const auto& [k, v] : *members)
            if (k == key) return &v;
    return nullptr;
}

std::string JsonValue::get_string(std::string_view key, std::string_view fallback) const {
    const JsonValue* v = find(key);
    if (!v) return std::string(fallback);
    if (!v->is_string())
        throw JsonError("expected a string for " + quoted(key) + ", found " + type_name(v->type()),
                        v->offset_);
    return v->as_string();
}

bool operator==(const JsonValue& a, const JsonValue& b) {
    return a.data_ == b.data_;
}

}  // namespace camfence::daemon
