"""QR codes in note images: decode them (zxing-cpp) and flag those that lead off the platform.

A decoded payload is classified, in order:

- ``wechat``: a WeChat personal card, group or pay code (``u.wechat.com``, ``weixin.qq.com``,
  ``wxp://``, ``weixin://`` ...);
- ``qq``: a QQ card or group (``qm.qq.com``, ``mqqapi://`` ...);
- ``shop``: another shop (Taobao, Tmall, JD, Pinduoduo, Weidian ...);
- ``link``: any other host that is not the platform's own (``[links].allow`` in diversion.toml);
- otherwise the payload text goes through the diversion detector (a QR code holding "vx: abc123").

Findings from images have kind ``qr``, value ``<class>:<host or normalized value>`` (as claims
carry ``category:term``), and as span ``[i, i + 1]``: the index of the image in the note's
image list, since an image has no character offsets. Images that cannot be read raise
:class:`InvalidInput` naming them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from seedtrail.core.errors import InvalidInput
from seedtrail.core.extras import require
from seedtrail.integrity.diversion import DiversionDetector
from seedtrail.integrity.findings import Finding
from seedtrail.integrity.terms import load_terms, string_list
from seedtrail.messages import Msg

_CLASSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("wechat", re.compile(r"^(?:wxp|weixin)://|(?:^|\.)(?:wechat\.com|weixin\.qq\.com|wx\.qq\.com)$")),
    ("qq", re.compile(r"^(?:mqqapi|mqq|tencent)://|(?:^|\.)(?:qm\.qq\.com|qun\.qq\.com|im\.qq\.com)$")),
    ("shop", re.compile(
        r"(?:^|\.)(?:taobao\.com|tmall\.com|tb\.cn|jd\.com|3\.cn|yangkeduo\.com|pinduoduo\.com|"
        r"weidian\.com|youzan\.com|koudaitong\.com)$"
    )),
)  # fmt: skip


_PREFER = ("wechat", "qq", "phone", "shop", "link", "steer")  # a contact says more than a phrase


def decode(image: Any) -> list[str]:
    """Texts of every QR code (and other barcode) in ``image`` (a path, bytes or a PIL image)."""
    zxingcpp = require("zxingcpp", "image")
    require("PIL", "image")
    from PIL import Image, UnidentifiedImageError

    try:
        if isinstance(image, str | Path):
            with Image.open(image) as im:
                im.load()
                return [r.text for r in zxingcpp.read_barcodes(im.convert("L"))]
        if isinstance(image, bytes | bytearray):
            import io

            with Image.open(io.BytesIO(image)) as im:
                im.load()
                return [r.text for r in zxingcpp.read_barcodes(im.convert("L"))]
        return [r.text for r in zxingcpp.read_barcodes(image)]
    except (OSError, UnidentifiedImageError) as exc:
        where = image if isinstance(image, str | Path) else "image"
        raise InvalidInput(
            Msg("problem.invalid-input.image", {"where": where, "error": str(exc)})
        ) from exc


class QrDetector:
    def __init__(self, diversion: DiversionDetector | None = None) -> None:
        self._diversion = diversion or DiversionDetector()
        self._allow = set(string_list(load_terms("diversion"), "links", "allow", "diversion.toml"))

    def classify(self, payload: str) -> tuple[str, str] | None:
        """``(class, value)`` of an off-platform payload, or None when it stays on the platform."""
        text = payload.strip()
        scheme = re.match(r"^([a-z][a-z0-9+.-]*)://", text, re.IGNORECASE)
        host = ""
        if scheme:
            try:
                host = (urlsplit(text).hostname or "").lower()
            except ValueError:  # ``http://[x``: no host Python can read, and still off-platform
                return "link", text
            if scheme.group(1).lower() not in ("http", "https"):
                for name, pattern in _CLASSES:
                    if pattern.search(text.lower()):
                        return name, text
                return "link", text
        elif re.match(r"^[a-z0-9.-]+\.[a-z]{2,}(?:/|$)", text, re.IGNORECASE):
            host = urlsplit("//" + text).hostname or ""
        if host:
            if host in self._allow or any(host.endswith("." + a) for a in self._allow):
                return None
            for name, pattern in _CLASSES:
                if pattern.search(host):
                    return name, host
            return "link", host
        found = self._diversion.find(text)
        if not found:
            return None
        best = min(found, key=lambda f: _PREFER.index(f.kind) if f.kind in _PREFER else 99)
        return best.kind, best.value

    def find(self, images: Sequence[Any]) -> list[Finding]:
        """Findings for a note's images, in image order."""
        out = []
        for i, image in enumerate(images):
            for payload in decode(image):
                hit = self.classify(payload)
                if hit is not None:
                    out.append(Finding("qr", f"{hit[0]}:{hit[1]}", (i, i + 1)))
        return out
