"""HTTP downloads with limits, timeouts and retries (httpx + tenacity).

Server errors, timeouts and dropped connections are retried with exponential backoff; a 4xx is
final. Limits, each a final error: a body larger than CITYWH_HTTP_MAX_BYTES (default 300 MB; a
source may declare its own), a request running past CITYWH_HTTP_DEADLINE seconds in all (default
600: a server trickling bytes never passes), more than 5 redirects, a redirect from https to
http or to another scheme, and any URL that is not http(s) (never retried). Every failure
becomes a FetchError naming the source and the URL."""

from __future__ import annotations

import os
import threading
from urllib.parse import urljoin, urlsplit

from typing import TYPE_CHECKING

from ingest.errors import FetchError

if TYPE_CHECKING:  # httpx and tenacity are imported where a download runs: a no-change run never pays for them
    import httpx

USER_AGENT = "citywh/0.1 (+https://github.com/citywh)"
MAX_REDIRECTS = 5


class Refused(Exception):
    """A limit or rule broken: final, never retried."""


def _is_transient(exc: BaseException) -> bool:
    import httpx

    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code >= 500 or exc.response.status_code == 429
    return isinstance(exc, httpx.TransportError)


def _check_url(url: str, came_from: str | None = None) -> None:
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise Refused(f"refusing a {scheme or 'scheme-less'} URL: only http(s) is fetched")
    if came_from and urlsplit(came_from).scheme == "https" and scheme != "https":
        raise Refused(f"refusing a redirect from https to {url} (a downgrade)")


def download(source: str, url: str, *, attempts: int | None = None, timeout: float | None = None,
             max_bytes: int | None = None, deadline: float | None = None) -> bytes:
    """GET url and return the body; raise FetchError naming source and URL on failure."""
    import httpx
    from tenacity import RetryError, retry, retry_if_exception, stop_after_attempt, wait_exponential

    attempts = attempts or int(os.environ.get("CITYWH_HTTP_ATTEMPTS", "4"))
    timeout = timeout or float(os.environ.get("CITYWH_HTTP_TIMEOUT", "60"))
    backoff_max = float(os.environ.get("CITYWH_HTTP_BACKOFF_MAX", "30"))
    max_bytes = max_bytes or _max_bytes(source)
    deadline = deadline or float(os.environ.get("CITYWH_HTTP_DEADLINE", "600"))

    @retry(
        retry=retry_if_exception(_is_transient),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.5, max=backoff_max),
    )
    def _get() -> bytes:
        # the request runs in a worker thread so that the deadline holds whatever the server does
        # (a trickle of header lines, long pauses): past it the request is abandoned to the
        # (daemon) thread, which stops at its next chunk or read timeout
        outcome: dict = {}
        client = httpx.Client(timeout=timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT})
        worker = threading.Thread(target=_fetch_into, args=(client, url, max_bytes, outcome), daemon=True)
        worker.start()
        worker.join(deadline)
        if worker.is_alive():
            outcome["abandoned"] = True
            raise Refused(f"no complete response within the {deadline:.0f} s deadline: cut off")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["body"]

    try:
        _check_url(url)
        return _get()
    except Refused as exc:
        raise FetchError(source, url, str(exc)) from None
    except RetryError as exc:
        last = exc.last_attempt.exception()
        raise FetchError(source, url, f"gave up after {attempts} attempts: {_describe(last)}") from last
    except (httpx.HTTPError, OSError) as exc:
        raise FetchError(source, url, _describe(exc)) from exc


def _fetch_into(client: httpx.Client, url: str, max_bytes: int, outcome: dict) -> None:
    """GET url, following up to MAX_REDIRECTS checked redirects, reading at most max_bytes; the
    body or the exception goes into outcome (the caller may have given up: outcome["abandoned"])."""
    try:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            with client.stream("GET", current) as response:
                if response.is_redirect:
                    target = urljoin(current, response.headers.get("location", ""))
                    _check_url(target, came_from=current)
                    current = target
                    continue
                response.raise_for_status()
                declared = int(response.headers.get("content-length") or 0)
                if declared > max_bytes:
                    raise Refused(f"response of {declared:,} bytes is over the {max_bytes:,} allowed")
                body, size = [], 0
                for chunk in response.iter_bytes():
                    if outcome.get("abandoned"):
                        return
                    size += len(chunk)
                    if size > max_bytes:
                        raise Refused(f"response passed the {max_bytes:,} bytes allowed: cut off")
                    body.append(chunk)
                outcome["body"] = b"".join(body)
                return
        raise Refused(f"more than {MAX_REDIRECTS} redirects")
    except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
        outcome["error"] = exc
    finally:
        client.close()


def _max_bytes(source: str) -> int:
    from ingest import catalog

    declared = next((s.max_download_bytes for s in catalog.SOURCES if s.name == source), None)
    return declared or int(os.environ.get("CITYWH_HTTP_MAX_BYTES", str(300 * 1024**2)))


def _describe(exc: BaseException | None) -> str:
    import httpx

    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code} {exc.response.reason_phrase}"
    return f"{type(exc).__name__}: {exc}"


def download_checked(source: str, url: str, looks_wrong) -> bytes:
    """download(), then refuse a body that is not what the source serves (an HTML error page,
    a truncated file): looks_wrong(content) returns the reason, or None when the body is fine."""
    content = download(source, url)
    reason = looks_wrong(content)
    if reason:
        raise FetchError(source, url, f"{reason} (starts {content[:40]!r})")
    return content


def not_csv_with(header_start: bytes):
    return lambda content: None if content.lstrip(b"\xef\xbb\xbf").startswith(header_start) \
        else f"response is not the expected CSV (header {header_start.decode()!r}...)"


def not_json(content: bytes) -> str | None:
    return None if content.lstrip()[:1] in (b"{", b"[") else "response is not JSON"


def not_xlsx(content: bytes) -> str | None:
    return None if content.startswith(b"PK\x03\x04") else "response is not an .xlsx workbook"


def not_html_with(marker: str):
    """An HTML page that carries `marker` (text the page always shows), not an error or consent page."""
    def looks_wrong(content: bytes) -> str | None:
        head = content[:2048].lower()
        if b"<html" not in head and b"<!doctype html" not in head:
            return "response is not an HTML page"
        if marker.encode() not in content:
            return f"the page lacks {marker!r}: not the expected page, or its layout changed"
        return None
    return looks_wrong
