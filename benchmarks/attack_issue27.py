"""Issue 27 attacked again, scaled down: `python -m benchmarks.attack_issue27 [--seed N]`.

A hostile or careless user's table of runs, faults and failures, in minutes on two busy cores:

- ``--out`` aimed at protected files (class data, its backups, another data folder, the
  registry; named directly, through ``..`` and through a symlink; new names inside them)
  by every command that writes a file, with and without ``--force``, the data folder given
  by ``--data-dir`` or by the environment variable;
- SIGKILL at the point of no return of ``passphrase rekey`` and ``encrypt`` (a random moment
  after the pending key file appears): the next ``check`` must not call the data damaged, the
  passphrase must open it, and a recovery key the user has (written down before, or shown
  by the command or by ``check``) must open it;
- the hostile hand-over kinds (tests/services/test_handover_hostile.py, each sealed with the
  right passphrase) and random odd values in random fields;
- the manifest lies (tests/export/test_registry_lies.py) and an edited row with a fixed-up hash;
- hostile sizes: /dev/zero, a named pipe nobody writes, a 3 GB sparse hand-over file, deeply
  nested JSON, a 250 MB upload; each in a child process timed, with its peak memory;
- a really full disk (a small tmpfs, root only): commands that write run with 0 to 1 MB
  free; when one says it saved nothing, nothing may have changed, and when it says it saved,
  what it saved must be whole.

A failure is a protected file changed or written, a recovery key lost, a hostile file loaded,
a crash ("Something went wrong", a traceback), a hang, or a false "Nothing was saved".
The printed table is kept in docs/security-attacks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "tea urn behind the hall door"
HANDOVER_PHRASE = "a hall with no signal"
COURSE = "KH-2026-001"
CODE = re.compile(r"\b[A-Z2-9]{4}(?:-[A-Z2-9]{4}){5}\b")
CRASH = ("Traceback", "Something went wrong", "went wrong")


@dataclass
class Row:
    attack: str
    runs: int = 0
    faults: int = 0
    failures: int = 0
    notes: list[str] = field(default_factory=list)

    def fail(self, why: str) -> None:
        self.failures += 1
        if len(self.notes) < 5:
            self.notes.append(why)


def cli(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The real command line, in this process, its output caught."""
    from escape_desktop.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as e:  # argparse
                code = int(e.code or 0)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return code, out.getvalue(), err.getvalue()


def crashed(text: str) -> bool:
    return any(c in text for c in CRASH)


def demo(folder: Path, seed: int = 7, site: tuple[str, str] = ("Demo Physio", "RX1")) -> Path:
    assert cli("demo", "--data-dir", str(folder), "--seed", str(seed))[0] == 0
    assert cli("site", "--data-dir", str(folder), "--name", site[0], "--code", site[1])[0] == 0
    return folder


