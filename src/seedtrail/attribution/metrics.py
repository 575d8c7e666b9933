"""The metric registry: every figure a report shows, defined once.

Each :class:`Metric` has a name (the key in report tables, API JSON and CSV exports), a label in
zh-CN and in English, a definition, a unit and, for rates and funnel steps, the figure it is
relative to (``denominator``). The API serves the registry (``GET /attribution/metrics``), the
dashboard and the CSV exports take their labels from it and the CLI its column headings, so a
figure called "有效点击" on one page is the same number under the same definition everywhere.

Funnel steps are not nested: a store visit need not follow a click (people visit a shop they
read about without tapping the link), and a conversion is credited to a row by a model, not
counted among the row's clickers. A step is therefore shown as "n per 100 <denominator>" unless
the registry marks it ``nested`` (every unit of it is a unit of the denominator), the only case
shown as a percentage; a rate above 100% can never be shown.

Intervals state their method (:data:`INTERVAL_METHODS`): back-link figures carry the
Horvitz–Thompson interval of sampled backhaul, lift the two-sample test of the holdout.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal, TypedDict

Unit = Literal["count", "people", "CNY", "CNY per unit", "ratio", "share", "kinds"]
Lang = Literal["zh-CN", "en"]


@dataclass(frozen=True)
class Metric:
    name: str
    zh: str
    en: str
    definition: str
    unit: Unit
    denominator: str | None = None  # the figure a rate or funnel step is relative to
    nested: bool = False  # every unit of this figure is also a unit of the denominator
    interval: str | None = None  # key of INTERVAL_METHODS when the figure carries an interval
    digits: int = 0  # decimals shown for the figure and its interval alike

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh-CN" else self.en

    def heading(self, lang: str) -> str:
        """The label with its currency when the figure is money: a table column's heading."""
        if self.unit not in ("CNY", "CNY per unit"):
            return self.label(lang)
        return f"{self.label(lang)}（元）" if lang == "zh-CN" else f"{self.label(lang)} (CNY)"


INTERVAL_METHODS: dict[str, dict[str, str]] = {
    "horvitz_thompson": {
        "en": "95% interval of the Horvitz–Thompson scale-up of sampled backhaul: variance over "
        "customers (a shop samples whole customers), log-normal around the estimate; the low "
        "end is at least what was received",
        "zh-CN": "按回传采样率放大（Horvitz–Thompson）的 95% 置信区间：方差按顾客计算，"
        "对数正态区间，下限不低于已回传的数量",
    },
    "horvitz_thompson_t": {
        "en": "95% interval of the Horvitz–Thompson scale-up of sampled backhaul: variance over "
        "customers, Student t with (customers − 1) degrees of freedom (order values are "
        "skewed and few customers make a noisy variance); never below zero",
        "zh-CN": "按回传采样率放大（Horvitz–Thompson）的 95% 置信区间：方差按顾客计算，"
        "自由度为顾客数减一的 t 分布区间，下限不低于零",
    },
    "holdout_t": {
        "en": "95% interval of the difference in mean outcome between exposed and holdout "
        "viewers (two-sample t test, pooled variance under no effect, degrees of freedom: "
        "buyers in the smaller group less one)",
        "zh-CN": "曝光组与随机留出组人均结果之差的 95% 置信区间"
        "（双样本 t 检验，合并方差，自由度为较小组购买人数减一）",
    },
    "did_hac": {
        "en": "Interval (90% unless stated) of a difference in differences: the touched units' "
        "daily figure against the untouched units' scaled by the before-period ratio; delta-"
        "method standard error with Newey–West long-run variances, widened by the drift between "
        "untouched units that placebo changes show; Student's t (seedtrail.impact.did)",
        "zh-CN": "双重差分的置信区间（默认 90%）：受影响单元的每日数值对比按变更前比例缩放的"
        "未受影响单元；Newey–West 长期方差的 delta 法标准误，"
        "并计入安慰剂变更所示的单元间漂移；t 分布",
    },
}

_CLICKS = (
    "Taps on the row's links that the redirect counted: not a bot, not a repeat of the same "
    "person within the dedup window, on a link open at the time (the click log); on a campaign "
    "row only its boosted traffic"
)
_BACK = "credited by the chosen model and scaled for sampled backhaul"

