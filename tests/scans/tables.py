"""Tables the table tests and the table benchmark render: a 价格认定 table with a two-row
header (cells merged down and across) and a seizure list whose 备注 is written once for two
items. Rows of cell texts; spans as (row, col, rows, cols)."""

from __future__ import annotations

PRICE = [["序号", "名称", "价格认定", "", "备注"],
         ["", "", "单价", "金额", ""],
         ["1", "黑色苹果牌手机", "3200元", "3200元", "已封存"],
         ["2", "银色电动自行车", "1500元", "1500元", "发还"],
         ["3", "金项链", "4800元", "4800元", "已扣押"]]
#: 序号, 名称 and 备注 merged down over the two header rows, 价格认定 over 单价 and 金额
PRICE_SPANS = [(0, 0, 2, 1), (0, 1, 2, 1), (0, 2, 1, 2), (0, 4, 2, 1)]
NOTE = [["序号", "名称", "数量", "备注"],
        ["1", "黑色苹果牌手机", "1部", "已封存"],
        ["2", "现金", "3200元", "均已扣押"],
        ["3", "银行卡", "2张", ""],
        ["4", "银色电动自行车", "1辆", "发还"]]
NOTE_SPANS = [(2, 3, 2, 1)]  # 备注 written once for rows 2 and 3
