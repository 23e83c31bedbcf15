"""The translation providers: one client per service, all behind ``Provider``."""
