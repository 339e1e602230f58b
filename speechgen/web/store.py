"""Small keepsakes of a running server: made files waiting to be downloaded, page images, and the text
of the event files that were opened (so that saving keeps their comments). Bounded, in memory only."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")


class Store(Generic[T]):
    """A thread-safe store that forgets the oldest entries beyond `size`; keys are unguessable."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, value: T) -> str:
        return self.put_as(secrets.token_urlsafe(12), value)

    def put_as(self, key: str, value: T) -> str:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return key

    def get(self, key: str) -> T | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def values(self) -> list[T]:
        with self._lock:
            return list(self._items.values())
