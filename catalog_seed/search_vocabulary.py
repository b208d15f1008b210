"""What simulated shoppers type into the search box.

Catalog queries are keyed by a word of the product title: a product whose title contains the
key is searched by any of its phrases (Chinese words, full pinyin, initials, specs such as 5斤,
region names and a few typos). The first phrase of each entry is the most common one.
"""

from __future__ import annotations

KEYWORD_QUERIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "耙耙柑",
        (
            "耙耙柑",
            "粑粑柑",
            "papagan",
            "ppg",
            "耙耙柑 5斤",
            "眉山耙耙柑",
            "春见",
            "春见耙耙柑 10斤",
            "耙耙柑礼盒",
            "爬爬柑",
        ),
    ),
    ("不知火", ("不知火", "丑橘", "丑柑", "buzhihuo", "丹棱不知火", "丑橘 10斤", "不知伙")),
    ("爱媛", ("果冻橙", "爱媛38号", "爱媛果冻橙", "guodongcheng", "gdc", "果冻橙 5斤", "爱媛38")),
    ("沃柑", ("沃柑", "wogan", "沃柑 10斤", "沃甘", "眉山沃柑")),
    ("青见", ("青见", "qingjian")),
    ("大雅柑", ("大雅柑", "dayagan")),
    ("明日见", ("明日见", "mingrijian")),
    ("晚熟脐橙", ("晚熟脐橙", "眉山脐橙")),
    ("脐橙", ("脐橙", "赣南脐橙", "qicheng", "gnqc", "脐橙 10斤", "赣南脐橙礼盒", "脐橙5斤")),
    ("砂糖橘", ("砂糖橘", "砂糖桔", "沙糖桔", "shatangju", "stj", "砂糖橘 5斤")),
    ("贡柑", ("贡柑", "gonggan")),
    ("樱桃", ("大樱桃", "樱桃", "车厘子", "yingtao", "铜川大樱桃", "樱桃 5斤")),
    ("苹果", ("苹果", "富士苹果", "pingguo", "铜川苹果", "红富士 10斤")),
    (
        "蜜",
        (
            "蜂蜜",
            "fengmi",
            "fm",
            "土蜂蜜",
            "蜂蜜 1kg",
            "蜂蜜 500g",
            "蜂蜜礼盒",
            "梧州蜂蜜",
            "honey",
            "fnegmi",
            "蜂蜜 1000g",
        ),
    ),
    (
        "龙眼蜜",
        (
            "龙眼蜜",
            "longyanmi",
            "桂圆蜜",
            "龙眼蜂蜜",
            "lym",
            "龙眼蜜 500g",
            "龙眼蜜 礼盒",
            "longan honey",
            "龙眼密",
        ),
    ),
    ("荔枝蜜", ("荔枝蜜", "lizhimi", "荔枝蜂蜜", "lychee honey", "荔枝蜜 1kg")),
    ("百花蜜", ("百花蜜", "baihuami", "野花蜜", "百花蜂蜜")),
    ("冬蜜", ("冬蜜", "鸭脚木冬蜜", "dongmi")),
    ("巢蜜", ("巢蜜", "蜂巢蜜", "chaomi")),
    ("洋槐蜜", ("洋槐蜜", "槐花蜜", "yanghuaimi")),
    (
        "六堡茶",
        ("六堡茶", "liubaocha", "lbc", "六堡", "黑茶", "梧州六堡茶", "六宝茶", "liubao tea"),
    ),
    ("茶饼", ("六堡茶饼", "茶饼", "六堡茶 357克")),
    ("黄芩", ("黄芩", "huangqin", "黄芩片", "黄芩 500g", "黄岑")),
    ("黄芩茶", ("黄芩茶", "huangqincha")),
    ("柴胡", ("柴胡", "北柴胡", "chaihu", "柴胡 250g")),
    ("丹参", ("丹参", "danshen", "丹参片", "丹参 500克")),
    ("黄芪", ("黄芪", "北芪", "huangqi", "hq", "黄芪片", "黄芪 500g", "黄芪 特级", "黄茋")),
    ("连翘", ("连翘", "青翘", "lianqiao")),
    ("远志", ("远志", "yuanzhi")),
    ("枸杞", ("枸杞", "gouqi", "gq", "宁夏枸杞", "中宁枸杞", "枸杞 500g", "枸杞子", "苟杞")),
    ("黑枸杞", ("黑枸杞", "heigouqi")),
    ("原浆", ("枸杞原浆", "枸杞汁", "原浆")),
    ("芽茶", ("枸杞芽茶", "芽茶")),
    ("缠丝兔", ("缠丝兔", "chansitu", "广汉缠丝兔", "兔肉", "cst", "缠丝兔 整只")),
    ("回锅肉", ("回锅肉", "连山回锅肉", "huiguorou", "回锅肉料理包")),
    ("香肠", ("香肠", "麻辣香肠", "xiangchang", "四川香肠")),
    ("腊肉", ("腊肉", "larou", "四川腊肉")),
    ("菜籽油", ("菜籽油", "菜油", "caiziyou", "压榨菜籽油")),
    ("大米", ("大米", "dami", "广汉大米", "新米", "大米 10斤")),
    ("香米", ("香米", "xiangmi")),
    ("三星堆", ("三星堆", "sanxingdui", "三星堆文创", "广汉特产")),
    ("月饼", ("月饼", "月饼礼盒", "yuebing")),
    ("饼干", ("饼干", "三星堆饼干")),
    ("保保", ("广汉保保", "保保")),
    ("豆瓣", ("豆瓣酱", "红油豆瓣", "douban")),
    ("藤椒", ("藤椒油", "藤椒", "tengjiao", "洪雅藤椒")),
    ("泡菜", ("泡菜", "东坡泡菜", "paocai")),
    ("酸菜", ("酸菜", "老坛酸菜", "suancai")),
    ("核桃", ("核桃", "hetao", "薄皮核桃")),
    ("龟苓膏", ("龟苓膏", "guilinggao", "glg", "梧州龟苓膏", "龟灵膏")),
    ("茶油", ("山茶油", "茶油", "chayou")),
    ("板鸭", ("板鸭", "南安板鸭", "banya")),
)

