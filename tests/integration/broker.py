"""Point this process's Celery app at another broker for the length of a
block: a private filesystem broker for unit tests (so that they never publish
into the machine's real queue) or a throwaway Redis for integration tests."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kombu import pools

from config.celery import app

RECONFIGURED = ("broker_url", "broker_read_url", "broker_write_url", "broker_transport_options", "task_default_queue")


def _drop_connections() -> None:
    pools.reset()  # kombu keeps pools per connection, process-wide
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
        # Routing caches the default queue; let it be built again from the settings.
        for cached in ("queues", "default_queue", "router"):
            amqp.__dict__.pop(cached, None)


@contextmanager
def use_broker(url: str, *, transport_options: dict | None = None, queue: str | None = None) -> Iterator[None]:
    saved = {name: app.conf.get(name) for name in RECONFIGURED}
    _drop_connections()
    # Celery prefers the CELERY_BROKER_URL environment variable to broker_url;
    # the read and write URLs come before both.
    app.conf.broker_url = url
    app.conf.broker_read_url = url
    app.conf.broker_write_url = url
    app.conf.broker_transport_options = dict(transport_options or {})
    if queue:
        app.conf.task_default_queue = queue
    try:
        yield
    finally:
        _drop_connections()
        for name, value in saved.items():
            app.conf[name] = value


def filesystem_options(folder: Path) -> dict:
    for sub in ("in", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "in"),
        "data_folder_out": str(folder / "in"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


def published(folder: Path) -> list[dict]:
    """The messages waiting in a filesystem broker folder, oldest first."""
    import base64
    import json

    messages = []
    for path in sorted((folder / "in").glob("*.msg")):
        envelope = json.loads(path.read_text())
        body = json.loads(base64.b64decode(envelope["body"]))
        messages.append({"task": envelope["headers"]["task"], "args": body[0], "kwargs": body[1]})
    return messages
