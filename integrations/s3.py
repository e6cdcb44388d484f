"""S3 for backups and uploaded files: list, head, read, delete, streamed download, and an upload that
goes up in parts above a threshold and is only completed once the whole stream has been read, so a
stream that fails (or fails its checksum) leaves no object behind: the multipart upload is aborted."""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterable, Iterator

import botocore.exceptions
from botocore.config import Config
from pydantic import BaseModel

from integrations.aws import _call as aws_call
from integrations.aws_calls import session as boto_session
from integrations.errors import NotFound, Unavailable

SYSTEM = "aws"
_MISSING = {"NoSuchKey", "NoSuchBucket", "NoSuchUpload", "404", "NotFound"}

OnPart = Callable[[int], None]  # bytes stored so far


class S3Object(BaseModel):
    key: str
    size: int
    modified: datetime
    metadata: dict[str, str] = {}


class S3Client:
    def __init__(
        self,
        region: str,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        timeout_seconds: float = 10.0,
    ):
        config = Config(
            connect_timeout=timeout_seconds,
            read_timeout=timeout_seconds,
            retries={"total_max_attempts": 2, "mode": "standard"},
        )
        self._s3 = boto_session(region, access_key_id, secret_access_key).client(
            "s3", endpoint_url=endpoint_url, config=config
        )

    def list(self, bucket: str, prefix: str) -> list[S3Object]:
        found, request = [], {"Bucket": bucket, "Prefix": prefix}
        for _ in range(50):  # 50,000 keys: a bound, not a limit anyone should reach
            page = _call(self._s3.list_objects_v2, **request)
            found += [
                S3Object(key=o["Key"], size=o["Size"], modified=o["LastModified"])
                for o in page.get("Contents", [])
            ]
            if not page.get("IsTruncated"):
                break
            request["ContinuationToken"] = page["NextContinuationToken"]
        return found

    def head(self, bucket: str, key: str) -> S3Object:
        meta = _call(self._s3.head_object, Bucket=bucket, Key=key)
        return S3Object(
            key=key,
            size=meta["ContentLength"],
            modified=meta["LastModified"],
            metadata=meta.get("Metadata", {}),
        )

    def delete(self, bucket: str, key: str) -> None:
        _call(self._s3.delete_object, Bucket=bucket, Key=key)

    def read(self, bucket: str, key: str, max_bytes: int) -> bytes:
        head = self.head(bucket, key)
        if head.size > max_bytes:
            raise Unavailable(SYSTEM, f"s3://{bucket}/{key} is larger than {max_bytes:,} bytes")
        return b"".join(self.download(bucket, key))

    def download(self, bucket: str, key: str) -> Iterator[bytes]:
        body = _call(self._s3.get_object, Bucket=bucket, Key=key)["Body"]
        try:
            yield from body.iter_chunks(256 * 1024)
        except (botocore.exceptions.BotoCoreError, OSError):
            raise Unavailable(SYSTEM, f"the download of s3://{bucket}/{key} broke off") from None
        finally:
            body.close()

    def upload(
        self,
        bucket: str,
        key: str,
        chunks: Iterable[bytes],
        metadata: dict[str, str],
        threshold: int,
        part_size: int,
        on_part: OnPart = lambda stored: None,
    ) -> int:
        """Store the stream at `key`; returns its size. Below `threshold` one PUT after the stream ends;
        above it, parts of `part_size`. The object exists only if every chunk arrived."""
        stream, buffer = iter(chunks), bytearray()
        for chunk in stream:
            buffer += chunk
            if len(buffer) >= threshold:
                return self._multipart(bucket, key, buffer, stream, metadata, part_size, on_part)
        _call(self._s3.put_object, Bucket=bucket, Key=key, Body=bytes(buffer), Metadata=metadata)
        on_part(len(buffer))
        return len(buffer)

    def _multipart(
        self,
        bucket: str,
        key: str,
        buffer: bytearray,
        stream: Iterator[bytes],
        metadata: dict[str, str],
        part_size: int,
        on_part: OnPart,
    ) -> int:
        upload_id = _call(self._s3.create_multipart_upload, Bucket=bucket, Key=key, Metadata=metadata)[
            "UploadId"
        ]
        parts: list[dict] = []
        stored = 0
        try:
            for piece in _pieces(buffer, stream, part_size):
                etag = _call(
                    self._s3.upload_part,
                    Bucket=bucket,
                    Key=key,
                    UploadId=upload_id,
                    PartNumber=len(parts) + 1,
                    Body=piece,
                )["ETag"]
                parts.append({"PartNumber": len(parts) + 1, "ETag": etag})
                stored += len(piece)
                on_part(stored)
            _call(
                self._s3.complete_multipart_upload,
                Bucket=bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            self._abort(bucket, key, upload_id)
            raise
        return stored

    def _abort(self, bucket: str, key: str, upload_id: str) -> None:
        try:
            _call(self._s3.abort_multipart_upload, Bucket=bucket, Key=key, UploadId=upload_id)
        except (NotFound, Unavailable):
            pass  # a lifecycle rule for incomplete uploads cleans up what S3 itself would not let us abort

    def pending_uploads(self, bucket: str, prefix: str) -> list[str]:
        """Keys of multipart uploads started and neither completed nor aborted."""
        page = _call(self._s3.list_multipart_uploads, Bucket=bucket, Prefix=prefix)
        return [u["Key"] for u in page.get("Uploads", [])]


def _pieces(buffer: bytearray, stream: Iterator[bytes], size: int) -> Iterator[bytes]:
    """`size`-byte parts from what is buffered and the rest of the stream; the last part may be short."""
    for chunk in stream:
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    while len(buffer) >= size:
        yield bytes(buffer[:size])
        del buffer[:size]
    if buffer:
        yield bytes(buffer)


def _call(method, **kwargs) -> dict:
    return aws_call("S3", _found(method), **kwargs)


def _found(method):
    def call(**kwargs):
        try:
            return method(**kwargs)
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code", "") in _MISSING:
                raise NotFound(SYSTEM, f"S3 has no {kwargs.get('Key') or kwargs.get('Bucket')}") from None
            raise

    return call
