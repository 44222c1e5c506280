"""Thread safety: concurrent writes are neither lost nor duplicated."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from auth0_mtls.emulator import Emulator

from .conftest import Api, fetch_token

CREATE = "/api/v2/custom-domains"


def _post(emu: Emulator, token: str, domain: str) -> requests.Response:
    return requests.post(f"{emu.base_url}{CREATE}", json={"domain": domain, "type": "self_managed_certs"},
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_fifty_concurrent_creates(emu: Emulator) -> None:
    token = fetch_token(emu)
    with ThreadPoolExecutor(max_workers=25) as pool:
        responses = list(pool.map(lambda i: _post(emu, token, f"c{i}.example.com"), range(50)))
    assert [r.status_code for r in responses] == [201] * 50
    ids = {r.json()["custom_domain_id"] for r in responses}
    assert len(ids) == 50
    domains = emu.state.snapshot()["custom_domains"]
    assert len(domains) == 50 and {d["custom_domain_id"] for d in domains} == ids
    assert len(emu.state.calls()) == 51


def test_same_name_races_to_one_winner(emu: Emulator) -> None:
    token = fetch_token(emu)
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(r.status_code for r in pool.map(lambda _: _post(emu, token, "race.example.com"),
                                                          range(20)))
    assert statuses == [201] + [409] * 19
    assert len(emu.state.snapshot()["custom_domains"]) == 1


def test_concurrent_metadata_patches_merge(emu: Emulator, api: Api) -> None:
    domain_id = api.create("merge.example.com")["custom_domain_id"]
    token = fetch_token(emu)

    def patch(i: int) -> int:
        return requests.patch(f"{emu.base_url}{CREATE}/{domain_id}", json={"domain_metadata": {f"k{i}": str(i)}},
                              headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert list(pool.map(patch, range(10))) == [200] * 10
    assert api.get(f"{CREATE}/{domain_id}").json()["domain_metadata"] == {f"k{i}": str(i) for i in range(10)}


def test_concurrent_verifies_respect_bucket(emu: Emulator, api: Api) -> None:
    domain_id = api.create("burst.example.com")["custom_domain_id"]
    emu.publish_dns_for(domain_id)
    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(lambda _: api.verify(domain_id), range(12)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 5 + [429] * 7
    keys = [r.json().get("cname_api_key") for r in responses if r.status_code == 200]
    assert sum(1 for key in keys if key) == 1  # the key is handed out exactly once
