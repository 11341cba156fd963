"""The built-in guide: F1 opens the page about the screen in front of you, search, no missing files."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from PySide6.QtCore import Qt, QUrl

from escape_desktop.db.queries import course_by_code
from escape_desktop.ui.app import help_dialog
from escape_desktop.ui.app.help_dialog import PAGES, HelpDialog, help_folder, page_for_widget

HELP_BUDGET = 1_500_000  # bytes: the guide ships inside the app


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if (tag, name) in (("a", "href"), ("img", "src")) and value:
                self.refs.append(value)


def _open_course(window, ctx, code: str) -> None:  # type: ignore[no-untyped-def]
    with ctx.db.read() as s:
        window.open_course(course_by_code(s, code).id)


def test_f1_on_the_register_opens_the_register_page(qtbot, make_window, demo_ctx, demo_today):
    window = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready, timeout=5000)
    _open_course(window, demo_ctx, "KH-2026-002")
    window.course_view.show_section(0)
    window.activateWindow()
    qtbot.keyClick(window.course_view.register.table, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: getattr(window, "help_dialog", None) is not None, timeout=3000)
    guide = window.help_dialog
    assert guide.isVisible()
    assert guide.current_page == "register"
    assert "register" in guide.browser.toPlainText().lower()
    assert guide.list.currentItem().text() == "The register"
    guide.close()
    window.course_view.show_section(1)  # the circuit tab gets its own page
    window.show_guide()
    assert window.help_dialog.current_page == "circuit"


def test_f1_in_a_dialog_opens_that_dialogs_page(qtbot, make_window, demo_ctx, demo_today):
    window = make_window(demo_ctx, demo_today)
    qtbot.waitUntil(lambda: window.is_ready, timeout=5000)

    from escape_desktop.ui.safety.backups_dialog import BackupsDialog

    dialog = BackupsDialog(demo_ctx, window.bus, window)
    qtbot.addWidget(dialog)
    dialog.open()  # modal: the menu's F1 cannot reach past it
    qtbot.keyClick(dialog.table, Qt.Key.Key_F1)
    guide = help_dialog._dialog
    assert guide is not None and guide.isVisible()
    assert guide.current_page == "backups"
    assert page_for_widget(dialog) == "backups"


def test_search_finds_the_passphrase_page_and_marks_the_word(qtbot):
    guide = HelpDialog()
    qtbot.addWidget(guide)
    guide.open_page("register")
    guide.search.setText("passphrase")
    assert "backups" in guide.matching_pages()
    assert "register" not in guide.matching_pages()
    shown = [
        guide.list.item(i).data(Qt.ItemDataRole.UserRole)
        for i in range(guide.list.count())
        if not guide.list.item(i).isHidden()
    ]
    assert shown == guide.matching_pages()
    assert guide.current_page == "backups"  # off the register page, to the one most about it
    assert guide.highlights >= 1
    guide.search.setText("zzzz no such words")
    assert guide.nothing.isVisibleTo(guide) and guide.matching_pages() == []


def test_every_page_exists_and_every_link_and_picture_resolves():
    folder = help_folder()
    for page, title in PAGES:
        path = folder / f"{page}.html"
        assert path.is_file(), path
        text = path.read_text(encoding="utf-8")
        assert title in text
        parser = _Refs()
        parser.feed(text)
        assert parser.refs, f"{page} links nowhere and shows no picture"
        for ref in parser.refs:
            assert not re.match(r"[a-z]+://", ref), f"{page}: {ref} needs the internet"
            assert (folder / ref.split("#")[0]).is_file(), f"{page}: {ref} is missing"
    assert any("<img" in (folder / f"{p}.html").read_text() for p, _ in PAGES)
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    assert size < HELP_BUDGET, size


def test_help_menu_has_the_guide_on_f1(qtbot, make_window, demo_ctx, demo_today):
    window = make_window(demo_ctx, demo_today)
    texts = [a.text().replace("&", "") for a in window.help_menu.actions()]
    assert texts[:3] == ["Guide", "Keyboard shortcuts", "About"]
    assert window.guide_action.shortcut().toString() == "F1"


def test_every_dialog_named_for_help_exists():
    """A renamed dialog would quietly lose its page: each name must still be a class in ui/."""
    from pathlib import Path

    import escape_desktop.ui as ui

    source = "\n".join(
        p.read_text(encoding="utf-8") for p in Path(ui.__file__).parent.rglob("*.py")
    )
    missing = [n for n in help_dialog.DIALOG_PAGES if f"class {n}(" not in source]
    assert missing == []


# ---- the guide in the window's language


def _every_page_as_shown(qtbot, guide: HelpDialog) -> dict[str, str]:  # type: ignore[no-untyped-def]
    shown = {}
    for page, _title in PAGES:
        guide.open_page(page)
        qtbot.waitUntil(lambda p=page: guide.current_page == p)
        shown[page] = guide.browser.toPlainText()
    return shown


def test_the_guide_is_all_in_the_pseudo_language(qtbot):
    """No block or picture text of any page escapes the catalogue, opened from the list or
    reached by a link."""
    from pseudo_screens import install_pseudo, remove_pseudo, words

    from escape_desktop import i18n

    install_pseudo()
    try:
        guide = HelpDialog()
        qtbot.addWidget(guide)
        for page, text in _every_page_as_shown(qtbot, guide).items():
            assert i18n.PSEUDO_OPEN in text, page
            # the keys named on a page (Ctrl+N, F1, P) and the file key.json are not words
            loose = words([i18n.outside_pseudo(text)]) - {"ctrl", "shift", "alt", "f", "n"}
            assert not loose, (page, sorted(loose))
        guide.open_page("course")
        guide.browser.setSource(guide.browser.source().resolved(QUrl("backups.html")))
        qtbot.waitUntil(lambda: guide.current_page == "backups")
        assert not words([i18n.outside_pseudo(guide.browser.toPlainText())]) - {"ctrl", "f"}
        for alt in re.findall(r'alt="([^"]*)"', help_dialog.page_html("course")):
            assert alt.startswith("⟦"), alt
    finally:
        remove_pseudo()


def test_the_guide_reads_in_welsh_marked_as_a_first_draft(qtbot):
    from escape_desktop import i18n

    english = {
        page: html.unescape(re.sub(r"<[^>]+>", " ", help_dialog.page_path(page).read_text()))
        for page, _t in PAGES
    }
    draft = i18n.translator("cy")._(i18n.GUIDE_DRAFT)
    assert draft != i18n.GUIDE_DRAFT
    i18n.set_ui_language("cy")
    try:
        guide = HelpDialog()
        qtbot.addWidget(guide)
        for page, text in _every_page_as_shown(qtbot, guide).items():
            assert draft in text, page
            # no English sentence of the page is left: each of its blocks reads in Welsh
            for line in english[page].split("\n"):
                sentence = " ".join(line.split())
                if len(sentence) > 25:
                    assert sentence not in " ".join(text.split()), (page, sentence)
        guide.search.setText("allwedd adfer")  # "recovery key": the search reads the Welsh
        assert "backups" in guide.matching_pages() and guide.highlights >= 1
    finally:
        i18n.set_ui_language(None)
    guide = HelpDialog()
    qtbot.addWidget(guide)
    guide.open_page("course")
    assert draft not in guide.browser.toPlainText()  # English is the original, no note


class _Pictures(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.pictures: list[tuple[str, str]] = []  # (src, alt)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            found = dict(attrs)
            self.pictures.append((found.get("src") or "", found.get("alt") or ""))


def _pictures(page_html: str) -> list[tuple[str, str]]:
    parser = _Pictures()
    parser.feed(page_html)
    return parser.pictures


def _document_images(guide: HelpDialog) -> list[str]:
    """The pictures in the guide's shown page, as its document holds them."""
    names = []
    block = guide.browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isImageFormat():
                names.append(fmt.toImageFormat().name())
            it += 1
        block = block.next()
    return names


