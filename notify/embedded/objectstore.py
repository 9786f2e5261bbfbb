"""A small S3-compatible object store on local disk, for the durable embedded broker.

Tansu's ``s3://`` storage engine keeps topics, offsets and group state as objects; pointed at this
store it survives a restart of the broker and of the store. Only the part of S3 that Tansu (the
Rust ``object_store`` crate) uses: bucket create, PUT (also conditional: ``If-Match`` /
``If-None-Match: *``, 412 on conflict), GET (also ``Range``), HEAD, DELETE and ListObjectsV2.

Local only: it binds to 127.0.0.1 and does not check request signatures (SigV4), only that the
access key in the ``Authorization`` header is the one it was started with. Not for a network.

On disk: ``<root>/<bucket>/`` per bucket; a key's ``/``-separated parts become directories
(``_<part>``) and a file (``=<part>``), percent-encoded, so every key maps to one safe path. A PUT
writes a temporary file, fsyncs it and renames it over the old one: a reader or a crash sees the
old object or the new one, never half. The index of keys (sorted, for listings) and their ETags
(MD5 hex, as S3) is rebuilt from the files at start.
"""

from __future__ import annotations

import asyncio
import bisect
import email.utils
import hashlib
import os
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

XML = "application/xml"


@dataclass
class Meta:
    etag: str  # quoted MD5 hex
    size: int
    mtime: float


def error(status: int, code: str, message: str, resource: str = "") -> Response:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{escape(message)}</Message>'
            f"<Resource>{escape(resource)}</Resource></Error>")  # fmt: skip
    return Response(body, status, media_type=XML)


def key_path(key: str) -> Path:
    """The relative path of a key: its parts as ``_dir/…/=file``, each percent-encoded."""
    *dirs, last = key.split("/")
    return Path(*[f"_{quote(d, safe='')}" for d in dirs], f"={quote(last, safe='')}")


def path_key(rel: Path) -> str:
    *dirs, last = rel.parts
    return "/".join([unquote(d[1:]) for d in dirs] + [unquote(last[1:])])