METRICS: tuple[Metric, ...] = (
    Metric("people", "触达人数", "People reached", "Distinct viewers with a touch in the row",
           "people"),
    Metric("impressions", "曝光", "Impressions", "Times a note was shown in a feed", "count"),
    Metric("reads", "阅读", "Reads", "Times a note was opened", "count", "impressions"),
    Metric("likes", "点赞", "Likes", "Likes of the row's notes", "count", "reads"),
    Metric("collects", "收藏", "Collects", "Times the row's notes were saved", "count", "reads"),
    Metric("comments", "评论", "Comments", "Comments on the row's notes", "count", "reads"),
    Metric("shares", "分享", "Shares", "Times the row's notes were shared", "count", "reads"),
    Metric("follows", "关注", "Follows", "Follows of the author from the row's notes", "count",
           "reads"),
    Metric("engagements", "互动", "Engagements",
           "Likes, collects, comments, shares and follows", "count", "reads"),
    Metric("clicks", "有效点击", "Counted clicks", _CLICKS, "count", "reads"),
    Metric("searches", "搜索", "Searches", f"Searches in the shop, {_BACK}", "count", "people",
           interval="horvitz_thompson", digits=1),
    Metric("store_visits", "进店", "Store visits", f"Visits to the shop, {_BACK}", "count",
           "people", interval="horvitz_thompson", digits=1),
    Metric("carts", "加购", "Carts", f"Items added to cart, {_BACK}", "count", "people",
           interval="horvitz_thompson", digits=1),
    Metric("purchases", "购买", "Purchases", f"Orders, {_BACK}", "count", "people",
           interval="horvitz_thompson", digits=1),
    Metric("refunds", "退款", "Refunds", f"Refunded orders, {_BACK}", "count", "purchases",
           interval="horvitz_thompson", digits=1),
    Metric("gmv", "GMV", "GMV", f"Order value less refunds, {_BACK}", "CNY",
           interval="horvitz_thompson_t", digits=2),
    Metric("spend", "投流花费", "Boost spend",
           "Boost spend on the row's notes (a campaign: its own spend; an item: each note's "
           "spend split equally among the items its links point to)", "CNY", digits=2),
    Metric("cost_per_read", "单次阅读成本", "Cost per read", "Boost spend over reads",
           "CNY per unit", "reads", digits=2),
    Metric("cost_per_click", "单次点击成本", "Cost per click", "Boost spend over counted clicks",
           "CNY per unit", "clicks", digits=2),
    Metric("cost_per_purchase", "单次购买成本", "Cost per purchase",
           "Boost spend over purchases (scaled)", "CNY per unit", "purchases", digits=2),
    Metric("roas", "ROAS", "ROAS", "GMV (scaled) over boost spend (an item: its own GMV over "
           "its share of spend)", "ratio", "spend", digits=2),
    Metric("sample_rate", "回传采样率", "Backhaul sample rate",
           "Share of a shop's events it sends back (smallest–largest behind the row)", "share"),
    Metric("backhaul_flags", "回传异常", "Backhaul flags",
           "Kinds of degraded backhaul (gap, lag, duplicates, orders sent again, sample rate) in "
           "whose flagged windows a conversion credited to the row arrived; empty when none",
           "kinds"),
    Metric("match_rate", "匹配率", "Match rate",
           "Share of conversions joined to a community person", "share", "purchases"),
    Metric("incremental_purchases", "增量购买", "Incremental purchases",
           "Purchases the boost added: exposed viewers' purchases less what the holdout's rate "
           "predicts for them", "count", interval="holdout_t", digits=1),
    Metric("incremental_gmv", "增量 GMV", "Incremental GMV",
           "Net GMV the boost added, measured against the holdout", "CNY",
           interval="holdout_t", digits=2),
    Metric("relative_lift", "相对提升", "Relative lift",
           "Exposed viewers' purchases per person over the holdout's, less one", "share",
           "purchases"),
    Metric("mde", "最小可检测效应", "Minimum detectable effect",
           "Smallest relative lift in purchases the holdout detects with 80% power at the 5% "
           "level (two-sided)", "share"),
    Metric("power", "检验功效", "Power",
           "Chance the holdout test finds a relative lift of the reference size", "share"),
    Metric("attributed_purchases", "归因购买", "Attributed purchases",
           "Purchases the model credits to the campaign's boosted touches (scaled)", "count",
           digits=1),
    Metric("attributed_gmv", "归因 GMV", "Attributed GMV",
           "GMV the model credits to the campaign's boosted touches (scaled)", "CNY", digits=2),
    Metric("shop_gmv", "店铺 GMV", "Shop GMV",
           "Order value less refunds of every order the shops sent back (not only credited "
           "ones), scaled for sampled backhaul; per day, partner and the ordered item's category",
           "CNY", digits=2),
    Metric("policy_effect", "政策影响（每日）", "Policy effect per day",
           "Average daily change in a figure (counted clicks, shop GMV) of the units a policy "
           "change touched: after the change, actual less the counterfactual from the untouched "
           "units (difference in differences)", "count", interval="did_hac", digits=2),
    Metric("policy_relative", "相对影响", "Relative effect",
           "Policy effect over the counterfactual (the figure had nothing changed)", "share"),
    Metric("creator_earnings", "创作者收入", "Creator earnings",
           "Creators' link commission (6% in the simulator) of the shop GMV whose click came from "
           "a creator's own note", "CNY", digits=2),
    Metric("diversion_attempts", "导流尝试", "Diversion attempts",
           "Comments steering people off the platform (WeChat ids, phones, QR codes)", "count"),
    Metric("unregistered_soft_ads", "未报备软广", "Unregistered soft ads",
           "Notes promoting a product without a collab registration, by publication day",
           "count"),
    Metric("water_army_comments", "水军评论", "Water-army comments",
           "Scripted comments by coordinated hired accounts", "count"),
    Metric("buyer_orders", "买手订单", "Buyer's orders",
           "Purchases a shop sent back carrying the click id of a counted tap on one of the "
           "buyer's links, within the click window after the tap (last click; each order once)",
           "count"),
    Metric("buyer_gmv", "买手 GMV", "Buyer's GMV", "Order value of the buyer's orders", "CNY",
           digits=2),
    Metric("buyer_refunds", "买手退款", "Buyer's refunds",
           "Refunds of the buyer's orders (same shop and order id), in the period they arrived",
           "count", "buyer_orders"),
    Metric("commission_rate", "佣金比例", "Commission rate",
           "The buyer's share of the net GMV its links bring (set by the operator)", "share"),
    Metric("commission_due", "应付佣金", "Commission due",
           "The buyer's GMV less refunds, times its commission rate", "CNY", digits=2),
    Metric("overcount", "高估倍数", "Overcount", "Attributed over incremental", "ratio",
           "incremental_purchases", digits=2),
)  # fmt: skip

