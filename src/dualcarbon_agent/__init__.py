"""dualcarbon edge agent: collect meter/DCS readings, buffer them in a SQLite outbox, upload them
signed (and optionally encrypted) to the park platform's ingestion door.

Imports nothing from the project but ``dualcarbon.core``.
"""

__version__ = "0.1.0"
