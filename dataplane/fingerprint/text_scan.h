// Bounded scanners for the text the discovery protocols carry: the XML of SADP and
// WS-Discovery, and the JSON of DHIP. Not parsers: they walk the bytes once, left to right,
// keep no more state than a depth counter and a short fixed path, never recurse on the
// input's nesting, never allocate, and read malformed input as far as it makes sense. Values
// come back as views into the input; the append_* decoders copy them out with a byte cap.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace camfence::fingerprint {

// XML whitespace (space, tab, CR, LF) trimmed from both ends.
std::string_view trim_xml_space(std::string_view s);

// Removes and returns the first item of a whitespace-separated list (xs:list, as WS-Discovery
// Types, Scopes and XAddrs are); "" once the list holds only whitespace.
std::string_view next_list_item(std::string_view& list);

// "d:Scopes" -> "Scopes": the part after the namespace prefix, if any.
std::string_view local_name(std::string_view qualified);

struct XmlElement {
    std::string_view name;   // as written in the start tag, with any prefix ("wsdd:Types")
    std::string_view local;  // without the prefix ("Types")
    // The raw character data when the element holds text only (the next markup after the start
    // tag is its own end tag), or when it is empty (<a/>, <a></a>); then `simple` is true.
    // Elements with children, comments or CDATA inside are not simple and have no text.
    std::string_view text;
    bool simple = false;
    std::size_t depth = 0;  // 0 for the root element
};

// Yields the start tags of a document in order. The XML declaration, processing
// instructions, comments, CDATA sections and DOCTYPE declarations are skipped (so no entity
// declared in a DTD is ever expanded); end tags only move the depth. A '<' that does not begin
// a name is text. An unterminated tag, comment or declaration ends the scan.
class XmlScanner {
  public:
    explicit XmlScanner(std::string_view doc) : doc_(doc) {}

    // The next start tag, or false at the end of the input.
    bool next(XmlElement& element);

  private:
    void skip_past(std::string_view terminator);

    std::string_view doc_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;
};

// Appends raw character data with the predefined entities (&lt; &gt; &amp; &quot; &apos;) and
// numeric character references (&#65; &#x41;) decoded. A reference to a code point that is
// not a Unicode scalar value becomes '?'; unknown or malformed references are kept as written.
// Stops before `out` would exceed max_bytes, possibly inside a character.
void append_xml_text(std::string_view raw, std::size_t max_bytes, std::string& out);

enum class JsonKind : std::uint8_t { string, number, literal };

struct JsonMember {
    // Keys from the root to the object holding the member, outermost first; an array on the
    // way contributes "". Only the first kMaxPath levels are kept: compare depth as well.
    std::span<const std::string_view> path;
    std::size_t depth = 0;  // containers enclosing the member, the root object excluded
    std::string_view key;   // between the quotes, escapes not decoded
    // kind string: between the quotes, escapes not decoded; number, literal: as written.
    std::string_view value;
    JsonKind kind = JsonKind::string;
};

// Yields the scalar members of the objects of a JSON text (strings, numbers, true/false/null),
// in order. Array elements that are not objects, and members whose value is an object or
// array, are not yielded themselves. A string followed by ':' is a key, whatever encloses it,
// so no stack of container types is needed however deep the input nests. Tolerant of junk
// between tokens; an unterminated string ends the scan.
class JsonScanner {
  public:
    static constexpr std::size_t kMaxPath = 8;

    explicit JsonScanner(std::string_view text) : text_(text) {}

    // The next scalar member, or false at the end of the input.
    bool next(JsonMember& member);

  private:
    // Fills `member` with the pending key's value `raw` of `kind` (the key is then used up).
    bool yield(JsonMember& member, JsonKind kind, std::string_view raw);

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;  // open containers, the root included
    std::array<std::string_view, kMaxPath> path_{};
    std::string_view key_;  // the key read last, until its value is
    bool have_key_ = false;
};

// Appends the raw text of a JSON string with its escapes decoded (\uXXXX surrogate pairs to
// UTF-8; a lone surrogate or an unknown escape becomes '?'). Stops before `out` would exceed
// max_bytes, possibly inside a character.
void append_json_string(std::string_view raw, std::size_t max_bytes, std::string& out);

}  // namespace camfence::fingerprint
