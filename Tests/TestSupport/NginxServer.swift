import Foundation

/// A real nginx (Debian's) started by a test, serving a directory on a loopback port, in the foreground.
public final class NginxServer: Sendable {
    /// The port it serves on.
    public let port: Int
    /// The directory it serves.
    public let root: String
    let child: SpawnedProcess
    let directory: TemporaryDirectory

    /// Starts nginx serving `root` (its `extraServerConfig` lines go inside the `server` block).
    /// Waits for it without holding a thread of the cooperative pool.
    public init(root: String, extraServerConfig: String = "") async throws {
        guard ProcessRunner.isInstalled("nginx") || FileManager.default.fileExists(atPath: "/usr/sbin/nginx") else {
            throw TestSupportError(message: "nginx is not installed; run scripts/install-gateway-deps.sh")
        }
        directory = try TemporaryDirectory(prefix: "nginx")
        port = try ProcessRunner.freePort()
        self.root = root
        try directory.write(
            "nginx.conf",
            """
            worker_processes 1;
            error_log \(directory.path)/error.log warn;
            pid \(directory.path)/nginx.pid;
            events { worker_connections 1024; }
            http {
              access_log off;
              client_body_temp_path \(directory.path)/body;
              proxy_temp_path \(directory.path)/proxy;
              fastcgi_temp_path \(directory.path)/fastcgi;
              uwsgi_temp_path \(directory.path)/uwsgi;
              scgi_temp_path \(directory.path)/scgi;
              default_type text/plain;
              types { text/html html; text/plain txt; application/json json; }
              server {
                listen 127.0.0.1:\(port);
                root \(root);
                \(extraServerConfig)
              }
            }
            """)
        let binary = FileManager.default.fileExists(atPath: "/usr/sbin/nginx") ? "/usr/sbin/nginx" : "/usr/bin/nginx"
        child = try SpawnedProcess(
            [binary, "-c", "\(directory.path)/nginx.conf", "-p", directory.path, "-g", "daemon off; master_process off;"])
        for _ in 0..<100 {
            if (try? await ProcessRunner.run(["curl", "-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/"]).status) == 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSupportError(message: "nginx did not start: \((try? String(contentsOfFile: "\(directory.path)/error.log", encoding: .utf8)) ?? "")")
    }

    /// Stops nginx and removes its files. SIGKILL, because a single-process nginx started from a test runner
    /// inherits a blocked SIGTERM.
    public func stop() {
        child.signal(SIGKILL)
        child.wait()
        directory.remove()
    }
}