def identity(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


# ------------------------------------------------------------------------------ --out


def attack_out(work: Path, rng: random.Random) -> Row:
    row = Row("--out aimed at protected files")
    a, b = demo(work / "site-a"), demo(work / "site-b", seed=8)
    upload = work / "upload.csv"
    assert cli("export", "csv", "--data-dir", str(a), "--out", str(upload))[0] == 0
    reg = work / "registry"
    assert cli("registry", "add", "--data-dir", str(reg), str(upload))[0] == 0
    assert cli("backup", "--data-dir", str(a))[0] == 0
    backup = next(p for p in sorted((a / "backups").iterdir()) if p.is_file())
    existing = [a / "escape.db", a / "escape.db.sums.json", backup, b / "escape.db",
                reg / "registry.db"]  # fmt: skip
    new = [a / "report.pdf", a / "backups" / "upload.csv", reg / "merged.csv"]
    links = work / "links"
    links.mkdir()
    commands: list[tuple[str, ...]] = [
        ("print", "register", "--course", COURSE),
        ("print", "certificates", "--course", COURSE),
        ("print", "progress", "--course", COURSE),
        ("print", "summary", "--course", COURSE),
        ("print", "cards", "--course", COURSE),
        ("print", "session-sheet", "--course", COURSE, "--session", "1"),
        ("export", "csv", "--course", COURSE),
        ("export", "dictionary"),
        ("backup",),
        ("course", "send", "--course", COURSE),
        ("subject-access", "--participant", "{person}"),
        ("registry", "report"),
        ("registry", "export"),
    ]
    person = _a_person(a)
    env_phrase = {"ESCAPE_DESKTOP_HANDOVER_PASSPHRASE": HANDOVER_PHRASE}
    n = 0
    for command in commands:
        registry = command[0] == "registry"
        for target in existing + new:
            for spelling in ("direct", "dotdot", "symlink"):
                if spelling == "direct":
                    aimed = target
                elif spelling == "dotdot":
                    aimed = target.parent / ".." / target.parent.name / target.name
                else:
                    n += 1
                    aimed = links / f"link{n}{target.suffix}"
                    aimed.symlink_to(target)
                for force in (False, True):
                    by_env = rng.random() < 0.5
                    folder = reg if registry else a
                    argv = [c.format(person=person) for c in command]
                    argv += ["--out", str(aimed)] + (["--force"] if force else [])
                    env = dict(env_phrase)
                    if by_env and not registry:
                        env["ESCAPE_DESKTOP_DATA_DIR"] = str(folder)
                    else:
                        argv += ["--data-dir", str(folder)]
                    before = {p: identity(p) for p in existing + new}
                    row.runs += 1
                    row.faults += 1
                    code, _out, err = cli(*argv, env=env)
                    changed = [p for p in existing + new if identity(p) != before[p]]
                    # A command that itself writes the data (certificates recorded, an upload
                    # or hand-over recorded) changes its own escape.db in place: same inode.
                    own_write = [
                        p for p in changed
                        if p == a / "escape.db" and before[p] and identity(p)
                        and identity(p)[0] == before[p][0]  # type: ignore[index]
                        and code != 0
                    ]  # fmt: skip
                    changed = [p for p in changed if p not in own_write]
                    what = f"{' '.join(command[:2])} --out {spelling} {target.name} force={force}"
                    if code == 0:
                        row.fail(f"written: {what}")
                    elif changed:
                        row.fail(f"changed {changed[0].name}: {what}")
                    elif crashed(err) or len(err.strip().splitlines()) != 1:
                        row.fail(f"not one sentence: {what}: {err.strip()[:80]}")
    for folder in (a, b):
        if cli("check", "--data-dir", str(folder))[0] != 0:
            row.fail(f"check fails on {folder.name} afterwards")
    if cli("registry", "sites", "--data-dir", str(reg))[0] != 0:
        row.fail("the registry cannot be read afterwards")
    return row


def _a_person(folder: Path) -> str:
    code, out, _err = cli(
        "circuit", "--course", COURSE, "--session", "1", "--data-dir", str(folder)
    )
    assert code == 0
    found = re.search(r"\((P-[A-Z0-9]+)\)", out)
    assert found is not None
    return found.group(1)


# ------------------------------------------------------------------------------ kills


def attack_kills(work: Path, rng: random.Random, per_command: int) -> Row:
    from escape_desktop.context import AppContext
    from escape_desktop.db import keys
    from escape_desktop.db.encryption import encrypt_existing

    row = Row("SIGKILL at the point of no return (rekey, encrypt)")
    if not hasattr(signal, "SIGKILL"):
        row.notes.append("skipped: no SIGKILL here")
        return row
    template = demo(work / "kill-template")
    secret = work / "pass.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    for command in ("rekey", "encrypt"):
        for run in range(per_command):
            folder = work / f"kill-{command}-{run}"
            folder.mkdir()
            shutil.copy2(template / "escape.db", folder / "escape.db")
            written_down: list[str] = []
            if command == "rekey":
                ctx = AppContext.open(folder)
                db, made = encrypt_existing(ctx.db, PASSPHRASE, n=2**12)
                db.dispose()
                keys.confirm_pending_recovery(folder)
                written_down.append(made.recovery_code)
                argv = ["passphrase", "rekey", "--passphrase-file", str(secret)]
                marker = folder / "key.json.rekeying"
            else:
                argv = ["encrypt", "--new-passphrase-file", str(secret)]
                marker = folder / keys.KEY_FILENAME  # its point of no return
            env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(work / "cfg")}
            child = subprocess.Popen(
                [sys.executable, "-m", "escape_desktop", *argv, "--data-dir", str(folder)],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            )  # fmt: skip
            deadline = time.monotonic() + 120
            while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.25))  # somewhere past the point of no return
            finished = child.poll() is not None
            child.send_signal(signal.SIGKILL)
            out, _err = child.communicate(timeout=60)
            row.runs += 1
            row.faults += 0 if finished else 1
            shown = CODE.findall(out.decode(errors="replace"))
            code, said, err = cli("check", "--data-dir", str(folder),
                                  "--passphrase-file", str(secret))  # fmt: skip
            what = f"{command} run {run}{' (had finished)' if finished else ''}"
            if code != 0 or "damaged" in (said + err).lower():
                row.fail(f"check after the kill: {what}: {(err or said).strip()[:80]}")
                continue
            if not keys.is_encrypted(folder):  # killed before its point of no return: undone
                row.notes.append(f"{what}: killed before the key file, undone, data plain")
                continue
            try:
                key = keys.unlock(folder, PASSPHRASE)
            except Exception as e:  # any refusal is the finding
                row.fail(f"the passphrase no longer opens the data: {what}: {e}")
                continue
            held = written_down + shown + CODE.findall(said)
            opening = [c for c in held if _recovery_opens(folder, c, key)]
            if not opening:
                row.fail(f"no recovery key the user has opens the data: {what}")
    return row


