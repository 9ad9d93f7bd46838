#include "daemon/event_log.h"

#include <ctime>
#include <iostream>

namespace camfence::daemon {

std::string rfc3339(std::int64_t unix_seconds) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

EventLog::EventLog(bool to_stdout, const std::string& file) : stdout_(to_stdout) {
    if (!file.empty()) {
        file_ = std::fopen(file.c_str(), "ae");
        if (!file_) std::cerr << "camfenced: cannot append to " << file << "\n";
    }
}

EventLog::~EventLog() {
    if (file_) std::fclose(file_);
}

JsonWriter EventLog::begin(const std::string& event, const char* level) {
    JsonWriter w;
    w.begin_object()
        .field("time", rfc3339(static_cast<std::int64_t>(std::time(nullptr))))
        .field("event", event)
        .field("level", level);
    return w;
}

void EventLog::write(JsonWriter& event) {
    event.end_object();
    const std::string& line = event.str();
    if (stdout_) {
        std::cout << line << '\n';
        std::cout.flush();
    }
    if (file_) {
        std::fputs(line.c_str(), file_);
        std::fputc('\n', file_);
        std::fflush(file_);
    }
}

}  // namespace camfence::daemon
