"""Collection problems and the per-reading rejection reasons (zh-CN and en)."""

from dualcarbon.core.errors import Conflict, Invalid, NotFound, Unauthenticated
from dualcarbon.server.i18n import register


class CollectionNotFound(NotFound):
    code = "collection.not-found"


class IngestUnauthenticated(Unauthenticated):
    """The device door refused the request; ``code`` says why (never which part was right)."""

    code = "ingest.unauthenticated"


class UnknownDeviceKey(IngestUnauthenticated):
    code = "ingest.unknown-key"


class BadSignature(IngestUnauthenticated):
    code = "ingest.bad-signature"


class StaleTimestamp(IngestUnauthenticated):
    code = "ingest.stale-timestamp"


class BadPayload(Invalid):
    code = "ingest.bad-payload"


class ImportRejected(Invalid):
    code = "collection.import.rejected"


class DuplicateEntry(Conflict):
    code = "collection.duplicate"


register(CollectionNotFound.code, "对象不存在或无权访问", "Not found or not accessible")
register(IngestUnauthenticated.code, "设备认证失败", "Device authentication failed")
register(UnknownDeviceKey.code, "设备密钥不存在或已吊销", "Unknown or revoked device key")
register(BadSignature.code, "签名校验失败", "Signature verification failed")
register("ingest.signature-missing", "该边缘网关须对报文签名，但报文未带签名（sig）",
         "This edge must sign its envelopes; the envelope carries no signature (sig)")
register(StaleTimestamp.code, "请求时间戳超出允许范围（±300 秒），请校准时钟",
         "Request timestamp outside the ±300 s window; check the clock")
register(BadPayload.code, "数据包无法解析：{reason}", "The payload cannot be read: {reason}")
register("ingest.too-large", "数据包过大（上限 {limit} 字节或 {max_readings} 条）",
         "Payload too large (limit {limit} bytes or {max_readings} readings)")
register(ImportRejected.code, "导入文件有错误，未导入任何数据",
         "The file has errors; nothing was imported")
register(DuplicateEntry.code, "该记录已存在", "This entry already exists")
# per-reading rejection reasons (ingestion service)
register("ingest.unknown-point", "计量点不存在或不属于该设备的企业",
         "Unknown metering point (or not of the device's enterprise)")
register("ingest.inactive-point", "计量点已停用", "The metering point is inactive")
register("ingest.unit-mismatch", "单位与计量点不一致", "Unit differs from the metering point's")
register("ingest.bad-value", "数值无效（应为十进制数）", "Invalid value (a decimal number expected)")
register("ingest.out-of-range", "数值超出合理范围", "Value outside the plausible range")
register("ingest.bad-timestamp", "时间戳无效", "Invalid timestamp")
register("ingest.future-timestamp", "时间戳超前当前时间 5 分钟以上",
         "Timestamp more than 5 minutes in the future")
register("ingest.bad-quality", "数据标记无效（应为 HJ 212 标记 N/F/M/S/D/C/T/B/H/P）",
         "Invalid quality flag (an HJ 212 flag N/F/M/S/D/C/T/B/H/P expected)")
register("collection.range", "日期范围无效（最多 366 天）", "Invalid date range (at most 366 days)")
register("collection.month.first-day", "月份应为当月 1 日", "The month must be given as its first day")
register("collection.replacement.not-cumulative", "只有累计量计量点（表码）可以登记换表",
         "Meter replacements apply to cumulative registers only")
register("collection.import.missing-column", "缺少必需的列：{column}", "Required column missing: {column}")
register("collection.import.file-type", "只支持 CSV 或 Excel（.xlsx）文件",
         "Only CSV or Excel (.xlsx) files are supported")
register("collection.import.too-many-rows", "行数超过上限 {max}", "More than {max} rows")
register("collection.correction.no-reading", "该计量点在此时刻没有读数（只能修正已收到的读数）",
         "The point has no reading at this time (only a received reading can be corrected)")
register("collection.correction.unchanged", "新数值与当前数值相同", "The new value equals the current one")
