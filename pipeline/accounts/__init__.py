"""Accounts: users, tokens and sessions, offboarding, and who acted in the audit trail."""
