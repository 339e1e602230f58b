"""`speechgen serve`: the secretary's workbench, a local web page (speechgen/web/).

The web stack (Starlette, uvicorn) is imported only here, when the command runs, so that `speechgen
--help` and every other command start as fast as before, and a speechgen installed without the "web"
extra works for everything else. The first line on standard output is the address to open, with this
launch's token; all else goes to standard error.
"""

from __future__ import annotations

import socket
import webbrowser
from pathlib import Path

import click

from speechgen.cli.say import echo, say
from speechgen.i18n import _


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (others: a warning).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; just print the address.")
@click.option(
    "--folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=".",
    show_default=True,
    help="Where event files are opened from and saved to (and nowhere else).",
)
@click.option(
    "--banks",
    "banks",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Your own phrase banks (repeatable); the first also takes the variants added on the page.",
)
@click.option(
    "--templates",
    "templates",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Your own speech templates (repeatable).",
)
@click.option("--get", "get", metavar="PATH", help="Print the page at PATH and exit, without a server.")
def serve(
    host: str,
    port: int,
    no_browser: bool,
    folder: Path,
    banks: tuple[Path, ...],
    templates: tuple[Path, ...],
    get: str | None,
) -> None:
    """Open the workbench: fill in a meeting, revise the draft sentence by sentence, download it."""
    from speechgen.errors import ConfigError

    try:
        import uvicorn

        from speechgen.web.app import create_app
        from speechgen.web.settings import LOOPBACK, WebSettings
    except ImportError as exc:
        raise ConfigError(
            _('the workbench needs the web extra ({name} is missing): pip install "speechgen[web]"').format(
                name=exc.name
            )
        ) from None
    if not folder.is_dir():
        raise ConfigError(f"--folder {folder}: no such folder")
    for d in banks:
        if not d.is_dir():
            raise ConfigError(f"--banks {d}: no such folder")
    if get is not None:
        settings = WebSettings(folder=folder, banks=banks, templates=templates, port=port)
        echo(fetch(create_app(settings), settings, get), nl=False)
        return
    sock = bind(host, port)
    settings = WebSettings(folder=folder, banks=banks, templates=templates, host=host, port=sock.getsockname()[1])
    if host not in LOOPBACK:
        say(
            _(
                "warning: --host {host} lets other computers reach the workbench; anyone with the address can use it"
            ).format(host=host)
        )
    echo(settings.url)  # the first line of standard output: the address with this launch's token
    say(_("speechgen serve: working folder {folder}; press Ctrl-C to stop").format(folder=settings.folder))
    if not no_browser:
        webbrowser.open(settings.url)
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    say(_("speechgen serve: stopped"))


def bind(host: str, port: int) -> socket.socket:
    from speechgen.errors import ConfigError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            _("cannot listen on {host}:{port}: {reason}; try another --port").format(
                host=host, port=port, reason=exc.strerror or exc
            )
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def fetch(app: object, settings: object, path: str) -> str:
    """The page at path, asked of the app in process (no socket), as `serve --get` prints it."""
    import asyncio
    from urllib.parse import urlsplit

    parts = urlsplit(path)
    host = f"127.0.0.1:{settings.port}"  # type: ignore[attr-defined]
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": parts.path or "/",
        "raw_path": (parts.path or "/").encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": [(b"host", host.encode()), (b"cookie", f"{settings.cookie_name()}={settings.token}".encode())],  # type: ignore[attr-defined]
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", settings.port),  # type: ignore[attr-defined]
    }
    body: list[bytes] = []
    status: list[int] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    try:
        asyncio.run(app(scope, receive, send))  # type: ignore[operator]
    finally:
        import shutil

        shutil.rmtree(app.state.workdir, ignore_errors=True)  # type: ignore[attr-defined]
    from speechgen.errors import ConfigError

    if status and status[0] >= 400:
        raise ConfigError(f"{path}: {status[0]}: {b''.join(body).decode('utf-8', 'replace').strip()[:300]}")
    return b"".join(body).decode("utf-8")
