"""One fresh provider-like process, timing its set-up one piece at a time (used by bench.py).

    python bench/fixed_cost.py <emulator base url> <CA bundle path or ""> <client id> <client secret>

Prints JSON: seconds per piece, in the order a provider process meets them when its first request
needs the tenant (a refresh's first read, a destroy's first delete, an up's first create):

- plugin_start: what `python -m pulumi.dynamic` imports before it serves (every dynamic provider,
  the no-op floor included, pays it);
- package_import: `import auth0_mtls`, which unpickling the first provider does;
- http_client_import: the HTTP client module (requests, urllib3), imported at the first call;
- tls_context: loading the CA bundle into the process's one SSL context;
- token: the first request: TCP connect, TLS handshake, POST /oauth/token;
- first_call: one more call on the kept-alive connection (what every further call costs).
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    base_url, bundle, client_id, client_secret = sys.argv[1:5]
    pieces: dict[str, float] = {}
    started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        pieces[name] = now - started
        started = now

    import dill  # noqa: F401
    import grpc  # noqa: F401
    import pulumi.dynamic  # noqa: F401
    import pulumi.runtime  # noqa: F401
    from pulumi.runtime.proto import provider_pb2_grpc  # noqa: F401

    lap("plugin_start")
    import auth0_mtls  # noqa: F401

    lap("package_import")
    from auth0_mtls import client
    from auth0_mtls.credentials import resolve
    from auth0_mtls.transport import tls_context

    lap("http_client_import")
    config = {"auth0:domain": base_url, "auth0:clientId": client_id, "auth0:clientSecret": client_secret}
    if bundle:
        config["auth0:caBundle"] = bundle
    credentials = resolve(config)
    tls_context(credentials.ca_bundle, credentials.ca_source)
    lap("tls_context")
    api = client.ManagementClient(credentials)
    api._access_token()
    lap("token")
    api.get_tenant_settings(fields="mtls")
    lap("first_call")
    print(json.dumps(pieces))


if __name__ == "__main__":
    main()
