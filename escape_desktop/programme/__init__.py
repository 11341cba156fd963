"""Pure programme rules for ESCAPE-pain classes: schedules, completion, scoring, progression.

Modules in this package import only the standard library and do no file I/O.
"""
