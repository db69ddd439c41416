"""The load balancer (launcher/nginx.py): a real nginx on the generated config spreads requests over
the replicas and skips a dead one without the client seeing an error."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from launcher.nginx import Balanced, free_port, nginx_command, write_nginx_config
from tests.support import wait_for


def replica(name: str) -> ThreadingHTTPServer:
    """A stand-in replica answering its own name to any GET or POST."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def balanced(tmp_path: Path) -> Iterator[tuple[str, list[ThreadingHTTPServer]]]:
    replicas = [replica("one"), replica("two")]
    port = free_port()
    config = write_nginx_config(tmp_path / "nginx", tmp_path / "logs",
                                [Balanced("rasa", port, tuple(r.server_address[1] for r in replicas))])
    nginx = subprocess.Popen(nginx_command(config))
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(url, timeout=1).ok
        except requests.ConnectionError:
            return False

    try:
        wait_for(answers, "nginx up", timeout=10, every=0.05)
        yield url, replicas
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        for server in replicas:
            server.server_close()


def test_requests_are_spread_over_the_replicas_and_a_dead_one_is_skipped(balanced):
    url, (one, _) = balanced
    seen = {requests.post(f"{url}/webhooks/rest/webhook", json={"n": n}, timeout=5).text for n in range(6)}
    assert seen == {"one", "two"}

    one.shutdown()
    one.server_close()  # its port now refuses connections, as a killed replica's does
    answers = [requests.post(f"{url}/webhooks/rest/webhook", json={"n": n}, timeout=5) for n in range(6)]
    assert [(a.status_code, a.text) for a in answers] == [(200, "two")] * 6


def test_socketio_sticks_to_one_replica_per_client(balanced):
    url, _ = balanced
    seen = {requests.get(f"{url}/socket.io/?EIO=4&transport=polling&n={n}", timeout=5).text for n in range(6)}
    assert len(seen) == 1

