#include "daemon/metrics.h"

namespace camfence::daemon {

FamilyBuilder::FamilyBuilder(std::string name, std::string help, prometheus::MetricType type) {
    family_.name = std::move(name);
    family_.help = std::move(help);
    family_.type = type;
}

FamilyBuilder& FamilyBuilder::add(std::initializer_list<std::pair<std::string, std::string>> labels,
                                  double value) {
    return add(std::vector<std::pair<std::string, std::string>>(labels), value);
}

FamilyBuilder& FamilyBuilder::add(const std::vector<std::pair<std::string, std::string>>& labels,
                                  double value) {
    prometheus::ClientMetric m;
    for (const auto& [k, v] : labels)
        m.label.push_back({k, v});
    if (family_.type == prometheus::MetricType::Counter)
        m.counter.value = value;
    else
        m.gauge.value = value;
    family_.metric.push_back(std::move(m));
    return *this;
}

}  // namespace camfence::daemon
