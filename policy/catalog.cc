#include "policy/catalog.h"

#include <cctype>
#include <map>

#include "policy/yaml_strict.h"

namespace camfence::policy {

std::optional<std::size_t> VendorCatalog::find(std::string_view id) const {
    for (std::size_t i = 0; i < vendors.size(); ++i)
        if (vendors[i].id == id) return i;
    return std::nullopt;
}

std::vector<std::size_t> VendorCatalog::with_subsidiaries(std::size_t index) const {
    std::vector<std::size_t> out{index};
    // Parents are validated acyclic, so a breadth-first walk terminates.
    for (std::size_t k = 0; k < out.size(); ++k)
        for (std::size_t i = 0; i < vendors.size(); ++i)
            if (vendors[i].parent == vendors[out[k]].id) out.push_back(i);
    return out;
}

std::size_t VendorCatalog::root_of(std::size_t index) const {
    for (std::size_t guard = 0; guard < vendors.size() && !vendors[index].parent.empty(); ++guard) {
        auto p = find(vendors[index].parent);
        if (!p) break;
        index = *p;
    }
    return index;
}

std::string normalize_organization(std::string_view name) {
    std::string out;
    // The registry spells one company "HUAWEI TECHNOLOGIES CO.,LTD" and "Huawei Technologies
    // Co., Ltd.": case, whitespace, '.' and ',' carry no meaning. Still a whole-name match.
    for (char c : name)
        if (!std::isspace(static_cast<unsigned char>(c)) && c != '.' && c != ',')
            out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    return out;
}

static VendorCatalog read_catalog(const std::string& path);

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

void read_signatures(YamlReader& r, const YAML::Node& list, Vendor& v) {
    if (!list.IsDefined() || !r.expect_sequence(list, "'signatures'")) return;
    for (const auto& e : list) {
        if (!r.expect_map(e, "a signature",
                          {"protocol", "field", "any", "equals", "prefix", "suffix", "contains",
                           "domain", "strength", "source"}))
            continue;
        Signature sig;
        auto protocol = r.string(e, "protocol", true);
        auto field = r.string(e, "field", true);
        auto strength = r.string(e, "strength", true);
        auto source = r.string(e, "source", true);
        if (!protocol || !field || !strength || !source) continue;
        bool known = false;
        for (auto p : kSignatureProtocols)
            known |= p == *protocol;
        if (!known) {
            std::string list_text;
            for (auto p : kSignatureProtocols)
                list_text += (list_text.empty() ? "" : ", ") + std::string(p);
            r.error(e["protocol"], "unknown protocol '" + *protocol + "' (" + list_text + ")");
            continue;
        }
        sig.protocol = *protocol;
        sig.field = *field;
        if (*strength == "strong")
            sig.strength = Strength::strong;
        else if (*strength == "medium")
            sig.strength = Strength::medium;
        else if (*strength == "weak")
            sig.strength = Strength::weak;
        else {
            r.error(e["strength"],
                    "strength must be strong, medium or weak, not '" + *strength + "'");
            continue;
        }
        sig.source = *source;
        int kinds = 0;
        const std::pair<const char*, MatchKind> match_keys[] = {{"equals", MatchKind::equals},
                                                                {"prefix", MatchKind::prefix},
                                                                {"suffix", MatchKind::suffix},
                                                                {"contains", MatchKind::contains},
                                                                {"domain", MatchKind::domain}};
        for (auto [key, kind] : match_keys) {
            if (!e[key].IsDefined()) continue;
            ++kinds;
            if (auto pat = r.string(e, key, true)) {
                if (pat->empty()) r.error(e[key], std::string(key) + " pattern is empty");
                sig.match = kind;
                sig.pattern = lower(*pat);
            }
        }
        if (e["any"].IsDefined()) {
            ++kinds;
            if (auto any = r.boolean(e, "any", true); any && !*any)
                r.error(e["any"], "'any' can only be true (the field is present)");
            sig.match = MatchKind::any;
        }
        if (kinds != 1) {
            r.error(e,
                    "a signature needs exactly one of equals, prefix, suffix, contains, domain, "
                    "any");
            continue;
        }
        v.signatures.push_back(std::move(sig));
    }
}

}  // namespace

std::string_view to_string(Strength s) {
    switch (s) {
        case Strength::weak:
            return "weak";
        case Strength::medium:
            return "medium";
        case Strength::strong:
            return "strong";
    }
    return "?";
}

bool Signature::matches(std::string_view p, std::string_view f, std::string_view value) const {
    if (p != protocol || f != field) return false;
    if (match == MatchKind::any) return true;
    std::string v = lower(value);
    switch (match) {
        case MatchKind::equals:
            return v == pattern;
        case MatchKind::prefix:
            return v.rfind(pattern, 0) == 0;
        case MatchKind::suffix:
            return v.size() >= pattern.size() &&
                   v.compare(v.size() - pattern.size(), pattern.size(), pattern) == 0;
        case MatchKind::contains:
            return v.find(pattern) != std::string::npos;
        case MatchKind::domain:
            return v == pattern ||
                   (v.size() > pattern.size() &&
                    v.compare(v.size() - pattern.size(), pattern.size(), pattern) == 0 &&
                    v[v.size() - pattern.size() - 1] == '.');
        case MatchKind::any:
            return true;
    }
    return false;
}