def md5_file(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return f'"{digest.hexdigest()}"'


class Bucket:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.meta: dict[str, Meta] = {}
        self.keys: list[str] = []  # sorted
        for path in root.rglob(".tmp-*"):  # a PUT the store did not finish (it stopped halfway)
            path.unlink(missing_ok=True)
        for path in root.rglob("=*"):
            if path.is_file():
                stat = path.stat()
                self.meta[path_key(path.relative_to(root))] = Meta(md5_file(path), stat.st_size, stat.st_mtime)
        self.keys = sorted(self.meta)
        self.locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def lock(self, key: str) -> asyncio.Lock:
        """One lock per key while someone holds or waits for it (the condition check and the write
        of a conditional PUT happen under it)."""
        lock = self.locks.get(key)
        if lock is None:
            lock = self.locks[key] = asyncio.Lock()
        return lock

    def write(self, key: str, data: bytes) -> Meta:
        """Atomically replace the object (runs in a worker thread)."""
        path = self.root / key_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself survives a crash of the machine
        finally:
            os.close(dir_fd)
        return Meta(f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"', len(data), path.stat().st_mtime)

    def remember(self, key: str, meta: Meta) -> None:
        if key not in self.meta:
            bisect.insort(self.keys, key)
        self.meta[key] = meta

    def forget(self, key: str) -> None:
        if self.meta.pop(key, None) is not None:
            del self.keys[bisect.bisect_left(self.keys, key)]
            (self.root / key_path(key)).unlink(missing_ok=True)


def http_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)


def iso_date(ts: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """``bytes=a-b`` / ``bytes=a-`` / ``bytes=-n`` as (start, end exclusive); None: unsatisfiable."""
    spec = header.removeprefix("bytes=").split(",")[0].strip()
    first, _, last = spec.partition("-")
    if not first:
        start, end = max(size - int(last), 0), size
    else:
        start, end = int(first), min(int(last) + 1, size) if last else size
    return (start, end) if start < end or (start == 0 and size == 0) else None


def matches(condition: str, etag: str | None) -> bool:
    tags = [t.strip() for t in condition.split(",")]
    return etag is not None and ("*" in tags or etag in tags or etag.strip('"') in tags)


class ObjectStore:
    def __init__(self, root: Path, access_key: str | None = None) -> None:
        self.root = root
        self.access_key = access_key
        root.mkdir(parents=True, exist_ok=True)
        self.buckets = {p.name: Bucket(p) for p in root.iterdir() if p.is_dir()}
        self.app = Starlette(routes=[
            Route("/{bucket}", self.bucket_op, methods=["PUT", "GET", "HEAD", "DELETE"]),
            Route("/{bucket}/{key:path}", self.object_op, methods=["PUT", "GET", "HEAD", "DELETE"]),
        ])  # fmt: skip

    def create_bucket(self, name: str) -> None:
        if name not in self.buckets:
            (self.root / name).mkdir(exist_ok=True)
            self.buckets[name] = Bucket(self.root / name)

    def denied(self, request: Request) -> Response | None:
        if self.access_key is None:
            return None
        auth = request.headers.get("authorization", "")
        credential = auth.partition("Credential=")[2].split("/", 1)[0]
        if credential != self.access_key:
            return error(403, "InvalidAccessKeyId", "The access key does not exist in our records.")
        return None

    async def bucket_op(self, request: Request) -> Response:
        if denied := self.denied(request):
            return denied
        name = request.path_params["bucket"]
        if request.method == "PUT":
            self.create_bucket(name)
            return Response(status_code=200, headers={"location": f"/{name}"})
        bucket = self.buckets.get(name)
        if bucket is None:
            return error(404, "NoSuchBucket", "The specified bucket does not exist", f"/{name}")
        if request.method == "HEAD":
            return Response(status_code=200)
        if request.method == "DELETE":
            if bucket.keys:
                return error(409, "BucketNotEmpty", "The bucket you tried to delete is not empty", f"/{name}")
            (self.root / name).rmdir()
            del self.buckets[name]
            return Response(status_code=204)
        return self.list_objects(name, bucket, request.query_params)

    def list_objects(self, name: str, bucket: Bucket, query) -> Response:
        prefix = query.get("prefix", "")
        delimiter = query.get("delimiter", "")
        max_keys = min(int(query.get("max-keys", 1000)), 1000)
        after = query.get("continuation-token") or query.get("start-after", "")
        i = bisect.bisect_right(bucket.keys, after) if after else bisect.bisect_left(bucket.keys, prefix)
        contents: list[str] = []
        prefixes: list[str] = []
        last = ""
        truncated = False
        while i < len(bucket.keys) and bucket.keys[i].startswith(prefix):
            if len(contents) + len(prefixes) >= max_keys:
                truncated = True
                break
            key = bucket.keys[i]
            rest = key[len(prefix) :]
            if delimiter and delimiter in rest:
                common = prefix + rest.split(delimiter, 1)[0] + delimiter
                prefixes.append(f"<CommonPrefixes><Prefix>{escape(common)}</Prefix></CommonPrefixes>")
                last = common + "\U0010ffff"  # past every key under this common prefix
                i = bisect.bisect_right(bucket.keys, last)
                continue
            m = bucket.meta[key]
            contents.append(f"<Contents><Key>{escape(key)}</Key><LastModified>{iso_date(m.mtime)}</LastModified>"
                            f"<ETag>{escape(m.etag)}</ETag><Size>{m.size}</Size>"
                            "<StorageClass>STANDARD</StorageClass></Contents>")  # fmt: skip
            last = key
            i += 1
        token = f"<NextContinuationToken>{escape(last)}</NextContinuationToken>" if truncated else ""
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                f"<Name>{escape(name)}</Name><Prefix>{escape(prefix)}</Prefix><KeyCount>{len(contents) + len(prefixes)}</KeyCount>"
                f"<MaxKeys>{max_keys}</MaxKeys><IsTruncated>{'true' if truncated else 'false'}</IsTruncated>{token}"
                f"{''.join(contents)}{''.join(prefixes)}</ListBucketResult>")  # fmt: skip
        return Response(body, media_type=XML)

    async def object_op(self, request: Request) -> Response:
        if denied := self.denied(request):
            return denied
        name, key = request.path_params["bucket"], request.path_params["key"]
        bucket = self.buckets.get(name)
        if bucket is None:
            return error(404, "NoSuchBucket", "The specified bucket does not exist", f"/{name}")
        if request.method == "PUT":
            if "x-amz-copy-source" in request.headers or "uploadId" in request.query_params:
                return error(501, "NotImplemented", "Copy and multipart upload are not supported here")
            data = await request.body()
            async with bucket.lock(key):
                current = bucket.meta.get(key)
                etag = current.etag if current else None
                if_match = request.headers.get("if-match")
                if_none = request.headers.get("if-none-match")
                if (if_match is not None and not matches(if_match, etag)) or (
                    if_none is not None and matches(if_none, etag)
                ):
                    return error(
                        412,
                        "PreconditionFailed",
                        "At least one of the preconditions you specified did not hold",
                        f"/{name}/{key}",
                    )
                meta = await asyncio.to_thread(bucket.write, key, data)
                bucket.remember(key, meta)
            return Response(status_code=200, headers={"etag": meta.etag})
        if request.method == "DELETE":
            async with bucket.lock(key):
                bucket.forget(key)
            return Response(status_code=204)
        async with bucket.lock(key):  # a PUT of this key is not halfway between file and index
            return self.read(bucket, name, key, request)

    def read(self, bucket: Bucket, name: str, key: str, request: Request) -> Response:
        meta = bucket.meta.get(key)
        if meta is None:
            return error(404, "NoSuchKey", "The specified key does not exist.", f"/{name}/{key}")
        headers = {"etag": meta.etag, "last-modified": http_date(meta.mtime), "accept-ranges": "bytes"}
        if (inm := request.headers.get("if-none-match")) and matches(inm, meta.etag):
            return Response(status_code=304, headers=headers)
        if (im := request.headers.get("if-match")) and not matches(im, meta.etag):
            return error(412, "PreconditionFailed", "At least one of the preconditions you specified did not hold")
        if request.method == "HEAD":
            return Response(status_code=200, headers={**headers, "content-length": str(meta.size)})
        data = (bucket.root / key_path(key)).read_bytes()
        if rng := request.headers.get("range"):
            span = byte_range(rng, len(data))
            if span is None:
                return error(416, "InvalidRange", "The requested range is not satisfiable")
            start, end = span
            headers["content-range"] = f"bytes {start}-{end - 1}/{len(data)}"
            return Response(data[start:end], 206, headers=headers, media_type="application/octet-stream")
        return Response(data, headers=headers, media_type="application/octet-stream")


class StoreServer:
    """The store served by uvicorn in a background thread of this process."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0, access_key: str | None = None) -> None:
        import socket
        import threading

        import uvicorn

        self.sock = socket.socket()
        self.sock.bind((host, port))
        self.host, self.port = self.sock.getsockname()[:2]
        self.store = ObjectStore(root, access_key)
        level = os.environ.get("NOTIFY_STORE_LOG", "").lower()  # "info": every request, in the broker's log
        level = level if level in ("critical", "error", "warning", "info", "debug", "trace") else "warning"
        config = uvicorn.Config(self.store.app, log_level=level, access_log=level in ("info", "debug", "trace"),
                                lifespan="off")  # fmt: skip
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        while not self.server.started and self.thread.is_alive():
            self.thread.join(0.02)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
