import TestSupport

/// The command the tests deploy: a shell dispatcher on the version. `*-exits` prints a database error and
/// exits; `*-unhealthy` serves 500 on /health; `*-smokefail` serves 500 on /api/hello; `*-bakefail`
/// passes health and smoke tests but answers real traffic with 500; `*-dies` passes them, answers the first
/// real request and exits; `*-deaf` runs but never listens; anything else runs the built
/// `shipshape demo-app` (in `$SHIPSHAPE_BINARY`).
enum AppVersions {
    static let dispatcher = """
        #!/bin/sh
        port=$1; version=$2
        case "$version" in
          *-exits) echo "app $version connecting to db:5432"; echo "fatal: database unavailable" >&2; exit 3 ;;
          *-deaf) echo "app $version listening on the wrong port"; exec sleep 600 ;;
          *-unhealthy|*-smokefail|*-bakefail|*-dies) exec python3 "$(dirname "$0")/broken.py" "$port" "$version" ;;
          *) exec "$SHIPSHAPE_BINARY" demo-app --port "$port" --version "$version" ;;
        esac
        """

    static let broken = """
        import http.server, os, sys
        port, version = int(sys.argv[1]), sys.argv[2]
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            def do_GET(self):
                self.answer()
                if version.endswith('-dies') and self.path == '/api/hello' and self.headers.get('User-Agent') != 'shipshape-smoke':
                    print('dying after a real request', flush=True)
                    os._exit(1)
            def answer(self):
                smoke = self.headers.get('User-Agent') == 'shipshape-smoke'
                if self.path == '/health':
                    code = 500 if version.endswith('-unhealthy') else 200
                elif self.path == '/api/hello':
                    failing = version.endswith('-smokefail') or (version.endswith('-bakefail') and not smoke)
                    code = 500 if failing else 200
                else:
                    code = 404
                body = ('{"message":"hello","version":"%s"}' % version).encode() if code == 200 else b'{"error":"boom"}'
                self.send_response(code)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, format, *args):
                print('served', self.path, args[1] if len(args) > 1 else '', flush=True)
        print('broken app', version, 'on', port, flush=True)
        http.server.ThreadingHTTPServer(('127.0.0.1', port), Handler).serve_forever()
        """

    /// Writes both files into `directory`; returns the dispatcher's path.
    static func write(in directory: TemporaryDirectory) throws -> String {
        guard ProcessRunner.isInstalled("python3") else {
            throw TestSupportError(message: "python3 is not installed: run scripts/install-deploy-deps.sh")
        }
        _ = try directory.write("broken.py", broken)
        return try directory.write("app.sh", dispatcher)
    }
}
