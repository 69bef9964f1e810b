"""HTTP downloads with timeouts and retries (httpx + tenacity).

Server errors, timeouts and dropped connections are retried with exponential backoff; a 4xx is
final. Every failure becomes a FetchError naming the source and the URL."""

from __future__ import annotations

import os

import httpx
from tenacity import (
    RetryError,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from ingest.errors import FetchError

USER_AGENT = "citywh/0.1 (+https://github.com/citywh)"


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code >= 500 or exc.response.status_code == 429
    return isinstance(exc, httpx.TransportError)


def download(source: str, url: str, *, attempts: int | None = None,
             timeout: float | None = None) -> bytes:
    """GET url and return the body; raise FetchError naming source and URL on failure."""
    attempts = attempts or int(os.environ.get("CITYWH_HTTP_ATTEMPTS", "4"))
    timeout = timeout or float(os.environ.get("CITYWH_HTTP_TIMEOUT", "60"))
    backoff_max = float(os.environ.get("CITYWH_HTTP_BACKOFF_MAX", "30"))

    @retry(
        retry=retry_if_exception(_is_transient),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.5, max=backoff_max),
    )
    def _get() -> bytes:
        with httpx.Client(timeout=timeout, follow_redirects=True,
                          headers={"User-Agent": USER_AGENT}) as client:
            response = client.get(url)
            response.raise_for_status()
            return response.content

    try:
        return _get()
    except RetryError as exc:
        last = exc.last_attempt.exception()
        raise FetchError(source, url, f"gave up after {attempts} attempts: {_describe(last)}") from last
    except (httpx.HTTPError, OSError) as exc:
        raise FetchError(source, url, _describe(exc)) from exc


def _describe(exc: BaseException | None) -> str:
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
