// parse_json: what RFC 8259 allows, each rejection rule with its message and offset, exact
// integers at the int64/uint64 limits, \u escapes, the nesting limit, and round trips of
// JsonWriter output.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "daemon/json_reader.h"
#include "daemon/json_writer.h"

namespace {

using camfence::daemon::JsonError;
using camfence::daemon::JsonValue;
using camfence::daemon::JsonWriter;
using camfence::daemon::parse_json;
using namespace std::string_literals;

struct Failure {
    std::string what;
    std::size_t offset;
};

// The error parse_json reports for `text`; fails the test if it parses.
Failure failure(std::string_view text, std::size_t max_depth = 64) {
    try {
        parse_json(text, max_depth);
    } catch (const JsonError& e) {
        return {e.what(), e.offset};
    }
    FAIL("parsed: " << text);
    return {};
}

struct Rejection {
    const char* rule;
    std::string text;
    const char* message;  // what() up to " at offset"
    std::size_t offset;
};

}  // namespace

TEST_CASE("parse_json rejects what RFC 8259 does not allow, saying what and where", "[json]") {
    const Rejection cases[] = {
        {"empty input", "", "unexpected end of input, expected a value", 0},
        {"whitespace only", " \n", "unexpected end of input, expected a value", 2},
        {"two values", "1 2", "unexpected data after the value", 2},
        {"value then garbage", "{}x", "unexpected data after the value", 2},
        {"trailing comma in array", "[1,]", "expected a value", 3},
        {"trailing comma in object", R"({"a":1,})", "expected a string key", 7},
        {"missing comma", R"({"a":1 "b":2})", "expected ',' or '}'", 7},
        {"missing colon", R"({"a" 1})", "expected ':'", 5},
        {"missing value", R"({"a":})", "expected a value", 5},
        {"unterminated array", "[1", "unexpected end of input, expected ',' or ']'", 2},
        {"unterminated object", R"({"a":1)", "unexpected end of input, expected ',' or '}'", 6},
        {"unterminated string", R"(["abc)", "unterminated string", 1},
        {"line comment", "// c\n1", "expected a value", 0},
        {"block comment", "[1 /* c */]", "expected ',' or ']'", 3},
        {"single-quoted string", "'a'", "expected a value", 0},
        {"single-quoted key", "{'a':1}", "expected a string key", 1},
        {"bare key", "{a:1}", "expected a string key", 1},
        {"leading zero", "01", "leading zero in number", 0},
        {"negative leading zero", "[-012]", "leading zero in number", 1},
        {"plus sign", "+1", "expected a value", 0},
        {"bare fraction", ".5", "expected a value", 0},
        {"empty fraction", "1.", "unexpected end of input, expected a digit after '.'", 2},
        {"empty exponent", "1e+", "unexpected end of input, expected a digit in the exponent", 3},
        {"lone minus", "-", "unexpected end of input, expected a digit", 1},
        {"NaN", "NaN", "expected a value", 0},
        {"Infinity", "Infinity", "expected a value", 0},
        {"-Infinity", "-Infinity", "expected a digit", 1},
        {"hex number", "0x10", "unexpected data after the value", 1},
        {"overflowing number", "1e400", "number out of range", 0},
        {"underflowing number", "[1e-400]", "number out of range", 1},
        {"misspelt literal", "tru", "expected 'true'", 0},
        {"capitalised literal", "True", "expected a value", 0},
        {"truncated null", "[nul]", "expected 'null'", 1},
        {"raw newline in string", "\"a\nb\"", "unescaped control character in string", 2},
        {"raw tab in string", "\"a\tb\"", "unescaped control character in string", 2},
        {"raw NUL in string", "\"a\0b\""s, "unescaped control character in string", 2},
        {"non-JSON whitespace", "\v1", "expected a value", 0},
        {"invalid escape", R"("a\x")", "invalid escape in string", 2},
        {"escaped single quote", R"("\'")", "invalid escape in string", 1},
        {"upper-case \\U", R"("\U0041")", "invalid escape in string", 1},
        {"short \\u", R"("\u12")", "expected 4 hex digits after \\u", 1},
        {"non-hex \\u", R"("\u12g4")", "expected 4 hex digits after \\u", 1},
        {"escape at end", "\"\\", "invalid escape in string", 1},
        {"lone high surrogate", R"("\ud800")", "unpaired surrogate", 1},
        {"high surrogate then text", R"("\ud800x")", "unpaired surrogate", 1},
        {"high surrogate then BMP", R"("\ud800\u0041")", "unpaired surrogate", 1},
        {"two high surrogates", R"("\ud800\ud800")", "unpaired surrogate", 1},
        {"lone low surrogate", R"("\udc00")", "unpaired surrogate", 1},
        {"stray continuation byte", "\"\x80\"", "invalid UTF-8 in string", 1},
        {"overlong 2-byte /", "\"\xc0\xaf\"", "invalid UTF-8 in string", 1},
        {"overlong 3-byte /", "\"\xe0\x80\xaf\"", "invalid UTF-8 in string", 1},
        {"overlong 4-byte /", "\"\xf0\x80\x80\xaf\"", "invalid UTF-8 in string", 1},
        {"UTF-8 surrogate", "\"\xed\xa0\x80\"", "invalid UTF-8 in string", 1},
        {"beyond U+10FFFF", "\"\xf4\x90\x80\x80\"", "invalid UTF-8 in string", 1},
        {"truncated sequence", "\"\xe2\x82\"", "invalid UTF-8 in string", 1},
        {"sequence cut by end", "\"\xe2\x82", "invalid UTF-8 in string", 1},
        {"0xff byte", "\"a\xff\"", "invalid UTF-8 in string", 2},
        {"invalid UTF-8 in key", "{\"\xfe\":1}", "invalid UTF-8 in string", 2},
        {"duplicate key", R"({"mac":1,"vlan":2,"mac":3})", "duplicate key \"mac\"", 18},
        {"duplicate key by escape", R"({"a":1,"\u0061":2})", "duplicate key \"a\"", 7},
        {"duplicate nested key", R"([{"x":{"k":1,"k":1}}])", "duplicate key \"k\"", 13},
    };
    for (const auto& c : cases) {
        INFO(c.rule);
        Failure f = failure(c.text);
        CHECK(f.what == std::string(c.message) + " at offset " + std::to_string(c.offset));
        CHECK(f.offset == c.offset);
    }
}

TEST_CASE("duplicate keys are found in large objects too", "[json]") {
    std::string text = "{";
    for (int i = 0; i < 100; ++i)
        text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    CHECK(parse_json(text + "\"k100\":0}").as_object().size() == 101);
    Failure f = failure(text + "\"k42\":0}");
    CHECK(f.what == "duplicate key \"k42\" at offset " + std::to_string(text.size()));
}

TEST_CASE("a duplicate key's message escapes the key and shortens a long one", "[json]") {
    std::string key(100, 'x');
    key[62] = '\n';
    key.replace(63, 2, "\xc3\xa9");  // a 2-byte character across the 64-byte cut
    std::string member = "\"" + camfence::daemon::json_escape(key) + "\":1";
    Failure f = failure("{" + member + "," + member + "}");
    CHECK(f.what.find("duplicate key \"" + std::string(62, 'x') + "\\n...\"") == 0);
}

TEST_CASE("parse_json reads each kind of value", "[json]") {
    const std::string text =
        " {\"n\":null,\"t\":true,\"f\":false,\"num\":-1.5e2,\"s\":\"hi\",\"a\":[1,[]],\"o\":{}}"
        "\r\n";
    JsonValue v = parse_json(text);
    REQUIRE(v.is_object());
    const auto& members = v.as_object();
    REQUIRE(members.size() == 7);
    const char* order[] = {"n", "t", "f", "num", "s", "a", "o"};
    for (std::size_t i = 0; i < members.size(); ++i)
        CHECK(members[i].first == order[i]);
    CHECK(v.find("n")->is_null());
    CHECK(v.find("t")->as_bool());
    CHECK_FALSE(v.find("f")->as_bool());
    CHECK(v.find("num")->as_number() == -150.0);
    CHECK(v.find("s")->as_string() == "hi");
    CHECK(v.find("a")->as_array().size() == 2);
    CHECK(v.find("a")->as_array()[1].as_array().empty());
    CHECK(v.find("o")->as_object().empty());
    CHECK(v.find("missing") == nullptr);
    CHECK(v.find("a")->find("n") == nullptr);  // not an object
    CHECK(v.find("num")->offset() == text.find("-1.5e2"));
    CHECK(v.find("o")->offset() == text.find("{}"));

    CHECK(parse_json("0").as_number() == 0.0);
    CHECK(parse_json("-0").as_int() == 0);
    CHECK(parse_json("0.25").as_number() == 0.25);
    CHECK(parse_json("1E+2").as_number() == 100.0);
    CHECK(parse_json("5e-1").as_number() == 0.5);
    CHECK(parse_json("\"\"").as_string().empty());
    CHECK(parse_json(R"("\"\\\/\b\f\n\r\t")").as_string() == "\"\\/\b\f\n\r\t");
    CHECK(parse_json(R"("a\u0000b")").as_string() == "a\0b"s);
}

TEST_CASE("accessors reject the wrong type with the value's offset", "[json]") {
    JsonValue v = parse_json(R"({"command":"clear","vlan":"100","mac":5})");
    CHECK(v.get_string("command") == "clear");
    CHECK(v.get_string("reason", "none") == "none");
    CHECK_THROWS_WITH(v.get_string("mac"),
                      "expected a string for \"mac\", found a number at offset 38");
    CHECK_THROWS_WITH(v.find("vlan")->as_int(), "expected an integer, found a string at offset 26");
    CHECK_THROWS_WITH(v.as_array(), "expected an array, found an object at offset 0");
    CHECK_THROWS_AS(v.find("mac")->as_bool(), JsonError);
    CHECK_THROWS_AS(v.find("mac")->as_string(), JsonError);
    CHECK_THROWS_AS(v.as_number(), JsonError);
    CHECK_THROWS_AS(parse_json("[]").as_object(), JsonError);
    CHECK(parse_json("[]").get_string("x", "fallback") == "fallback");
}

TEST_CASE("integers are exact across the int64 and uint64 ranges", "[json]") {
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    constexpr auto kUMax = std::numeric_limits<std::uint64_t>::max();
    CHECK(parse_json("-9223372036854775808").as_int() == kMin);
    CHECK(parse_json("9223372036854775807").as_int() == kMax);
    CHECK(parse_json("9223372036854775807").as_uint() == std::uint64_t{kMax});
    CHECK(parse_json("9223372036854775808").as_uint() == std::uint64_t{kMax} + 1);
    CHECK(parse_json("18446744073709551615").as_uint() == kUMax);
    CHECK(parse_json("9007199254740993").as_int() == 9007199254740993);  // 2^53 + 1
    CHECK(parse_json("-9007199254740993").as_int() == -9007199254740993);
    CHECK(parse_json("0").as_uint() == 0);
    CHECK(parse_json("-0").as_uint() == 0);
    CHECK(parse_json("18446744073709551615").as_number() == 0x1p64);  // rounded, as documented

    const char* not_int64[] = {"9223372036854775808",
                               "-9223372036854775809",
                               "18446744073709551616",
                               "1.5",
                               "1e3",
                               "2.0",
                               "-1e0"};
    for (const char* text : not_int64) {
        INFO(text);
        CHECK_THROWS_WITH(parse_json(text).as_int(),
                          "expected an integer in the int64 range at offset 0");
    }
    const char* not_uint64[] = {
        "-1", "-9223372036854775808", "18446744073709551616", "99999999999999999999999", "0.5",
        "1E2"};
    for (const char* text : not_uint64) {
        INFO(text);
        CHECK_THROWS_WITH(parse_json(text).as_uint(),
                          "expected an integer in the uint64 range at offset 0");
    }
}

TEST_CASE("Unicode escapes decode to UTF-8, surrogate pairs included", "[json]") {
    struct Case {
        const char* json;
        const char* utf8;
    } cases[] = {
        {R"("\u0041")", "A"},
        {R"("\u00e9")", "\xc3\xa9"},
        {R"("\u00E9")", "\xc3\xa9"},
        {R"("\u07ff")", "\xdf\xbf"},
        {R"("\u0800")", "\xe0\xa0\x80"},
        {R"("\u20ac")", "\xe2\x82\xac"},
        {R"("\uffff")", "\xef\xbf\xbf"},
        {R"("\ud83d\ude00")", "\xf0\x9f\x98\x80"},
        {R"("\uD83D\uDE00")", "\xf0\x9f\x98\x80"},
        {R"("\ud800\udc00")", "\xf0\x90\x80\x80"},
        {R"("\udbff\udfff")", "\xf4\x8f\xbf\xbf"},
        {R"("x\u00e9y\ud83d\ude00z")", "x\xc3\xa9y\xf0\x9f\x98\x80z"},
        // Well-formed UTF-8 passes through unchanged, at each sequence length and boundary.
        {"\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"",
         "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"},
    };
    for (const auto& c : cases) {
        INFO(c.json);
        CHECK(parse_json(c.json).as_string() == c.utf8);
    }
}

TEST_CASE("nesting deeper than max_depth is an error, not a stack overflow", "[json]") {
    auto nested = [](std::size_t depth) {
        std::string text;
        for (std::size_t i = 0; i < depth; ++i)
            text += i % 2 ? "{\"k\":" : "[";
        text += "0";
        for (std::size_t i = depth; i-- > 0;)
            text += i % 2 ? "}" : "]";
        return text;
    };
    CHECK_NOTHROW(parse_json(nested(64)));
    Failure f = failure(nested(65));
    CHECK(f.what.find("nesting deeper than 64 levels at offset") == 0);
    CHECK(failure(nested(3), 2).what == "nesting deeper than 2 levels at offset 6");
    CHECK(failure("[]", 0).what == "nesting deeper than 0 levels at offset 0");
    CHECK(parse_json("7", 0).as_int() == 7);
    // A hostile request: a million brackets stop at the limit.
    CHECK(failure(std::string(1'000'000, '[')).offset == 64);
}

TEST_CASE("JsonWriter output parses back to what was written", "[json]") {
    std::string every_ascii;
    for (int c = 0; c < 0x80; ++c)
        every_ascii.push_back(static_cast<char>(c));
    const std::string unicode = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xb7";
    JsonWriter w;
    w.begin_object()
        .field("command", "clear")
        .field("mac", "44:19:b6:00:00:01")
        .field("vlan", 100)
        .field("min", std::numeric_limits<std::int64_t>::min())
        .field("umax", std::numeric_limits<std::uint64_t>::max())
        .field("ok", true)
        .field("ratio", 0.25)
        .field("big", 1.5e300)
        .field("ascii", every_ascii)
        .field(unicode, unicode);
    w.key("none").null();
    w.key("list").begin_array().value(1).value("two").begin_object().end_object();
    w.begin_array().end_array().end_array();
    w.end_object();

    JsonValue v = parse_json(w.str());
    CHECK(v.get_string("command") == "clear");
    CHECK(v.get_string("mac") == "44:19:b6:00:00:01");
    CHECK(v.find("vlan")->as_int() == 100);
    CHECK(v.find("min")->as_int() == std::numeric_limits<std::int64_t>::min());
    CHECK(v.find("umax")->as_uint() == std::numeric_limits<std::uint64_t>::max());
    CHECK(v.find("ok")->as_bool());
    CHECK(v.find("ratio")->as_number() == 0.25);
    CHECK(v.find("big")->as_number() == 1.5e300);
    CHECK(v.get_string("ascii") == every_ascii);
    CHECK(v.get_string(unicode) == unicode);
    CHECK(v.find("none")->is_null());
    const auto& list = v.find("list")->as_array();
    REQUIRE(list.size() == 4);
    CHECK(list[1].as_string() == "two");
    CHECK(list[2].is_object());
    CHECK(list[3].is_array());
    CHECK(v.as_object().size() == 12);
    CHECK(parse_json("\"" + camfence::daemon::json_escape(every_ascii) + "\"").as_string() ==
          every_ascii);
    CHECK(parse_json("\"" + camfence::daemon::json_escape(unicode) + "\"").as_string() == unicode);
}

TEST_CASE("equality compares structure and values", "[json]") {
    CHECK(parse_json(R"({"a":[1,"x",null]})") == parse_json(" { \"a\" : [ 1 , \"x\" , null ] } "));
    CHECK(parse_json(R"("\u00e9")") == parse_json("\"\xc3\xa9\""));
    CHECK(parse_json("1e2") == parse_json("100"));
    CHECK(parse_json("-0") == parse_json("0"));
    CHECK_FALSE(parse_json("9007199254740993") == parse_json("9007199254740992"));
    CHECK_FALSE(parse_json(R"({"a":1,"b":2})") == parse_json(R"({"b":2,"a":1})"));
    CHECK_FALSE(parse_json("[1]") == parse_json("[1,1]"));
    CHECK_FALSE(parse_json("0") == parse_json("false"));
    CHECK_FALSE(parse_json("null") == parse_json("[]"));
}
