#include "dataplane/fingerprint/dispatch.h"

#include "dataplane/fingerprint/banner.h"
#include "dataplane/fingerprint/dhcp.h"
#include "dataplane/fingerprint/discovery.h"
#include "dataplane/fingerprint/dns.h"
#include "dataplane/fingerprint/tls.h"

namespace camfence::fingerprint {

void observe(PuntKind kind, const dataplane::ParsedFrame& f, Bytes frame,
             std::vector<Observation>& out) {
    if (kind == PuntKind::none || kind == PuntKind::arp) return;
    std::size_t off = payload_offset(f, frame);
    if (off == 0) return;
    Bytes payload = frame.subspan(off);
    switch (kind) {
        case PuntKind::none:
        case PuntKind::arp:
            return;
        case PuntKind::sadp:
            parse_sadp(payload, out);
            return;
        case PuntKind::dhip:
            parse_dhip(payload, out);
            return;
        case PuntKind::dahua5050:
            parse_dahua5050(payload, out);
            return;
        case PuntKind::wsd:
            parse_wsd(payload, out);
            return;
        case PuntKind::dhcp:
            parse_dhcp(payload, out);
            return;
        case PuntKind::dns:
            parse_dns_query(payload, out);
            return;
        case PuntKind::tls_hello:
            parse_tls_client_hello(payload, out);
            return;
        case PuntKind::tls_server:
            parse_tls_certificate(payload, out);
            return;
        case PuntKind::banner:
            parse_http_response(payload, out);
            return;
    }
}

}  // namespace camfence::fingerprint
