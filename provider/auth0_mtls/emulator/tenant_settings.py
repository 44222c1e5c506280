"""Tenant settings (``/api/v2/tenants/settings``), with the ``mtls`` object."""

from __future__ import annotations

import copy
from typing import Any, Callable, Mapping

from . import validation as v
from .errors import payload_error
from .router import Request, admin, api
from .store import Area
from .tenant_defaults import UPDATABLE_PROPERTIES, default_tenant_settings

DESC = {
    "mtls": "mTLS configuration.",
    "enable_endpoint_aliases": "If true, enables mTLS endpoint aliases",
}


def validate_mtls(value: Any) -> None:
    if value is None:
        return
    v.check_type(value, "object,null", "mtls", DESC["mtls"])
    v.check_additional(value, ("enable_endpoint_aliases",), "mtls", DESC["mtls"])
    if "enable_endpoint_aliases" in value:
        v.check_type(value["enable_endpoint_aliases"], "boolean", "mtls.enable_endpoint_aliases",
                     DESC["enable_endpoint_aliases"])


class TenantSettings(Area):
    name = "tenant_settings"
    scopes = ("read:tenant_settings", "update:tenant_settings")
    snapshot_keys = ("tenant_settings",)

    def reset(self) -> None:
        with self.lock:
            initial = self.config.tenant_settings
            self._settings: dict[str, Any] = (
                copy.deepcopy(initial) if initial is not None else default_tenant_settings()
            )

    def get(self, query: Mapping[str, str] | None = None) -> dict[str, Any]:
        query = query or {}
        with self.lock:
            include = v.parse_bool(query.get("include_fields"), "include_fields", True)
            return copy.deepcopy(v.select_fields(self._settings, query.get("fields"), include))

    def update(self, body: Any) -> dict[str, Any]:
        with self.lock:
            data = v.require_object(body)
            extra = [key for key in data if key not in UPDATABLE_PROPERTIES]
            if extra:
                raise payload_error(f"Additional properties not allowed: {','.join(extra)}")
            if "mtls" in data:
                validate_mtls(data["mtls"])
            for key, value in data.items():
                # Nullable settings disappear when set to null, as {"mtls": null} does on the real API.
                if value is None:
                    self._settings.pop(key, None)
                else:
                    self._settings[key] = copy.deepcopy(value)
            return copy.deepcopy(self._settings)

    def replace(self, document: Mapping[str, Any]) -> None:
        with self.lock:
            if not isinstance(document, Mapping):
                raise ValueError("tenant settings must be an object")
            self._settings = copy.deepcopy(dict(document))

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"tenant_settings": copy.deepcopy(self._settings)}

    def prepare_load(self, snapshot: Mapping[str, Any]) -> Callable[[], None]:
        if "tenant_settings" not in snapshot:
            return self.reset
        document = snapshot["tenant_settings"]
        if not isinstance(document, dict):
            raise ValueError("tenant_settings must be an object")
        return lambda: self.replace(document)

    def _admin_replace(self, request: Request) -> tuple[int, Any]:
        body = request.body()
        if not isinstance(body, dict):
            raise ValueError("tenant settings must be a JSON object")
        self.replace(body)
        return 200, self.get()

    routes = (
        api("GET", "/tenants/settings", "read:tenant_settings", lambda a, r: (200, a.get(r.query))),
        api("PATCH", "/tenants/settings", "update:tenant_settings", lambda a, r: (200, a.update(r.body()))),
        admin("GET", "/tenant-settings", lambda a, r: (200, a.get())),
        admin("PUT", "/tenant-settings", lambda a, r: a._admin_replace(r)),
    )
