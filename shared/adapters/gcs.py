"""Backup objects in Cloud Storage through the official client library (google-cloud-storage), imported only by
the backup: the same code talks to Google and, in tests and benchmarks, to gcp-storage-emulator on loopback
(STORAGE_API_URL names it; production refuses a loopback URL).

Uploads are resumable and streamed in CHUNK_BYTES pieces, so memory stays flat whatever the size. An object
becomes visible only when its upload is finalised; an upload abandoned half-way is finalised and deleted at once,
and whatever a crash leaves is not named by any manifest (the prune removes it a day later).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import BinaryIO, Iterator
from urllib.parse import urlsplit

from google.api_core import exceptions as gexc
from google.auth.credentials import AnonymousCredentials
from google.cloud.storage import Blob, Client

from shared.adapters.blobs import BlobMissing, check_name
from shared.errors import PermanentError, TransientError

log = logging.getLogger(__name__)

CHUNK_BYTES = 8 << 20  # resumable upload piece (a multiple of 256 KiB); the writer holds one in memory
READ_CHUNK_BYTES = 4 << 20
_TRANSIENT = (gexc.ServiceUnavailable, gexc.InternalServerError, gexc.TooManyRequests, gexc.GatewayTimeout,
              gexc.BadGateway, gexc.RetryError, ConnectionError, TimeoutError)


def parse_bucket(url: str) -> tuple[str, str]:
    """gs://bucket/some/prefix → ("bucket", "some/prefix/")."""
    parts = urlsplit(url)
    if parts.scheme != "gs" or not parts.netloc:
        raise PermanentError(f"BACKUP_BUCKET must look like gs://bucket or gs://bucket/prefix, not {url!r}")
    prefix = parts.path.strip("/")
    return parts.netloc, prefix + "/" if prefix else ""


@contextmanager
def _translated(what: str) -> Iterator[None]:
    try:
        yield
    except BlobMissing:
        raise
    except gexc.NotFound as exc:
        raise BlobMissing(what) from exc
    except gexc.Forbidden as exc:
        raise PermanentError(f"Cloud Storage refused {what}: the backup's service account needs "
                             "roles/storage.objectUser on the bucket") from exc
    except _TRANSIENT as exc:
        raise TransientError(f"Cloud Storage did not answer ({type(exc).__name__})") from exc
    except gexc.GoogleAPICallError as exc:
        raise PermanentError(f"Cloud Storage refused {what} ({type(exc).__name__})") from exc


class GcsBlobs:
    """Objects under gs://bucket/prefix. api_url: another endpoint (the emulator); anonymous there."""

    def __init__(self, bucket_url: str, api_url: str = "", project: str = ""):
        self.bucket_name, self.prefix = parse_bucket(bucket_url)
        self.where = f"gs://{self.bucket_name}/{self.prefix}"
        if api_url:
            client = Client(project=project or "local", credentials=AnonymousCredentials(),
                                    client_options={"api_endpoint": api_url})
        else:
            client = Client(project=project or None)
        self.client = client
        self.bucket = client.bucket(self.bucket_name)

    def _blob(self, name: str) -> Blob:
        return self.bucket.blob(self.prefix + check_name(name), chunk_size=CHUNK_BYTES)

    @contextmanager
    def writer(self, name: str) -> Iterator[BinaryIO]:
        blob = self._blob(name)
        with _translated(name):
            # if_generation_match=0: a name is written once; a second writer fails instead of replacing it.
            stream = blob.open("wb", ignore_flush=True, if_generation_match=0)
        try:
            yield stream
        except BaseException:
            # The client library has no way to abandon an upload: finalise it and remove what it made.
            try:
                stream.close()
                blob.delete()
            except Exception:
                log.warning("could not remove an abandoned backup object", extra={"ctx": {"object": name}})
            raise
        with _translated(name):
            stream.close()

    def create_once(self, name: str, data: bytes) -> bool:
        blob = self._blob(name)
        with _translated(name):
            if blob.exists():
                return False
            try:
                blob.upload_from_string(data, content_type="application/json", if_generation_match=0)
            except gexc.PreconditionFailed:
                return False
        return True

    @contextmanager
    def reader(self, name: str) -> Iterator[BinaryIO]:
        blob = self._blob(name)
        with _translated(name):
            stream = blob.open("rb", chunk_size=READ_CHUNK_BYTES)
            with stream:
                yield stream

    def names(self, prefix: str = "") -> list[str]:
        with _translated(prefix or "the bucket's listing"):
            found = [b.name[len(self.prefix):] for b in
                     self.client.list_blobs(self.bucket_name, prefix=self.prefix + prefix)]
        return sorted(found)

    def delete(self, name: str) -> None:
        try:
            with _translated(name):
                self._blob(name).delete()
        except BlobMissing:
            pass
