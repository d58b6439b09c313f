"""Accounting-run problems."""

from dualcarbon.core.errors import Conflict, Invalid, NotFound
from dualcarbon.server.i18n import register


class RunNotFound(NotFound):
    code = "accounting.run-not-found"


class LineNotFound(NotFound):
    code = "accounting.line-not-found"


class RunFailed(Conflict):
    code = "accounting.run-failed"


class NoEnterpriseRuns(Invalid):
    code = "accounting.no-enterprise-runs"


class DocumentSourceMissing(Invalid):
    code = "accounting.document-source-missing"


register(RunNotFound.code, "核算记录不存在或无权访问", "Accounting run not found or not accessible")
register(LineNotFound.code, "核算结果中没有该条目", "No such line in the run's result")
register(RunFailed.code, "该次核算未成功，没有结果：{error}", "The run failed and has no result: {error}")
register(NoEnterpriseRuns.code, "该园区在此期间没有成功的企业核算结果",
         "No successful enterprise runs of the park for this period")
register(DocumentSourceMissing.code, "未提供活动数据，且无法从已审核的活动数据生成",
         "No activity document given and none can be built from approved activity data")
register("accounting.period-range", "结束日期不能早于开始日期", "The period ends before it starts")
register("accounting.document-enterprise", "活动数据的期间与核算期间不一致",
         "The document's period differs from the run's period")