def _recovery_opens(folder: Path, code: str, key: bytes | None) -> bool:
    from escape_desktop.db import keys

    try:
        return keys.unlock_with_recovery(folder, code) == key
    except Exception:  # a wrong key, whatever it is called
        return False


# ------------------------------------------------------------------------------ hand-over


def _test_module(folder: str, name: str):  # type: ignore[no-untyped-def]
    """A test module's case list, read as the tests read it."""
    path = str(ROOT / "tests" / folder)
    if path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module(name)


ODD_VALUES: list[object] = [
    -1e9, 1e12, float("nan"), "A" * 10_000, "x\x00y", "\u202eevil", None, [], {}, "../../x",
    "", True, -1, 2**63, "1900-01-01", "2999-12-31", "<script>", "=HYPERLINK(1)",
]  # fmt: skip


def attack_handover(work: Path, rng: random.Random, fuzz: int) -> Row:
    from escape_desktop.services import handover
    from escape_desktop.services.handover import seal, unseal

    hostile = _test_module("services", "test_handover_hostile")
    row = Row("hostile hand-over files (sealed with the right passphrase)")
    handover.SCRYPT_LOG2_N = 10  # many files to seal and open: the checks are what is attacked
    a, b = demo(work / "laptop-a", seed=1), demo(work / "laptop-b", seed=2)
    env = {"ESCAPE_DESKTOP_HANDOVER_PASSPHRASE": HANDOVER_PHRASE}
    good = work / "good.escape"
    assert cli("course", "send", "--course", COURSE, "--out", str(good), "--data-dir", str(a),
               env=env)[0] == 0  # fmt: skip
    payload = unseal(good.read_bytes(), HANDOVER_PHRASE)
    cases: list[tuple[str, Callable[[dict], None], bool]] = [
        (what, change, True) for what, change, _word in hostile.HOSTILE
    ]
    records = payload["records"]
    by_kind: dict[str, list[str]] = {}
    for k, v in records.items():
        if isinstance(v, dict) and v:
            by_kind.setdefault(k.split("|")[0], []).append(k)
    for i in range(fuzz):
        kind = rng.choice(sorted(by_kind))  # each kind as likely, however many records it has
        key = rng.choice(sorted(by_kind[kind]))
        name = rng.choice(sorted(records[key]))
        value = rng.choice(ODD_VALUES)

        def change(p: dict, key: str = key, name: str = name, value: object = value) -> None:
            p["records"][key][name] = value

        cases.append((f"fuzz {i}: {kind}.{name} = {str(value)[:20]!r}", change, False))
    before = hostile.course_records(b)
    loaded = 0
    for what, change, must_refuse in cases:
        file = work / "hostile.escape"
        bad = json.loads(json.dumps(payload))
        change(bad)
        try:
            file.write_bytes(seal(bad, HANDOVER_PHRASE))
        except (TypeError, ValueError) as e:  # cannot even be written as JSON: nothing to send
            row.notes.append(f"not sealable, skipped: {what} ({type(e).__name__})")
            continue
        row.runs += 1
        row.faults += 1
        code, _out, err = cli("course", "receive", str(file), "--data-dir", str(b), env=env)
        if crashed(err) or (code != 0 and len(err.strip().splitlines()) != 1):
            row.fail(f"crash: {what}: {err.strip()[:80]}")
        elif code == 0 and must_refuse:
            row.fail(f"loaded: {what}")
        elif code == 0:
            loaded += 1
            before = hostile.course_records(b)  # a harmless odd value, loaded: the new normal
        elif hostile.course_records(b) != before:
            row.fail(f"refused, but the data changed: {what}")
    row.notes.append(
        f"{len(hostile.HOSTILE)} listed kinds, {fuzz} random odd values ({loaded} of them "
        "harmless where they landed and loaded, the rest refused in one sentence)"
    )
    return row


