// The structured event log: one JSON object per line, on stdout (journald) and appended to
// <state_dir>/events.jsonl. Verdict changes with their evidence, reloads (ok or failed, with
// every error), exception expiry, start and stop.
#pragma once

#include <cstdio>
#include <string>

#include "daemon/json_writer.h"

namespace camfence::daemon {

class EventLog {
  public:
    EventLog(bool to_stdout, const std::string& file);  // file empty: none
    ~EventLog();
    EventLog(const EventLog&) = delete;
    EventLog& operator=(const EventLog&) = delete;

    // Starts an event object with "time" (RFC 3339, UTC), "event" and "level"; the caller
    // adds fields and passes it to write(), which closes it.
    static JsonWriter begin(const std::string& event, const char* level = "info");
    void write(JsonWriter& event);

  private:
    bool stdout_;
    std::FILE* file_ = nullptr;
};

std::string rfc3339(std::int64_t unix_seconds);

}  // namespace camfence::daemon
