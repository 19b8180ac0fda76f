#!/usr/bin/env python3
"""An HTTP proxy in front of an S3-compatible server that makes the first try of every request fail.

    s3-faults.py LISTEN_PORT UPSTREAM_PORT MODE LOG

moto answers every request it can; it cannot be told to answer 503 SlowDown or drop a connection the way a
busy S3 region does. This proxy produces exactly those faults, once per distinct request (method, path and
query), then forwards the retry to moto unchanged, Host header included, so moto still checks the signature:
  slowdown  answers 503 with S3's SlowDown error body
  drop      reads the request, then closes the connection without answering
  cut       (object GETs only) forwards it, then sends the headers and half the body and closes the connection
  lose      forwards it (the server acts on it), then closes the connection without answering; the retry of
            a CompleteMultipartUpload is answered 404 NoSuchUpload, as AWS S3 may answer it once the upload is
            complete (moto answers 200 again)
Every request is appended to LOG as "METHOD PATH?QUERY fault|forwarded STATUS", for the test to read.
"""
import http.client
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

listen_port, upstream_port, mode, log_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
seen = set()
lock = threading.Lock()

SLOWDOWN = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
            b'<Message>Please reduce your request rate.</Message></Error>')

NO_SUCH_UPLOAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code>'
                  b'<Message>The specified upload does not exist.</Message></Error>')


def log(line):
    with lock, open(log_path, "a") as out:
        out.write(line + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = f"{self.command} {self.path}"
        object_get = self.command == "GET" and "?" not in self.path
        with lock:
            first = request not in seen and (mode != "cut" or object_get)
            seen.add(request)
        if first and mode == "cut":
            log(f"{request} fault")
            self.reply(*self.forward(body), cut=True)
            return
        completion = self.command == "POST" and "uploadId=" in self.path
        if not first and mode == "lose" and completion:
            log(f"{request} NoSuchUpload 404")
            self.reply(404, [("Content-Type", "application/xml")], NO_SUCH_UPLOAD)
            return
        if first and mode == "lose":
            status, _, _ = self.forward(body)
            log(f"{request} fault {status}")
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if first:
            log(f"{request} fault")
            if mode == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(SLOWDOWN)))
            self.end_headers()
            self.wfile.write(SLOWDOWN)
            return
        status, headers, data = self.forward(body)
        log(f"{request} forwarded {status}")
        self.reply(status, headers, data)

    def reply(self, status, headers, data, cut=False):
        """Sends a response with its full Content-Length; with cut, only half the body, then closes."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not cut:
            self.wfile.write(data)
            return
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(2)

    def forward(self, body):
        """Sends the request to the upstream as received and returns its status, headers and body."""
        upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
        upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in ("connection", "content-length"):
                upstream.putheader(name, value)
        upstream.putheader("Content-Length", str(len(body)))
        upstream.endheaders(body)
        response = upstream.getresponse()
        data = response.read()
        headers = [(name, value) for name, value in response.getheaders()
                   if name.lower() not in ("connection", "content-length", "transfer-encoding", "server", "date")]
        upstream.close()
        return response.status, headers, data

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


Server(("127.0.0.1", listen_port), Handler).serve_forever()
