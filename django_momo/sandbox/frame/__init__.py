"""The sandbox's provider-independent machinery, shared by every protocol.

* ``app``: the WSGI application, ``SandboxState`` and the ``Protocol`` base class, control API.
* ``web``: the request/response layer over WSGI (and ``DropConnection``, a lost answer).
* ``server``: a threaded loopback WSGI server, also started in a background thread.
* ``ledger``: every payment booked, and every rule a client broke.
* ``faults``: fault injection.
* ``dispatcher``: callback delivery (delays, duplicates, drops).
"""
