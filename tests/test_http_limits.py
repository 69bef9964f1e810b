"""ingest.http: the limits every download is held to, against a loopback server of our own.

The server below answers each path from a script: status, headers and body, the body sent whole,
in chunked transfer encoding, or until the connection closes (no Content-Length), optionally
trickled in small pieces with pauses; a response may also be no response at all (a dropped
connection). Each failure is asserted by the message fragment ingest/http.py gives it and by the
FetchError naming the source and the URL it was asked for."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from ingest import catalog
from ingest import http as citywh_http
from ingest.errors import FetchError
from ingest.http import Refused, _check_url, download, download_checked, not_csv_with

SOURCE = "limits_test"  # in no catalog entry: its byte limit is CITYWH_HTTP_MAX_BYTES


# --- a scripted loopback server ---------------------------------------------------------------

@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    framing: str = "length"  # length (Content-Length) | chunked | close (read until the connection closes)
    declared: int | None = None  # a Content-Length to declare instead of the body's true length
    trickle: tuple[int, float] | None = None  # (piece size, pause after each piece)
    header_trickle: tuple[int, float] | None = None  # (padding header lines, pause after each)
    drop: bool = False  # close the connection without answering


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status=status, headers={"Location": location}, body=b"moved")


class LoopServer:
    """A ThreadingHTTPServer on 127.0.0.1:<free port> in a daemon thread; routes[path] is a list
    of Reply, taken in order, the last one repeated; requests lists the paths asked for."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[str] = []
        self.stopping = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - http.server API
                outer.requests.append(self.path)
                script = outer.routes.get(self.path.split("?")[0]) or [Reply(404, b"no such path")]
                reply = script.pop(0) if len(script) > 1 else script[0]
                try:
                    outer._answer(self, reply)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                    self.close_connection = True  # the client hung up: what a refusal looks like

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def count(self, path: str) -> int:
        return sum(1 for p in self.requests if p.split("?")[0] == path)

    def _pause(self, seconds: float) -> bool:
        """Sleep; False when the server is being shut down."""
        return not self.stopping.wait(seconds)

    def _answer(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        if reply.drop:
            handler.close_connection = True
            return
        write = handler.wfile.write
        handler.send_response(reply.status)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        if reply.framing == "length":
            handler.send_header("Content-Length", str(reply.declared if reply.declared is not None
                                                      else len(reply.body)))
        elif reply.framing == "chunked":
            handler.send_header("Transfer-Encoding", "chunked")
        if reply.framing != "length":
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.flush_headers()
        if reply.header_trickle:  # the header block itself, one padding line at a time
            lines, pause = reply.header_trickle
            for n in range(lines):
                write(f"X-Padding-{n}: {'p' * 8}\r\n".encode())
                if not self._pause(pause):
                    return
        write(b"\r\n")
        size, pause = reply.trickle or (max(len(reply.body), 1), 0.0)
        for start in range(0, len(reply.body), size):
            piece = reply.body[start:start + size]
            write(b"%x\r\n%s\r\n" % (len(piece), piece) if reply.framing == "chunked" else piece)
            if pause and not self._pause(pause):
                return
        if reply.framing == "chunked":
            write(b"0\r\n\r\n")
        if reply.declared is not None and reply.declared != len(reply.body):
            handler.close_connection = True


def _start(server: LoopServer) -> Iterator[LoopServer]:
    server.thread.start()
    yield server
    server.stopping.set()
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def server() -> Iterator[LoopServer]:
    yield from _start(LoopServer())


@pytest.fixture(autouse=True)
def _default_limits(monkeypatch):
    """Each test starts from the documented defaults and retries without waiting."""
    for name in ("CITYWH_HTTP_MAX_BYTES", "CITYWH_HTTP_DEADLINE", "CITYWH_HTTP_ATTEMPTS",
                 "CITYWH_HTTP_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CITYWH_HTTP_BACKOFF_MAX", "0")


def refused(call, *args, **kwargs) -> tuple[FetchError, float]:
    """The FetchError a download raises and the seconds it took to raise it."""
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        call(*args, **kwargs)
    return caught.value, time.monotonic() - started


def assert_names(error: FetchError, source: str, url: str, *fragments: str) -> None:
    message = str(error)
    assert (error.source, error.url) == (source, url)
    assert message.startswith(f"[{source}] fetch failed for {url}: "), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


# --- the byte limit ---------------------------------------------------------------------------

def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(server):
    # 5 MB declared; 64 bytes sent, then the server holds the line for 3 s: reading the body
    # would take those 3 s
    server.routes["/big"] = [Reply(body=b"x" * 64, declared=5_000_000, trickle=(64, 3.0))]
    url = server.url("/big")
    error, took = refused(download, SOURCE, url, max_bytes=1_000, timeout=10, attempts=4)
    assert_names(error, SOURCE, url, "response of 5,000,000 bytes is over the 1,000 allowed")
    assert took < 1.5, f"took {took:.2f} s: the body was read, not refused on its declared length"
    assert server.count("/big") == 1  # a limit is final: never retried


def test_a_body_of_exactly_the_limit_passes(server):
    server.routes["/exact"] = [Reply(body=b"e" * 1_000)]
    assert download(SOURCE, server.url("/exact"), max_bytes=1_000) == b"e" * 1_000
    server.routes["/one-over"] = [Reply(body=b"e" * 1_001)]
    error, _ = refused(download, SOURCE, server.url("/one-over"), max_bytes=1_000)
    assert "response of 1,001 bytes is over the 1,000 allowed" in str(error)


@pytest.mark.parametrize("framing", ["chunked", "close"])
def test_an_undeclared_body_over_the_limit_is_cut_off_while_it_arrives(server, framing):
    # 20 pieces of 500 bytes, one every 0.1 s: 2 s in all; the limit is passed with the third
    server.routes["/stream"] = [Reply(body=b"y" * 10_000, framing=framing, trickle=(500, 0.1))]
    url = server.url("/stream")
    error, took = refused(download, SOURCE, url, max_bytes=1_200, timeout=10, attempts=4)
    assert_names(error, SOURCE, url, "response passed the 1,200 bytes allowed: cut off")
    assert took < 1.2, f"took {took:.2f} s: the body was read to its end before being refused"
    assert server.count("/stream") == 1


@pytest.mark.parametrize("framing", ["chunked", "close"])
def test_an_undeclared_body_within_the_limit_is_returned_whole(server, framing):
    body = bytes(range(256)) * 4
    server.routes["/stream"] = [Reply(body=body, framing=framing, trickle=(100, 0.01))]
    assert download(SOURCE, server.url("/stream"), max_bytes=len(body)) == body


# --- the overall deadline ---------------------------------------------------------------------

@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_a_server_trickling_past_the_deadline_is_cut_off_at_the_deadline(server, framing):
    # 16 bytes every 0.2 s for 3 s: each read well within the 5 s timeout, the whole past 1 s
    server.routes["/slow"] = [Reply(body=b"t" * 16 * 15, framing=framing, trickle=(16, 0.2))]
    url = server.url("/slow")
    error, took = refused(download, SOURCE, url, deadline=1.0, timeout=5, attempts=4)
    assert_names(error, SOURCE, url, "no complete response within the 1 s deadline", "cut off")
    assert 0.9 <= took < 2.0, f"took {took:.2f} s; the deadline is 1 s, the trickle 3 s"
    assert server.count("/slow") == 1  # not retried: another attempt would trickle as well


def test_the_deadline_comes_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("CITYWH_HTTP_DEADLINE", "1")
    server.routes["/slow"] = [Reply(body=b"t" * 16 * 15, trickle=(16, 0.2))]
    error, took = refused(download, SOURCE, server.url("/slow"), timeout=5)
    assert "within the 1 s deadline" in str(error) and took < 2.0


def test_a_slow_body_finishing_within_the_deadline_passes(server):
    server.routes["/slow"] = [Reply(body=b"s" * 64, trickle=(16, 0.1))]
    assert download(SOURCE, server.url("/slow"), deadline=3.0, timeout=5) == b"s" * 64


def test_a_server_trickling_its_headers_is_cut_off_at_the_deadline(server):
    # 15 header lines, one every 0.2 s (3 s in all, each well within the 5 s read timeout), then
    # a 2-byte body: the call should end at the 1 s deadline, not when the headers are complete
    server.routes["/slow-headers"] = [Reply(body=b"ok", header_trickle=(15, 0.2))]
    url = server.url("/slow-headers")
    error, took = refused(download, SOURCE, url, deadline=1.0, timeout=5, attempts=1)
    assert_names(error, SOURCE, url, "deadline")
    assert took < 2.0, f"took {took:.2f} s for a 1 s deadline"


# --- redirects --------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_path_is_followed(server, status):
    server.routes["/old"] = [redirect("/new", status)]
    server.routes["/new"] = [Reply(body=b"moved here")]
    assert download(SOURCE, server.url("/old")) == b"moved here"
    assert server.requests == ["/old", "/new"]


def test_an_absolute_redirect_on_the_same_server_is_followed(server):
    server.routes["/a"] = [redirect(server.url("/b"))]
    server.routes["/b"] = [Reply(body=b"B")]
    assert download(SOURCE, server.url("/a")) == b"B"


def test_five_redirects_are_followed_six_are_refused(server):
    for n in range(1, 7):
        server.routes[f"/r{n}"] = [redirect(f"/r{n + 1}")]
    server.routes["/r7"] = [Reply(body=b"end of the chain")]
    # /r2 .. /r6 -> /r7: five redirects
    assert download(SOURCE, server.url("/r2")) == b"end of the chain"
    # /r1 .. /r6 -> /r7: six redirects
    url = server.url("/r1")
    error, _ = refused(download, SOURCE, url)
    assert_names(error, SOURCE, url, "more than 5 redirects")


def test_a_redirect_loop_is_refused(server):
    server.routes["/loop"] = [redirect("/loop")]
    url = server.url("/loop")
    error, took = refused(download, SOURCE, url, attempts=4)
    assert_names(error, SOURCE, url, "more than 5 redirects")
    assert server.count("/loop") == 6 and took < 2  # six answers read once: no retry


@pytest.mark.parametrize(("location", "scheme"), [("file:///etc/passwd", "file"),
                                                  ("ftp://127.0.0.1/pub/data.csv", "ftp")])
def test_a_redirect_to_another_scheme_is_refused(server, location, scheme):
    server.routes["/moved"] = [redirect(location)]
    url = server.url("/moved")
    error, _ = refused(download, SOURCE, url, attempts=4)
    assert_names(error, SOURCE, url, f"refusing a {scheme} URL: only http(s) is fetched")
    assert server.requests == ["/moved"]  # final at once


@pytest.mark.parametrize(("url", "scheme"), [("file:///etc/passwd", "file"),
                                             ("ftp://127.0.0.1:21/pub/data.csv", "ftp"),
                                             ("127.0.0.1/data.csv", "scheme-less")])
def test_a_non_http_url_is_refused_without_a_request(monkeypatch, url, scheme):
    opened = []
    monkeypatch.setattr(httpx, "Client", lambda *a, **k: opened.append(a) or pytest.fail(
        "a client was opened for a URL that must be refused"))
    error, took = refused(download, SOURCE, url, attempts=10, timeout=30)
    assert_names(error, SOURCE, url, f"refusing a {scheme} URL: only http(s) is fetched")
    assert opened == [] and took < 0.5


def test_check_url_refuses_a_downgrade_from_https():
    with pytest.raises(Refused, match=r"refusing a redirect from https to http://example\.org/data\.csv "
                                      r"\(a downgrade\)"):
        _check_url("http://example.org/data.csv", came_from="https://example.org/start")
    with pytest.raises(Refused, match="refusing a ftp URL"):
        _check_url("ftp://example.org/data.csv", came_from="https://example.org/start")
    # what is allowed: https to https, http to https, http to http, and a first URL of either
    _check_url("https://mirror.example.org/data.csv", came_from="https://example.org/start")
    _check_url("https://example.org/data.csv", came_from="http://example.org/start")
    _check_url("http://example.org/data.csv", came_from="http://example.org/start")
    _check_url("http://example.org/data.csv")
    _check_url("https://example.org/data.csv")


# --- https end to end, with a certificate made for the test --------------------------------------

@pytest.fixture
def tls_server(tmp_path, monkeypatch) -> Iterator[LoopServer]:
    """A loopback https server whose self-signed certificate httpx trusts (SSL_CERT_FILE)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    yield from _start(LoopServer(tls=context))


def test_https_redirect_to_https_is_followed_and_to_http_refused(tls_server, server):
    tls_server.routes["/secure"] = [redirect("/still-secure")]
    tls_server.routes["/still-secure"] = [Reply(body=b"over TLS")]
    assert download(SOURCE, tls_server.url("/secure")) == b"over TLS"
    server.routes["/plain"] = [Reply(body=b"in the clear")]
    tls_server.routes["/downgrade"] = [redirect(server.url("/plain"))]
    url = tls_server.url("/downgrade")
    error, _ = refused(download, SOURCE, url, attempts=4)
    assert_names(error, SOURCE, url, f"refusing a redirect from https to {server.url('/plain')} (a downgrade)")
    assert server.requests == [] and tls_server.count("/downgrade") == 1


# --- retries ----------------------------------------------------------------------------------

@pytest.mark.parametrize("first", [Reply(503, b"busy"), Reply(500, b"oops"), Reply(429, b"slow down"),
                                   Reply(drop=True)], ids=["503", "500", "429", "dropped"])
def test_a_transient_failure_is_retried_then_succeeds(server, first):
    server.routes["/flaky"] = [first, Reply(body=b"second time lucky")]
    assert download(SOURCE, server.url("/flaky"), attempts=4) == b"second time lucky"
    assert server.count("/flaky") == 2


@pytest.mark.parametrize(("status", "phrase"), [(404, "HTTP 404 Not Found"), (403, "HTTP 403 Forbidden"),
                                                (410, "HTTP 410 Gone")])
def test_a_client_error_is_final_after_one_request(server, status, phrase):
    server.routes["/gone"] = [Reply(status, b"no"), Reply(body=b"would have worked")]
    url = server.url("/gone")
    error, _ = refused(download, SOURCE, url, attempts=4)
    assert_names(error, SOURCE, url, phrase)
    assert "gave up" not in str(error) and server.count("/gone") == 1


def test_a_server_error_forever_gives_up_after_the_attempts(server):
    server.routes["/down"] = [Reply(500, b"down")]
    url = server.url("/down")
    error, _ = refused(download, SOURCE, url, attempts=3)
    assert_names(error, SOURCE, url, "gave up after 3 attempts: HTTP 500 Internal Server Error")
    assert server.count("/down") == 3


def test_the_attempts_come_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("CITYWH_HTTP_ATTEMPTS", "2")
    server.routes["/down"] = [Reply(502, b"bad gateway")]
    error, _ = refused(download, SOURCE, server.url("/down"))
    assert "gave up after 2 attempts: HTTP 502 Bad Gateway" in str(error)
    assert server.count("/down") == 2


def test_a_read_timeout_is_retried_and_then_named(server):
    # headers at once, then the body stalls for 3 s against a 0.3 s read timeout
    server.routes["/stall"] = [Reply(body=b"x" * 32, trickle=(16, 3.0))]
    url = server.url("/stall")
    error, took = refused(download, SOURCE, url, attempts=2, timeout=0.3)
    assert_names(error, SOURCE, url, "gave up after 2 attempts: ReadTimeout")
    assert server.count("/stall") == 2 and took < 2.5


# --- the byte limit of a source ---------------------------------------------------------------

def test_the_default_limit_is_300_mb_and_the_environment_overrides_it(server, monkeypatch):
    assert citywh_http._max_bytes("worldbank") == 300 * 1024**2
    monkeypatch.setenv("CITYWH_HTTP_MAX_BYTES", "100")
    assert citywh_http._max_bytes("worldbank") == 100
    server.routes["/file"] = [Reply(body=b"w" * 500)]
    url = server.url("/file")
    error, _ = refused(download, "worldbank", url)
    assert_names(error, "worldbank", url, "response of 500 bytes is over the 100 allowed")
    # the same limit for a streamed body, and through download_checked
    server.routes["/streamed"] = [Reply(body=b"w" * 500, framing="chunked", trickle=(50, 0))]
    error, _ = refused(download_checked, "worldbank", server.url("/streamed"), lambda c: None)
    assert "response passed the 100 bytes allowed: cut off" in str(error)
    # an explicit max_bytes wins over the environment
    assert download("worldbank", url, max_bytes=500) == b"w" * 500


def test_a_source_declaring_its_own_limit_is_held_to_it(server, monkeypatch):
    declared = tuple(dataclasses.replace(s, max_download_bytes=1_000) if s.name == "worldbank" else s
                     for s in catalog.SOURCES)
    monkeypatch.setattr(catalog, "SOURCES", declared)
    monkeypatch.setenv("CITYWH_HTTP_MAX_BYTES", "100")
    assert citywh_http._max_bytes("worldbank") == 1_000
    assert citywh_http._max_bytes("geonames") == 100
    server.routes["/mid"] = [Reply(body=b"m" * 500)]
    url = server.url("/mid")
    assert download("worldbank", url) == b"m" * 500  # within its own 1,000
    error, _ = refused(download, "geonames", url)  # over the environment's 100
    assert_names(error, "geonames", url, "response of 500 bytes is over the 100 allowed")
    server.routes["/large"] = [Reply(body=b"m" * 2_000)]
    error, _ = refused(download, "worldbank", server.url("/large"))
    assert_names(error, "worldbank", server.url("/large"), "response of 2,000 bytes is over the 1,000 allowed")


# --- download_checked -------------------------------------------------------------------------

def test_download_checked_refuses_a_body_its_check_rejects(server):
    server.routes["/data.csv"] = [Reply(body=b"<!DOCTYPE html><html><body>Rate limited</body></html>")]
    url = server.url("/data.csv")
    error, _ = refused(download_checked, SOURCE, url, not_csv_with(b"City,Country"))
    assert_names(error, SOURCE, url, "response is not the expected CSV (header 'City,Country'...)",
                 "(starts b'<!DOCTYPE html><html><body>Rate limited<')")
    server.routes["/data.csv"] = [Reply(body=b"\xef\xbb\xbfCity,Country\nLima,Peru\n")]
    assert download_checked(SOURCE, url, not_csv_with(b"City,Country")).endswith(b"Lima,Peru\n")
