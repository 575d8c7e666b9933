"""Where lake files live: ``<root>/<type>/day=YYYY-MM-DD/part-<stamp>-<uuid>.parquet``.

The root is a local directory or an fsspec URL (``s3://bucket/lake``, ``memory://lake``...).
Writes are atomic: on a local or mounted file system the file is written under a hidden temporary
name, fsync'd, renamed into place and the directory fsync'd; on object stores an object becomes
visible only whole when its upload completes. Readers skip names starting with ``.`` or ``_``.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from seedtrail.core.errors import ConfigError
from seedtrail.messages import Msg


@dataclass(frozen=True)
class Partition:
    type: str
    day: date

    @property
    def rel(self) -> str:
        return f"{self.type}/day={self.day.isoformat()}"


class Lake:
    def __init__(self, url: str) -> None:
        self.url = url
        if "://" in url and not url.startswith("file://"):
            self.fs, self.root = _remote(url)
            self.local = False
        else:
            self.root = os.path.abspath(url.removeprefix("file://"))
            self.fs = pafs.LocalFileSystem()
            self.local = True

    def path(self, *parts: str) -> str:
        return "/".join([self.root.rstrip("/"), *parts])

    def types(self) -> list[str]:
        return sorted(i.base_name for i in self._ls(self.root) if i.type == pafs.FileType.Directory)

    def partitions(self, type_: str | None = None) -> list[Partition]:
        out = []
        for t in [type_] if type_ else self.types():
            for info in self._ls(self.path(t)):
                if info.type == pafs.FileType.Directory and info.base_name.startswith("day="):
                    out.append(Partition(t, date.fromisoformat(info.base_name[4:])))
        return sorted(out, key=lambda p: (p.type, p.day))

    def files(self, part: Partition) -> list[pafs.FileInfo]:
        return sorted(
            (
                i
                for i in self._ls(self.path(part.rel))
                if i.type == pafs.FileType.File
                and i.base_name.endswith(".parquet")
                and not i.base_name.startswith((".", "_"))
            ),
            key=lambda i: i.base_name,
        )

    def file_paths(self, types: Sequence[str]) -> list[str]:
        """Every sealed file of the event types ``types`` (kinds), in partition order."""
        return [f.path for t in types for part in self.partitions(t) for f in self.files(part)]

    def dataset(self, types: Sequence[str], schema: pa.Schema) -> ds.Dataset:
        """The sealed events of ``types`` as one dataset of ``schema`` (a column a file lacks
        reads as null), local or on an object store; DuckDB and pyarrow scan it lazily."""
        paths = self.file_paths(types)
        if not paths:
            return ds.dataset(schema.empty_table())
        return ds.dataset(paths, schema=schema, format="parquet", filesystem=self.fs)

    def read(self, part: Partition, columns: list[str] | None = None) -> pa.Table | None:
        paths = [f.path for f in self.files(part)]
        if not paths:
            return None
        tables = [pq.read_table(p, columns=columns, filesystem=self.fs) for p in paths]
        return pa.concat_tables(tables)

    def write(self, part: Partition, table: pa.Table) -> str:
        """Write ``table`` as a new file of ``part``, atomically; return its path."""
        name = f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
        final = self.path(part.rel, name)
        if self.local:
            _write_local(table, final)
        else:
            self.fs.create_dir(self.path(part.rel), recursive=True)
            with self.fs.open_output_stream(final) as out:
                pq.write_table(table, out, compression="zstd")
        return final

    def delete(self, path: str) -> None:
        self.fs.delete_file(path)
        if self.local:
            _fsync_dir(os.path.dirname(path))

    def _ls(self, path: str) -> list[pafs.FileInfo]:
        try:
            return list(self.fs.get_file_info(pafs.FileSelector(path, allow_not_found=True)))
        except FileNotFoundError:
            return []


def _remote(url: str) -> tuple[pafs.FileSystem, str]:
    try:
        fs, path = pafs.FileSystem.from_uri(url)
        return fs, str(path)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        pass
    try:
        import fsspec

        fs, path = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise ConfigError(
            Msg("problem.config-error.lake_url", {"url": repr(url), "error": str(exc)})
        ) from exc
    return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), path


def _write_local(table: pa.Table, final: str) -> None:
    folder = os.path.dirname(final)
    created = not os.path.isdir(folder)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, "." + os.path.basename(final) + ".tmp")
    try:
        with open(tmp, "wb") as fh:
            pq.write_table(table, fh, compression="zstd")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)
    if created:
        _fsync_dir(os.path.dirname(folder))
        _fsync_dir(os.path.dirname(os.path.dirname(folder)))


def _fsync_dir(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
