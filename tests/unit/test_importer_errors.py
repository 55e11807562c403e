"""``import --to FILE``: a FILE that cannot be read or written is one clear ConfigError, and
the user's hand-written TOML is never left half-written."""

from __future__ import annotations

import stat
import textwrap
from pathlib import Path

import pytest

from reconciler.errors import ConfigError
from reconciler.importer import import_objects
from reconciler.kinds.base import Observed
from reconciler.settings import Settings
from reconciler.state.base import State
from tests import child
from tests.engine.memory_kind import MemoryKind

HAND_WRITTEN = '# my accounts, kept by hand\n[memory_thing.first]\nkey = "first"\n'


def run_import(target: Path, tags: list[str] | None = None) -> tuple[list[str], State]:
    kind = MemoryKind(Settings())
    observed = Observed(
        natural_key="second", remote_id="id-2", values={"key": "second", "tags": tags or []}
    )
    state = State.new()
    added, skipped = import_objects(
        [(kind.name, observed)], {kind.name: kind}, state, target, {kind.name: {"first"}}
    )
    assert skipped == []
    return added, state


def test_target_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        run_import(tmp_path)
    assert str(exc.value) == f"{tmp_path}: cannot import into a directory; name a TOML file"


def test_target_that_is_not_utf8(tmp_path: Path) -> None:
    target = tmp_path / "c.toml"
    target.write_bytes(b'key = "\xff"\n')
    with pytest.raises(ConfigError) as exc:
        run_import(target)
    assert (
        str(exc.value) == f"{target}: cannot import into this file: it is not UTF-8 text (byte 7)"
    )
    assert target.read_bytes() == b'key = "\xff"\n'


@pytest.mark.parametrize(
    ("extra", "line", "problem"),
    [
        ('key = "again"\n', None, 'Key "key" already exists'),
        ("tags = [1,\n= 2\n", 5, "Unexpected character"),
    ],
)
def test_target_that_is_not_valid_toml(
    tmp_path: Path, extra: str, line: int | None, problem: str
) -> None:
    target = tmp_path / "c.toml"
    target.write_text(HAND_WRITTEN + extra)
    with pytest.raises(ConfigError) as exc:
        run_import(target)
    where = f"{target}:{line}" if line else str(target)
    assert str(exc.value).startswith(f"{where}: cannot import into this file: invalid TOML: ")
    assert problem in str(exc.value)
    assert target.read_text() == HAND_WRITTEN + extra


def test_import_keeps_the_hand_written_text_and_the_file_mode(tmp_path: Path) -> None:
    target = tmp_path / "c.toml"
    target.write_text(HAND_WRITTEN)
    target.chmod(0o640)
    added, state = run_import(target, ["a"])
    assert added == ["memory_thing.second"]
    assert list(state.resources) == ["memory_thing.second"]
    text = target.read_text()
    assert text.startswith(HAND_WRITTEN)
    assert "[memory_thing.second]" in text and 'key = "second"' in text
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]


def test_a_new_target_is_an_ordinary_config_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "new.toml"
    run_import(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert "[memory_thing.second]" in target.read_text()


def test_a_symlinked_target_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    real.write_text(HAND_WRITTEN)
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    run_import(link)
    assert link.is_symlink()
    assert "[memory_thing.second]" in real.read_text()


IMPORT_ON_A_FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    from pathlib import Path
    from reconciler.errors import ConfigError
    from tests.unit.test_importer_errors import run_import
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))
    try:
        run_import(Path(sys.argv[1]), ["x" * 100_000])
    except ConfigError as exc:
        print("ERR", exc)
    """
)


def test_an_interrupted_write_leaves_the_hand_written_file_whole(tmp_path: Path) -> None:
    # A real short write: the file-size limit makes the OS refuse the new file part-way.
    target = tmp_path / "c.toml"
    target.write_text(HAND_WRITTEN)
    out = child.run(IMPORT_ON_A_FULL_DISK, str(target))
    assert out.stdout.startswith("ERR "), out.stderr
    assert f"{target}: cannot write the imported configuration: File too large" in out.stdout
    assert target.read_text() == HAND_WRITTEN
    assert [p.name for p in tmp_path.iterdir()] == ["c.toml"]


class _Strange(MemoryKind):
    def spec_table(self, observed: Observed) -> dict[str, object]:
        raise ConfigError("the live object uses regions.exclude_only, which this version ...")


@pytest.mark.parametrize(
    ("kind", "values", "why"),
    [
        (MemoryKind, {"key": "k", "tags": "not-a-list"}, "refuses its live value of tags"),
        (MemoryKind, {"tags": []}, "key cannot be read from the API"),
        (_Strange, {"key": "k"}, "uses regions.exclude_only"),
    ],
)
def test_objects_that_cannot_be_imported_are_skipped_with_the_reason(
    tmp_path: Path, kind: type[MemoryKind], values: dict[str, object], why: str
) -> None:
    made = kind(Settings())
    observed = Observed(natural_key="k", remote_id="id-k", values=values)
    added, skipped = import_objects(
        [(made.name, observed)], {made.name: made}, State.new(), tmp_path / "x.toml", {}
    )
    assert added == []
    (message,) = skipped
    assert message.startswith("memory_thing k: not imported: ")
    assert why in message
    assert not (tmp_path / "x.toml").exists()
