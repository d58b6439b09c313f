"""Imports every domain's jobs module so their @job/@every registrations exist in a worker."""


def import_all_jobs() -> None:
    import dualcarbon.accounting.jobs
    import dualcarbon.collection.jobs
    import dualcarbon.monitoring.jobs
    import dualcarbon.protocols.jobs  # noqa: F401
