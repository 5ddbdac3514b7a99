"""The MTN MoMo Open API half of the sandbox (documented in ``protocol.py``).

* ``protocol``: ``MtnProtocol``, the routes, gateway checks and control hooks.
* ``accounts``: API users and keys, access tokens, consent requests, statistics.
* ``payments``: booking, the test-number outcomes, settlement, balances, callbacks.
* ``consent``: account-holder lookups and the "ask user info with consent" (CIBA) flow.
* ``control``: the control endpoints under ``/_sandbox/mtn/``.
* ``wire``: how MTN's gateway answers on the wire (error bodies, field rules).
"""

from .protocol import MtnProtocol

__all__ = ["MtnProtocol"]
