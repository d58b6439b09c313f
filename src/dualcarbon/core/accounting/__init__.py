"""The accounting engine: pure, Decimal, typed. Parameters and their provenance (parameters,
tiers, catalogue), the activity document (model, dataio), methodologies as plug-ins, results with
provenance at facility, process, product, enterprise, industry-group and park level."""
