"""Network doors that feed the one ingestion service: the HJ 212-2017 TCP server, the MQTT
subscriber, and the CO2 CEMS computations built on ingested readings (decision 0030)."""
