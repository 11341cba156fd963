"""Dialogs about participants: add, edit, find, import, withdraw, move."""
