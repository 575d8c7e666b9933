"""User agents of real browsers and in-app browsers (people, never bots), with their device class.

Written from the agents these apps send (as seen in access logs and the apps' developer docs);
independent of the patterns in seedtrail.links.useragent.
"""

from __future__ import annotations

PEOPLE: dict[str, tuple[str, str]] = {
    # name: (device class, user agent)
    "ios safari": (
        "mobile",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
    ),
    "ios chrome": (
        "mobile",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) CriOS/123.0.6312.52 Mobile/15E148 Safari/604.1",
    ),
    "ipad safari": (
        "mobile",
        "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/16.6 Mobile/15E148 Safari/604.1",
    ),
    "android chrome": (
        "mobile",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Mobile Safari/537.36",
    ),
    "samsung internet": (
        "mobile",
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
    ),
    "android firefox": (
        "mobile",
        "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0",
    ),
    "wechat ios": (
        "wechat",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI "
        "Language/zh_CN",
    ),
    "wechat android": (
        "wechat",
        "Mozilla/5.0 (Linux; Android 14; 23127PN0CC Build/UKQ1.230804.001; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160117 "
        "MMWEBSDK/20240301 MMWEBID/8150 MicroMessenger/8.0.48.2580(0x28003036) WeChat/arm64 "
        "Weixin NetType/WIFI Language/zh_CN ABI/arm64",
    ),
    "community app ios": (
        "in_app",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 xhsdiscover/8.19.1 rv:8.19.1.0 NetType/WiFi",
    ),
    "community app android": (
        "in_app",
        "Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/101.0.4951.74 Mobile Safari/537.36 "
        "xhsdiscover/8.19.1 NetType/WiFi",
    ),
    "taobao ios": (
        "in_app",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 AliApp(TB/10.26.10) WindVane/8.7.2 1170x2532",
    ),
    "taobao android": (
        "in_app",
        "Mozilla/5.0 (Linux; U; Android 12; zh-CN; PFDM00 Build/SP1A.210812.016) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.58 "
        "Mobile Safari/537.36 AliApp(TB/10.26.10) UCBS/2.11.1.1 "
        "TTID/600000@taobao_android_10.26.10 "
        "WindVane/8.5.0 1080X2400 UT4Aplus/0.2.29",
    ),
    "alipay": (
        "in_app",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 Ariver/1.1.0 AliApp(AP/10.5.30.6000) Nebula WK "
        "RVKType(0) AlipayDefined(nt:WIFI,ws:390|780|3.0) AlipayClient/10.5.30.6000 "
        "Language/zh-Hans Region/CN NebulaX/1.0.0",
    ),
    "douyin ios": (
        "in_app",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 aweme_29.3.0 JsSdk/2.0 NetType/WIFI "
        "Channel/App Store ByteLocale/zh Region/CN AppTheme/light RevealType/Dialog "
        "BytedanceWebview/d8a21c6 WKWebView/1",
    ),
    "douyin android": (
        "in_app",
        "Mozilla/5.0 (Linux; Android 12; V2134A Build/SP1A.210812.003; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/91.0.4472.114 Mobile Safari/537.36 aweme_290300 "
        "JsSdk/1.0 NetType/WIFI Channel/vivo_1128_64 app_version/29.3.0 ByteLocale/zh-CN "
        "Region/CN AppSkin/white AppTheme/light BytedanceWebview/d8a21c6 WebView/075113004008",
    ),
    "qq ios": (
        "in_app",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 QQ/9.0.1.628 V1_IPH_SQ_9.0.1_1_APP_A Pixel/1170 "
        "SuperQQ/1.0 NetType/WIFI WebP/0.4.1 AppId/537185433 Core/WKWebView "
        "Device/Apple(iPhone 13) QBWebViewUA/2 QBWebViewType/1 WKType/1",
    ),
    "qq browser": (
        "mobile",
        "Mozilla/5.0 (Linux; U; Android 12; zh-cn; PEHM00 Build/SKQ1.210216.001) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/109.0.5414.86 "
        "MQQBrowser/14.5 Mobile Safari/537.36 COVC/046833",
    ),
    "uc browser": (
        "mobile",
        "Mozilla/5.0 (Linux; U; Android 12; zh-CN; M2102J2SC Build/SKQ1.211006.001) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.58 "
        "UCBrowser/16.3.8.1291 Mobile Safari/537.36",
    ),
    "quark": (
        "mobile",
        "Mozilla/5.0 (Linux; U; Android 13; zh-CN; 22081212C Build/TKQ1.220829.002) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.58 "
        "Quark/6.11.2.531 Mobile Safari/537.36",
    ),
    "huawei browser": (
        "mobile",
        "Mozilla/5.0 (Linux; Android 12; HarmonyOS; NOH-AN00; HMSCore 6.13.0.302) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.5735.196 HuaweiBrowser/14.0.5.302 "
        "Mobile Safari/537.36",
    ),
    "huawei harmonyos next": (
        "mobile",
        "Mozilla/5.0 (Phone; OpenHarmony 4.1) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/114.0.0.0 Safari/537.36 ArkWeb/4.1.6.1 Mobile HuaweiBrowser/5.0.4.300",
    ),
    "xiaomi browser": (
        "mobile",
        "Mozilla/5.0 (Linux; U; Android 13; zh-cn; 2211133C Build/TKQ1.220905.001) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/109.0.5414.118 "
        "Mobile Safari/537.36 XiaoMi/MiuiBrowser/17.7.80130 swan-mibrowser",
    ),
    "360 browser mobile": (
        "mobile",
        "Mozilla/5.0 (Linux; Android 11; M2012K11AC Build/RKQ1.200826.002) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/86.0.4240.99 Mobile Safari/537.36 QihooBrowser/5.2.0",
    ),
    "360 secure browser": (
        "desktop",
        "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/108.0.5359.95 Safari/537.36 QIHU 360SE",
    ),
    "sogou mobile browser": (
        "mobile",
        "Mozilla/5.0 (Linux; Android 10; HMA-AL00 Build/HUAWEIHMA-AL00) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/66.0.3359.126 Mobile Safari/537.36 "
        "SogouMSE,SogouMobileBrowser/5.39.4",
    ),
    "weibo": (
        "in_app",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 Weibo (iPhone14,5__weibo__14.1.0__iphone__os17.1)",
    ),
    "baidu app": (
        "in_app",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 SP-engine/2.75.0 main/1.0 baiduboxapp/13.38.0.10 "
        "(Baidu; P2 16.5) NABar/1.0",
    ),
    "windows chrome": (
        "desktop",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36",
    ),
    "windows edge": (
        "desktop",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
    ),
    "mac safari": (
        "desktop",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    ),
    "linux firefox": (
        "desktop",
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    ),
    "wechat windows": (
        "wechat",
        "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/81.0.4044.138 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) "
        "WindowsWechat(0x63090a13) XWEB/9129 Flue",
    ),
}
