"""Screenshot of the import dialog's Columns tab (docs/screenshots/import-columns.png). Demo data only.

Run from the repository under a 1366x768 X screen, e.g.
    xvfb-run -a -s "-screen 0 1366x768x24" python docs/screenshots/import_columns_shot.py OUT.png
The whole screen is captured with ImageMagick's `import -window root`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from escape_desktop.context import AppContext
from escape_desktop.services.courses import CourseInput, create_course
from escape_desktop.ui.common.change_bus import ChangeBus
from escape_desktop.ui.people.import_dialog import ImportDialog

LIST = (
    "Pt ID,NHS Number (10 digit),Patient Forename,Patient Surname,DOB (dd/mm/yyyy),"
    "Gender (M/F),Mobile Tel,Consent to share data (Y/N),Referral Reason,Postcode\r\n"
    "D-01,400 000 0012,Ada,Demo-Ashby,03/02/1950,F,07700 900001,Y,OA right knee,ZZ99 1AA\r\n"
    "D-02,4000000020,Bob,Demo-Bell,14/11/1948,M,07700 900002,N,Chronic LBP,ZZ99 1AB\r\n"
    "D-03,4000000039,Cat,Demo-Cole,21/07/2009,F,07700 900003,Y,L hip pain,ZZ99 1AC\r\n"
)


def wait(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main(out: Path) -> None:
    app = QApplication([])
    from escape_desktop.ui.common import style

    folder = Path(tempfile.mkdtemp())
    ctx = AppContext.open(folder / "data")
    cid = create_course(
        ctx,
        CourseInput(
            title="Knees and hips, St Mary's Hall",
            programme_key="knee_hip",
            start_date="2027-01-04",
            weekdays=[0, 3],
            venue="St Mary's Hall",
            start_time="10:00",
            capacity=12,
            instructors=["Sam Demo-Physio"],
        ),
    )
    path = folder / "Demo physio referrals.csv"
    path.write_text(LIST, encoding="utf-8")
    style.apply(app, dark=False)
    os.chdir(folder)  # the box shows the file's name only, no folder of this machine
    dialog = ImportDialog(ctx, ChangeBus(), cid, "KH-2027-001", None, path=path.name)
    dialog.referrer.setCurrentText("Demo Physio Service")
    dialog.show()
    dialog.move(20, 10)
    dialog.tabs.setCurrentWidget(dialog.columns_tab)
    wait(800)
    subprocess.run(["import", "-window", "root", str(out.resolve())], check=True)
    dialog.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
