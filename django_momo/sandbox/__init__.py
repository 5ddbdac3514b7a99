"""A provider simulator: MTN MoMo Open API and MoMo Vietnam on loopback, for tests and demos.

A plain WSGI application (no Django, nothing imported from ``django_momo.providers``) with a
ledger of every payment it booked, a callback dispatcher and fault injection. Start it with
``python -m django_momo.sandbox --port 8800`` or ``manage.py momo_sandbox``.

Layout: ``frame/`` is the provider-independent machinery (application, server, ledger, faults,
callback delivery), ``mtn/`` and ``momo_vn/`` are the two providers' protocols. The public entry
points stay here: ``presets``, ``control``, ``server``, ``cli``, ``pytest_plugin``.
"""