# ------------------------------------------------------------------------------ registry


def attack_manifest(work: Path) -> Row:
    from escape_desktop.export.upload_manifest import manifest_path_for

    registry = _test_module("export", "test_registry")
    lies = _test_module("export", "test_registry_lies")
    row = Row("manifest lies and a re-hashed edited row")
    uploads = {}
    for seed, (code, name) in list(registry.SITES.items())[:2]:
        folder = demo(work / f"reg-site{seed}", seed=seed, site=(name, code))
        out = work / f"upload-{code}.csv"
        assert cli("export", "csv", "--data-dir", str(folder), "--out", str(out),
                   "--today", registry.TODAY)[0] == 0  # fmt: skip
        uploads[code] = out
    reg = work / "reg"
    assert cli("registry", "add", "--data-dir", str(reg), str(uploads["HIL02"]))[0] == 0

    def edited_row(rows: list[list[str]]) -> None:
        at = rows[0].index("pain_start")
        row_ = next(r for r in rows[1:] if r[at])
        row_[at] = "0" if row_[at] != "0" else "1"

    cases = [(what, rc, mc) for what, rc, mc, _word in lies.LIES]
    cases.append(("an edited row with a fixed-up hash", edited_row, None))
    row.notes.append(f"{len(lies.LIES)} manifest lies and an edited row re-hashed")
    for i, (what, rows_change, manifest_change) in enumerate(cases):
        place = work / f"lie{i}"
        place.mkdir()
        bad = lies.lie(uploads, place, rows_change, manifest_change)
        assert manifest_path_for(bad).exists()
        before = registry.registry_state(reg)
        row.runs += 1
        row.faults += 1
        code, _out, err = cli("registry", "add", "--data-dir", str(reg), str(bad))
        if code == 0:
            row.fail(f"loaded: {what}")
        elif crashed(err):
            row.fail(f"crash: {what}")
        elif registry.registry_state(reg) != before:
            row.fail(f"refused, but the registry changed: {what}")
    report = work / "report.pdf"
    if cli("registry", "report", "--data-dir", str(reg), "--out", str(report))[0] != 0:
        row.fail("the report cannot be made afterwards")
    return row


