"""Raw object storage for backups, by name: a local folder here, Cloud Storage in gcs.py; the same contract tests
run against both. SealedStore (sealed.py) puts the encryption and the manifests on top.
"""
from __future__ import annotations

import os
import secrets
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator, Protocol

from shared.errors import PermanentError

COPY_BUFFER = 1 << 20


class BlobMissing(LookupError):
    """No object by that name."""


class Blobs(Protocol):
    """Objects by name ('2026-11-27/run/tables/children.copy.gz.tmbk'), written once and streamed."""

    where: str

    def writer(self, name: str) -> AbstractContextManager[BinaryIO]:
        """A stream to write the object through; it becomes visible only when the block ends without an
        exception, and nothing stays under the name when it raises."""

    def create_once(self, name: str, data: bytes) -> bool:
        """Write a small object unless one exists under the name (then False, and it is left as it is)."""

    def reader(self, name: str) -> AbstractContextManager[BinaryIO]:
        """A stream to read the object through; BlobMissing when there is none."""

    def names(self, prefix: str = "") -> list[str]:
        """Every object name starting with prefix, sorted."""

    def delete(self, name: str) -> None:
        """Remove the object; nothing happens when it is already gone."""


def check_name(name: str) -> str:
    """Refuse names that could leave the store's root (.., absolute, empty parts)."""
    parts = name.split("/")  # not PurePosixPath(name).parts, which drops empty and "." parts
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in name:
        raise PermanentError(f"bad object name {name!r}")
    return name


class DirBlobs:
    """Objects as files under a folder (`make run`'s default, .run/local/backups). A file appears by rename, so a
    reader never sees half of one; a crash leaves only a hidden temporary file, removed by the next prune."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.where = str(self.root)

    def _path(self, name: str) -> Path:
        return self.root / check_name(name)

    @contextmanager
    def writer(self, name: str) -> Iterator[BinaryIO]:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            with open(temp, "wb") as out:
                yield out
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)

    def create_once(self, name: str, data: bytes) -> bool:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            temp.write_bytes(data)
            try:
                os.link(temp, path)  # atomic, and fails when the name is taken: two runs cannot both win
            except FileExistsError:
                return False
            return True
        finally:
            temp.unlink(missing_ok=True)

    @contextmanager
    def reader(self, name: str) -> Iterator[BinaryIO]:
        try:
            stream = open(self._path(name), "rb", buffering=COPY_BUFFER)
        except FileNotFoundError:
            raise BlobMissing(name) from None
        with stream:
            yield stream

    def names(self, prefix: str = "") -> list[str]:
        if not self.root.is_dir():
            return []
        found = []
        for dirpath, _dirs, files in os.walk(self.root):
            for file in files:
                rel = (Path(dirpath) / file).relative_to(self.root).as_posix()
                if rel.startswith(prefix):
                    found.append(rel)
        return sorted(found)

    def delete(self, name: str) -> None:
        path = self._path(name)
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != self.root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()  # leave no empty dated folders behind
            parent = parent.parent
