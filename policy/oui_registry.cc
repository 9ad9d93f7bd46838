#include "policy/oui_registry.h"

#include <filesystem>
#include <fstream>

#include "policy/diagnostic.h"

namespace camfence::policy {

bool read_csv_record(std::istream& in, std::vector<std::string>& fields, int& line) {
    fields.assign(1, std::string());
    std::string text;
    bool quoted = false;
    bool any = false;
    while (std::getline(in, text)) {
        ++line;
        any = true;
        for (std::size_t i = 0; i < text.size(); ++i) {
            char c = text[i];
            if (quoted) {
                if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                    fields.back().push_back('"');
                    ++i;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    fields.back().push_back(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.emplace_back();
            } else if (c != '\r') {
                fields.back().push_back(c);
            }
        }
        if (!quoted) return true;
        fields.back().push_back(' ');  // a line break inside a quoted field
    }
    return any;
}

static void read_registry_file(const std::string& file, unsigned bits, OuiRegistry& out,
                               std::vector<Diagnostic>& diags) {
    std::ifstream in(file);
    if (!in) {
        diags.push_back({file, 0, 0, "cannot open IEEE registry file (install ieee-data?)"});
        return;
    }
    std::vector<std::string> f;
    int lineno = 0;
    bool header = true;
    while (read_csv_record(in, f, lineno)) {
        if (header || (f.size() == 1 && f[0].empty())) {
            header = false;
            continue;
        }
        if (f.size() < 3) {
            diags.push_back({file, lineno, 1, "expected Registry,Assignment,Organization Name"});
            continue;
        }
        auto prefix = MacPrefix::parse(f[1]);
        if (!prefix || prefix->bits != bits) {
            diags.push_back({file, lineno, 1, "bad assignment '" + f[1] + "'"});
            continue;
        }
        out.entries.push_back({*prefix, f[2]});
        if (diags.size() > 20) return;
    }
}

OuiRegistry load_oui_registry(const std::string& directory) {
    OuiRegistry reg;
    reg.directory = directory;
    std::vector<Diagnostic> diags;
    read_registry_file(directory + "/oui.csv", 24, reg, diags);
    for (auto [name, bits] : {std::pair{"mam.csv", 28u}, {"oui36.csv", 36u}, {"iab.csv", 36u}}) {
        std::string file = directory + "/" + name;
        if (std::filesystem::exists(file)) read_registry_file(file, bits, reg, diags);
    }
    if (!diags.empty()) throw PolicyError(diags);
    return reg;
}

}  // namespace camfence::policy
