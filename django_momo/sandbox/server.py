"""The sandbox's threaded loopback WSGI server (public path; the code is in ``frame/server.py``)."""

from .frame.app import SandboxApp
from .frame.server import RunningSandbox, SandboxServer, make_server, server_url, start_in_thread
from .frame.web import DropConnection

__all__ = [
    "DropConnection",
    "RunningSandbox",
    "SandboxApp",
    "SandboxServer",
    "make_server",
    "server_url",
    "start_in_thread",
]
