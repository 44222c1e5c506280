"""The fault matrix's two axes, shared by the hook-level and the CLI-level matrix tests: every
Management API call a lifecycle makes, and every transient fault kind the emulator injects."""

DOMAIN_ID_PATH = r"/api/v2/custom-domains/cd_[A-Za-z0-9]+"

# call name -> emulator fault selector
CALLS = {
    "token": {"method": "POST", "path": "/oauth/token"},
    "create": {"method": "POST", "path": "/api/v2/custom-domains"},
    "verify": {"method": "POST", "path_regex": DOMAIN_ID_PATH + "/verify"},
    "read": {"method": "GET", "path_regex": DOMAIN_ID_PATH},
    "update": {"method": "PATCH", "path_regex": DOMAIN_ID_PATH},
    "delete": {"method": "DELETE", "path_regex": DOMAIN_ID_PATH},
    "settings_get": {"method": "GET", "path": "/api/v2/tenants/settings"},
    "settings_patch": {"method": "PATCH", "path": "/api/v2/tenants/settings"},
}

# fault name -> emulator fault kind and parameters
FAULTS = {
    "429": {"kind": "status", "status": 429, "reset_after_seconds": 1},
    "408": {"kind": "status", "status": 408},
    "500": {"kind": "status", "status": 500},
    "502": {"kind": "status", "status": 502},
    "503": {"kind": "status", "status": 503},
    "504": {"kind": "status", "status": 504},
    "drop_before": {"kind": "drop_before"},
    "drop_after": {"kind": "drop_after"},
    "slow": {"kind": "slow", "delay_seconds": 1.5},
}

# A lost verify response loses the one-time key for good: not a fault to survive, but an error to
# report; both matrices test it on its own.
NOT_SURVIVABLE = {("verify", "drop_after")}
