"""Imports every domain's models so that metadata is complete (migrations, tests)."""


def import_all_models() -> None:
    import dualcarbon.accounting.models
    import dualcarbon.activity.models
    import dualcarbon.audit.models
    import dualcarbon.collection.models
    import dualcarbon.factors.models
    import dualcarbon.identity.models
    import dualcarbon.jobs.models
    import dualcarbon.monitoring.models
    import dualcarbon.parkbase.models
    import dualcarbon.protocols.models
    import dualcarbon.registry.models  # noqa: F401
