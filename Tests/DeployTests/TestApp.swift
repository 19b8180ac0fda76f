import Deploy
import TestSupport

/// A small real HTTP app (Python's http.server) run through the process runtime: `/health` → `ok`,
/// `/version` → the deployed version, `/broken` → 500, anything else 404; every answer carries
/// `X-Version`. It logs each request on stdout.
enum TestApp {
    static let source = """
        import http.server, sys
        port, version = int(sys.argv[1]), sys.argv[2]
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                routes = {'/health': (200, b'ok'), '/version': (200, ('version ' + version).encode()),
                          '/broken': (500, b'database unavailable')}
                code, body = routes.get(self.path, (404, b'not found'))
                self.send_response(code)
                self.send_header('X-Version', version)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, format, *args):
                print('served', self.path, flush=True)
        print('app', version, 'starting on', port, flush=True)
        http.server.HTTPServer(('127.0.0.1', port), Handler).serve_forever()
        """

    /// Writes the app into `directory` and returns a runtime that starts it with `{port}` and `{version}`.
    static func runtime(in directory: TemporaryDirectory) throws -> ProcessRuntime {
        guard ProcessRunner.isInstalled("python3") else {
            throw TestSupportError(message: "python3 is not installed: run scripts/install-docker-deps.sh")
        }
        let script = try directory.write("app.py", source)
        return ProcessRuntime(
            configuration: .init(command: ["python3", script, "{port}", "{version}"], stopGrace: .seconds(5)))
    }
}
