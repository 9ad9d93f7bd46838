// Prometheus exposition: the appliance builds its metric families at scrape time from the
// per-lcore counters and the control plane's state (never a prometheus-cpp call per frame).
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace camfence::daemon {

class CallbackCollectable : public prometheus::Collectable {
  public:
    using Fn = std::function<std::vector<prometheus::MetricFamily>()>;
    explicit CallbackCollectable(Fn fn) : fn_(std::move(fn)) {}
    std::vector<prometheus::MetricFamily> Collect() const override { return fn_(); }

  private:
    Fn fn_;
};

// Builds one family.
class FamilyBuilder {
  public:
    FamilyBuilder(std::string name, std::string help, prometheus::MetricType type);
    FamilyBuilder& add(std::initializer_list<std::pair<std::string, std::string>> labels,
                       double value);
    FamilyBuilder& add(const std::vector<std::pair<std::string, std::string>>& labels,
                       double value);
    prometheus::MetricFamily take() { return std::move(family_); }

  private:
    prometheus::MetricFamily family_;
};

}  // namespace camfence::daemon
