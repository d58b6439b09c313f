from dualcarbon.core.errors import NotFound
from dualcarbon.server.i18n import register


class CemsNotFound(NotFound):
    code = "cems.not-found"


register(CemsNotFound.code, "对象不存在或无权访问", "Not found or not accessible")
register("cems.bad-point", "计量点不存在或不属于该企业", "Metering point unknown or of another enterprise")
register("hj212.mn-taken", "设备编码 MN {mn} 已存在", "Device MN {mn} already exists")
register("hj212.bad-cn", "不支持的数据类型 CN {cn}（应为 2011 实时、2051 分钟、2061 小时或 2031 日数据）",
         "Unsupported data kind CN {cn} (2011 real-time, 2051 minute, 2061 hour or 2031 day)")
register("hj212.bad-point", "计量点不存在或不属于该企业", "Metering point unknown or of another enterprise")
register("cems.bad-window", "计算时段无效（结束须晚于开始，且不超过 92 天）", "Invalid window (end after start, at most 92 days)")


class Hj212NotFound(NotFound):
    code = "hj212.not-found"


register(Hj212NotFound.code, "数采仪或因子配置不存在或无权访问",
         "Data logger or factor map not found or not accessible")
register("hj212.mn-standard",
         "MN 应为 24 位十六进制字符（0-9、A-F，HJ 212-2017 表 3）；非标准设备请打开“允许非标准 MN”",
         "The MN must be 24 hexadecimal characters (0-9, A-F; HJ 212-2017 table 3); switch on "
         "\"allow a non-standard MN\" for a non-conforming logger")
register("hj212.mn-format", "MN 只能包含字母、数字、下划线、点和连字符，最长 40 位",
         "The MN may contain letters, digits, '_', '.' and '-' only, at most 40 characters")
register("hj212.password-format", "访问密码 PW 应为 6 位字母或数字（HJ 212-2017 表 3）",
         "The access password PW must be 6 letters or digits (HJ 212-2017 table 3)")
register("hj212.st-unknown", "系统编码 ST {st} 不是 HJ 212-2017 表 5 规定的编码（如 31 大气污染源、"
         "32 地表水污染源）", "System code ST {st} is not one of HJ 212-2017 table 5 (e.g. 31 "
         "air pollution source, 32 wastewater)")
register("hj212.timezone", "未知的时区“{timezone}”（应为 IANA 时区，如 Asia/Shanghai）",
         "Unknown time zone \"{timezone}\" (an IANA zone such as Asia/Shanghai expected)")
register("hj212.rtd-interval", "实时数据上传间隔 RtdInterval 应在 30～3600 秒之间",
         "The real-time interval RtdInterval must be 30–3600 seconds")
register("hj212.min-interval", "分钟数据间隔 MinInterval 只能取 {allowed} 分钟（HJ 212-2017 表 4）",
         "The minute-data interval MinInterval must be one of {allowed} minutes "
         "(HJ 212-2017 table 4)")
register("hj212.factor-standard",
         "因子编码“{factor}”不是 HJ 212-2017 附录 B 规定的编码（类别字母 a/w/e/g/i 加 5 位数字，"
         "如 a05001 二氧化碳）；站点自定义编码请勾选“允许非标准编码”",
         "Factor code \"{factor}\" is not an HJ 212-2017 annex B code (a category letter "
         "a/w/e/g/i and 5 digits, e.g. a05001 CO2); tick \"allow a non-standard code\" for a "
         "site-specific one")
register("hj212.factor-format", "因子编码只能包含字母、数字、下划线和点，最长 16 位",
         "A factor code may contain letters, digits, '_' and '.' only, at most 16 characters")
register("hj212.suffix", "数据类型 {cn} 的取值后缀应为 {allowed}，不能是“{suffix}”",
         "The value suffix of this data kind must be one of {allowed}, not \"{suffix}\"")
register("hj212.unit-needs-conversion",
         "上传单位 {unit} 与计量点单位 {point_unit} 不同，请填写换算系数（计量点值 = 上传值 × 系数）",
         "The wire unit {unit} differs from the point's unit {point_unit}: give a conversion "
         "factor (point value = wire value × factor)")
register("hj212.factor-taken", "该设备已配置 CN {cn} 的因子 {factor}",
         "Factor {factor} of CN {cn} is already mapped on this device")
register("hj212.point-taken", "一个计量点在同一台数采仪上只能对应一个因子（否则数据按时间相互覆盖）",
         "A metering point can take one factor of a logger only (two series would collide on "
         "their timestamps)")
