"""Tiers: how far a default value can be trusted (provenance), and how an input was obtained
(data quality, 数据来源: 检测值 / 计算值 / 缺省值)."""

from __future__ import annotations

from enum import StrEnum


class ProvenanceTier(StrEnum):
    """Verification tier of a default value, from the tags of methodology.md §0.

    - verified: confirmed in a checked public source (tag S-n);
    - cited: found only in third-party code or a transcription (tag T-n), verify before release;
    - memory_unverified: from memory (tag M), placeholder/demo value until checked;
    - calculated: computed from other values (tag calc), exact given its inputs;
    - user: supplied by the reporting enterprise (measured or declared), not a catalogue default.
    """

    VERIFIED = "verified"
    CITED = "cited"
    MEMORY_UNVERIFIED = "memory_unverified"
    CALCULATED = "calculated"
    USER = "user"

    @classmethod
    def from_tag(cls, tag: str) -> ProvenanceTier:
        """Map a methodology.md tag ("S-2", "T-3", "M", "calc") to a tier."""
        t = tag.strip().upper()
        if t.startswith("S"):
            return cls.VERIFIED
        if t.startswith("T"):
            return cls.CITED
        if t == "CALC":
            return cls.CALCULATED
        if t == "M":
            return cls.MEMORY_UNVERIFIED
        raise ValueError(f"unknown provenance tag {tag!r}")

    @property
    def needs_verification(self) -> bool:
        return self in (ProvenanceTier.CITED, ProvenanceTier.MEMORY_UNVERIFIED)

    @property
    def label_zh(self) -> str:
        return _PROVENANCE_ZH[self]


_PROVENANCE_ZH = {
    ProvenanceTier.VERIFIED: "已核实",
    ProvenanceTier.CITED: "转引待核",
    ProvenanceTier.MEMORY_UNVERIFIED: "记忆值未核实",
    ProvenanceTier.CALCULATED: "计算值",
    ProvenanceTier.USER: "企业提供",
}


class DataQuality(StrEnum):
    """Data-quality tier of one activity datum or parameter as used in a calculation, ordered
    best to worst: measured (检测值) < calculated (计算值, incl. 化学计算) < default (缺省值)."""

    MEASURED = "measured"
    CALCULATED = "calculated"
    DEFAULT = "default"

    @property
    def label_zh(self) -> str:
        return {"measured": "检测值", "calculated": "计算值", "default": "缺省值"}[self.value]

    @property
    def rank(self) -> int:
        return {"measured": 0, "calculated": 1, "default": 2}[self.value]

    @staticmethod
    def worst(*qualities: DataQuality) -> DataQuality:
        """The weakest tier among the inputs of a result line (measured if none)."""
        result = DataQuality.MEASURED
        for q in qualities:
            if q.rank > result.rank:
                result = q
        return result
