"""Watches one flag through the real Unleash Python SDK (UnleashClient).

Driven by tests/drill_sdk_cli.rs against a live drill's Unleash fake:

    python unleash_watch.py URL TOKEN FLAG CACHE_DIR TIMEOUT_S

Starts a polling client on URL (the fake's `/api`) with the raw TOKEN,
refreshing every second, and prints JSON lines on stdout:

* `{"event": "ready", "enabled": bool, "features": [names]}` once the SDK
  has fetched the features;
* `{"event": "changed", "enabled": bool, "polls": n}` when `is_enabled(FLAG)`
  later returns something else (then it shuts the client down, which
  flushes its metrics to the fake, and exits 0);
* `{"event": "timeout", "enabled": bool}` if nothing changed within
  TIMEOUT_S seconds (exit 1).
"""

import json
import sys
import time

from UnleashClient import UnleashClient


def say(**fields):
    print(json.dumps(fields), flush=True)


def main():
    url, token, flag, cache_dir, timeout_s = sys.argv[1:6]
    deadline = time.monotonic() + float(timeout_s)
    client = UnleashClient(
        url=url,
        app_name="gameday-sdk-test",
        instance_id="drill-sdk-cli",
        environment="production",
        refresh_interval=1,
        metrics_interval=1,
        custom_headers={"Authorization": token},
        cache_directory=cache_dir,
    )
    client.initialize_client()
    context = {"userId": "123"}
    try:
        first = client.is_enabled(flag, context)
        say(event="ready", enabled=first, features=sorted(client.feature_definitions()))
        polls = 0
        while time.monotonic() < deadline:
            now = client.is_enabled(flag, context)
            polls += 1
            if now != first:
                say(event="changed", enabled=now, polls=polls)
                return 0
            time.sleep(0.05)
        say(event="timeout", enabled=first)
        return 1
    finally:
        client.destroy()


if __name__ == "__main__":
    sys.exit(main())
