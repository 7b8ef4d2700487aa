"""Accept TCP connections on $NETWIRE_SERVER_ADDR:PORT and close them (for connect-time samples)."""

from __future__ import annotations

import os
import socket
import sys

server = socket.create_server((os.environ.get("NETWIRE_SERVER_ADDR", "127.0.0.1"), int(sys.argv[1])), backlog=128)
while True:
    server.accept()[0].close()