# ------------------------------------------------------------------------------ sizes


def _child(
    argv: list[str], env: dict[str, str], timeout: float
) -> tuple[int | None, str, float, int]:
    """(exit code or None when it hung, stderr, seconds, peak memory in MB) of a child."""
    script = (
        "import resource, subprocess, sys, json\n"
        "p = subprocess.run(sys.argv[2:], capture_output=True, text=True, timeout=float(sys.argv[1]))\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps([p.returncode, p.stderr, peak]))\n"
    )
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, str(timeout), sys.executable, "-m", "escape_desktop",
             *argv],
            capture_output=True, text=True, timeout=timeout + 30, env=env,
        )  # fmt: skip
        code, err, peak = json.loads(done.stdout)
    except (subprocess.TimeoutExpired, json.JSONDecodeError, ValueError):
        return None, "hung", time.monotonic() - started, 0
    return code, err, time.monotonic() - started, int(peak) // 1024


def attack_sizes(work: Path) -> Row:
    from escape_desktop.export.upload_manifest import manifest_path_for
    from escape_desktop.services.handover import seal_text

    row = Row("hostile sizes and kinds of file")
    b = demo(work / "sizes-b")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(work / "cfg"),
           "ESCAPE_DESKTOP_HANDOVER_PASSPHRASE": HANDOVER_PHRASE}  # fmt: skip
    pipe = work / "pipe.escape"
    os.mkfifo(pipe)
    sparse = work / "huge.escape"
    with sparse.open("wb") as f:
        f.truncate(3 * 1024**3)  # 3 GB that take no room
    deep = work / "deep.escape"
    text = '{"format": "escape-desktop-handover", "records": ' + "[" * 100_000 + "]" * 100_000 + "}"
    deep.write_bytes(seal_text(text, HANDOVER_PHRASE))
    big = work / "big-upload.csv"
    with big.open("wb") as f:
        f.truncate(250 * 1024**2)
    good = work / "upload-good.csv"
    site = demo(work / "sizes-site")
    assert cli("export", "csv", "--data-dir", str(site), "--out", str(good))[0] == 0
    shutil.copy(manifest_path_for(good), manifest_path_for(big))
    cases = [
        ("course receive /dev/zero", ["course", "receive", "/dev/zero", "--data-dir", str(b)]),
        ("course receive a named pipe", ["course", "receive", str(pipe), "--data-dir", str(b)]),
        ("course receive a 3 GB file", ["course", "receive", str(sparse), "--data-dir", str(b)]),
        ("course receive deeply nested JSON", ["course", "receive", str(deep), "--data-dir", str(b)]),
        ("course receive a folder", ["course", "receive", str(work), "--data-dir", str(b)]),
        ("registry add a 250 MB upload", ["registry", "add", str(big), "--data-dir", str(work / "reg-big")]),
        ("registry add /dev/zero", ["registry", "add", "/dev/zero", "--data-dir", str(work / "reg-big")]),
    ]  # fmt: skip
    for what, argv in cases:
        row.runs += 1
        row.faults += 1
        code, err, seconds, peak = _child(argv, env, timeout=60)
        if code is None:
            row.fail(f"hung: {what}")
        elif code == 0:
            row.fail(f"accepted: {what}")
        elif crashed(err) or len(err.strip().splitlines()) != 1:
            row.fail(f"not one sentence: {what}: {err.strip()[:80]}")
        elif peak > 400 or seconds > 30:
            row.fail(f"{what}: {peak} MB, {seconds:.0f} s")
        row.notes.append(f"{what}: {seconds:.1f} s, {peak} MB") if len(row.notes) < 12 else None
    return row