REGISTRY: dict[str, Metric] = {m.name: m for m in METRICS}
FUNNEL_STEPS = (
    "impressions", "reads", "engagements", "clicks", "searches", "store_visits", "carts",
    "purchases",
)  # fmt: skip


def get(name: str) -> Metric:
    return REGISTRY[name]


def interval_text(method: str | None, lang: str) -> str:
    """How an interval was made (a key of :data:`INTERVAL_METHODS`), in ``lang``."""
    texts = INTERVAL_METHODS.get(method or "")
    return "" if texts is None else texts["zh-CN" if lang == "zh-CN" else "en"]


def label(name: str, lang: str) -> str:
    return REGISTRY[name].label(lang)


class Rate(TypedDict):
    """A funnel step's rate as JSON: ``value`` per ``per`` units of ``denominator`` (1: a share,
    100: a count per 100; both None when there is no rate)."""

    step: str
    denominator: str | None
    nested: bool
    value: float | None
    per: int | None


def rate(step: str, value: float | None, denominator: float | None) -> Rate:
    """A funnel step relative to its registered denominator: a share when nested, else a count
    per 100 units of the denominator (never a share above one)."""
    m = REGISTRY[step]
    den = m.denominator
    if den is None or value is None or not denominator:
        return Rate(step=step, denominator=den, nested=m.nested, value=None, per=None)
    if m.nested:
        return Rate(step=step, denominator=den, nested=True, value=value / denominator, per=1)
    shown = 100.0 * value / denominator
    return Rate(step=step, denominator=den, nested=False, value=shown, per=100)


def registry_json() -> dict[str, object]:
    return {
        "metrics": [asdict(m) for m in METRICS],
        "interval_methods": INTERVAL_METHODS,
        "funnel_steps": list(FUNNEL_STEPS),
    }
