import Foundation
import TestSupport

/// One HTTP/2 request over TLS sent with python-h2, whose header block is exactly `headers` (pseudo-headers
/// included, nothing validated): what curl never sends, such as a `host` field beside `:authority`.
func rawHTTP2Request(port: Int, headers: [(String, String)], timeout: Double = 10) async throws -> (status: String?, body: String) {
    let script = #"""
        import json, socket, ssl, sys
        import h2.config, h2.connection, h2.events
        port, headers, timeout = int(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3])
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.set_alpn_protocols(["h2"])
        sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
        sock.settimeout(timeout)
        config = h2.config.H2Configuration(client_side=True, header_encoding="utf-8",
                                           validate_outbound_headers=False, normalize_outbound_headers=False)
        connection = h2.connection.H2Connection(config=config)
        connection.initiate_connection()
        connection.send_headers(1, [tuple(h) for h in headers], end_stream=True)
        sock.sendall(connection.data_to_send())
        status, body, done = None, b"", False
        while not done:
            data = sock.recv(65536)
            if not data:
                break
            for event in connection.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    status = dict(event.headers).get(":status")
                elif isinstance(event, h2.events.DataReceived):
                    body += event.data
                    connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset, h2.events.ConnectionTerminated)):
                    done = True
            sock.sendall(connection.data_to_send())
        print(json.dumps({"status": status, "body": body.decode("utf-8", "replace")}))
        """#
    let encoded = String(decoding: try JSONSerialization.data(withJSONObject: headers.map { [$0.0, $0.1] }), as: UTF8.self)
    let result = try await ProcessRunner.run(["python3", "-c", script, String(port), encoded, String(timeout)])
    guard result.status == 0,
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    else { throw TestSupportError(message: "the HTTP/2 client failed: \(result.stderr)") }
    return (object["status"] as? String, object["body"] as? String ?? "")
}
