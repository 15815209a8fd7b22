"""Accounts and who they are: sign-in and tokens, admin accounts, the audit trail."""
