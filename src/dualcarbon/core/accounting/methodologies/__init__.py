"""Methodologies as plug-ins, registered by id (see base.register / get_methodology)."""
