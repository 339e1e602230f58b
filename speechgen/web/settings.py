"""The workbench's settings: fixed when the server starts, read by every view, never changed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_BODY = 8_000_000  # bytes of one request: a batch of event files; one event file is held to 1 MB by the loader
USER_BANKS = "banks"  # the folder (inside --folder) that variants added on the page go to, without --banks


@dataclass(frozen=True)
class WebSettings:
    folder: Path  # event files are opened from and saved to this folder, and nowhere else
    banks: tuple[Path, ...] = ()  # --banks: layered over the built-in banks
    templates: tuple[Path, ...] = ()  # --templates: speech templates (.j2), never pages
    host: str = "127.0.0.1"
    port: int = 8765
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))  # in the URL once, then a cookie
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))  # in every form the pages post
    max_body: int = MAX_BODY

    def __post_init__(self) -> None:
        object.__setattr__(self, "folder", self.folder.resolve())

    @property
    def user_banks(self) -> Path:
        """Where a variant added on the bank page is written: the first --banks folder, else folder/banks."""
        return self.banks[0] if self.banks else self.folder / USER_BANKS

    def bank_dirs(self) -> tuple[Path, ...]:
        """The user bank folders a draft layers over the built-in banks (folder/banks once it exists)."""
        if self.banks or not self.user_banks.is_dir():
            return self.banks
        return (self.user_banks,)

    @property
    def origin(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """What the user opens: the origin with this launch's token."""
        return f"{self.origin}/?token={self.token}"

    def allowed_hosts(self) -> frozenset[str]:
        """Host headers this server answers: its own address and port, and the loopback names for a
        loopback or wildcard address (a foreign Host is a DNS-rebinding page and is refused)."""
        names = {self.host}
        if self.host in LOOPBACK or self.host in ("0.0.0.0", "::", ""):
            names |= set(LOOPBACK)
        if self.host in ("0.0.0.0", "::", ""):
            import socket

            names |= {socket.gethostname(), socket.getfqdn()}
        return frozenset(f"[{n}]:{self.port}" if ":" in n else f"{n}:{self.port}" for n in names if n)

    def cookie_name(self) -> str:
        """Per port: browsers share cookies between the ports of one host."""
        return f"speechgen-{self.port}"