# Misspellings among the phrases above; shoppers make them less often than they spell right.
TYPOS: frozenset[str] = frozenset(
    {"爬爬柑", "不知伙", "沃甘", "fnegmi", "龙眼密", "六宝茶", "黄岑", "黄茋", "苟杞", "龟灵膏"}
)
TYPO_WEIGHT = 0.3

# Planted unmet demand: nobody in the catalog sells honey-yuzu tea. (phrase, relative weight)
HONEY_YUZU_QUERIES: tuple[tuple[str, float], ...] = (
    ("蜂蜜柚子茶", 0.34),
    ("柚子蜂蜜茶", 0.14),
    ("蜂蜜柚子", 0.07),
    ("柚子茶", 0.07),
    ("honey yuzu tea", 0.06),
    ("韩国蜂蜜柚子茶", 0.05),
    ("蜂蜜柚子茶 礼盒", 0.05),
    ("蜂蜜柚子茶 1kg", 0.05),
    ("fengmi youzi cha", 0.04),
    ("蜂蜜柚子荼", 0.03),
    ("蜂蜜油子茶", 0.03),
    ("honey citron tea", 0.03),
    ("fmyzc", 0.02),
    ("柚子蜂蜜", 0.02),
)
HONEY_YUZU_WEEKLY_AT_SCALE_ONE = 55.0

# Goods shoppers look for and the pavilion does not carry: (weekly searches at scale 1, phrases).
OTHER_UNMET_QUERIES: tuple[tuple[float, tuple[tuple[str, float], ...]], ...] = (
    (14.0, (("低糖果脯", 0.6), ("无糖果脯", 0.25), ("低糖蜜饯", 0.15))),
    (11.0, (("即食花胶", 0.65), ("花胶", 0.2), ("即食花胶 礼盒", 0.15))),
    (9.0, (("五常大米", 0.8), ("五常稻花香", 0.2))),
    (8.0, (("阳澄湖大闸蟹", 0.7), ("大闸蟹", 0.3))),
    (7.0, (("云南鲜花饼", 0.6), ("鲜花饼", 0.4))),
    (6.0, (("阿胶糕", 0.7), ("手工阿胶糕", 0.3))),
    (5.0, (("新疆和田枣", 0.5), ("和田大枣", 0.5))),
    (4.0, (("黑糖姜茶", 0.7), ("红糖姜茶", 0.3))),
)

# Keyboard mash and stray input that no search engine should match.
GARBAGE_QUERIES: tuple[str, ...] = (
    "asdf",
    "qwerty",
    "1111",
    "???",
    "aaaa",
    "zzzzz",
    "测试",
    "。。。",
    "xjdkslf",
    "!!!",
    "啊啊啊",
    "123456",
    "hjkl",
    "ssss",
    "..",
    "qqq",
    "lkjh",
    "test",
)
GARBAGE_SHARE = 0.015
