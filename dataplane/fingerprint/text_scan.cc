// Bounded XML and JSON scanners for the discovery parsers. Every loop advances its position
// by at least one byte per iteration and every search starts where the last one ended, so a
// scan is linear in the input whatever the input holds.
#include "dataplane/fingerprint/text_scan.h"

#include <algorithm>

namespace camfence::fingerprint {

namespace {

bool is_xml_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_json_space(char c) {
    return is_xml_space(c);
}

bool is_scalar_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' ||
           c == '-' || c == '.';
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Appends the UTF-8 form of a Unicode scalar value, or '?' for anything else. Only up to
// max_bytes in total: a character that does not fit is cut.
void append_code_point(char32_t cp, std::size_t max_bytes, std::string& out) {
    char buf[4];
    std::size_t n = 0;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        buf[n++] = '?';
    } else if (cp < 0x80) {
        buf[n++] = static_cast<char>(cp);
    } else if (cp < 0x800) {
        buf[n++] = static_cast<char>(0xC0 | (cp >> 6));
        buf[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        buf[n++] = static_cast<char>(0xE0 | (cp >> 12));
        buf[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        buf[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        buf[n++] = static_cast<char>(0xF0 | (cp >> 18));
        buf[n++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        buf[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        buf[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    }
    out.append(buf, std::min(n, max_bytes - out.size()));
}

constexpr char32_t kNotScalar = 0x110000;             // decodes to '?'
constexpr char32_t kMalformedReference = 0xFFFFFFFF;  // kept as written

// The value of a character reference body ("#65", "#x41"). Digits beyond what a code point
// needs cannot make it valid again, so the loop stops counting once the value is too large.
char32_t character_reference(std::string_view body) {
    if (body.size() < 2 || body[0] != '#') return kMalformedReference;
    bool hex = body[1] == 'x';
    std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty()) return kMalformedReference;
    char32_t cp = 0;
    for (char c : digits) {
        int d = hex ? hex_digit(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
        if (d < 0) return kMalformedReference;
        if (cp < kNotScalar) cp = cp * (hex ? 16 : 10) + static_cast<char32_t>(d);
    }
    return cp < kNotScalar ? cp : kNotScalar;
}

}  // namespace

std::string_view trim_xml_space(std::string_view s) {
    while (!s.empty() && is_xml_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_xml_space(s.back()))
        s.remove_suffix(1);
    return s;
}

std::string_view next_list_item(std::string_view& list) {
    std::size_t start = 0;
    while (start < list.size() && is_xml_space(list[start]))
        ++start;
    std::size_t stop = start;
    while (stop < list.size() && !is_xml_space(list[stop]))
        ++stop;
    std::string_view item = list.substr(start, stop - start);
    list.remove_prefix(stop);
    return item;
}

std::string_view local_name(std::string_view qualified) {
    auto colon = qualified.rfind(':');
    return colon == std::string_view::npos ? qualified : qualified.substr(colon + 1);
}

void XmlScanner::skip_past(std::string_view terminator) {
    auto end = doc_.find(terminator, pos_);
    pos_ = end == std::string_view::npos ? doc_.size() : end + terminator.size();
}

bool XmlScanner::next(XmlElement& element) {
    while (pos_ < doc_.size()) {
        auto lt = doc_.find('<', pos_);
        if (lt == std::string_view::npos || lt + 1 >= doc_.size()) {
            pos_ = doc_.size();
            return false;
        }
        pos_ = lt + 1;
        char c = doc_[pos_];
        if (c == '?') {
            skip_past("?>");
            continue;
        }
        if (c == '!') {
            std::string_view rest = doc_.substr(pos_);
            if (rest.starts_with("!--")) {
                pos_ += 3;
                skip_past("-->");
            } else if (rest.starts_with("![CDATA[")) {
                skip_past("]]>");
            } else {
                // A DOCTYPE: its internal subset may hold '>' in entity values, but nothing
                // in it is used, and stopping at the first '>' only costs reading the rest as
                // text.
                skip_past(">");
            }
            continue;
        }
        if (c == '/') {
            skip_past(">");
            if (depth_ > 0) --depth_;
            continue;
        }

        std::size_t name_end = pos_;
        while (name_end < doc_.size() && !is_xml_space(doc_[name_end]) && doc_[name_end] != '/' &&
               doc_[name_end] != '>' && doc_[name_end] != '<')
            ++name_end;
        if (name_end == pos_ || name_end >= doc_.size() || doc_[name_end] == '<') continue;
        std::string_view name = doc_.substr(pos_, name_end - pos_);

        // The end of the start tag: the first '>' outside a quoted attribute value.
        char quote = 0;
        std::size_t gt = name_end;
        for (; gt < doc_.size(); ++gt) {
            char t = doc_[gt];
            if (quote != 0) {
                if (t == quote) quote = 0;
            } else if (t == '"' || t == '\'') {
                quote = t;
            } else if (t == '>') {
                break;
            }
        }
        if (gt >= doc_.size()) {
            pos_ = doc_.size();
            return false;
        }
        pos_ = gt + 1;

        element.name = name;
        element.local = local_name(name);
        element.depth = depth_;
        element.text = {};
        element.simple = false;
        if (doc_[gt - 1] == '/') {
            element.simple = true;
            return true;
        }
        ++depth_;

        // Simple content: the next markup is this element's end tag.
        auto text_end = doc_.find('<', pos_);
        if (text_end != std::string_view::npos) {
            std::string_view tail = doc_.substr(text_end);
            if (tail.size() > name.size() + 2 && tail[1] == '/' &&
                tail.substr(2, name.size()) == name) {
                std::size_t k = name.size() + 2;
                while (k < tail.size() && is_xml_space(tail[k]))
                    ++k;
                if (k < tail.size() && tail[k] == '>') {
                    element.simple = true;
                    element.text = doc_.substr(pos_, text_end - pos_);
                }
            }
        }
        return true;
    }
    return false;
}

void append_xml_text(std::string_view raw, std::size_t max_bytes, std::string& out) {
    // The longest reference worth decoding: "&#x10FFFF;" and a few leading zeros.
    constexpr std::size_t kMaxReference = 16;
    for (std::size_t i = 0; i < raw.size() && out.size() < max_bytes;) {
        if (raw[i] != '&') {
            auto amp = std::min(raw.find('&', i), raw.size());
            std::size_t n = std::min(amp - i, max_bytes - out.size());
            out.append(raw.substr(i, n));
            i = amp;
            continue;
        }
        auto semi = raw.substr(i, kMaxReference).find(';');
        if (semi == std::string_view::npos) {
            out += '&';
            ++i;
            continue;
        }
        std::string_view body = raw.substr(i + 1, semi - 1);
        char decoded = 0;
        if (body == "lt") decoded = '<';
        if (body == "gt") decoded = '>';
        if (body == "amp") decoded = '&';
        if (body == "quot") decoded = '"';
        if (body == "apos") decoded = '\'';
        if (decoded != 0) {
            out += decoded;
        } else if (char32_t cp = character_reference(body); cp != kMalformedReference) {
            append_code_point(cp, max_bytes, out);
        } else {
            // Not ours to expand (an entity declared in a DTD, or junk): kept as written.
            out += '&';
            ++i;
            continue;
        }
        i += semi + 1;
    }
}

bool JsonScanner::yield(JsonMember& member, JsonKind kind, std::string_view raw) {
    have_key_ = false;
    member.kind = kind;
    member.key = key_;
    member.value = raw;
    member.depth = depth_ - 1;
    member.path = std::span<const std::string_view>(path_).first(std::min(member.depth, kMaxPath));
    return true;
}

bool JsonScanner::next(JsonMember& member) {
    while (pos_ < text_.size()) {
        char c = text_[pos_];
        if (c == '{' || c == '[') {
            if (depth_ >= 1 && depth_ - 1 < kMaxPath) path_[depth_ - 1] = have_key_ ? key_ : "";
            ++depth_;
            have_key_ = false;
            ++pos_;
            continue;
        }
        if (c == '}' || c == ']') {
            if (depth_ > 0) --depth_;
            have_key_ = false;
            ++pos_;
            continue;
        }
        if (c == ',') {
            have_key_ = false;
            ++pos_;
            continue;
        }
        if (c == '"') {
            std::size_t end = pos_ + 1;
            while (end < text_.size() && text_[end] != '"')
                end += text_[end] == '\\' ? 2 : 1;
            if (end >= text_.size()) {
                pos_ = text_.size();  // unterminated: nothing after it can be read reliably
                return false;
            }
            std::string_view raw = text_.substr(pos_ + 1, end - pos_ - 1);
            pos_ = end + 1;
            std::size_t after = pos_;
            while (after < text_.size() && is_json_space(text_[after]))
                ++after;
            if (after < text_.size() && text_[after] == ':') {
                key_ = raw;
                have_key_ = true;
                pos_ = after + 1;
                continue;
            }
            if (have_key_ && depth_ >= 1) return yield(member, JsonKind::string, raw);
            continue;
        }
        if (is_scalar_char(c)) {
            std::size_t end = pos_;
            while (end < text_.size() && is_scalar_char(text_[end]))
                ++end;
            std::string_view raw = text_.substr(pos_, end - pos_);
            pos_ = end;
            if (have_key_ && depth_ >= 1) {
                bool letter = (raw[0] >= 'a' && raw[0] <= 'z') || (raw[0] >= 'A' && raw[0] <= 'Z');
                return yield(member, letter ? JsonKind::literal : JsonKind::number, raw);
            }
            continue;
        }
        ++pos_;  // whitespace, ':' without a key, or junk
    }
    return false;
}

void append_json_string(std::string_view raw, std::size_t max_bytes, std::string& out) {
    for (std::size_t i = 0; i < raw.size() && out.size() < max_bytes;) {
        if (raw[i] != '\\') {
            auto esc = std::min(raw.find('\\', i), raw.size());
            std::size_t n = std::min(esc - i, max_bytes - out.size());
            out.append(raw.substr(i, n));
            i = esc;
            continue;
        }
        if (i + 1 >= raw.size()) {
            out += '?';
            break;
        }
        char e = raw[i + 1];
        i += 2;
        switch (e) {
            case '"':
            case '\\':
            case '/':
                out += e;
                continue;
            case 'b':
                out += '\b';
                continue;
            case 'f':
                out += '\f';
                continue;
            case 'n':
                out += '\n';
                continue;
            case 'r':
                out += '\r';
                continue;
            case 't':
                out += '\t';
                continue;
            case 'u':
                break;
            default:
                out += '?';
                continue;
        }
        auto hex4 = [&](std::size_t at, char32_t& v) {
            if (at > raw.size() || raw.size() - at < 4) return false;
            v = 0;
            for (std::size_t k = 0; k < 4; ++k) {
                int d = hex_digit(raw[at + k]);
                if (d < 0) return false;
                v = v << 4 | static_cast<char32_t>(d);
            }
            return true;
        };
        char32_t cp = 0;
        if (!hex4(i, cp)) {
            out += '?';
            continue;
        }
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            char32_t low = 0;
            if (i + 1 < raw.size() && raw[i] == '\\' && raw[i + 1] == 'u' && hex4(i + 2, low) &&
                low >= 0xDC00 && low <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                i += 6;
            }
        }
        append_code_point(cp, max_bytes, out);
    }
}

}  // namespace camfence::fingerprint
