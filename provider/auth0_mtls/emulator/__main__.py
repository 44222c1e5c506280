"""Command line entry point: ``python -m auth0_mtls.emulator --port PORT``.

Prints ``Auth0 Management API emulator listening on <url>`` once the socket is bound, so
that scripts can start it with ``--port 0`` and parse the URL; it is the last line printed
at startup and means "ready". With ``--tls`` (and no ``--tls-cert``) a line before it is
``CA certificate: <path>``, the private CA a client must trust; the file lives until exit. With
``--origin-port`` a line before it is ``Custom domain origin: <url>``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .app import Emulator
from .ratelimit import DEFAULT_VERIFY_RATE, RateLimitConfig
from .state import ALL_SCOPES


def _management_rate(text: str) -> RateLimitConfig | None:
    if text.lower() == "off":
        return None
    try:
        return RateLimitConfig.parse(text, per_seconds=1)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--rate-limit expects RATE/BURST (per second), e.g. 2/2: {exc}") from None


def _verify_rate(text: str) -> RateLimitConfig | None:
    if text.lower() == "off":
        return None
    try:
        return RateLimitConfig.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--verify-rate-limit expects N/PERIOD_SECONDS, e.g. 5/60: {exc}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m auth0_mtls.emulator",
        description="Local emulator of an Auth0 tenant: the Management API (custom domains, tenant settings, "
                    "clients and their credentials, resource servers, client grants) and, behind a custom "
                    "domain's edge, the Authentication API (token endpoint with mTLS client authentication, "
                    "JWKS, discovery document).",
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--client-id", default="emulator-client", help="accepted client id")
    parser.add_argument("--client-secret", default="emulator-secret", help="accepted client secret")
    parser.add_argument("--auto-dns", action="store_true", help="verification succeeds without published DNS")
    parser.add_argument("--rate-limit", type=_management_rate, default=None, metavar="RATE/BURST",
                        help="management API bucket: RATE tokens per second, bucket size BURST (default: off)")
    parser.add_argument("--verify-rate-limit", type=_verify_rate, default=DEFAULT_VERIFY_RATE,
                        metavar="N/PERIOD_SECONDS", help="verify bucket, burst N (default 5/60; 'off' disables)")
    parser.add_argument("--token-ttl", type=int, default=86400, metavar="SECONDS", help="access token lifetime")
    parser.add_argument("--api-token", default=None, metavar="TOKEN",
                        help="pre-register a static bearer token with all scopes")
    parser.add_argument("--scopes", default=" ".join(ALL_SCOPES),
                        help="space separated scopes granted to issued tokens")
    parser.add_argument("--tls", action="store_true",
                        help="serve https with a private CA generated for this run (its path is printed)")
    parser.add_argument("--tls-cert", metavar="PEM", help="serve https with this certificate (chain) file")
    parser.add_argument("--tls-key", metavar="PEM", help="private key of --tls-cert")
    parser.add_argument("--origin-port", type=int, default=None, metavar="PORT",
                        help="also listen on this port (0 picks a free one) as the custom domains' origin, the "
                             "address an edge proxies to: Authentication API requests there (token, discovery, "
                             "JWKS) need a custom domain's cname-api-key (else 403 access_denied), as on "
                             "Auth0's <tenant>.edge.tenants origin; its URL is printed as "
                             "'Custom domain origin: <url>'")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    emulator = Emulator(
        args.port,
        client_id=args.client_id,
        client_secret=args.client_secret,
        auto_dns=args.auto_dns,
        verify_rate=args.verify_rate_limit,
        management_rate=args.rate_limit,
        token_ttl=args.token_ttl,
        scopes=args.scopes.split(),
        api_token=args.api_token,
        verbose=args.verbose,
        tls=args.tls,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        origin_port=args.origin_port,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    emulator.start()
    try:
        if emulator.ca_path is not None:
            print(f"CA certificate: {emulator.ca_path}", flush=True)
        if emulator.origin_url is not None:
            print(f"Custom domain origin: {emulator.origin_url}", flush=True)
        print(f"Auth0 Management API emulator listening on {emulator.base_url}", flush=True)
        # A timed wait keeps the main thread responsive to signals.
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
