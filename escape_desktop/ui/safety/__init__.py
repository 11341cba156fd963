"""Keeping data safe: passphrase, backups, retention, audit and settings."""
