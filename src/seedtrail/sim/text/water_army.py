"""Water-army scripts: a few templates per campaign, lightly varied per posting."""

from __future__ import annotations

import numpy as np

SCRIPTS: tuple[str, ...] = (
    "{brand}的{product}真的绝了，用了{n}天{effect}",
    "救命！{brand}{product}也太好用了吧，{effect}",
    "已经回购{n}次{brand}了，{product}闭眼入",
    "我妈都在用{brand}的{product}，{effect}",
    "全网最好用的{product}就是{brand}，不接受反驳",
    "姐妹们听我的，{product}只买{brand}，{effect}",
)
EFFECTS: tuple[str, ...] = (
    "效果肉眼可见",
    "整个人都不一样了",
    "真的爱了",
    "再也不用别的了",
    "朋友都问我用了啥",
    "性价比无敌",
)
FILLERS: tuple[str, ...] = ("", "", "真的", "真心", "强烈", "亲测")
TAILS: tuple[str, ...] = ("", "！", "!!", "～", "👍👍", "❤️", "。", "[赞R]", "💯")


def scripts_for(rng: np.random.Generator, k: int) -> list[str]:
    idx = rng.choice(len(SCRIPTS), size=min(k, len(SCRIPTS)), replace=False)
    return [SCRIPTS[int(i)] for i in idx]


def vary(rng: np.random.Generator, script: str, brand: str, product: str) -> str:
    """One posting of a script: same skeleton, small changes (filler, number, tail)."""
    text = script.format(
        brand=brand,
        product=product,
        n=int(rng.integers(2, 6)),
        effect=EFFECTS[int(rng.integers(len(EFFECTS)))],
    )
    filler = FILLERS[int(rng.integers(len(FILLERS)))]
    if filler and "，" in text:
        head, tail = text.split("，", 1)
        text = f"{head}，{filler}{tail}"
    if rng.random() < 0.2:
        text = text.replace("，", " ", 1)
    return text + TAILS[int(rng.integers(len(TAILS)))]
