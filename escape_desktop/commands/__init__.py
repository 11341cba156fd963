"""Sub-commands of the command line, one module per area; each has register(sub, common)."""

# Module names under escape_desktop.commands; each defines register(subparsers, common_parser).
MODULES = (
    "core",
    "participants",
    "circuit",
    "outcomes",
    "printing",
    "upload",
    "safety",
    "handover",
    "registry",
    "followups",
    "course_run",  # after circuit and handover: adds to their `circuit` and `course` commands
)
