from __future__ import annotations

pytest_plugins = ["django_momo.sandbox.pytest_plugin"]
