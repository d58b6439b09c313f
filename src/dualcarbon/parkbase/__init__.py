"""Park-level base data (园区层面基础数据, R5.2.1.2-f)."""