def test_the_welsh_guide_shows_welsh_pictures_with_welsh_descriptions(qtbot):
    """A Welsh instructor reading "Y gofrestr" sees the Welsh register, and a screen reader
    reads each picture's description in Welsh; the English guide keeps its English pictures."""
    from escape_desktop import i18n

    folder = help_folder()
    english = {page: _pictures(help_dialog.page_path(page).read_text()) for page, _t in PAGES}
    assert sum(len(p) for p in english.values()) >= 7  # the seven pictures of the guide
    welsh = i18n.translator("cy")
    i18n.set_ui_language("cy")
    try:
        for page, _title in PAGES:
            shown = _pictures(help_dialog.page_html(page))
            assert len(shown) == len(english[page]), page
            for (src, alt), (en_src, en_alt) in zip(shown, english[page], strict=True):
                assert src == en_src.replace(".png", "-cy.png"), (page, src)
                assert (folder / src).is_file(), (page, src)
                assert alt == welsh._(en_alt) and alt != en_alt, (page, alt)
        # and the window's guide shows it: the page's document holds the Welsh picture
        guide = HelpDialog()
        qtbot.addWidget(guide)
        guide.open_page("register")
        qtbot.waitUntil(lambda: guide.current_page == "register")
        assert _document_images(guide) == ["images/main-register-cy.png"]
    finally:
        i18n.set_ui_language(None)
    for page, _title in PAGES:
        assert _pictures(help_dialog.page_html(page)) == english[page], page


def test_a_picture_with_no_copy_in_the_language_stays_english(tmp_path):
    """No broken picture: a language (or a picture) with no copy of its own shows the English."""
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "circuit.png").write_bytes(b"")
    (tmp_path / "images" / "circuit-cy.png").write_bytes(b"")
    page = '<p><img src="images/circuit.png" alt="a"></p><p><img src="images/welcome.png" alt="b">'
    shown = help_dialog.localised_pictures(page, "cy", tmp_path)
    assert [src for src, _alt in _pictures(shown)] == [
        "images/circuit-cy.png",
        "images/welcome.png",
    ]
    assert help_dialog.localised_pictures(page, "xx", tmp_path) == page
    assert help_dialog.localised_pictures(page, "en", tmp_path) == page
