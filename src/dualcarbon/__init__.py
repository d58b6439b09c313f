"""dualcarbon — 化工园区双碳管理信息系统."""

__version__ = "0.1.0"
