from __future__ import annotations

import io
from pathlib import Path

import pytest
import segno
from PIL import Image

from seedtrail.core.errors import InvalidInput
from seedtrail.integrity.qr import QrDetector, decode


def _png(payload: str, path: Path | None = None) -> bytes:
    buf = io.BytesIO()
    segno.make(payload, error="m").save(buf, kind="png", scale=5, border=4)
    data = buf.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data


def _photo(payload: str) -> Image.Image:
    """A QR code pasted into a larger, noisy 'photo', as in a note image."""
    code = Image.open(io.BytesIO(_png(payload))).convert("L")
    photo = Image.effect_noise((600, 420), 40).point(lambda v: 120 + v // 3)
    photo.paste(code, (230, 90))
    return photo


@pytest.mark.parametrize(
    ("payload", "value"),
    [
        ("https://u.wechat.com/EHd8nGqAbc", "wechat:u.wechat.com"),
        ("wxp://f2f0abcdEFGH", "wechat:wxp://f2f0abcdEFGH"),
        ("https://qm.qq.com/cgi-bin/qm/qr?k=abc", "qq:qm.qq.com"),
        ("https://item.taobao.com/item.htm?id=1", "shop:item.taobao.com"),
        ("https://m.tb.cn/h.UaBc12", "shop:m.tb.cn"),
        ("http://example.top/x", "link:example.top"),
        ("http://[broken/x", "link:http://[broken/x"),  # urlsplit raised: the scan failed
        ("weixin://[x", "link:weixin://[x"),
        ("加我vx：lily_2024", "wechat:lily_2024"),
    ],
)
def test_off_platform_codes_are_flagged(payload: str, value: str) -> None:
    found = QrDetector().find([_photo(payload)])
    assert [(f.kind, f.value, f.span) for f in found] == [("qr", value, (0, 1))]


def test_platform_links_and_plain_text_pass(tmp_path: Path) -> None:
    det = QrDetector()
    assert det.find([_png("https://seedtrail.dev/n/123"), _png("谢谢关注")]) == []
    second = tmp_path / "b.png"
    _png("https://u.wechat.com/abc", second)
    found = det.find([_png("https://seedtrail.dev/n/1"), second])
    assert [(f.value, f.span) for f in found] == [("wechat:u.wechat.com", (1, 2))]


def test_image_without_code_and_unreadable_file(tmp_path: Path) -> None:
    assert decode(Image.new("L", (200, 200), 255)) == []
    bad = tmp_path / "x.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(InvalidInput, match=r"x\.png: not a readable image"):
        decode(bad)
