"""File dialogs keep health data out of cloud-synced folders unless the user says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from escape_desktop.services.cloud_folders import synced_by
from escape_desktop.ui.common import file_dialogs


@pytest.fixture
def onedrive_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A laptop whose Documents is inside OneDrive (Windows' known folder move)."""
    home = tmp_path / "home"
    docs = home / "OneDrive - NHS Trust" / "Documents"
    docs.mkdir(parents=True)
    monkeypatch.setattr(file_dialogs, "documents_folder", lambda: docs)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    return docs


def test_first_dialog_starts_in_a_local_folder_not_onedrive_documents(
    qtbot, onedrive_documents: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def fake_save(_parent, _title, start, _filters):  # type: ignore[no-untyped-def]
        asked.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_save)
    file_dialogs.save_file(None, tmp_path / "data", "Save", "register.pdf", "PDF (*.pdf)")
    start = Path(asked[0]).parent
    assert onedrive_documents not in (start, *start.parents)
    assert synced_by(start, {}) is None and start.is_dir()


def test_saving_into_onedrive_asks_once_and_no_offers_a_local_folder(
    qtbot, onedrive_documents: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    data.mkdir()
    target = onedrive_documents / "register.pdf"
    starts: list[str] = []
    questions: list[str] = []
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]

    def fake_save(_parent, _title, start, _filters):  # type: ignore[no-untyped-def]
        starts.append(start)
        return str(target), ""

    def fake_question(_parent, _title, text, *_args):  # type: ignore[no-untyped-def]
        questions.append(text)
        return answers.pop(0)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_save)
    monkeypatch.setattr(QMessageBox, "question", fake_question)
    # No: the dialog opens again, in a local folder; Yes: saved where chosen.
    assert file_dialogs.save_file(None, data, "Save", "register.pdf", "PDF (*.pdf)") == str(target)
    assert len(questions) == 2 and "OneDrive" in questions[0]
    assert synced_by(Path(starts[1]).parent, {}) is None
    # Asked once: the same folder next time goes ahead without a question.
    assert file_dialogs.save_file(None, data, "Save", "other.pdf", "PDF (*.pdf)")
    assert len(questions) == 2
    # A local folder never asks.
    local = tmp_path / "local"
    local.mkdir()
    target = local / "x.pdf"
    assert file_dialogs.save_file(None, data, "Save", "x.pdf", "PDF (*.pdf)") == str(target)
    assert len(questions) == 2