# ------------------------------------------------------------------------------ full disk


@contextlib.contextmanager
def small_disk(where: Path, size: int) -> Iterator[Path | None]:
    """A real small disk (tmpfs) at ``where``, or None where one cannot be mounted."""
    where.mkdir(parents=True, exist_ok=True)
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("mount") is None:
        yield None
        return
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True)  # fmt: skip
    if done.returncode != 0:
        yield None
        return
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _fill(disk: Path, leave: int) -> Path:
    """Fill ``disk`` to within ``leave`` bytes of full."""
    filler = disk / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    free = shutil.disk_usage(disk).free
    os.truncate(filler, max(0, filler.stat().st_size + free - leave))
    return filler


def _data_digest(folder: Path) -> str:
    """Every row of every table, read straight from the file (and its -wal)."""
    import sqlcipher3.dbapi2 as sqlcipher

    con = sqlcipher.connect(str(folder / "escape.db"))
    try:
        h = hashlib.sha256()
        names = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY 1")
        ]
        for name in names:
            for r in con.execute(f'SELECT * FROM "{name}" ORDER BY 1'):
                h.update(repr(r).encode())
        return h.hexdigest()
    finally:
        con.close()


def attack_full_disk(work: Path, rng: random.Random, runs: int) -> Row:
    row = Row("a really full disk (tmpfs, 0 to 1 MB free)")
    template = demo(work / "disk-template")
    person = _a_person(template)
    referrals = work / "referrals.csv"
    referrals.write_text("Forename,Surname,DOB\nNia,Demo-Full,03/02/1950\n", encoding="utf-8")
    env = {"ESCAPE_DESKTOP_HANDOVER_PASSPHRASE": HANDOVER_PHRASE}
    size = (template / "escape.db").stat().st_size * 4 + 4 * 1024**2
    commands: list[tuple[str, list[str], str | None]] = [
        ("register mark", ["register", "mark", "--course", "KH-2026-002", "--session", "1",
                           "--person", "{p2}", "--status", "apologies"], None),
        ("measures record", ["measures", "record", "--course", COURSE, "--person", person,
                             "--timepoint", "follow-up", "--score", "pain_nrs=2",
                             "--date", "2026-12-01"], None),
        ("import participants", ["import", "participants", "--course", "KH-2026-003",
                                 str(referrals)], None),
        ("export csv", ["export", "csv", "--course", COURSE, "--out", "{out}/u.csv"], "u.csv"),
        ("print certificates", ["print", "certificates", "--course", COURSE,
                                "--out", "{out}/c.pdf"], "c.pdf"),
        ("course send", ["course", "send", "--course", COURSE, "--out", "{out}/c.escape"],
         "c.escape"),
        ("subject-access", ["subject-access", "--participant", person, "--out", "{out}/p.json"],
         "p.json"),
        ("backup", ["backup"], None),
    ]  # fmt: skip
    p2 = _a_person_on(template, "KH-2026-002")
    with small_disk(work / "disk", size) as disk:
        if disk is None:
            row.notes.append("skipped: no tmpfs can be mounted here (needs root)")
            return row
        outcome = {"refused": 0, "saved": 0}
        for run in range(runs):
            name, argv, made = commands[run % len(commands)]
            leave = rng.choice([0, 4096, 16384, 65536, 262144, 1024**2])
            data, out = disk / "data", disk / "out"
            shutil.rmtree(data, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
            (disk / "filler").unlink(missing_ok=True)
            shutil.copytree(template, data)
            out.mkdir()
            before = _data_digest(data)
            filler = _fill(disk, leave)
            args = [a.format(out=out, p2=p2) for a in argv] + ["--data-dir", str(data)]
            row.runs += 1
            row.faults += 1
            code, said, err = cli(*args, env=env)
            filler.unlink()
            what = f"{name} with {leave // 1024} KB free"
            left = sorted(p.name for p in out.iterdir())
            outcome["refused" if code != 0 else "saved"] += 1
            if crashed(err):
                row.fail(f"crash: {what}: {err.strip()[:80]}")
            elif code != 0:
                if _data_digest(data) != before:
                    row.fail(f"refused, but the data changed: {what}")
                elif left:
                    row.fail(f"refused, but left {left}: {what}")
            elif made is not None and not _whole(out / made):
                row.fail(f"said saved, but {made} is not whole: {what}")
            if cli("check", "--data-dir", str(data))[0] != 0:
                row.fail(f"check fails after: {what}")
        row.notes.append(
            f"{outcome['refused']} refused on the full disk (nothing changed each time), "
            f"{outcome['saved']} saved whole in the room left"
        )
    return row


def _a_person_on(folder: Path, course: str) -> str:
    code, out, _err = cli(
        "circuit", "--course", course, "--session", "1", "--data-dir", str(folder)
    )
    found = re.search(r"\((P-[A-Z0-9]+)\)", out)
    assert code == 0 and found is not None
    return found.group(1)


def _whole(path: Path) -> bool:
    if not path.is_file() or path.stat().st_size == 0:
        return False
    data = path.read_bytes()
    if path.suffix == ".pdf":
        return data.rstrip().endswith(b"%%EOF")
    if path.suffix == ".json":
        try:
            json.loads(data)
        except ValueError:
            return False
    if path.suffix == ".csv":
        from escape_desktop.export.upload_manifest import manifest_path_for

        return manifest_path_for(path).is_file()
    return True


# ------------------------------------------------------------------------------ main


def table(rows: list[Row], seconds: float) -> str:
    lines = [
        "| attack | runs | faults injected | failures |",
        "|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r.attack} | {r.runs} | {r.faults} | {r.failures} |")
    total = Row("total", sum(r.runs for r in rows), sum(r.faults for r in rows),
                sum(r.failures for r in rows))  # fmt: skip
    lines.append(f"| **{total.attack}** | **{total.runs}** | **{total.faults}** | "
                 f"**{total.failures}** |")  # fmt: skip
    lines.append("")
    lines.append(f"{seconds / 60:.1f} minutes.")
    for r in rows:
        for note in r.notes:
            lines.append(f"- {r.attack}: {note}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument("--kills", type=int, default=8, help="kills per command (rekey, encrypt)")
    parser.add_argument("--fuzz", type=int, default=40, help="random odd hand-over values")
    parser.add_argument("--disk-runs", type=int, default=32, help="full-disk runs")
    parser.add_argument("--only", default="", help="out,kills,handover,manifest,sizes,disk")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="escape-attack-"))
    os.environ["XDG_CONFIG_HOME"] = str(work / "cfg")  # its own list of recent folders
    os.environ["XDG_STATE_HOME"] = str(work / "state")
    os.environ.pop("ESCAPE_DESKTOP_DATA_DIR", None)
    attacks: dict[str, Callable[[], Row]] = {
        "out": lambda: attack_out(work / "out", rng),
        "kills": lambda: attack_kills(work / "kills", rng, args.kills),
        "handover": lambda: attack_handover(work / "handover", rng, args.fuzz),
        "manifest": lambda: attack_manifest(work / "manifest"),
        "sizes": lambda: attack_sizes(work / "sizes"),
        "disk": lambda: attack_full_disk(work / "disk-runs", rng, args.disk_runs),
    }
    chosen = [a for a in args.only.split(",") if a] or list(attacks)
    rows = []
    try:
        for name in chosen:
            (work / name).mkdir(parents=True, exist_ok=True)
            t = time.monotonic()
            rows.append(attacks[name]())
            print(f"{name}: {time.monotonic() - t:.0f} s", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(table(rows, time.monotonic() - started))
    return 1 if any(r.failures for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
