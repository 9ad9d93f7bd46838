// TLS handshakes in the clear: the server name a client asks for (ClientHello SNI) and the
// subject of the certificate a TLS 1.0-1.2 server presents.
#pragma once

#include <vector>

#include "dataplane/fingerprint/observation.h"

namespace camfence::fingerprint {

// Reads a ClientHello from the handshake records at the start of a TCP payload (a message
// split across records is reassembled). Emits, as Protocol::tls_sni, "sni": the host_name of
// the server_name extension, ASCII lower-cased and without a trailing dot
// ("litedev.hik-connect.com"). Extensions are
// read as far as the segment goes. Returns whether the payload starts with a TLS handshake
// record (content type 22, version 3.x) whose first message is, or may still be, a
// ClientHello.
bool parse_tls_client_hello(Bytes tcp_payload, std::vector<Observation>& out);

// Reads the server's first flight (ServerHello, Certificate, ... in one or several handshake
// records). Emits, as Protocol::tls_cert, "subject": the subject of the first certificate of
// the Certificate message, its CN, OU, O, L, ST and C attributes in DER order, RDNs joined by
// ',' and multi-valued RDNs by '+', values escaped as in RFC 4514:
// "C=CN,ST=ZheJiang,L=HangZhou,O=DAHUA,OU=DAHUATECH,CN=192.168.1.108". The subject is read
// when the certificate is whole up to the end of its subject Name, even if the segment cuts
// the rest; otherwise nothing is observed. Returns whether the payload starts with a TLS
// handshake record whose first message is, or may still be, a server handshake message.
bool parse_tls_certificate(Bytes tcp_payload, std::vector<Observation>& out);

}  // namespace camfence::fingerprint
