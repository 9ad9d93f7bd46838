// Per-worker counter layout: the zone buckets of the policy-gap counter.
#include <catch2/catch.hpp>

#include "dataplane/io/counters.h"
#include "policy/zone_map.h"

using namespace camfence;
using namespace camfence::dataplane;

TEST_CASE("zone_bucket: zones by index, the rest and the two special zones apart", "[counters]") {
    CHECK(zone_bucket(0) == 0);
    CHECK(zone_bucket(1) == 1);
    CHECK(zone_bucket(static_cast<std::uint16_t>(kLastNamedZoneBucket - 1)) ==
          kLastNamedZoneBucket - 1);
    // Every zone from the last named bucket on shares it.
    CHECK(zone_bucket(static_cast<std::uint16_t>(kLastNamedZoneBucket)) == kLastNamedZoneBucket);
    CHECK(zone_bucket(1000) == kLastNamedZoneBucket);
    CHECK(zone_bucket(policy::kUnknownZone - 1) == kLastNamedZoneBucket);
    CHECK(zone_bucket(policy::kNoZone) == kOutsideZoneBucket);
    CHECK(zone_bucket(policy::kUnknownZone) == kUnreadableZoneBucket);
    // Every bucket is inside the array, and the three kinds never share one.
    for (std::uint32_t z = 0; z <= 0xffff; ++z)
        REQUIRE(zone_bucket(static_cast<std::uint16_t>(z)) < kZoneBuckets);
    CHECK(kLastNamedZoneBucket < kOutsideZoneBucket);
    CHECK(kOutsideZoneBucket < kUnreadableZoneBucket);
    WorkerCounters c;
    CHECK(c.prohibited_forwarded.size() == kZoneBuckets);
}
