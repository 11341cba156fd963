"""The modal progress that covers the window while the data file is replaced (protecting the
data with a passphrase, re-encrypting, restoring) names the action in the instructor's language,
and so does the sentence a change meets meanwhile (issue 31: the title was the English name of
the action with its first letter raised, under any language)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtWidgets import QProgressDialog, QWidget

from escape_desktop import i18n
from escape_desktop.services import data_safety


@pytest.mark.parametrize(
    "doing", [data_safety.ENCRYPTING, data_safety.REKEYING, data_safety.RESTORING]
)
def test_the_exclusive_progress_names_the_action_in_the_instructors_language(
    qtbot: Any, pseudo: None, doing: str
) -> None:
    from escape_desktop.services.changes import Changes, Done
    from escape_desktop.ui.common.change_bus import ChangeBus
    from escape_desktop.ui.common.operation import exclusive_sentence, run_exclusive

    parent = QWidget()
    qtbot.addWidget(parent)
    bus = ChangeBus(parent)
    go_on = threading.Event()

    def replace_the_file(_progress: Any) -> Done[str]:
        go_on.wait(20)
        return Done("done", Changes.ALL, message="")

    with qtbot.waitSignal(bus.changed, timeout=20000):
        run_exclusive(
            parent, replace_the_file, bus=bus, doing=doing,
            sentence=data_safety.wait_sentence(doing),
        )  # fmt: skip
        (dialog,) = [d for d in parent.findChildren(QProgressDialog) if d.isVisible()]
        title, waiting = dialog.labelText(), exclusive_sentence(bus) or ""
        go_on.set()
    for said in (title, waiting):
        assert said.startswith(i18n.PSEUDO_OPEN), said
        assert not i18n.outside_pseudo(said).strip(" …"), said