std::string Signature::describe() const {
    static constexpr const char* kNames[] = {"any",    "equals",   "prefix",
                                             "suffix", "contains", "domain"};
    std::string out = protocol + " " + field + " " + kNames[static_cast<int>(match)];
    if (match != MatchKind::any) out += " \"" + pattern + "\"";
    return out;
}

VendorCatalog load_catalog(const std::string& path) {
    try {
        return read_catalog(path);
    } catch (const YAML::Exception& e) {
        throw unexpected_structure(path, e);
    }
}

static VendorCatalog read_catalog(const std::string& path) {
    std::vector<Diagnostic> diags;
    YamlReader r(path, diags);
    VendorCatalog cat;
    cat.path = path;
    auto root = r.load();
    if (!root) throw PolicyError(diags);
    if (!r.expect_map(*root, "the catalog", {"version", "vendors"})) throw PolicyError(diags);
    r.integer(*root, "version", true, 1, 1);
    const YAML::Node& list = (*root)["vendors"];
    if (!list.IsDefined()) {
        r.error(*root, "missing required key 'vendors'");
        throw PolicyError(diags);
    }
    std::map<std::string, YAML::Mark> parent_marks;
    std::map<std::string, YAML::Mark> id_marks;
    std::map<std::string, std::string> name_owner;
    std::map<MacPrefix, std::string> prefix_owner;
    if (r.expect_sequence(list, "'vendors'")) {
        for (const auto& item : list) {
            if (!r.expect_map(item, "a vendor",
                              {"id", "name", "parent", "basis", "registry_names", "extra_prefixes",
                               "signatures"}))
                continue;
            Vendor v;
            auto id = r.string(item, "id", true);
            if (!id) continue;
            v.id = *id;
            if (v.id.empty() || v.id == "all" ||
                v.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") !=
                    std::string::npos)
                r.error(item["id"],
                        "vendor id '" + v.id +
                            "' must be lower-case letters, digits, '-' or '_' (and not 'all')");
            if (id_marks.count(v.id)) r.error(item["id"], "duplicate vendor id '" + v.id + "'");
            id_marks.emplace(v.id, item["id"].Mark());
            v.name = r.string(item, "name", true).value_or(v.id);
            v.basis = r.string(item, "basis", true).value_or("");
            if (auto p = r.string(item, "parent", false)) {
                v.parent = *p;
                parent_marks.emplace(v.id, item["parent"].Mark());
            }
            if (auto names = r.string_list(item, "registry_names", false)) {
                for (auto& [n, mark] : *names) {
                    auto key = normalize_organization(n);
                    auto [it, fresh] = name_owner.emplace(key, v.id);
                    if (!fresh)
                        r.error(mark, "registry name '" + n + "' is already claimed by vendor '" +
                                          it->second + "'");
                    v.registry_names.push_back(n);
                }
            }
            const YAML::Node& extras = item["extra_prefixes"];
            if (extras.IsDefined() && r.expect_sequence(extras, "'extra_prefixes'")) {
                for (const auto& e : extras) {
                    if (!r.expect_map(e, "an extra prefix", {"prefix", "source"})) continue;
                    auto text = r.string(e, "prefix", true);
                    auto source = r.string(e, "source", true);
                    if (!text) continue;
                    auto prefix = MacPrefix::parse(*text);
                    if (!prefix) {
                        r.error(e["prefix"],
                                "bad MAC prefix '" + *text +
                                    "': use 6 (MA-L), 7 (MA-M) or 9 (MA-S) hex digits");
                        continue;
                    }
                    if ((prefix->value >> (prefix->bits - 8)) & 0x03) {
                        r.error(e["prefix"], "prefix " + prefix->to_string() +
                                                 " has the locally administered or group bit set: "
                                                 "no vendor owns such addresses");
                        continue;
                    }
                    auto [it, fresh] = prefix_owner.emplace(*prefix, v.id);
                    if (!fresh)
                        r.error(e["prefix"], "prefix " + prefix->to_string() +
                                                 " is already listed for vendor '" + it->second +
                                                 "'");
                    v.extra_prefixes.push_back({*prefix, source.value_or("")});
                }
            }
            read_signatures(r, item["signatures"], v);
            cat.vendors.push_back(std::move(v));
        }
    }
    for (const auto& v : cat.vendors) {
        if (v.parent.empty()) continue;
        if (!cat.find(v.parent)) {
            r.error(parent_marks[v.id],
                    "vendor '" + v.id + "' names unknown parent '" + v.parent + "'");
            continue;
        }
        // Walk up; a chain longer than the catalog is a cycle.
        std::string cur = v.parent;
        for (std::size_t steps = 0; !cur.empty(); ++steps) {
            if (cur == v.id || steps > cat.vendors.size()) {
                r.error(parent_marks[v.id],
                        "vendor '" + v.id + "' is its own ancestor (parent cycle)");
                break;
            }
            auto idx = cat.find(cur);
            cur = idx ? cat.vendors[*idx].parent : "";
        }
    }
    if (!diags.empty()) throw PolicyError(diags);
    return cat;
}

}  // namespace camfence::policy
